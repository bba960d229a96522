/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Control commands, run by the control socket server inside the management loop. They
 * read the serving snapshot and make new ones; none touches a worker's state.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_cycles.h>

#include "dg_err.h"
#include "dg_commands.h"
#include "dg_ctl.h"
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
	struct dg_filter_info fi = { 0 };
	char when[32] = "-";
	struct tm tm;

	if (s->filter != NULL)
		dg_filter_info(s->filter, &fi);
	if (c->loaded_at != 0 && gmtime_r(&c->loaded_at, &tm) != NULL)
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	dg_ctl_buf_printf(b, "version: %s\nuptime_seconds: %.0f\nworkers: %u\nports: %u\n",
			  DG_VERSION, (double)(rte_rdtsc() - app->start_tsc) / (double)rte_get_tsc_hz(),
			  app->n_workers, app->n_ports);
	dg_ctl_buf_printf(b, "generation: %" PRIu64 "\nloaded_at: %s\nentries: %" PRIu64
			  "\nentries_active: %" PRIu64 "\nidentifiers: %" PRIu64
			  "\nsnapshot_bytes: %" PRIu64 "\noptout_prefixes: %zu\nruntime_changes: %zu\n"
			  "reloads_ok: %" PRIu64 "\nreloads_failed: %" PRIu64 "\n",
			  c->generation, when, fi.entries,
			  s->filter ? dg_filter_count_active(s->filter, app->today) : 0,
			  fi.idents, fi.total_bytes, s->optout ? dg_optout_count(s->optout) : 0,
			  c->n_journal, c->reloads_ok, c->reloads_failed);
	if (c->outputs != NULL)
		dg_ctl_buf_printf(b, "hitlog_written: %" PRIu64 "\nhitlog_failed: %" PRIu64
				  "\nhistory_intervals: %" PRIu64 "\nhistory_errors: %" PRIu64 "\n",
				  c->outputs->log_written, c->outputs->log_failed,
				  c->outputs->intervals, c->outputs->history_errors);
	for (unsigned int i = 0; i < c->n_reports; i++) {
		const struct dg_list_report *r = &c->reports[i];

		dg_ctl_buf_printf(b, "list: %s format=%s lines=%" PRIu64 " loaded=%" PRIu64
				  " duplicates=%" PRIu64 " rejected=%" PRIu64 "\n",
				  app->cfg.lists[i].path, dg_list_format_name(r->format), r->lines,
				  r->loaded, r->duplicates, r->rejected);
	}
	return 0;
}

static int
cmd_reload(struct dg_control *c, struct dg_ctl_buf *b, char *r, size_t rlen)
{
	char *text = NULL;
	size_t tlen = 0;
	FILE *rep = open_memstream(&text, &tlen);
	int rc;

	rc = dg_snapshot_reload(c, rep, r, rlen);
	if (rep != NULL)
		fclose(rep);
	if (rc == 0) {
		dg_ctl_buf_printf(b, "generation %" PRIu64 "\n", c->generation);
		for (unsigned int i = 0; i < c->n_reports; i++)
			dg_ctl_buf_printf(b, "%s: loaded %" PRIu64 ", rejected %" PRIu64 "\n",
					  c->app->cfg.lists[i].path, c->reports[i].loaded,
					  c->reports[i].rejected);
		if (text != NULL)
			dg_ctl_buf_append(b, text, tlen);
	}
	free(text);
	return rc;
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
	struct dg_list_opts o;
	struct dg_name n;
	char buf[DG_CONFIG_TEXT_MAX] = "", kv[DG_CONFIG_TEXT_MAX] = "";
	size_t off = 0;
	int rc = parse_name(argv[0], &n, r, rlen);

	if (rc < 0)
		return rc;
	for (int i = 1; i < argc; i++)
		off += (size_t)snprintf(kv + off, off < sizeof(kv) ? sizeof(kv) - off : 0, "%s ",
					argv[i]);
	dg_list_opts_init(&o);
	o.defaults.action = DG_ACTION_SINKHOLE;
	rc = dg_snapshot_parse_list_opts(kv, &o, buf, sizeof(buf), r, rlen);
	if (rc < 0)
		return rc;
	o.defaults.mode = o.mode >= 0 ? (enum dg_match_mode)o.mode : DG_MATCH_SUBTREE;
	rc = dg_snapshot_change(c, del, &n, &o.defaults, r, rlen);
	if (rc == 0 && !del) {
		dg_ctl_buf_printf(b, "%s mode=%s ", argv[0], dg_match_mode_name(o.defaults.mode));
		meta_text(&o.defaults, b);
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
	if (s->filter == NULL || dg_filter_lookup(s->filter, &n, c->app->today, &m) == 0) {
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
};

static int
entries_cb(const uint8_t *wire, uint8_t len, enum dg_match_mode pos,
	   const struct dg_entry_meta *meta, void *arg)
{
	struct entries_ctx *e = arg;
	char text[DG_NAME_TEXT_MAX];

	if (meta->identifier == NULL || strcmp(meta->identifier, e->ident) != 0)
		return 0;
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
	struct entries_ctx e = { ident, b, 0 };

	if (s->filter != NULL)
		dg_filter_walk(s->filter, entries_cb, &e);
	if (e.n == 0)
		return dg_errf(r, rlen, -ENOENT, "no entry with identifier '%s'", ident);
	return 0;
}

static int
cmd_optout(struct dg_control *c, enum dg_ctl_cmd_id id, const char *arg, struct dg_ctl_buf *b,
	   char *r, size_t rlen)
{
	const struct dg_optout *cur = dg_snapshot_current(c)->optout;
	struct dg_optout_prefix p;
	struct dg_optout *t = NULL;
	const char *why = NULL;
	int rc;

	if (id == DG_CTL_CMD_OPTOUT_LIST) {
		for (size_t i = 0; cur != NULL && i < dg_optout_count(cur); i++) {
			char text[DG_OPTOUT_PREFIX_STRLEN];

			dg_optout_prefix_format(dg_optout_get(cur, i), text, sizeof(text));
			dg_ctl_buf_printf(b, "%s\n", text);
		}
		return 0;
	}
	if (dg_optout_prefix_parse(arg, &p, &why) < 0)
		return dg_errf(r, rlen, -EINVAL, "bad prefix '%s': %s", arg, why ? why : "invalid");
	rc = id == DG_CTL_CMD_OPTOUT_ADD ? dg_optout_with_added(cur, &p, &t) :
					   dg_optout_with_deleted(cur, &p, &t);
	if (rc == -EEXIST)
		return dg_errf(r, rlen, rc, "%s is already opted out", arg);
	if (rc == -ENOENT)
		return dg_errf(r, rlen, rc, "%s is not in the opt-out table", arg);
	if (rc < 0)
		return dg_errf(r, rlen, rc, "%s", strerror(-rc));
	return dg_snapshot_set_optout(c, t);
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
		return cmd_reload(c, body, r, rlen);
	case DG_CTL_CMD_ADD:
	case DG_CTL_CMD_DEL:
		return cmd_add_del(c, cmd->id == DG_CTL_CMD_DEL, argc, argv, body, r, rlen);
	case DG_CTL_CMD_LOOKUP:
		return cmd_lookup(c, argv[0], body, r, rlen);
	case DG_CTL_CMD_ENTRIES:
		return cmd_entries(c, argv[0], body, r, rlen);
	case DG_CTL_CMD_OPTOUT_ADD:
	case DG_CTL_CMD_OPTOUT_DEL:
	case DG_CTL_CMD_OPTOUT_LIST:
		return cmd_optout(c, cmd->id, argc > 0 ? argv[0] : NULL, body, r, rlen);
	case DG_CTL_CMD_LOG_ROTATE:
		if (c->outputs == NULL || c->outputs->log == NULL)
			return dg_errf(r, rlen, -ENOENT, "no hit log configured ([log] file)");
		return dg_outputs_rotate(c->outputs);
	default:
		return dg_errf(r, rlen, -EINVAL, "unknown command");
	}
}
