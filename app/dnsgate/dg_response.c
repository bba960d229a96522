/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Response policy in the appliance (docs/response-policy.md): the response-IP list is a
 * build input like the name lists. The build thread reads it at every full build, and it
 * is staged for the publish that serves the build, so a reload that cannot read it fails
 * and the old snapshot (old names, old prefixes) keeps serving. Workers look it up
 * through their decision policy, from the snapshot.
 */
#include <stdio.h>

#include "dg_build.h"
#include "dg_snapshot_pvt.h"

int
dg_response_load(const struct dg_config *cfg, struct dg_respip **out,
		 struct dg_respip_report *rep, char *err, size_t len)
{
	struct dg_control_opts o;
	int rc;

	*out = NULL;
	*rep = (struct dg_respip_report){ 0 };
	if (cfg->respip_path[0] == '\0')
		return 0;
	dg_control_opts_init(&o);
	rc = dg_control_parse_opts_line(cfg->respip_opts, &o, err, len);
	if (rc < 0)
		return rc;
	return dg_respip_load(cfg->respip_path, &o.list.defaults, out, rep, err, len);
}

void
dg_snapshot_respip_unstage(struct dg_control *c)
{
	if (!c->respip_staged)
		return;
	dg_respip_free(c->respip_next);
	c->respip_next = NULL;
	c->respip_staged = false;
}

void
dg_snapshot_respip_stage(struct dg_control *c, struct dg_respip *t,
			 const struct dg_respip_report *rep)
{
	dg_snapshot_respip_unstage(c);
	c->respip_next = t;
	c->respip_rep_next = *rep;
	c->respip_staged = true;
}
