/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The hit log writer: formats records straight into a large buffer and hands it to the
 * kernel in big write(2)s. Runs on the management core only.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dg_hitlog.h"

enum {
	HITLOG_BUF = 256 * 1024, /* a few thousand lines per write(2) */
};

struct dg_hitlog {
	int fd;
	size_t used;           /* bytes buffered */
	uint64_t lines;        /* lines buffered */
	struct dg_hitlog_stats st;
	char *path;
	char buf[HITLOG_BUF];
};

static int
open_log(const char *path)
{
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);

	return fd < 0 ? -errno : fd;
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
	fd = open_log(path);
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

int
dg_hitlog_flush(struct dg_hitlog *h)
{
	size_t off = 0;
	ssize_t n;

	while (off < h->used) {
		n = write(h->fd, h->buf + off, h->used - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			int rc = n < 0 ? -errno : -EIO;

			/*
			 * Drop what is left rather than let the buffer (and the rings
			 * behind it) back up. A partial line may be in the file: the next
			 * line starts after a '\n' we add so readers resynchronise.
			 */
			h->st.failed += h->lines;
			h->used = 0;
			h->lines = 0;
			if (off > 0 && write(h->fd, "\n", 1) < 0) {
				/* the disk is refusing bytes; nothing more to do */
			}
			return rc;
		}
		off += (size_t)n;
	}
	h->st.written += h->lines;
	h->used = 0;
	h->lines = 0;
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
	h->used += (size_t)n;
	h->lines++;
	return rc;
}

int
dg_hitlog_rotate(struct dg_hitlog *h)
{
	int rc = dg_hitlog_flush(h);
	int fd = open_log(h->path);

	if (fd < 0)
		return fd;
	close(h->fd);
	h->fd = fd;
	h->st.rotations++;
	return rc;
}

void
dg_hitlog_get_stats(const struct dg_hitlog *h, struct dg_hitlog_stats *s)
{
	*s = h->st;
}

void
dg_hitlog_close(struct dg_hitlog *h)
{
	if (h == NULL)
		return;
	dg_hitlog_flush(h);
	close(h->fd);
	free(h->path);
	free(h);
}
