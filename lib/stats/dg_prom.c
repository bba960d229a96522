/* SPDX-License-Identifier: BSD-3-Clause */
/* Prometheus text format (version 0.0.4) for the node_exporter textfile collector. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dg_prom.h"

struct dg_prom {
	char *buf;
	size_t len, cap;
	bool nomem; /* sticky: an incomplete page is never written */
};

int
dg_prom_new(struct dg_prom **p)
{
	*p = calloc(1, sizeof(**p));
	return *p == NULL ? -ENOMEM : 0;
}

static int
put(struct dg_prom *p, const char *s, size_t n)
{
	if (p->nomem)
		return -ENOMEM;
	if (p->len + n + 1 > p->cap) {
		size_t cap = p->cap ? p->cap : 4096;
		char *b;

		while (cap < p->len + n + 1)
			cap *= 2;
		b = realloc(p->buf, cap);
		if (b == NULL) {
			p->nomem = true;
			return -ENOMEM;
		}
		p->buf = b;
		p->cap = cap;
	}
	memcpy(p->buf + p->len, s, n);
	p->len += n;
	p->buf[p->len] = '\0';
	return 0;
}

static int
puts_(struct dg_prom *p, const char *s)
{
	return put(p, s, strlen(s));
}

/* Escape \ and newline (HELP), plus " (label values). */
static int
put_esc(struct dg_prom *p, const char *s, bool quote)
{
	int rc = 0;

	for (; rc == 0 && *s; s++) {
		if (*s == '\\')
			rc = put(p, "\\\\", 2);
		else if (*s == '\n')
			rc = put(p, "\\n", 2);
		else if (*s == '"' && quote)
			rc = put(p, "\\\"", 2);
		else
			rc = put(p, s, 1);
	}
	return rc;
}

/* [a-zA-Z_:][a-zA-Z0-9_:]* for metrics; no ':' for labels. */
static bool
valid_name(const char *s, bool colon)
{
	const char *c;

	if (s == NULL || *s == '\0' || (*s >= '0' && *s <= '9'))
		return false;
	for (c = s; *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		      (*c >= '0' && *c <= '9') || *c == '_' || (colon && *c == ':')))
			return false;
	return true;
}

int
dg_prom_family(struct dg_prom *p, const char *name, const char *type, const char *help)
{
	int rc;

	if (!valid_name(name, true) || type == NULL ||
	    (strcmp(type, "counter") && strcmp(type, "gauge") && strcmp(type, "untyped")))
		return -EINVAL;
	rc = puts_(p, "# HELP ");
	rc = rc ?: puts_(p, name);
	rc = rc ?: put(p, " ", 1);
	rc = rc ?: put_esc(p, help ? help : "", false);
	rc = rc ?: puts_(p, "\n# TYPE ");
	rc = rc ?: puts_(p, name);
	rc = rc ?: put(p, " ", 1);
	rc = rc ?: puts_(p, type);
	return rc ?: put(p, "\n", 1);
}

/* One sample line; @p v is the value's text with its leading space and newline. */
static int
sample(struct dg_prom *p, const char *name, const char *const *labels, size_t n_labels,
       const char *v)
{
	size_t i;
	int rc;

	if (!valid_name(name, true))
		return -EINVAL;
	for (i = 0; i < n_labels; i++)
		if (!valid_name(labels[2 * i], false) || labels[2 * i + 1] == NULL)
			return -EINVAL;
	rc = puts_(p, name);
	for (i = 0; rc == 0 && i < n_labels; i++) {
		rc = put(p, i ? "," : "{", 1);
		rc = rc ?: puts_(p, labels[2 * i]);
		rc = rc ?: put(p, "=\"", 2);
		rc = rc ?: put_esc(p, labels[2 * i + 1], true);
		rc = rc ?: put(p, "\"", 1);
	}
	if (rc == 0 && n_labels > 0)
		rc = put(p, "}", 1);
	return rc ?: puts_(p, v);
}

int
dg_prom_sample(struct dg_prom *p, const char *name, const char *const *labels,
	       size_t n_labels, uint64_t value)
{
	char v[24];

	snprintf(v, sizeof(v), " %" PRIu64 "\n", value);
	return sample(p, name, labels, n_labels, v);
}

int
dg_prom_sample_f(struct dg_prom *p, const char *name, const char *const *labels,
		 size_t n_labels, double value)
{
	char v[40];

	snprintf(v, sizeof(v), " %.9g\n", value);
	return sample(p, name, labels, n_labels, v);
}

const char *
dg_prom_text(const struct dg_prom *p, size_t *len)
{
	*len = p->len;
	return p->buf ? p->buf : "";
}

int
dg_prom_write(const struct dg_prom *p, const char *path)
{
	char tmp[4096];
	size_t off = 0;
	ssize_t n;
	int fd, rc = 0;

	if (p->nomem)
		return -ENOMEM;
	/* Same directory, so rename() is atomic; the collector skips names not *.prom. */
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.%d.tmp", path, (int)getpid()) >=
	    sizeof(tmp))
		return -ENAMETOOLONG;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	while (rc == 0 && off < p->len) {
		n = write(fd, p->buf + off, p->len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			rc = n < 0 ? -errno : -EIO;
		else
			off += (size_t)n;
	}
	if (rc == 0 && fsync(fd) != 0)
		rc = -errno;
	if (close(fd) != 0 && rc == 0)
		rc = -errno;
	if (rc == 0 && rename(tmp, path) != 0)
		rc = -errno;
	if (rc != 0)
		unlink(tmp);
	return rc;
}

void
dg_prom_reset(struct dg_prom *p)
{
	p->len = 0;
	p->nomem = false;
	if (p->buf != NULL)
		p->buf[0] = '\0';
}

void
dg_prom_free(struct dg_prom *p)
{
	if (p == NULL)
		return;
	free(p->buf);
	free(p);
}
