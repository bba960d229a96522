/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A full build: every configured list into a fresh builder, then the base snapshot and its
 * identifiers' metadata. No shared state: the appliance runs it on a thread of its own.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dg_control.h"
#include "dg_err.h"
#include "dg_list_rejects.h"

/* A strict load stops at its first rejection: name it, the report may be out of sight. */
static int
load_failed(const struct dg_config *cfg, const struct dg_config_list *l,
	    const struct dg_list_rejects *rej, int rc, char *err, size_t len)
{
	unsigned long line;
	const char *why;

	if (rc == -EINVAL && cfg->strict && dg_list_rejects_get(rej, 0, &line, &why) == 0)
		return dg_errf(err, len, rc, "%s:%u: list %s: strict: %s:%lu: %s", cfg->path,
			       l->line, l->path, l->path, line, why);
	return dg_errf(err, len, rc, "%s:%u: list %s: %s", cfg->path, l->line, l->path,
		       strerror(-rc));
}

static int
load_one(const struct dg_config *cfg, unsigned int i, struct dg_filter_builder *b,
	 FILE *report, struct dg_control_result *res, uint64_t *hidden, char *err, size_t len)
{
	const struct dg_config_list *l = &cfg->lists[i];
	struct dg_control_opts o;
	char why[256];
	int rc;

	dg_control_opts_init(&o);
	o.list.strict = cfg->strict;
	o.list.report = report;
	rc = dg_control_parse_opts_line(l->opts, &o, why, sizeof(why));
	if (rc < 0)
		return dg_errf(err, len, rc, "%s:%u: %s", cfg->path, l->line, why);
	rc = dg_list_rejects_create(&res->rejects[i], DG_LIST_REJECTS_MAX_LINES,
				    DG_LIST_REJECTS_MAX_BYTES);
	if (rc < 0)
		return dg_errf(err, len, rc, "out of memory");
	o.list.rejects = res->rejects[i];
	rc = dg_lists_load(b, l->path, (enum dg_list_format)dg_list_format_parse(l->format),
			   &o.list, &res->reports[i]);
	if (rc < 0)
		return load_failed(cfg, l, res->rejects[i], rc, err, len);
	if (res->reports[i].rejected > o.list.report_lines)
		*hidden += res->reports[i].rejected - o.list.report_lines;
	return 0;
}

int
dg_control_build(const struct dg_config *cfg, dg_control_more_fn more, void *more_arg,
		 FILE *report, struct dg_control_result *res, char *err, size_t len)
{
	struct dg_filter_builder *b;
	uint64_t hidden = 0;
	int rc;

	memset(res, 0, sizeof(*res));
	rc = dg_filter_builder_create(&b, 0);
	if (rc < 0)
		return dg_errf(err, len, rc, "out of memory");
	dg_filter_builder_set_meta_fn(b, dg_control_resolve_meta, (void *)(uintptr_t)cfg);
	for (unsigned int i = 0; rc == 0 && i < cfg->n_lists; i++)
		rc = load_one(cfg, i, b, report, res, &hidden, err, len);
	if (rc == 0 && hidden > 0 && report != NULL && cfg->ctl_socket[0] != '\0')
		fprintf(report, "%" PRIu64 " rejected lines not shown: `dnsgatectl rejects LIST` "
			"lists them (LIST: the path or number `status` gives)\n", hidden);
	if (rc == 0 && more != NULL)
		rc = more(more_arg, b, report, err, len);
	if (rc == 0) {
		rc = dg_filter_build(b, &res->filter);
		if (rc < 0)
			rc = dg_errf(err, len, rc, "building the snapshot: %s", strerror(-rc));
	}
	/* The builder is the biggest thing a build holds: gone before the metadata walk. */
	dg_filter_builder_free(b);
	if (rc == 0 && (dg_idents_create(&res->meta) < 0 ||
			dg_idents_refresh(res->meta, res->filter) < 0))
		rc = dg_errf(err, len, -ENOMEM, "out of memory");
	res->n_lists = cfg->n_lists;
	if (rc < 0)
		dg_control_result_free(res);
	return rc;
}

void
dg_control_result_free(struct dg_control_result *res)
{
	dg_filter_free(res->filter);
	dg_idents_free(res->meta);
	for (unsigned int i = 0; i < DG_CONFIG_MAX_LISTS; i++)
		dg_list_rejects_free(res->rejects[i]);
	memset(res, 0, sizeof(*res));
}
