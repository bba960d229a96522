/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ini.h>

#include "config_pvt.h"
#include "dg_config.h"
#include "dg_err.h"

void
dg_config_defaults(struct dg_config *c)
{
	memset(c, 0, sizeof(*c));
	c->burst = 32;
	c->rx_desc = 1024;
	c->tx_desc = 1024;
	c->mtu = 1500;
	c->stats_interval = 1;
	c->inspect = true;
	c->responses = true;
	c->delta_fold = 65536;
	c->ttl = 300;
	c->edns_udp_size = 1232;
	c->ede = true;
	c->ede_code = 15;
	c->dns_port = 53;
	c->min_src_port = 1024;
	c->vlan_max = 2;
	c->frag_flows = 4096;
	c->frag_timeout_ms = 100;
	c->guard_rate = 1000;
	c->tcp_flows = 4096;
	c->shed = DG_CONFIG_SHED_AUTO;
	c->shed_pct = 50;
	c->tcp_idle = 30;
	c->guard_burst = 200;
	c->guard_slots = 65536;
	c->ctl_mode = 0660;
	c->ctl_uid = -1;
	c->ctl_gid = -1;
	c->log_ring = 16384;
	c->history_interval = 60;
	c->prometheus_interval = 15;
	snprintf(c->timezone, sizeof(c->timezone), "UTC");
}

void
dg_config_free(struct dg_config *c)
{
	for (unsigned int i = 0; i < c->n_eal; i++)
		free(c->eal[i]);
	c->n_eal = 0;
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

/* The first error found by the reader wins, as the handler's does. */
static void
line_error(struct load_ctx *ctx, const char *reason)
{
	if (ctx->rc != 0)
		return;
	ctx->rc = -EINVAL;
	ctx->err_line = ctx->line;
	snprintf(ctx->reason, sizeof(ctx->reason), "%s", reason);
}

/*
 * One line for inih, byte by byte: fgets() cannot tell a NUL in the line from its end,
 * and inih would silently cut the line there (or at its buffer size).
 */
static char *
reader(char *buf, int size, void *stream)
{
	struct load_ctx *ctx = stream;
	int n = 0, ch = EOF;
	bool nul = false;

	while (n < size - 1 && (ch = getc(ctx->f)) != EOF) {
		buf[n++] = (char)ch;
		nul |= ch == '\0';
		if (ch == '\n')
			break;
	}
	if (n == 0)
		return NULL;
	buf[n] = '\0';
	ctx->line++;
	/* Each [feed] header opens a feed: inih itself does not tell two sections apart. */
	for (const char *p = buf; ctx->rc == 0; p++) {
		if (*p == ' ' || *p == '\t')
			continue;
		if (strncmp(p, "[feed]", 6) == 0 &&
		    dg_config_feed_open(ctx->c, ctx->line, ctx->reason, sizeof(ctx->reason)) < 0) {
			ctx->rc = -E2BIG;
			ctx->err_line = ctx->line;
		}
		break;
	}
	if (ch != '\n' && ch != EOF && (ch = getc(ctx->f)) != EOF) {
		char why[96];

		while (ch != EOF && ch != '\n')
			ch = getc(ctx->f);
		snprintf(why, sizeof(why),
			 "line longer than %d characters (split 'args' over several lines)", size - 3);
		line_error(ctx, why);
	}
	if (nul)
		line_error(ctx, "NUL byte in line");
	return buf;
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
	if (strcmp(section, "filter") == 0 && strcmp(key, "list") == 0)
		ctx->c->lists[ctx->c->n_lists - 1].line = ctx->line;
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

		return dg_errf(err, len, -e, "%s: cannot read: %s", path, strerror(e));
	}
	line = ini_parse_stream(reader, &ctx, handler, &ctx);
	fclose(ctx.f);
	if (ctx.rc != 0 && (line <= 0 || (unsigned int)line >= ctx.err_line))
		return dg_errf(err, len, ctx.rc, "%s:%u: %s", path, ctx.err_line, ctx.reason);
	if (line > 0)
		return dg_errf(err, len, -EINVAL, "%s:%d: syntax error (expected [section] or key = value)",
			    path, line);
	if (line < 0)
		return dg_errf(err, len, -ENOMEM, "%s: out of memory", path);
	return dg_config_validate(c, err, len);
}

int
dg_config_validate(const struct dg_config *c, char *err, size_t len)
{
	if (c->n_pairs == 0)
		return dg_errf(err, len, -EINVAL, "%s: no [ports] pair: nothing to forward", c->path);
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
				return dg_errf(err, len, -EINVAL, "%s:%u: port '%s' is already in a pair",
					    c->path, a->line, dup);
		}
	}
	if (c->doh != DG_CONFIG_ENCDNS_OFF && c->doh_names[0] == '\0' &&
	    c->doh_addresses[0] == '\0')
		return dg_errf(err, len, -EINVAL, "%s: [intercept] doh needs doh_names or "
			       "doh_addresses: nothing to tell DoH by", c->path);
	if (c->encrypted_log && c->log_file[0] == '\0')
		return dg_errf(err, len, -EINVAL, "%s: [intercept] encrypted_log needs a hit log "
			       "([log] file)", c->path);
	return config_feed_validate(c, err, len);
}
