/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The quarantine policy on the management core: built from the configuration and the
 * journal at every full build, and staged for the publish that serves the build (so a
 * reload that cannot read a quarantine file fails and the old snapshot keeps serving).
 * Runtime changes replace only the prefix table; the policy is shared.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dg_err.h"
#include "dg_snapshot_pvt.h"

void
dg_snapshot_quarantine_unstage(struct dg_control *c)
{
	const struct dg_snapshot *s = c->app->snap;

	if (!c->quar_staged)
		return;
	if (s == NULL || c->quar_next != s->quarantine)
		dg_quarantine_free(c->quar_next);
	if (s == NULL || c->quar_next_prefixes != s->quar_prefixes)
		dg_optout_free(c->quar_next_prefixes);
	c->quar_next = NULL;
	c->quar_next_prefixes = NULL;
	c->quar_staged = false;
}

void
dg_snapshot_quarantine_stage(struct dg_control *c, struct dg_quarantine *q,
			     struct dg_optout *prefixes)
{
	dg_snapshot_quarantine_unstage(c);
	/* an empty table is no table: the workers' test is then one predicted branch */
	if (prefixes != NULL && dg_optout_count(prefixes) == 0) {
		dg_optout_free(prefixes);
		prefixes = NULL;
	}
	c->quar_next = q;
	c->quar_next_prefixes = prefixes;
	c->quar_staged = true;
}

static int
policy_cfg(const struct dg_config *cfg, struct dg_quarantine_cfg *qc, char *err, size_t len)
{
	memset(qc, 0, sizeof(*qc));
	qc->action = cfg->quarantine_nxdomain ? DG_ACTION_NXDOMAIN : DG_ACTION_SINKHOLE;
	if (dg_quarantine_qtypes_parse(cfg->quarantine_qtypes[0] != '\0' ?
				       cfg->quarantine_qtypes : "A AAAA", qc) < 0)
		return dg_errf(err, len, -EINVAL, "[quarantine] qtypes: expected up to %u query "
			       "types (A, AAAA, HTTPS, TYPE65, 65, ...) or all, got '%s'",
			       DG_QUARANTINE_QTYPES_MAX, cfg->quarantine_qtypes);
	qc->has_addr4 = cfg->quarantine4_set;
	qc->has_addr6 = cfg->quarantine6_set;
	memcpy(qc->addr4, cfg->quarantine4, 4);
	memcpy(qc->addr6, cfg->quarantine6, 16);
	return 0;
}

int
dg_snapshot_quarantine_load(struct dg_control *c, char *err, size_t len)
{
	const struct dg_config *cfg = &c->app->cfg;
	struct dg_optout_prefix *v = NULL;
	struct dg_quarantine_cfg qc;
	struct dg_quarantine *q = NULL;
	struct dg_optout *base = NULL, *pfx = NULL;
	struct dg_filter *allow = NULL;
	size_t n = 0;
	int rc = policy_cfg(cfg, &qc, err, len);

	if (rc == 0 && cfg->quarantine_file[0] != '\0')
		rc = dg_quarantine_file_load(cfg->quarantine_file, &v, &n, err, len);
	if (rc == 0 && cfg->quarantine_rpz[0] != '\0')
		rc = dg_quarantine_rpz_load(cfg->quarantine_rpz, &v, &n, err, len);
	/* the policy zones the lists read: their client-IP triggers, which the lists skip */
	for (unsigned int i = 0; rc == 0 && cfg->quarantine_lists && i < cfg->n_lists; i++)
		if (strcmp(cfg->lists[i].format, "rpz") == 0)
			rc = dg_quarantine_rpz_load(cfg->lists[i].path, &v, &n, err, len);
	if (rc == 0 && (rc = dg_optout_build(v, n, &base)) < 0)
		dg_errf(err, len, rc, "quarantine prefixes: %s", strerror(-rc));
	free(v);
	if (rc == 0 && (rc = dg_journal_apply_quarantine(c->journal, base, &pfx)) < 0)
		dg_errf(err, len, rc, "replaying runtime quarantine changes: %s", strerror(-rc));
	dg_optout_free(base);
	if (rc == 0 && cfg->quarantine_allow[0] != '\0')
		rc = dg_quarantine_allow_load(cfg->quarantine_allow, &allow, err, len);
	if (rc == 0 && (rc = dg_quarantine_build(&qc, allow, &q)) < 0)
		dg_errf(err, len, rc, "quarantine: %s", strerror(-rc));
	if (rc < 0) {
		dg_optout_free(pfx);
		return rc;
	}
	dg_snapshot_quarantine_stage(c, q, pfx);
	return 0;
}
