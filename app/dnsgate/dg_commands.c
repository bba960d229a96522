/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Control commands, run by the control socket server inside the management loop. They
 * read the serving snapshot and make new ones; none touches a worker's state.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_cycles.h>

#include "dg_build.h"
#include "dg_err.h"
#include "dg_commands.h"
#include "dg_ctl.h"
#include "dg_ctl_audit.h"
#include "dg_feeds.h"
#include "dg_optout.h"
#include "dg_outputs.h"
#include "dg_stats.h"

static void
day_text(uint32_t day, uint32_t open, char *buf, size_t len)
{
	time_t t = (time_t)day * 86400;
	struct tm tm;

	if (day == open) {
		snprintf(buf, len, "-");
		return;
	}
	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%d", &tm);
}

static void
meta_text(const struct dg_entry_meta *m, struct dg_ctl_buf *b)
{
	char s[16], e[16];

	day_text(m->start_day, 0, s, sizeof(s));
	day_text(m->end_day, UINT32_MAX, e, sizeof(e));
	dg_ctl_buf_printf(b, "action=%s identifier=%s category=%s start=%s end=%s",
			  dg_action_name(m->action), m->identifier ? m->identifier : "-",
			  m->category ? m->category : "-", s, e);
}

static int
cmd_status(struct dg_control *c, struct dg_ctl_buf *b)
{
	const struct dg_app *app = c->app;
	const struct dg_snapshot *s = dg_snapshot_current(c);
	struct dg_filter_info fi = { 0 }, di = { 0 };
	uint64_t idents = 0;
	char when[32] = "-";
	struct tm tm;

	if (s->filter != NULL)
		dg_filter_info(s->filter, &fi);
	if (s->delta != NULL)
		dg_filter_info(s->delta, &di);
	for (size_t i = 0; i < dg_idents_count(c->idents); i++)
		idents += dg_idents_at(c->idents, i)->fqdns > 0;
	if (c->loaded_at != 0 && gmtime_r(&c->loaded_at, &tm) != NULL)
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	dg_ctl_buf_printf(b, "version: %s\nuptime_seconds: %.0f\nworkers: %u\nports: %u\n",
			  DG_VERSION, (double)(rte_rdtsc() - app->start_tsc) / (double)rte_get_tsc_hz(),
			  app->n_workers, app->n_ports);
	dg_ctl_buf_printf(b, "generation: %" PRIu64 "\nloaded_at: %s\nentries: %" PRIu64
			  "\nentries_active: %" PRIu64 "\nidentifiers: %" PRIu64
			  "\nsnapshot_bytes: %" PRIu64 "\noptout_prefixes: %zu\nruntime_changes: %zu\n"
			  "reloads_ok: %" PRIu64 "\nreloads_failed: %" PRIu64 "\n",
			  c->generation, when,
			  s->filter ? dg_control_count_entries(s->filter, fi.entries, s->delta) : 0,
			  dg_snapshot_active(c), c->base_meta != NULL ? idents : fi.idents,
			  fi.total_bytes + di.total_bytes, s->optout ? dg_optout_count(s->optout) : 0,
			  dg_journal_count(c->journal), c->reloads_ok, c->reloads_failed);
	dg_ctl_buf_printf(b, "delta_names: %zu\ndelta_bytes: %" PRIu64 "\n",
			  dg_snapshot_delta_names(c), di.total_bytes);
	dg_ctl_buf_printf(b, "quarantine_prefixes: %zu\nquarantine_allow_names: %zu\n",
			  dg_optout_count(s->quar_prefixes),
			  dg_quarantine_allow_count(s->quarantine));
	dg_ctl_buf_printf(b, "response_ip_prefixes: %zu\n", dg_respip_count(s->respip));
	if (c->build == NULL)
		dg_ctl_buf_printf(b, "build: idle\n");
	else
		dg_ctl_buf_printf(b, "build: %s %s %.1f s\n", dg_build_why_name(c->build->why),
				  dg_build_state(c->build) == DG_BUILD_SAVING ? "saving image, started" :
				  "running for", dg_snapshot_build_age(c));
	dg_ctl_buf_printf(b, "last_build_seconds: %.2f\nimage: %s %s\n", c->last_build_seconds,
			  app->cfg.image[0] != '\0' ? app->cfg.image : "-",
			  c->image_state[0] != '\0' ? c->image_state : "-");
	if (c->outputs != NULL)
		dg_ctl_buf_printf(b, "hitlog_written: %" PRIu64 "\nhitlog_failed: %" PRIu64
				  "\nhistory_intervals: %" PRIu64 "\nhistory_errors: %" PRIu64 "\n",
				  c->outputs->log_written, c->outputs->log_failed,
				  c->outputs->intervals, c->outputs->history_errors);
	if (c->audit != NULL) {
		struct dg_ctl_audit_stats as;

		dg_ctl_audit_get_stats(c->audit, &as);
		dg_ctl_buf_printf(b, "audit_file: %s\naudit_written: %" PRIu64 "\naudit_failed: %"
				  PRIu64 "\n", dg_ctl_audit_path(c->audit), as.written, as.failed);
		if (as.last_error != 0)
			dg_ctl_buf_printf(b, "audit_last_error: %s\n", strerror(-as.last_error));
	} else {
		dg_ctl_buf_printf(b, "audit_file: -\n");
	}
	for (unsigned int i = 0; i < c->n_reports; i++) {
		const struct dg_list_report *r = &c->reports[i];

		dg_ctl_buf_printf(b, "list %u: %s format=%s lines=%" PRIu64 " loaded=%" PRIu64
				  " duplicates=%" PRIu64 " rejected=%" PRIu64 " not_supported=%"
				  PRIu64 " skipped=%" PRIu64 "\n", i + 1, app->cfg.lists[i].path,
				  dg_list_format_name(r->format), r->lines, r->loaded, r->duplicates,
				  r->rejected, r->not_supported, r->skipped[DG_LIST_SKIP_LOCALHOST]);
	}
	if (app->cfg.respip_path[0] != '\0')
		dg_ctl_buf_printf(b, "response_ip: %s lines=%" PRIu64 " loaded=%" PRIu64
				  " skipped=%" PRIu64 " prefixes=%zu\n", app->cfg.respip_path,
				  c->respip_rep.lines, c->respip_rep.loaded, c->respip_rep.skipped,
				  dg_respip_count(s->respip));
	if (c->feeds != NULL)
		dg_feeds_status(c->feeds, b);
	return 0;
}

/* LIST: a number from `status` or a configured path (which must be unambiguous). */
static int
find_list(const struct dg_control *c, const char *arg, unsigned int *idx, char *r, size_t rlen)
{
	unsigned int found = 0;
	char *end;
	unsigned long v = strtoul(arg, &end, 10);

	if (arg[0] >= '1' && arg[0] <= '9' && *end == '\0') {
		if (v > c->n_reports)
			return dg_errf(r, rlen, -ENOENT, "no list %s (%u configured)", arg,
				       c->n_reports);
		*idx = (unsigned int)v - 1;
		return 0;
	}
	for (unsigned int i = 0; i < c->n_reports; i++) {
		if (strcmp(c->app->cfg.lists[i].path, arg) == 0) {
			if (found++ == 0)
				*idx = i;
		}
	}
	if (found == 0)
		return dg_errf(r, rlen, -ENOENT, "no list '%s' (a path or number from status)", arg);
	if (found > 1)
		return dg_errf(r, rlen, -EINVAL, "'%s' is configured %u times: give its number "
			       "from status", arg, found);
	return 0;
}

static int
cmd_rejects(struct dg_control *c, const char *arg, struct dg_ctl_buf *b, char *r, size_t rlen)
{
	unsigned int i = 0;
	char *text = NULL;
	size_t tlen = 0;
	FILE *out;
	int rc = find_list(c, arg, &i, r, rlen);

	if (rc < 0)
		return rc;
	if (c->from_image && c->reports[i].rejected + c->reports[i].not_supported > 0) {
		dg_ctl_buf_printf(b, "# this list set was loaded from the image: its rejected "
				  "lines were not kept; `reload` parses the lists again\n");
		return 0;
	}
	if (c->rejects[i] == NULL)
		return 0;
	out = open_memstream(&text, &tlen);
	if (out == NULL)
		return dg_errf(r, rlen, -ENOMEM, "out of memory");
	rc = dg_list_rejects_write(c->rejects[i], out, SIZE_MAX);
	fclose(out);
	if (rc == 0 && text != NULL)
		dg_ctl_buf_append(b, text, tlen);
	free(text);
	return rc < 0 ? dg_errf(r, rlen, -ENOMEM, "out of memory") : 0;
}

static int
cmd_audit(struct dg_control *c, int argc, char **argv, struct dg_ctl_buf *b, char *r,
	  size_t rlen)
{
	unsigned long n = 20;
	char *end = NULL;
	int rc;

	if (c->audit == NULL)
		return dg_errf(r, rlen, -ENOENT, "no audit log configured ([ctl] audit)");
	if (argc > 0) {
		n = strtoul(argv[0], &end, 10);
		if (argv[0][0] < '1' || argv[0][0] > '9' || *end != '\0' ||
		    n > DG_CTL_AUDIT_TAIL_MAX)
			return dg_errf(r, rlen, -EINVAL, "audit: N must be 1..%d, got '%s'",
				       DG_CTL_AUDIT_TAIL_MAX, argv[0]);
	}
	rc = dg_ctl_audit_tail(c->audit, (unsigned int)n, b);
	if (rc < 0)
		return dg_errf(r, rlen, rc, "audit log %s: %s", dg_ctl_audit_path(c->audit),
			       strerror(-rc));
	return 0;
}

/* The hit log and the audit log, whichever are configured. */
static int
cmd_log_rotate(struct dg_control *c, char *r, size_t rlen)
{
	bool hitlog = c->outputs != NULL && c->outputs->log != NULL;
	int rc;

	if (!hitlog && c->audit == NULL)
		return dg_errf(r, rlen, -ENOENT, "no hit log or audit log configured ([log] file, "
			       "[ctl] audit)");
	if (hitlog && (rc = dg_outputs_rotate(c->outputs)) < 0)
		return dg_errf(r, rlen, rc, "hit log: %s", strerror(-rc));
	if (c->audit != NULL && (rc = dg_ctl_audit_reopen(c->audit)) < 0)
		return dg_errf(r, rlen, rc, "audit log %s: %s (still writing to the old file)",
			       dg_ctl_audit_path(c->audit), strerror(-rc));
	return 0;
}

/* Starts the build; the answer follows when it is published (dg_snapshot_tick()). */
static int
cmd_reload(struct dg_control *c, uint64_t token, char *r, size_t rlen)
{
	int rc = dg_snapshot_reload(c, DG_BUILD_WHY_RELOAD, true, token, r, rlen);

	return rc < 0 ? rc : DG_CTL_PENDING;
}

static int
parse_name(const char *s, struct dg_name *n, char *r, size_t rlen)
{
	if (dg_name_from_text(n, s, strlen(s)) < 0 || n->nlabels == 0)
		return dg_errf(r, rlen, -EINVAL, "bad name '%s'", s);
	return 0;
}

static int
cmd_add_del(struct dg_control *c, int del, int argc, char **argv, struct dg_ctl_buf *b,
	    char *r, size_t rlen)
{
	struct dg_control_opts o;
	struct dg_journal_op op;
	int rc;

	memset(&op, 0, sizeof(op));
	rc = parse_name(argv[0], &op.name, r, rlen);
	if (rc < 0)
		return rc;
	dg_control_opts_init(&o);
	o.list.defaults.action = DG_ACTION_SINKHOLE;
	rc = dg_control_parse_opts((const char *const *)argv + 1, (size_t)argc - 1, &o, r, rlen);
	if (rc < 0)
		return rc;
	op.kind = del ? DG_JOURNAL_DEL : DG_JOURNAL_ADD;
	op.meta = o.list.defaults;
	op.meta.mode = o.list.mode >= 0 ? (enum dg_match_mode)o.list.mode : DG_MATCH_SUBTREE;
	rc = dg_snapshot_change(c, &op, r, rlen);
	if (rc == 0 && !del) {
		dg_ctl_buf_printf(b, "%s mode=%s ", argv[0], dg_match_mode_name(op.meta.mode));
		meta_text(&op.meta, b);
		dg_ctl_buf_printf(b, "\n");
	}
	return rc;
}

static int
cmd_lookup(struct dg_control *c, const char *name, struct dg_ctl_buf *b, char *r, size_t rlen)
{
	const struct dg_snapshot *s = dg_snapshot_current(c);
	struct dg_match m;
	struct dg_name n;
	char text[DG_NAME_TEXT_MAX];
	int rc = parse_name(name, &n, r, rlen);

	if (rc < 0)
		return rc;
	if (s->filter == NULL || dg_filter_lookup2(s->filter, s->delta, &n, c->app->today, &m) == 0) {
		dg_ctl_buf_printf(b, "%s: no active entry matches; forwarded\n", name);
		return 0;
	}
	dg_name_to_text(m.entry_name, m.entry_len, text, sizeof(text));
	dg_ctl_buf_printf(b, "%s: matches entry %s (%s, %s) ", name, text,
			  m.label == 0 ? "the name itself" : "a parent domain",
			  dg_match_mode_name(m.meta->mode));
	meta_text(m.meta, b);
	dg_ctl_buf_printf(b, "\n");
	return 0;
}

struct entries_ctx {
	const char *ident;
	struct dg_ctl_buf *b;
	uint64_t n;
	const struct dg_filter *mask; /**< names whose record is this layer's, not ours */
};

static int
entries_cb(const uint8_t *wire, uint8_t len, enum dg_match_mode pos,
	   const struct dg_entry_meta *meta, void *arg)
{
	struct entries_ctx *e = arg;
	char text[DG_NAME_TEXT_MAX];

	if (meta->identifier == NULL || strcmp(meta->identifier, e->ident) != 0)
		return 0;
	if (e->mask != NULL) {
		struct dg_name n;
		size_t used;

		if (dg_name_from_wire(&n, wire, len, &used) == 0 &&
		    dg_filter_get(e->mask, &n, NULL, 0) != -ENOENT)
			return 0;
	}
	dg_name_to_text(wire, len, text, sizeof(text));
	dg_ctl_buf_printf(e->b, "%s%s ", pos == DG_MATCH_BELOW ? "*." : "", text);
	meta_text(meta, e->b);
	dg_ctl_buf_printf(e->b, "\n");
	e->n++;
	return dg_ctl_buf_error(e->b);
}

static int
cmd_entries(struct dg_control *c, const char *ident, struct dg_ctl_buf *b, char *r, size_t rlen)
{
	const struct dg_snapshot *s = dg_snapshot_current(c);
	struct entries_ctx e = { ident, b, 0, s->delta };

	/* The base's records, except the names the delta holds; then the delta's. */
	if (s->filter != NULL)
		dg_filter_walk(s->filter, entries_cb, &e);
	e.mask = NULL;
	if (s->delta != NULL)
		dg_filter_walk(s->delta, entries_cb, &e);
	if (e.n == 0)
		return dg_errf(r, rlen, -ENOENT, "no entry with identifier '%s'", ident);
	return 0;
}

static int
cmd_optout(struct dg_control *c, enum dg_ctl_cmd_id id, const char *arg, struct dg_ctl_buf *b,
	   char *r, size_t rlen)
{
	const struct dg_optout *cur = dg_snapshot_current(c)->optout;
	struct dg_journal_op op;
	const char *why = NULL;

	if (id == DG_CTL_CMD_OPTOUT_LIST) {
		for (size_t i = 0; cur != NULL && i < dg_optout_count(cur); i++) {
			char text[DG_OPTOUT_PREFIX_STRLEN];

			dg_optout_prefix_format(dg_optout_get(cur, i), text, sizeof(text));
			dg_ctl_buf_printf(b, "%s\n", text);
		}
		return 0;
	}
	memset(&op, 0, sizeof(op));
	if (dg_optout_prefix_parse(arg, &op.prefix, &why) < 0)
		return dg_errf(r, rlen, -EINVAL, "bad prefix '%s': %s", arg, why ? why : "invalid");
	op.kind = id == DG_CTL_CMD_OPTOUT_ADD ? DG_JOURNAL_OPTOUT_ADD : DG_JOURNAL_OPTOUT_DEL;
	return dg_snapshot_change(c, &op, r, rlen);
}

static int
cmd_quarantine(struct dg_control *c, enum dg_ctl_cmd_id id, int argc, char **argv,
	       struct dg_ctl_buf *b, char *r, size_t rlen)
{
	const char *arg = argc > 0 ? argv[0] : NULL;
	const struct dg_optout *cur = dg_snapshot_current(c)->quar_prefixes;
	struct dg_journal_op op;
	const char *why = NULL;

	if (id == DG_CTL_CMD_QUARANTINE_LIST) {
		for (size_t i = 0; cur != NULL && i < dg_optout_count(cur); i++) {
			char text[DG_OPTOUT_PREFIX_STRLEN];

			const struct dg_optout_prefix *p = dg_optout_get(cur, i);
			const char *act = dg_quarantine_action_name(p->value);

			dg_optout_prefix_format(p, text, sizeof(text));
			dg_ctl_buf_printf(b, "%s%s%s\n", text, act ? " action=" : "",
					  act ? act : "");
		}
		return 0;
	}
	memset(&op, 0, sizeof(op));
	if (dg_optout_prefix_parse(arg, &op.prefix, &why) < 0)
		return dg_errf(r, rlen, -EINVAL, "bad prefix '%s': %s", arg, why ? why : "invalid");
	if (argc > 1 && dg_quarantine_opt_parse(argv[1], &op.prefix.value) < 0)
		return dg_errf(r, rlen, -EINVAL, "'%s': expected action=sinkhole or "
			       "action=nxdomain", argv[1]);
	op.kind = id == DG_CTL_CMD_QUARANTINE_ADD ? DG_JOURNAL_QUARANTINE_ADD :
						    DG_JOURNAL_QUARANTINE_DEL;
	return dg_snapshot_change(c, &op, r, rlen);
}

int
dg_commands_handle(void *ctx, const struct dg_ctl_request *req, struct dg_ctl_buf *body,
		   char *r, size_t rlen)
{
	struct dg_control *c = ctx;
	const struct dg_ctl_cmd *cmd;
	bool json = false;
	int nw, argc;
	char **argv;

	if (dg_ctl_cmd_check(req->argc, req->argv, &cmd, &nw, &json, r, rlen) < 0)
		return -EINVAL;
	argv = req->argv + nw + (json ? 1 : 0);
	argc = req->argc - nw - (json ? 1 : 0);
	switch (cmd->id) {
	case DG_CTL_CMD_VERSION:
		dg_ctl_buf_printf(body, "dnsgate %s\n", DG_VERSION);
		return 0;
	case DG_CTL_CMD_STATUS:
		return cmd_status(c, body);
	case DG_CTL_CMD_STATS:
		dg_stats_write(c, json, body);
		return 0;
	case DG_CTL_CMD_RELOAD:
		/* Close the interval first: what came before the reload is stored as it stood. */
		if (c->outputs != NULL)
			dg_outputs_interval(c->outputs);
		return cmd_reload(c, req->token, r, rlen);
	case DG_CTL_CMD_ADD:
	case DG_CTL_CMD_DEL:
		return cmd_add_del(c, cmd->id == DG_CTL_CMD_DEL, argc, argv, body, r, rlen);
	case DG_CTL_CMD_LOOKUP:
		return cmd_lookup(c, argv[0], body, r, rlen);
	case DG_CTL_CMD_ENTRIES:
		return cmd_entries(c, argv[0], body, r, rlen);
	case DG_CTL_CMD_REJECTS:
		return cmd_rejects(c, argv[0], body, r, rlen);
	case DG_CTL_CMD_AUDIT:
		return cmd_audit(c, argc, argv, body, r, rlen);
	case DG_CTL_CMD_OPTOUT_ADD:
	case DG_CTL_CMD_OPTOUT_DEL:
	case DG_CTL_CMD_OPTOUT_LIST:
		return cmd_optout(c, cmd->id, argc > 0 ? argv[0] : NULL, body, r, rlen);
	case DG_CTL_CMD_QUARANTINE_ADD:
	case DG_CTL_CMD_QUARANTINE_DEL:
	case DG_CTL_CMD_QUARANTINE_LIST:
		return cmd_quarantine(c, cmd->id, argc, argv, body, r, rlen);
	case DG_CTL_CMD_LOG_ROTATE:
		return cmd_log_rotate(c, r, rlen);
	default:
		return dg_errf(r, rlen, -EINVAL, "unknown command");
	}
}
