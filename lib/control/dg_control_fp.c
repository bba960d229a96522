/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The fingerprint of a full build's inputs, stored in the saved image: a start whose
 * inputs hash the same loads the image instead of parsing. Two XXH64 digests with
 * different seeds over one stream (the configuration that shapes the build, then each
 * file's path, bytes and size), the bytes read and the number of inputs.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dg_control.h"
#include "dg_err.h"
#include "dg_filter_image.h"

enum { FP_LANES = 2, FP_CHUNK = 1 << 20 };

_Static_assert(8 * FP_LANES + 16 == DG_CONTROL_FP_LEN, "fingerprint layout");
_Static_assert((int)DG_CONTROL_FP_LEN == (int)DG_FILTER_FP_LEN, "the image keeps the fingerprint");

struct fp {
	struct dg_filter_hash h[FP_LANES];
	uint64_t bytes, inputs;
	char *buf; /* FP_CHUNK */
};

static void
fp_put(struct fp *f, const void *p, size_t n)
{
	for (unsigned int i = 0; i < FP_LANES; i++)
		dg_filter_hash_update(&f->h[i], p, n);
}

/* Strings with their length, so that "ab"+"c" and "a"+"bc" differ. */
static void
fp_str(struct fp *f, const char *s)
{
	uint64_t n = strlen(s);

	fp_put(f, &n, sizeof(n));
	fp_put(f, s, n);
}

static int
fp_file(struct fp *f, const char *path, int missing_ok, char *err, size_t len)
{
	uint64_t total = 0;
	ssize_t r;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	fp_str(f, path);
	f->inputs++;
	if (fd < 0 && errno == ENOENT && missing_ok) {
		total = UINT64_MAX;
		fp_put(f, &total, sizeof(total));
		return 0;
	}
	if (fd < 0)
		return dg_errf(err, len, -errno, "%s: %s", path, strerror(errno));
	while ((r = read(fd, f->buf, FP_CHUNK)) > 0) {
		fp_put(f, f->buf, (size_t)r);
		total += (uint64_t)r;
	}
	if (r < 0) {
		int e = errno;

		close(fd);
		return dg_errf(err, len, -e, "%s: %s", path, strerror(e));
	}
	close(fd);
	fp_put(f, &total, sizeof(total));
	f->bytes += total;
	return 0;
}

int
dg_control_fingerprint(const struct dg_config *cfg, const char *const *extra, size_t n_extra,
		       uint8_t out[DG_CONTROL_FP_LEN], char *err, size_t len)
{
	struct fp f = { .buf = malloc(FP_CHUNK) };
	uint8_t strict = cfg->strict, canary = cfg->canary;
	int rc = 0;

	if (f.buf == NULL)
		return dg_errf(err, len, -ENOMEM, "out of memory");
	for (unsigned int i = 0; i < FP_LANES; i++)
		dg_filter_hash_init(&f.h[i], 0x6467667000000000ull + i);
	fp_put(&f, &strict, 1);
	fp_put(&f, &canary, 1); /* [intercept] canary adds entries to every build */
	for (unsigned int i = 0; i < cfg->n_categories; i++) {
		const struct dg_config_category *c = &cfg->categories[i];

		fp_str(&f, c->name);
		fp_put(&f, &c->v4_set, sizeof(c->v4_set));
		fp_put(&f, &c->v6_set, sizeof(c->v6_set));
		fp_put(&f, c->v4, sizeof(c->v4));
		fp_put(&f, c->v6, sizeof(c->v6));
	}
	for (unsigned int i = 0; i < cfg->n_lists; i++) {
		fp_str(&f, cfg->lists[i].format);
		fp_str(&f, cfg->lists[i].opts);
	}
	for (unsigned int i = 0; rc == 0 && i < cfg->n_lists; i++)
		rc = fp_file(&f, cfg->lists[i].path, 0, err, len);
	for (size_t i = 0; rc == 0 && i < n_extra; i++)
		rc = fp_file(&f, extra[i], 1, err, len);
	free(f.buf);
	if (rc < 0)
		return rc;
	for (unsigned int i = 0; i < FP_LANES; i++) {
		uint64_t d = dg_filter_hash_digest(&f.h[i]);

		memcpy(out + 8 * i, &d, sizeof(d));
	}
	memcpy(out + 8 * FP_LANES, &f.bytes, sizeof(f.bytes));
	memcpy(out + 8 * FP_LANES + 8, &f.inputs, sizeof(f.inputs));
	return 0;
}
