/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The runtime journal: one text line per change, `CRC KIND key=value...`, appended with a
 * single write(2) and made durable with fdatasync(2) before the command is acknowledged.
 * The CRC (CRC-32C of the rest of the line) tells a record cut short by a crash, which was
 * never acknowledged, from one damaged later. Names are stored as wire-format hex, strings
 * percent-escaped, so every byte comes back exactly.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dg_control.h"
#include "dg_err.h"

enum { LINE_MAX_BYTES = 4096 };

struct dg_journal {
	char *path;          /**< NULL: memory only */
	int fd;
	struct dg_journal_op *ops;
	char **strs;         /**< per op: identifier then category (owned), 2 per op */
	size_t n, cap;
};

static uint32_t
crc32c(const uint8_t *p, size_t n)
{
	uint32_t c = ~0u;

	for (size_t i = 0; i < n; i++) {
		c ^= p[i];
		for (int k = 0; k < 8; k++)
			c = (c >> 1) ^ (0x82F63B78u & (0u - (c & 1)));
	}
	return ~c;
}

static const char *const kinds[] = {
	[DG_JOURNAL_ADD] = "add", [DG_JOURNAL_DEL] = "del",
	[DG_JOURNAL_OPTOUT_ADD] = "optout-add", [DG_JOURNAL_OPTOUT_DEL] = "optout-del",
	[DG_JOURNAL_QUARANTINE_ADD] = "quarantine-add",
	[DG_JOURNAL_QUARANTINE_DEL] = "quarantine-del",
};
enum { N_KINDS = sizeof(kinds) / sizeof(kinds[0]) };

/* Append @p s at @p o: "-" for NULL, else a quote then the bytes percent-escaped. */
static size_t
put_str(char *o, size_t off, size_t max, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";

	if (off + 2 >= max)
		return max;
	if (s == NULL) {
		o[off++] = '-';
		o[off] = '\0';
		return off;
	}
	o[off++] = '\'';
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (off + 4 >= max)
			return max;
		if (*p <= 0x20 || *p >= 0x7f || *p == '%' || *p == '=' || *p == '\'') {
			o[off++] = '%';
			o[off++] = hex[*p >> 4];
			o[off++] = hex[*p & 15];
		} else {
			o[off++] = (char)*p;
		}
	}
	o[off] = '\0';
	return off;
}

static size_t
put_hex(char *o, size_t off, size_t max, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n && off + 3 < max; i++)
		off += (size_t)snprintf(o + off, max - off, "%02x", p[i]);
	return off;
}

/* One record as a line, '\n' included. @return its length, or 0 if it does not fit. */
static size_t
format(const struct dg_journal_op *op, char *line, size_t max)
{
	char body[LINE_MAX_BYTES];
	size_t o = 0;

	o += (size_t)snprintf(body, sizeof(body), "%s", kinds[op->kind]);
	if (op->kind == DG_JOURNAL_ADD || op->kind == DG_JOURNAL_DEL) {
		const struct dg_entry_meta *m = &op->meta;

		o += (size_t)snprintf(body + o, sizeof(body) - o, " name=");
		o = put_hex(body, o, sizeof(body), op->name.wire, op->name.len);
		o += (size_t)snprintf(body + o, sizeof(body) - o, " mode=%u", (unsigned int)m->mode);
		if (op->kind == DG_JOURNAL_ADD) {
			o += (size_t)snprintf(body + o, sizeof(body) - o,
					      " action=%u start=%" PRIu32 " end=%" PRIu32 " s4=",
					      (unsigned int)m->action, m->start_day, m->end_day);
			o = m->has_sinkhole4 ? put_hex(body, o, sizeof(body), m->sinkhole4, 4) :
				o + (size_t)snprintf(body + o, sizeof(body) - o, "-");
			o += (size_t)snprintf(body + o, sizeof(body) - o, " s6=");
			o = m->has_sinkhole6 ? put_hex(body, o, sizeof(body), m->sinkhole6, 16) :
				o + (size_t)snprintf(body + o, sizeof(body) - o, "-");
			o += (size_t)snprintf(body + o, sizeof(body) - o, " id=");
			o = put_str(body, o, sizeof(body), m->identifier);
			o += (size_t)snprintf(body + o, sizeof(body) - o, " cat=");
			o = put_str(body, o, sizeof(body), m->category);
		}
	} else {
		char pfx[64];

		if (dg_optout_prefix_format(&op->prefix, pfx, sizeof(pfx)) < 0)
			return 0;
		o += (size_t)snprintf(body + o, sizeof(body) - o, " prefix=%s", pfx);
		/* a quarantined prefix's own action (0: the policy's, not written) */
		if (op->prefix.value != 0)
			o += (size_t)snprintf(body + o, sizeof(body) - o, " value=%u",
					      (unsigned int)op->prefix.value);
	}
	if (o >= sizeof(body) - 1)
		return 0;
	o = (size_t)snprintf(line, max, "%08" PRIx32 " %s\n", crc32c((const uint8_t *)body, o),
			     body);
	return o < max ? o : 0;
}

static int
unhex(const char *s, size_t n, uint8_t *out, size_t max)
{
	if (n % 2 || n / 2 > max)
		return -1;
	for (size_t i = 0; i < n / 2; i++) {
		unsigned int v;

		if (sscanf(s + 2 * i, "%2x", &v) != 1)
			return -1;
		out[i] = (uint8_t)v;
	}
	return (int)(n / 2);
}

/* A value written by put_str() into a new string (NULL for "-"). @return 0 or -1. */
static int
unstr(const char *s, size_t n, char **out)
{
	size_t k = 0;
	char *d;

	*out = NULL;
	if (n == 1 && s[0] == '-')
		return 0;
	if (n == 0 || s[0] != '\'' || (d = malloc(n)) == NULL)
		return -1;
	for (size_t i = 1; i < n; i++) {
		unsigned int v;

		if (s[i] != '%') {
			d[k++] = s[i];
			continue;
		}
		if (i + 2 >= n || sscanf(s + i + 1, "%2x", &v) != 1 || v == 0) {
			free(d);
			return -1;
		}
		d[k++] = (char)v;
		i += 2;
	}
	d[k] = '\0';
	*out = d;
	return 0;
}

/* The value of @p key in the words of @p body (length in *@p n), or NULL. */
static const char *
field(const char *body, const char *key, size_t *n)
{
	size_t kl = strlen(key);

	for (const char *p = body; p != NULL && *p; p = strchr(p, ' ')) {
		while (*p == ' ')
			p++;
		if (strncmp(p, key, kl) == 0 && p[kl] == '=') {
			const char *v = p + kl + 1, *e = strchr(v, ' ');

			*n = e != NULL ? (size_t)(e - v) : strlen(v);
			return v;
		}
	}
	return NULL;
}

static int
field_u32(const char *body, const char *key, uint32_t max, uint32_t *out)
{
	size_t n;
	const char *v = field(body, key, &n);
	char buf[16], *end;
	unsigned long x;

	if (v == NULL || n == 0 || n >= sizeof(buf))
		return -1;
	memcpy(buf, v, n);
	buf[n] = '\0';
	errno = 0;
	x = strtoul(buf, &end, 10);
	if (errno || *end || x > max)
		return -1;
	*out = (uint32_t)x;
	return 0;
}

/* Parse one line (without its '\n') into @p op, strings allocated into @p strs[2]. */
static int
parse(char *line, struct dg_journal_op *op, char **strs)
{
	char *sp = strchr(line, ' '), *body;
	uint32_t crc, x;
	size_t n;
	const char *v;
	int k;

	memset(op, 0, sizeof(*op));
	strs[0] = strs[1] = NULL;
	if (sp == NULL || sp - line != 8 || sscanf(line, "%8" SCNx32, &crc) != 1)
		return -1;
	body = sp + 1;
	if (crc32c((const uint8_t *)body, strlen(body)) != crc)
		return -1;
	for (k = 0; k < N_KINDS; k++) {
		size_t kl = strlen(kinds[k]);

		if (strncmp(body, kinds[k], kl) == 0 && (body[kl] == ' ' || body[kl] == '\0'))
			break;
	}
	if (k == N_KINDS)
		return -1;
	op->kind = (enum dg_journal_kind)k;
	if (dg_journal_kind_prefix(op->kind)) {
		char pfx[64];

		v = field(body, "prefix", &n);
		if (v == NULL || n >= sizeof(pfx))
			return -1;
		memcpy(pfx, v, n);
		pfx[n] = '\0';
		if (dg_optout_prefix_parse(pfx, &op->prefix, NULL) != 0)
			return -1;
		if (field(body, "value", &n) != NULL) {
			if (field_u32(body, "value", UINT8_MAX, &x) < 0)
				return -1;
			op->prefix.value = (uint8_t)x;
		}
		return 0;
	}
	v = field(body, "name", &n);
	if (v == NULL || unhex(v, n, op->name.wire, sizeof(op->name.wire)) <= 0 ||
	    dg_name_from_wire(&op->name, op->name.wire, n / 2, NULL) != 0)
		return -1;
	if (field_u32(body, "mode", DG_MATCH_COUNT - 1, &x) < 0)
		return -1;
	op->meta.mode = (enum dg_match_mode)x;
	if (op->kind == DG_JOURNAL_DEL)
		return 0;
	if (field_u32(body, "action", DG_ACTION_COUNT - 1, &x) < 0 ||
	    field_u32(body, "start", UINT32_MAX, &op->meta.start_day) < 0 ||
	    field_u32(body, "end", UINT32_MAX, &op->meta.end_day) < 0)
		return -1;
	op->meta.action = (enum dg_action)x;
	if ((v = field(body, "s4", &n)) == NULL)
		return -1;
	if (!(n == 1 && v[0] == '-')) {
		if (unhex(v, n, op->meta.sinkhole4, 4) != 4)
			return -1;
		op->meta.has_sinkhole4 = 1;
	}
	if ((v = field(body, "s6", &n)) == NULL)
		return -1;
	if (!(n == 1 && v[0] == '-')) {
		if (unhex(v, n, op->meta.sinkhole6, 16) != 16)
			return -1;
		op->meta.has_sinkhole6 = 1;
	}
	if ((v = field(body, "id", &n)) == NULL || unstr(v, n, &strs[0]) < 0)
		return -1;
	if ((v = field(body, "cat", &n)) == NULL || unstr(v, n, &strs[1]) < 0) {
		free(strs[0]);
		strs[0] = NULL;
		return -1;
	}
	op->meta.identifier = strs[0];
	op->meta.category = strs[1];
	return 0;
}

/* Keep @p op (taking its strings) in memory. */
static int
push(struct dg_journal *j, const struct dg_journal_op *op, char **strs)
{
	if (j->n == j->cap) {
		size_t cap = j->cap ? 2 * j->cap : 64;
		struct dg_journal_op *o = realloc(j->ops, cap * sizeof(*o));
		char **s;

		if (o == NULL)
			return -ENOMEM;
		j->ops = o;
		s = realloc(j->strs, 2 * cap * sizeof(*s));
		if (s == NULL)
			return -ENOMEM;
		j->strs = s;
		j->cap = cap;
	}
	j->ops[j->n] = *op;
	j->strs[2 * j->n] = strs[0];
	j->strs[2 * j->n + 1] = strs[1];
	j->n++;
	return 0;
}

static int
read_all(int fd, char **buf, size_t *len)
{
	size_t cap = 1 << 16, n = 0;
	char *b = malloc(cap + 1);

	if (b == NULL)
		return -ENOMEM;
	for (;;) {
		ssize_t r;

		if (n == cap) {
			char *nb = realloc(b, 2 * cap + 1);

			if (nb == NULL) {
				free(b);
				return -ENOMEM;
			}
			b = nb;
			cap *= 2;
		}
		r = read(fd, b + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int e = -errno;

			free(b);
			return e;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	b[n] = '\0';
	*buf = b;
	*len = n;
	return 0;
}

/* Records from @p off on: keep them for the operator in PATH.bad, out of the journal. */
static void
set_aside(const struct dg_journal *j, const char *buf, size_t off, size_t len)
{
	char bad[4096];
	int fd;

	snprintf(bad, sizeof(bad), "%s.bad", j->path);
	fd = open(bad, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (fd < 0)
		return;
	if (write(fd, buf + off, len - off) < 0)
		(void)0; /* best effort: the journal itself is what matters */
	fsync(fd);
	close(fd);
}

static int
replay(struct dg_journal *j, struct dg_journal_info *info, char *err, size_t errlen)
{
	size_t len = 0, off = 0, good = 0;
	unsigned long line = 0;
	char *buf = NULL;
	int rc = read_all(j->fd, &buf, &len);

	if (rc < 0)
		return dg_errf(err, errlen, rc, "%s: %s", j->path, strerror(-rc));
	while (off < len) {
		char *nl = memchr(buf + off, '\n', len - off);
		struct dg_journal_op op;
		char *strs[2];

		line++;
		if (nl == NULL) { /* cut short by a crash: never acknowledged */
			info->torn = 1;
			break;
		}
		*nl = '\0';
		if (nl - (buf + off) >= LINE_MAX_BYTES || parse(buf + off, &op, strs) < 0) {
			/* damaged: the last line may be a crash's (never acknowledged) */
			if ((size_t)(nl + 1 - buf) >= len) {
				info->torn = 1;
				break;
			}
			*nl = '\n';
			info->bad_line = line;
			for (size_t p = off; p < len; p++)
				info->bad += buf[p] == '\n';
			set_aside(j, buf, off, len);
			break;
		}
		if (push(j, &op, strs) < 0) {
			free(strs[0]);
			free(strs[1]);
			free(buf);
			return dg_errf(err, errlen, -ENOMEM, "out of memory");
		}
		info->records++;
		off = (size_t)(nl + 1 - buf);
		good = off;
	}
	free(buf);
	/* Appends go on from the last good record. */
	if (good < len && ftruncate(j->fd, (off_t)good) < 0)
		return dg_errf(err, errlen, -errno, "%s: truncating a torn record: %s", j->path,
			       strerror(errno));
	return 0;
}

int
dg_journal_open(struct dg_journal **out, const char *path, struct dg_journal_info *info,
		char *err, size_t errlen)
{
	struct dg_journal_info dummy;
	struct dg_journal *j = calloc(1, sizeof(*j));
	int rc;

	if (info == NULL)
		info = &dummy;
	memset(info, 0, sizeof(*info));
	if (j == NULL)
		return dg_errf(err, errlen, -ENOMEM, "out of memory");
	j->fd = -1;
	if (path != NULL) {
		j->path = strdup(path);
		j->fd = open(path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
		if (j->path == NULL || j->fd < 0) {
			rc = j->path == NULL ? -ENOMEM : -errno;
			dg_journal_close(j);
			return dg_errf(err, errlen, rc, "journal %s: %s", path, strerror(-rc));
		}
		rc = replay(j, info, err, errlen);
		if (rc < 0) {
			dg_journal_close(j);
			return rc;
		}
	}
	*out = j;
	return 0;
}

static int
valid(const struct dg_journal_op *op)
{
	if ((unsigned int)op->kind > DG_JOURNAL_QUARANTINE_DEL)
		return 0;
	if (op->kind == DG_JOURNAL_ADD || op->kind == DG_JOURNAL_DEL)
		return op->name.nlabels > 0 && (unsigned int)op->meta.mode < DG_MATCH_COUNT &&
		       (op->kind == DG_JOURNAL_DEL ||
			(unsigned int)op->meta.action < DG_ACTION_COUNT);
	return 1;
}

static int
dup_op(const struct dg_journal_op *op, struct dg_journal_op *copy, char **strs)
{
	*copy = *op;
	strs[0] = strs[1] = NULL;
	if (op->kind != DG_JOURNAL_ADD)
		return 0;
	if ((op->meta.identifier != NULL && (strs[0] = strdup(op->meta.identifier)) == NULL) ||
	    (op->meta.category != NULL && (strs[1] = strdup(op->meta.category)) == NULL)) {
		free(strs[0]);
		return -ENOMEM;
	}
	copy->meta.identifier = strs[0];
	copy->meta.category = strs[1];
	return 0;
}

int
dg_journal_append(struct dg_journal *j, const struct dg_journal_op *op, char *err,
		  size_t errlen)
{
	char line[LINE_MAX_BYTES + 16];
	struct dg_journal_op copy;
	char *strs[2];
	size_t n;
	off_t end = 0;

	if (j == NULL || op == NULL || !valid(op))
		return dg_errf(err, errlen, -EINVAL, "not a journal record");
	if ((op->meta.identifier && strlen(op->meta.identifier) > DG_CONTROL_STR_MAX) ||
	    (op->meta.category && strlen(op->meta.category) > DG_CONTROL_STR_MAX))
		return dg_errf(err, errlen, -EINVAL, "identifier or category over %d bytes",
			       DG_CONTROL_STR_MAX);
	n = format(op, line, sizeof(line));
	if (n == 0)
		return dg_errf(err, errlen, -EINVAL, "record too long");
	if (j->fd >= 0) {
		ssize_t w;

		end = lseek(j->fd, 0, SEEK_END);
		do {
			w = write(j->fd, line, n);
		} while (w < 0 && errno == EINTR);
		if (w != (ssize_t)n || fdatasync(j->fd) < 0) {
			int e = w < 0 || w == (ssize_t)n ? errno : ENOSPC;

			if (end >= 0 && ftruncate(j->fd, end) < 0)
				(void)0; /* the torn tail is dropped at the next open anyway */
			return dg_errf(err, errlen, -e, "journal %s: %s", j->path, strerror(e));
		}
	}
	if (dup_op(op, &copy, strs) < 0 || push(j, &copy, strs) < 0) {
		/* On disk but not in memory: the next open reads it back. */
		return dg_errf(err, errlen, -ENOMEM, "out of memory");
	}
	return 0;
}

size_t
dg_journal_count(const struct dg_journal *j)
{
	return j != NULL ? j->n : 0;
}

const struct dg_journal_op *
dg_journal_get(const struct dg_journal *j, size_t i)
{
	return j != NULL && i < j->n ? &j->ops[i] : NULL;
}

/* Do @p a and @p b change the same thing (entry name and mode, or a table's prefix)? */
static int
same_target(const struct dg_journal_op *a, const struct dg_journal_op *b)
{
	int ea = a->kind <= DG_JOURNAL_DEL, eb = b->kind <= DG_JOURNAL_DEL;
	int qa = a->kind >= DG_JOURNAL_QUARANTINE_ADD, qb = b->kind >= DG_JOURNAL_QUARANTINE_ADD;

	if (ea != eb || qa != qb)
		return 0;
	if (!ea)
		return a->prefix.family == b->prefix.family && a->prefix.len == b->prefix.len &&
		       memcmp(a->prefix.addr, b->prefix.addr, sizeof(a->prefix.addr)) == 0;
	return a->meta.mode == b->meta.mode && a->name.len == b->name.len &&
	       memcmp(a->name.wire, b->name.wire, a->name.len) == 0;
}

static int
rewrite(struct dg_journal *j, char *err, size_t errlen)
{
	char tmp[4096], dir[4096], line[LINE_MAX_BYTES + 16];
	int fd, dfd, rc = 0;

	snprintf(tmp, sizeof(tmp), "%s.tmp", j->path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return dg_errf(err, errlen, -errno, "%s: %s", tmp, strerror(errno));
	for (size_t i = 0; i < j->n && rc == 0; i++) {
		size_t n = format(&j->ops[i], line, sizeof(line));

		if (n == 0 || write(fd, line, n) != (ssize_t)n)
			rc = -(errno ? errno : EIO);
	}
	if (rc == 0 && fsync(fd) < 0)
		rc = -errno;
	close(fd);
	if (rc == 0 && rename(tmp, j->path) < 0)
		rc = -errno;
	if (rc < 0) {
		unlink(tmp);
		return dg_errf(err, errlen, rc, "rewriting %s: %s", j->path, strerror(-rc));
	}
	snprintf(dir, sizeof(dir), "%s", j->path);
	dfd = open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
	fd = open(j->path, O_RDWR | O_APPEND | O_CLOEXEC);
	if (fd < 0)
		return dg_errf(err, errlen, -errno, "%s: %s", j->path, strerror(errno));
	close(j->fd);
	j->fd = fd;
	return 0;
}

int
dg_journal_compact(struct dg_journal *j, char *err, size_t errlen)
{
	size_t k = 0;

	if (j == NULL)
		return 0;
	/* Keep a record only if no later one changes the same target. O(n^2) over runtime
	 * changes, which an operator types: fine for thousands. */
	for (size_t i = 0; i < j->n; i++) {
		size_t l;

		for (l = i + 1; l < j->n && !same_target(&j->ops[i], &j->ops[l]); l++)
			;
		if (l < j->n) {
			free(j->strs[2 * i]);
			free(j->strs[2 * i + 1]);
			continue;
		}
		j->ops[k] = j->ops[i];
		j->strs[2 * k] = j->strs[2 * i];
		j->strs[2 * k + 1] = j->strs[2 * i + 1];
		k++;
	}
	j->n = k;
	return j->fd >= 0 ? rewrite(j, err, errlen) : 0;
}

void
dg_journal_close(struct dg_journal *j)
{
	if (j == NULL)
		return;
	for (size_t i = 0; i < 2 * j->n; i++)
		free(j->strs[i]);
	free(j->strs);
	free(j->ops);
	if (j->fd >= 0)
		close(j->fd);
	free(j->path);
	free(j);
}

int
dg_control_change(struct dg_filter_builder *b, const struct dg_journal_op *op)
{
	int rc;

	if (op->kind == DG_JOURNAL_DEL)
		return dg_filter_builder_del(b, &op->name, op->meta.mode, NULL);
	if (op->kind != DG_JOURNAL_ADD)
		return -EINVAL;
	/* add replaces the entry of the same name and mode */
	rc = dg_filter_builder_del(b, &op->name, op->meta.mode, NULL);
	if (rc < 0)
		return rc;
	rc = dg_filter_builder_add(b, &op->name, &op->meta);
	return rc < 0 ? rc : 0;
}

/* @p base with the journal's @p add / @p del records applied in order. */
static int
apply_prefixes(const struct dg_journal *j, const struct dg_optout *base,
	       enum dg_journal_kind add, enum dg_journal_kind del, struct dg_optout **out)
{
	size_t n = dg_optout_count(base);
	struct dg_optout_prefix *p = malloc((n + 1) * sizeof(*p));
	struct dg_optout *t = NULL;
	int rc;

	if (p == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		p[i] = *dg_optout_get(base, i);
	rc = dg_optout_build(p, n, &t);
	free(p);
	for (size_t i = 0; rc == 0 && j != NULL && i < j->n; i++) {
		const struct dg_journal_op *op = &j->ops[i];
		struct dg_optout *next = NULL;

		if (op->kind == add)
			rc = dg_optout_with_added(t, &op->prefix, &next);
		else if (op->kind == del)
			rc = dg_optout_with_deleted(t, &op->prefix, &next);
		else
			continue;
		/* present already / absent already: no change, not an error here */
		if (rc == -EEXIST || rc == -ENOENT) {
			rc = 0;
			continue;
		}
		if (rc == 0) {
			dg_optout_free(t);
			t = next;
		}
	}
	if (rc < 0) {
		dg_optout_free(t);
		return rc;
	}
	*out = t;
	return 0;
}

int
dg_journal_apply_optout(const struct dg_journal *j, const struct dg_optout *base,
			struct dg_optout **out)
{
	return apply_prefixes(j, base, DG_JOURNAL_OPTOUT_ADD, DG_JOURNAL_OPTOUT_DEL, out);
}

int
dg_journal_apply_quarantine(const struct dg_journal *j, const struct dg_optout *base,
			    struct dg_optout **out)
{
	return apply_prefixes(j, base, DG_JOURNAL_QUARANTINE_ADD, DG_JOURNAL_QUARANTINE_DEL,
			      out);
}
