/* SPDX-License-Identifier: BSD-3-Clause */
/* Response body buffer. Management side only: it allocates. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dg_ctl.h"

void
dg_ctl_buf_init(struct dg_ctl_buf *b, size_t max)
{
	memset(b, 0, sizeof(*b));
	b->max = max != 0 ? max : DG_CTL_BODY_MAX_DEFAULT;
}

void
dg_ctl_buf_fini(struct dg_ctl_buf *b)
{
	size_t max = b->max;

	free(b->data);
	dg_ctl_buf_init(b, max);
}

void
dg_ctl_buf_reset(struct dg_ctl_buf *b)
{
	b->len = 0;
	b->err = 0;
}

/* Make room for @p more bytes beyond len (plus one spare for vsnprintf's NUL). */
static int
reserve(struct dg_ctl_buf *b, size_t more)
{
	size_t need, cap;
	char *d;

	if (b->err != 0)
		return b->err;
	if (more > b->max - b->len) {
		b->err = -ENOBUFS;
		return b->err;
	}
	need = b->len + more + 1;
	if (need <= b->cap)
		return 0;
	cap = b->cap == 0 ? 256 : b->cap;
	while (cap < need)
		cap *= 2;
	d = realloc(b->data, cap);
	if (d == NULL) {
		b->err = -ENOMEM;
		return b->err;
	}
	b->data = d;
	b->cap = cap;
	return 0;
}

int
dg_ctl_buf_append(struct dg_ctl_buf *b, const void *data, size_t len)
{
	int ret = reserve(b, len);

	if (ret != 0)
		return ret;
	if (len > 0)
		memcpy(b->data + b->len, data, len);
	b->len += len;
	return 0;
}

int
dg_ctl_buf_vprintf(struct dg_ctl_buf *b, const char *fmt, va_list ap)
{
	va_list ap2;
	int n, ret;

	va_copy(ap2, ap);
	n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0) {
		if (b->err == 0)
			b->err = -EINVAL;
		return b->err;
	}
	ret = reserve(b, (size_t)n);
	if (ret != 0)
		return ret;
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
	return 0;
}

int
dg_ctl_buf_printf(struct dg_ctl_buf *b, const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = dg_ctl_buf_vprintf(b, fmt, ap);
	va_end(ap);
	return ret;
}
