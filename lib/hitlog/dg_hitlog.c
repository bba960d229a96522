/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The hit log writer: formats records straight into a large buffer and hands it to the
 * kernel in big write(2)s; rotates by size and by time. Runs on the management core
 * only; gzip and removal of rotated files run in the archive thread (hitlog_archive.c).
 */
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "dg_hitlog.h"
#include "hitlog_pvt.h"

enum {
	HITLOG_BUF = 256 * 1024, /* a few thousand lines per write(2) */
	ROTATE_SEQ_MAX = 10000,  /* rotations told apart within one second */
};

struct dg_hitlog {
	int fd;
	size_t used;           /* bytes buffered */
	uint64_t lines;        /* lines buffered */
	bool torn;             /* the file ends inside a line: start the next write on a new one */
	uint64_t file_bytes;   /* bytes in the open file */
	uint64_t limit;        /* rotate before the file passes this; 0 = no size limit */
	int64_t next_rotate;   /* unix seconds of the next interval's end; 0 = none */
	struct dg_hitlog_stats st;
	struct dg_hitlog_rotation rot;
	struct hitlog_archive *arc; /* NULL: rotation off */
	char last_stamp[24];   /* second of the last rotated name, and its number: names */
	unsigned int last_seq; /* never repeat, even after the oldest are removed */
	char *path;
	char buf[HITLOG_BUF];
};

/*
 * Open @p path for appending; *@p size gets the bytes already there and *@p torn tells
 * whether it ends inside a line (a writer killed mid-write, a disk that filled up): that
 * line is ended before the next one.
 */
static int
open_log(const char *path, uint64_t *size, bool *torn)
{
	int fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
	off_t end;
	char last;

	*size = 0;
	*torn = false;
	if (fd < 0)
		return -errno;
	end = lseek(fd, 0, SEEK_END);
	*size = end > 0 ? (uint64_t)end : 0;
	*torn = end > 0 && pread(fd, &last, 1, end - 1) == 1 && last != '\n';
	return fd;
}

int
dg_hitlog_open(struct dg_hitlog **hp, const char *path, char *err, size_t len)
{
	struct dg_hitlog *h;
	int fd;

	*hp = NULL;
	h = calloc(1, sizeof(*h));
	if (h == NULL || (h->path = strdup(path)) == NULL) {
		free(h);
		if (err != NULL)
			snprintf(err, len, "hit log %s: out of memory", path);
		return -ENOMEM;
	}
	fd = open_log(path, &h->file_bytes, &h->torn);
	if (fd < 0) {
		if (err != NULL)
			snprintf(err, len, "hit log %s: %s", path, strerror(-fd));
		free(h->path);
		free(h);
		return fd;
	}
	h->fd = fd;
	*hp = h;
	return 0;
}

/* One write(2) of @p n bytes, retried on EINTR: @return bytes written, or -errno. */
static ssize_t
write_some(int fd, const char *p, size_t n)
{
	ssize_t w;

	do {
		w = write(fd, p, n);
	} while (w < 0 && errno == EINTR);
	return w < 0 ? -errno : w == 0 ? -EIO : w;
}

/* End a line cut short by an earlier failed write, so the next line is whole. */
static int
end_torn_line(struct dg_hitlog *h)
{
	ssize_t w;

	if (!h->torn)
		return 0;
	w = write_some(h->fd, "\n", 1);
	if (w < 0)
		return (int)w;
	h->file_bytes++;
	h->torn = false;
	return 0;
}

int
dg_hitlog_set_rotation(struct dg_hitlog *h, const struct dg_hitlog_rotation *rot, int64_t now)
{
	int rc;

	if (h->arc != NULL)
		return -EINVAL;
	if (rot->size == 0 && rot->interval == 0)
		return 0;
	rc = hitlog_archive_start(&h->arc, h->path, rot->keep, rot->gzip);
	if (rc < 0)
		return rc;
	h->rot = *rot;
	h->limit = rot->size;
	if (rot->interval != 0)
		h->next_rotate = (now / rot->interval + 1) * rot->interval;
	return 0;
}

int
dg_hitlog_flush(struct dg_hitlog *h)
{
	size_t off = 0, done = 0;
	ssize_t n = 0;
	int rc;

	if (h->used == 0)
		return 0;
	rc = end_torn_line(h);
	while (rc == 0 && off < h->used) {
		n = write_some(h->fd, h->buf + off, h->used - off);
		if (n < 0)
			rc = (int)n;
		else
			off += (size_t)n;
	}
	h->file_bytes += off;
	if (rc == 0) {
		h->st.written += h->lines;
		h->used = 0;
		h->lines = 0;
		return 0;
	}
	/*
	 * The disk refuses bytes. Drop what is left rather than let the buffer (and the
	 * rings behind it) back up; lines that made it whole are written, the rest lost.
	 * A partial line may be in the file: it is ended before anything else is written,
	 * so readers resynchronise on the next line.
	 */
	for (const char *p = h->buf; (p = memchr(p, '\n', (size_t)(h->buf + off - p))) != NULL;
	     p++)
		done++;
	h->st.written += done;
	h->st.failed += h->lines - done;
	if (off > 0 && h->buf[off - 1] != '\n') {
		h->torn = true;
		end_torn_line(h);
	}
	h->used = 0;
	h->lines = 0;
	return rc;
}

/*
 * PATH.YYYYMMDDTHHMMSSZ.NNNN after the last one this writer made (a number freed by a
 * removal is not taken again: names sort in time order), and that neither exists nor
 * has a .gz (files of an earlier run in the same second).
 */
static int
rotated_name(struct dg_hitlog *h, char *out, size_t len)
{
	char gz[4096];
	time_t now = time(NULL);
	struct tm tm;
	char stamp[sizeof(h->last_stamp)];
	unsigned int seq = 0;

	if (gmtime_r(&now, &tm) == NULL)
		return -EINVAL;
	strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
	if (strcmp(stamp, h->last_stamp) == 0)
		seq = h->last_seq + 1;
	for (; seq < ROTATE_SEQ_MAX; seq++) {
		if ((size_t)snprintf(out, len, "%s.%s.%04u", h->path, stamp, seq) >= len ||
		    (size_t)snprintf(gz, sizeof(gz), "%s.gz", out) >= sizeof(gz))
			return -ENAMETOOLONG;
		if (access(out, F_OK) != 0 && access(gz, F_OK) != 0) {
			memcpy(h->last_stamp, stamp, sizeof(stamp));
			h->last_seq = seq;
			return 0;
		}
	}
	return -EEXIST;
}

/* Open the path again and switch to it; the old file stays in use if it cannot be. */
static int
open_again(struct dg_hitlog *h)
{
	uint64_t size;
	bool torn;
	int fd = open_log(h->path, &size, &torn);

	if (fd < 0)
		return fd;
	close(h->fd);
	h->fd = fd;
	h->file_bytes = size;
	h->torn = torn; /* a cut line in the old file stays there */
	h->limit = h->rot.size;
	return 0;
}

int
dg_hitlog_rotate(struct dg_hitlog *h)
{
	char name[4096];
	int rc;

	if (h->arc == NULL)
		return -EINVAL;
	rc = dg_hitlog_flush(h);
	/* A file that cannot be rotated is not retried on each line: after rot.size more. */
	if (h->rot.size != 0)
		h->limit = h->file_bytes + h->rot.size;
	if (rc == 0)
		rc = rotated_name(h, name, sizeof(name));
	if (rc == 0 && rename(h->path, name) != 0)
		rc = -errno;
	if (rc < 0) {
		h->st.archive_errors++;
		return rc;
	}
	rc = open_again(h);
	if (rc < 0) {
		/* Lines keep going to the rotated file; a later rotation tries again. */
		h->st.archive_errors++;
		return rc;
	}
	h->st.rotations++;
	hitlog_archive_push(h->arc, name);
	return 0;
}

int
dg_hitlog_write(struct dg_hitlog *h, const struct dg_hit_record *r,
		const struct dg_hitlog_clock *c)
{
	int n, rc = 0;

	n = dg_hitlog_format_json(r, c, h->buf + h->used, sizeof(h->buf) - h->used);
	if (n == -ENOSPC) {
		rc = dg_hitlog_flush(h);
		n = dg_hitlog_format_json(r, c, h->buf, sizeof(h->buf));
	}
	if (n < 0) {
		h->st.failed++;
		return n;
	}
	/* The line sits after the buffered ones: rotate with those, then it starts the file. */
	if (h->limit != 0 && h->file_bytes + h->used + (size_t)n > h->limit &&
	    h->file_bytes + h->used > 0) {
		size_t at = h->used;

		/* A failure is counted in archive_errors; the flush empties the buffer. */
		dg_hitlog_rotate(h);
		memmove(h->buf, h->buf + at, (size_t)n);
	}
	h->used += (size_t)n;
	h->lines++;
	return rc;
}

int
dg_hitlog_tick(struct dg_hitlog *h, int64_t now)
{
	if (h->next_rotate == 0 || now < h->next_rotate)
		return 0;
	h->next_rotate = (now / h->rot.interval + 1) * h->rot.interval;
	if (h->file_bytes + h->used == 0)
		return 0;
	return dg_hitlog_rotate(h);
}

int
dg_hitlog_reopen(struct dg_hitlog *h)
{
	int rc = dg_hitlog_flush(h);
	int rc2 = open_again(h);

	if (rc2 < 0)
		return rc2;
	h->st.reopens++;
	return rc;
}

void
dg_hitlog_get_stats(const struct dg_hitlog *h, struct dg_hitlog_stats *s)
{
	*s = h->st;
	if (h->arc != NULL)
		hitlog_archive_stats(h->arc, s);
}

int
dg_hitlog_finish(struct dg_hitlog *h)
{
	int rc = dg_hitlog_flush(h);

	if (h->arc != NULL) {
		hitlog_archive_stop(h->arc, &h->st);
		h->arc = NULL;
		h->limit = 0;
		h->next_rotate = 0;
	}
	return rc;
}

void
dg_hitlog_close(struct dg_hitlog *h)
{
	if (h == NULL)
		return;
	dg_hitlog_finish(h);
	close(h->fd);
	free(h->path);
	free(h);
}
