/* SPDX-License-Identifier: BSD-3-Clause */
/* Audit trail of control changes: record format, append, bounded read from the end. */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dg_err.h"
#include "dg_ctl_audit.h"

struct dg_ctl_audit {
	int fd;
	char *path;
	bool need_nl;                  /* the file does not end with '\n' */
	struct dg_ctl_audit_stats st;
	char line[DG_CTL_AUDIT_LINE_MAX + 1];  /* +1: a '\n' to end a cut line first */
};

/* Output with a hard end: puts past it are dropped and remembered. */
struct out {
	char *p;
	size_t len, end;
	bool full;
};

static void
put(struct out *o, const char *s, size_t n)
{
	if (o->full || n > o->end - o->len) {
		o->full = true;
		return;
	}
	memcpy(o->p + o->len, s, n);
	o->len += n;
}

/* One byte of a quoted value: `"` `\` escaped, anything not printable ASCII as \xHH. */
static size_t
esc(unsigned char ch, char e[4])
{
	static const char hex[] = "0123456789abcdef";

	if (ch == '"' || ch == '\\') {
		e[0] = '\\';
		e[1] = (char)ch;
		return 2;
	}
	if (ch >= 0x20 && ch <= 0x7e) {
		e[0] = (char)ch;
		return 1;
	}
	e[0] = '\\';
	e[1] = 'x';
	e[2] = hex[ch >> 4];
	e[3] = hex[ch & 15];
	return 4;
}

static void
put_esc(struct out *o, unsigned char ch)
{
	char e[4];

	put(o, e, esc(ch, e));
}

/*
 * As dg_ctl_encode() would send it: words with blanks or quotes, or empty, go quoted.
 * A protocol escape and its byte are put as one, so a cut never splits them.
 */
static void
put_word(struct out *o, const char *w)
{
	bool q = *w == '\0' || strpbrk(w, " \t\"") != NULL;
	char e[8];

	if (q)
		put_esc(o, '"');
	for (; *w != '\0' && !o->full; w++) {
		size_t n = 0;

		if (q && (*w == '"' || *w == '\\'))
			n = esc('\\', e);
		n += esc((unsigned char)*w, e + n);
		put(o, e, n);
	}
	if (q)
		put_esc(o, '"');
}

/* Every field after the head; @return whether it all fitted before o->end. */
static bool
render(const struct dg_ctl_audit_record *r, const char *head, size_t hlen, struct out *o)
{
	put(o, head, hlen);
	if (r->rc != 0) {
		const char *why = r->reason != NULL && r->reason[0] != '\0' ? r->reason :
				  strerror(-r->rc);

		put(o, " reason=\"", 9);
		/* a reason is one status line: cut it as the server does */
		for (size_t i = 0; why[i] != '\0' && i < DG_CTL_REASON_MAX - 1 && !o->full; i++)
			put_esc(o, (unsigned char)why[i]);
		put(o, "\"", 1);
	}
	put(o, " cmd=\"", 6);
	for (int i = 0; i < r->argc && !o->full; i++) {
		if (i > 0)
			put(o, " ", 1);
		put_word(o, r->argv[i] != NULL ? r->argv[i] : "");
	}
	put(o, "\"\n", 2);
	return !o->full;
}

int
dg_ctl_audit_format(const struct dg_ctl_audit_record *r, char *buf, size_t size)
{
	static const char cut[] = "\" truncated=yes\n";
	char head[160];
	struct tm tm;
	struct out o;
	time_t t;
	int n;

	if (r == NULL || buf == NULL || size < DG_CTL_AUDIT_LINE_MIN || r->argc < 0 ||
	    (r->argc > 0 && r->argv == NULL))
		return -EINVAL;
	t = r->time.tv_sec;
	if (gmtime_r(&t, &tm) == NULL)
		return -EINVAL;
	n = snprintf(head, sizeof(head), "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ uid=%u gid=%u "
		     "pid=%ld result=%s", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
		     tm.tm_hour, tm.tm_min, tm.tm_sec, r->time.tv_nsec / 1000000,
		     (unsigned int)r->uid, (unsigned int)r->gid, (long)r->pid,
		     r->rc == 0 ? "OK" : "ERR");
	if (n < 0 || (size_t)n >= sizeof(head))
		return -EINVAL;
	o = (struct out){ buf, 0, size - 1, false };
	if (!render(r, head, (size_t)n, &o)) {
		/* again, leaving room for the marker: whatever happens, the line ends */
		o = (struct out){ buf, 0, size - sizeof(cut), false };
		render(r, head, (size_t)n, &o);
		o.end = size - 1;
		o.full = false;
		put(&o, cut, sizeof(cut) - 1);
	}
	buf[o.len] = '\0';
	return (int)o.len;
}

/* Does the file end without a newline (a record cut short before)? */
static bool
ends_open(int fd)
{
	struct stat sb;
	char last;

	return fstat(fd, &sb) == 0 && sb.st_size > 0 &&
	       pread(fd, &last, 1, sb.st_size - 1) == 1 && last != '\n';
}

static int
open_file(const char *path, bool *need_nl)
{
	int fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0640);

	if (fd < 0)
		return -errno;
	*need_nl = ends_open(fd);
	return fd;
}

int
dg_ctl_audit_open(const char *path, struct dg_ctl_audit **out, char *err, size_t errlen)
{
	struct dg_ctl_audit *a;
	int fd;

	if (path == NULL || path[0] == '\0' || out == NULL)
		return dg_errf(err, errlen, -EINVAL, "audit log: no path");
	a = calloc(1, sizeof(*a));
	if (a == NULL || (a->path = strdup(path)) == NULL) {
		free(a);
		return dg_errf(err, errlen, -ENOMEM, "audit log: out of memory");
	}
	fd = open_file(path, &a->need_nl);
	if (fd < 0) {
		free(a->path);
		free(a);
		return dg_errf(err, errlen, fd, "%s: %s", path, strerror(-fd));
	}
	a->fd = fd;
	*out = a;
	return 0;
}

int
dg_ctl_audit_write(struct dg_ctl_audit *a, const struct dg_ctl_audit_record *r)
{
	char *p = a->line + 1;
	int n = dg_ctl_audit_format(r, p, sizeof(a->line) - 1);
	size_t len, off = 0;
	ssize_t w;

	if (n < 0)
		goto failed;
	len = (size_t)n;
	if (a->need_nl) {
		/* never glue a record to a line cut short before */
		*--p = '\n';
		len++;
	}
	while (off < len) {
		w = write(a->fd, p + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			n = w < 0 ? -errno : -EIO;
			if (off > 0)
				a->need_nl = p[off - 1] != '\n';
			goto failed;
		}
		off += (size_t)w;
	}
	a->need_nl = false;
	a->st.written++;
	return 0;
failed:
	a->st.failed++;
	a->st.last_error = n;
	return n;
}

int
dg_ctl_audit_reopen(struct dg_ctl_audit *a)
{
	bool nl = false;
	int fd = open_file(a->path, &nl);

	if (fd < 0)
		return fd;
	close(a->fd);
	a->fd = fd;
	a->need_nl = nl;
	return 0;
}

/*
 * Offset where the last @p n lines of [lo, end) begin: scan back in chunks for the
 * newline before them. A last line without '\n' counts as a line; from a window that
 * does not start the file, the first (partial) line is left out.
 */
static int
tail_start(int fd, off_t lo, off_t end, unsigned int n, off_t *start, unsigned int *lines)
{
	char chunk[65536];
	off_t pos = end, lowest = -1;
	unsigned int seen = 0;
	bool first = true;

	while (pos > lo) {
		size_t len = (size_t)(pos - lo) < sizeof(chunk) ? (size_t)(pos - lo) : sizeof(chunk);
		ssize_t got;

		pos -= (off_t)len;
		got = pread(fd, chunk, len, pos);
		if (got != (ssize_t)len)
			return got < 0 ? -errno : -EIO;
		for (size_t i = len; i-- > 0;) {
			if (first) {
				/* the newline ending the file closes the last line */
				first = false;
				if (chunk[i] == '\n')
					continue;
			}
			if (chunk[i] != '\n')
				continue;
			lowest = pos + (off_t)i;
			if (++seen == n) {
				*start = lowest + 1;
				*lines = seen;
				return 0;
			}
		}
	}
	if (lo == 0) {
		*start = 0;
		*lines = seen + (end > 0);
	} else {
		*start = lowest >= 0 ? lowest + 1 : end;
		*lines = seen;
	}
	return 0;
}

int
dg_ctl_audit_tail(struct dg_ctl_audit *a, unsigned int n, struct dg_ctl_buf *out)
{
	char chunk[65536];
	struct stat sb;
	off_t lo, start = 0, pos;
	unsigned int lines = 0;
	int rc;

	if (n == 0 || n > DG_CTL_AUDIT_TAIL_MAX)
		return -EINVAL;
	if (fstat(a->fd, &sb) != 0)
		return -errno;
	/* one byte more than the window: a '\n' there makes its first line whole */
	lo = sb.st_size > DG_CTL_AUDIT_TAIL_BYTES ? sb.st_size - DG_CTL_AUDIT_TAIL_BYTES - 1 : 0;
	rc = tail_start(a->fd, lo, sb.st_size, n, &start, &lines);
	if (rc < 0)
		return rc;
	for (pos = start; pos < sb.st_size;) {
		size_t len = (size_t)(sb.st_size - pos) < sizeof(chunk) ?
			     (size_t)(sb.st_size - pos) : sizeof(chunk);
		ssize_t got = pread(a->fd, chunk, len, pos);

		if (got <= 0)
			return got < 0 ? -errno : -EIO;
		if (dg_ctl_buf_append(out, chunk, (size_t)got) != 0)
			return dg_ctl_buf_error(out);
		pos += got;
	}
	return (int)lines;
}

const char *
dg_ctl_audit_path(const struct dg_ctl_audit *a)
{
	return a->path;
}

void
dg_ctl_audit_get_stats(const struct dg_ctl_audit *a, struct dg_ctl_audit_stats *st)
{
	*st = a->st;
}

void
dg_ctl_audit_close(struct dg_ctl_audit *a)
{
	if (a == NULL)
		return;
	close(a->fd);
	free(a->path);
	free(a);
}
