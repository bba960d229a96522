/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ini.h>

#include "dg_config.h"

void
dg_config_defaults(struct dg_config *c)
{
	memset(c, 0, sizeof(*c));
	c->burst = 32;
	c->rx_desc = 1024;
	c->tx_desc = 1024;
	c->stats_interval = 1;
}

void
dg_config_free(struct dg_config *c)
{
	for (unsigned int i = 0; i < c->n_eal; i++)
		free(c->eal[i]);
	c->n_eal = 0;
}

static int
fail(char *err, size_t len, int rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
	return rc;
}

static int
add_eal(struct dg_config *c, const char *arg, char *err, size_t len)
{
	if (c->n_eal >= DG_CONFIG_MAX_EAL_ARGS)
		return fail(err, len, -E2BIG, "more than %d EAL arguments",
			    DG_CONFIG_MAX_EAL_ARGS);
	c->eal[c->n_eal] = strdup(arg);
	if (c->eal[c->n_eal] == NULL)
		return fail(err, len, -ENOMEM, "out of memory");
	c->n_eal++;
	return 0;
}

static int
set_eal_args(struct dg_config *c, const char *v, char *err, size_t len)
{
	char *copy = strdup(v), *save = NULL;
	int rc = 0;

	if (copy == NULL)
		return fail(err, len, -ENOMEM, "out of memory");
	for (char *t = strtok_r(copy, " \t", &save); t != NULL && rc == 0;
	     t = strtok_r(NULL, " \t", &save))
		rc = add_eal(c, t, err, len);
	free(copy);
	return rc;
}

static int
set_vdev(struct dg_config *c, const char *v, char *err, size_t len)
{
	int rc;

	if (v[0] == '\0' || strchr(v, ' ') != NULL)
		return fail(err, len, -EINVAL, "vdev: expected one device string without spaces");
	rc = add_eal(c, "--vdev", err, len);
	return rc < 0 ? rc : add_eal(c, v, err, len);
}

static int
set_pair(struct dg_config *c, const char *v, char *err, size_t len)
{
	struct dg_config_pair *p;
	char extra[2];
	int n;

	if (c->n_pairs >= DG_CONFIG_MAX_PAIRS)
		return fail(err, len, -E2BIG, "more than %d port pairs", DG_CONFIG_MAX_PAIRS);
	p = &c->pairs[c->n_pairs];
	n = sscanf(v, "%63s %63s %1s", p->sub, p->net, extra);
	if (n != 2)
		return fail(err, len, -EINVAL,
			    "pair: expected 'SUBSCRIBER_PORT NETWORK_PORT', got '%s'", v);
	if (strlen(p->sub) >= DG_CONFIG_PORT_NAME_MAX - 1 ||
	    strlen(p->net) >= DG_CONFIG_PORT_NAME_MAX - 1)
		return fail(err, len, -EINVAL, "pair: port name too long");
	if (strcmp(p->sub, p->net) == 0)
		return fail(err, len, -EINVAL, "pair: '%s' on both sides", p->sub);
	c->n_pairs++;
	return 0;
}

static int
set_lcores(struct dg_config *c, const char *v, char *err, size_t len)
{
	int n = dg_config_parse_lcores(v, c->workers, DG_CONFIG_MAX_LCORES);

	if (n < 0)
		return fail(err, len, n == -E2BIG ? -E2BIG : -EINVAL,
			    "lcores: expected ids like '1,3-4' below %d without repeats, got '%s'",
			    DG_CONFIG_MAX_LCORES, v);
	c->n_workers = (unsigned int)n;
	return 0;
}

/* An unsigned key: where it lives and its range. */
struct uint_key {
	const char *section, *key;
	size_t off;
	unsigned long min, max;
};

#define UKEY(s, k, field, lo, hi) { s, k, offsetof(struct dg_config, field), lo, hi }
static const struct uint_key uint_keys[] = {
	UKEY("workers", "burst", burst, 1, DG_CONFIG_BURST_MAX),
	UKEY("ports", "rx_desc", rx_desc, 64, 16384),
	UKEY("ports", "tx_desc", tx_desc, 64, 16384),
	UKEY("ports", "mbufs", mbufs, 1023, 16u << 20),
	UKEY("mgmt", "stats_interval", stats_interval, 0, 86400),
	UKEY("mgmt", "run_for", run_for, 0, 365u * 86400),
	UKEY("mgmt", "idle_exit", idle_exit, 0, 86400),
};

struct fn_key {
	const char *section, *key;
	int (*set)(struct dg_config *c, const char *v, char *err, size_t len);
};

static const struct fn_key fn_keys[] = {
	{ "eal", "args", set_eal_args },
	{ "eal", "vdev", set_vdev },
	{ "ports", "pair", set_pair },
	{ "workers", "lcores", set_lcores },
};

static bool
known_section(const char *s)
{
	static const char *const sections[] = { "eal", "ports", "workers", "mgmt" };

	for (size_t i = 0; i < sizeof(sections) / sizeof(sections[0]); i++)
		if (strcmp(s, sections[i]) == 0)
			return true;
	return false;
}

int
dg_config_set(struct dg_config *c, const char *section, const char *key, const char *value,
	      char *err, size_t len)
{
	size_t i;

	if (!known_section(section))
		return fail(err, len, -EINVAL, "unknown section [%s]", section);
	for (i = 0; i < sizeof(fn_keys) / sizeof(fn_keys[0]); i++)
		if (strcmp(section, fn_keys[i].section) == 0 && strcmp(key, fn_keys[i].key) == 0)
			return fn_keys[i].set(c, value, err, len);
	for (i = 0; i < sizeof(uint_keys) / sizeof(uint_keys[0]); i++) {
		const struct uint_key *k = &uint_keys[i];
		unsigned long v;
		int rc;

		if (strcmp(section, k->section) != 0 || strcmp(key, k->key) != 0)
			continue;
		rc = dg_config_parse_uint(value, k->min, k->max, &v);
		if (rc < 0)
			return fail(err, len, -EINVAL, "%s: expected a whole number in %lu..%lu, got '%s'",
				    key, k->min, k->max, value);
		*(unsigned int *)((char *)c + k->off) = (unsigned int)v;
		return 0;
	}
	return fail(err, len, -EINVAL, "unknown key '%s' in [%s]", key, section);
}

/* inih gives the handler no line number, so the reader counts lines. */
struct load_ctx {
	struct dg_config *c;
	FILE *f;
	unsigned int line;
	int rc;
	char reason[DG_CONFIG_ERR_MAX];
	unsigned int err_line;
};

static char *
reader(char *buf, int size, void *stream)
{
	struct load_ctx *ctx = stream;
	char *r = fgets(buf, size, ctx->f);
	size_t n;
	int ch;

	if (r == NULL)
		return NULL;
	ctx->line++;
	n = strlen(buf);
	if (n > 0 && buf[n - 1] != '\n' && (ch = fgetc(ctx->f)) != EOF) {
		/* inih would cut the line silently; an operator needs to know. */
		while (ch != EOF && ch != '\n')
			ch = fgetc(ctx->f);
		if (ctx->rc == 0) {
			ctx->rc = -EINVAL;
			ctx->err_line = ctx->line;
			snprintf(ctx->reason, sizeof(ctx->reason),
				 "line longer than %d characters (split 'args' over several lines)",
				 size - 3);
		}
	}
	return r;
}

static int
handler(void *user, const char *section, const char *key, const char *value)
{
	struct load_ctx *ctx = user;
	int rc;

	if (ctx->rc != 0)
		return 0;
	rc = dg_config_set(ctx->c, section, key, value, ctx->reason, sizeof(ctx->reason));
	if (rc < 0) {
		ctx->rc = rc;
		ctx->err_line = ctx->line;
		return 0;
	}
	if (strcmp(section, "ports") == 0 && strcmp(key, "pair") == 0)
		ctx->c->pairs[ctx->c->n_pairs - 1].line = ctx->line;
	return 1;
}

int
dg_config_load(struct dg_config *c, const char *path, char *err, size_t len)
{
	struct load_ctx ctx = { .c = c };
	int line;

	c->path = path;
	ctx.f = fopen(path, "r");
	if (ctx.f == NULL) {
		int e = errno;

		return fail(err, len, -e, "%s: cannot read: %s", path, strerror(e));
	}
	line = ini_parse_stream(reader, &ctx, handler, &ctx);
	fclose(ctx.f);
	if (ctx.rc != 0 && (line <= 0 || (unsigned int)line >= ctx.err_line))
		return fail(err, len, ctx.rc, "%s:%u: %s", path, ctx.err_line, ctx.reason);
	if (line > 0)
		return fail(err, len, -EINVAL, "%s:%d: syntax error (expected [section] or key = value)",
			    path, line);
	if (line < 0)
		return fail(err, len, -ENOMEM, "%s: out of memory", path);
	return dg_config_validate(c, err, len);
}

int
dg_config_validate(const struct dg_config *c, char *err, size_t len)
{
	if (c->n_pairs == 0)
		return fail(err, len, -EINVAL, "%s: no [ports] pair: nothing to forward", c->path);
	for (unsigned int i = 0; i < c->n_pairs; i++) {
		const struct dg_config_pair *a = &c->pairs[i];

		for (unsigned int j = 0; j < i; j++) {
			const struct dg_config_pair *b = &c->pairs[j];
			const char *dup = NULL;

			if (!strcmp(a->sub, b->sub) || !strcmp(a->sub, b->net))
				dup = a->sub;
			else if (!strcmp(a->net, b->sub) || !strcmp(a->net, b->net))
				dup = a->net;
			if (dup != NULL)
				return fail(err, len, -EINVAL, "%s:%u: port '%s' is already in a pair",
					    c->path, a->line, dup);
		}
	}
	return 0;
}
