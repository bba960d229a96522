/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Full builds off the management loop: start one on the build thread, and when it is done
 * publish its base with the journal's changes and those made meanwhile in a fresh delta,
 * answer whoever asked, and let the thread write the image. At start, the image instead of
 * a parse when its fingerprint matches the inputs.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "dg_build.h"
#include "dg_ctl.h"
#include "dg_ctl_server.h"
#include "dg_err.h"
#include "dg_feed.h"
#include "dg_filter_image.h"
#include "dg_snapshot_pvt.h"

enum {
	META_REFRESH_MIN_S = 1,   /* identifiers' metadata: at most once a second */
	LOAD_RECORD_MIN_S = 60,   /* the history's list metadata after runtime changes */
};

double
dg_snapshot_build_age(const struct dg_control *c)
{
	return c->build != NULL ? dg_build_now() - c->build_started : 0;
}

/* The feeds' zone files: build inputs, so fingerprinted. */
static void
extra_paths(const struct dg_config *cfg, char (*out)[DG_CONFIG_PATH_MAX + DG_CONFIG_TEXT_MAX + 8],
	    unsigned int *n)
{
	*n = 0;
	for (unsigned int i = 0; i < cfg->n_feeds && i < DG_BUILD_MAX_EXTRA; i++)
		if (dg_feed_zone_path(&cfg->feeds[i], out[*n], sizeof(out[0])) == 0)
			(*n)++;
}

static struct dg_build *
build_new(struct dg_control *c, enum dg_build_kind kind, int why)
{
	struct dg_build *b = calloc(1, sizeof(*b));

	if (b == NULL)
		return NULL;
	b->kind = kind;
	b->why = (enum dg_build_why)why;
	b->cfg = &c->app->cfg;
	b->today = c->app->today;
	b->walk = c->app->snap->filter;
	if (kind == DG_BUILD_FULL) {
		b->more = c->load_more;
		b->more_arg = c->load_more_arg;
		b->more_reports = c->more_next;
		b->n_more_reports = c->more_next != NULL ? c->n_more : 0;
		extra_paths(b->cfg, b->extra, &b->n_extra);
	}
	return b;
}

static int
build_begin(struct dg_control *c, struct dg_build *b)
{
	int rc = dg_build_start(b);

	if (rc < 0) {
		free(b);
		return rc;
	}
	c->build = b;
	c->build_started = dg_build_now();
	c->cut = dg_journal_count(c->journal);
	dg_snapshot_pending_clear(c);
	c->pending_failed = false;
	return 0;
}

static int
start_full(struct dg_control *c, int why, bool has_token, uint64_t token)
{
	struct dg_build *b = build_new(c, DG_BUILD_FULL, why);

	if (b == NULL)
		return -ENOMEM;
	b->report = has_token || why == DG_BUILD_WHY_START;
	b->token_set = has_token;
	b->token = token;
	return build_begin(c, b);
}

int
dg_snapshot_reload(struct dg_control *c, int why, bool has_token, uint64_t token, char *err,
		   size_t len)
{
	int rc;

	if (c->build != NULL) {
		/* An operator waits behind a metadata walk or an image write, not a parse. */
		bool wait = why != DG_BUILD_WHY_RELOAD || c->build->kind == DG_BUILD_META ||
			    dg_build_state(c->build) != DG_BUILD_RUNNING;

		if (!wait || (has_token && c->queued && c->queued_why == DG_BUILD_WHY_RELOAD))
			return dg_errf(err, len, -EBUSY, "a full build (%s) has been running for "
				       "%.1f s: try again when `status` shows build: idle",
				       dg_build_why_name(c->build->why), dg_build_now() - c->build_started);
		if (!c->queued || why == DG_BUILD_WHY_RELOAD) {
			c->queued = true;
			c->queued_why = why;
			c->queued_token_set = has_token;
			c->queued_token = token;
		}
		return 0;
	}
	rc = start_full(c, why, has_token, token);
	if (rc < 0)
		return dg_errf(err, len, rc, "starting the build thread: %s", strerror(-rc));
	return 0;
}

void
dg_snapshot_maybe_fold(struct dg_control *c)
{
	char err[DG_CONFIG_ERR_MAX];

	if (c->app->cfg.delta_fold == 0 || c->feed_ops < c->app->cfg.delta_fold ||
	    c->build != NULL)
		return;
	if (dg_snapshot_reload(c, DG_BUILD_WHY_FOLD, false, 0, err, sizeof(err)) < 0)
		fprintf(stderr, "dnsgate: folding the delta: %s\n", err);
}

/* journal[0, cut) then the changes made during the build, in order, over @p base. */
static int
replay(struct dg_control *c, struct dg_filter_builder *db, const struct dg_filter *base,
       char *err, size_t len)
{
	int rc = 0;

	for (size_t i = 0; rc >= 0 && i < c->cut; i++) {
		const struct dg_journal_op *op = dg_journal_get(c->journal, i);

		if (op->kind == DG_JOURNAL_ADD || op->kind == DG_JOURNAL_DEL)
			rc = dg_control_delta_change(db, base, op);
	}
	for (size_t i = 0; rc >= 0 && i < c->n_pending; i++) {
		const struct dg_pending *p = &c->pending[i];

		rc = p->feed ? dg_control_delta_feed(db, base, p->del, &p->name, &p->meta) :
			       dg_control_delta_change(db, base, dg_journal_get(c->journal, p->jidx));
	}
	return rc < 0 ? dg_errf(err, len, rc, "replaying runtime changes: %s", strerror(-rc)) : 0;
}

/* The serving response-IP list in one line (no newline), or "" when none is configured. */
static void
respip_line(const struct dg_control *c, char *buf, size_t len)
{
	const struct dg_snapshot *s = c->app->snap;

	buf[0] = '\0';
	if (c->app->cfg.respip_path[0] != '\0')
		snprintf(buf, len, "%s: %zu prefixes (%" PRIu64 " lines, %" PRIu64
			 " other zone records)", c->app->cfg.respip_path, dg_respip_count(s->respip),
			 c->respip_rep.lines, c->respip_rep.skipped);
}

static void
answer(struct dg_control *c, const struct dg_build *b, int rc, const char *err)
{
	char rl[DG_CONFIG_PATH_MAX + 128];
	struct dg_ctl_buf body;

	if (!b->token_set || c->ctl == NULL)
		return;
	dg_ctl_buf_init(&body, 0);
	if (rc == 0) {
		dg_ctl_buf_printf(&body, "generation %" PRIu64 " (built in %.2f s)\n",
				  c->generation, b->seconds);
		for (unsigned int i = 0; i < c->n_reports; i++) {
			const struct dg_list_report *l = &c->reports[i];

			dg_ctl_buf_printf(&body, "%s: loaded %" PRIu64 ", rejected %" PRIu64
					  ", not supported %" PRIu64 ", skipped %" PRIu64 "\n",
					  c->app->cfg.lists[i].path, l->loaded, l->rejected,
					  l->not_supported, l->skipped[DG_LIST_SKIP_LOCALHOST]);
		}
		respip_line(c, rl, sizeof(rl));
		if (rl[0] != '\0')
			dg_ctl_buf_printf(&body, "response-IP list %s\n", rl);
		/* bounded: 20 lines and the counts per list */
		if (b->report_text != NULL)
			dg_ctl_buf_append(&body, b->report_text, b->report_len);
	}
	dg_ctl_server_complete(c->ctl, b->token, rc, &body, rc < 0 ? err : NULL);
	dg_ctl_buf_fini(&body);
}

/* The new list set serves: its counts and kept lines replace the old ones. */
static void
outcome_commit(struct dg_control *c, struct dg_build *b)
{
	for (unsigned int i = 0; i < DG_CONFIG_MAX_LISTS; i++) {
		dg_list_rejects_free(c->rejects[i]);
		c->rejects[i] = b->res.rejects[i];
		b->res.rejects[i] = NULL;
	}
	memcpy(c->reports, b->res.reports, sizeof(c->reports));
	c->n_reports = b->res.n_lists;
	if (c->more != NULL && c->more_next != NULL)
		memcpy(c->more, c->more_next, c->n_more * sizeof(c->more[0]));
	dg_idents_free(c->base_meta);
	c->base_meta = b->res.meta;
	b->res.meta = NULL;
	c->base_active = b->base_active;
	c->base_active_day = b->today;
	c->from_image = false;
	c->base_changed = true;
}

/* Publish a full build's result; @return 0 or a negative errno with the reason. */
static int
publish_full(struct dg_control *c, struct dg_build *b, char *err, size_t len)
{
	struct dg_filter_builder *db = NULL;
	struct dg_filter *delta = NULL;
	struct dg_optout *opt = NULL;
	int rc = b->rc;

	if (rc < 0)
		return dg_errf(err, len, rc, "%s", b->err);
	if (c->pending_failed)
		return dg_errf(err, len, -ENOMEM, "out of memory keeping the changes made during "
			       "the build");
	rc = dg_journal_apply_optout(c->journal, b->optout, &opt);
	if (rc < 0)
		return dg_errf(err, len, rc, "replaying runtime opt-out changes: %s",
			       strerror(-rc));
	rc = dg_snapshot_quarantine_load(c, err, len);
	if (rc < 0) {
		dg_optout_free(opt);
		return rc;
	}
	dg_snapshot_respip_stage(c, b->respip, &b->respip_rep);
	b->respip = NULL; /* staged: the publish serves it, or the unstage frees it */
	rc = dg_snapshot_delta_new(c, &db);
	if (rc == 0)
		rc = replay(c, db, b->res.filter, err, len);
	else
		dg_errf(err, len, rc, "out of memory");
	if (rc == 0 && (rc = dg_snapshot_delta_build(db, &delta)) < 0)
		dg_errf(err, len, rc, "building the delta: %s", strerror(-rc));
	if (rc == 0 && (rc = dg_snapshot_publish(c, b->res.filter, delta, opt)) < 0)
		dg_errf(err, len, rc, "out of memory");
	if (rc < 0) {
		dg_filter_builder_free(db);
		dg_filter_free(delta);
		dg_optout_free(opt);
		dg_snapshot_quarantine_unstage(c);
		dg_snapshot_respip_unstage(c);
		return rc;
	}
	b->res.filter = NULL; /* serving now */
	dg_filter_builder_free(c->delta_b);
	c->delta_b = db;
	c->feed_ops = 0;
	for (size_t i = 0; i < c->n_pending; i++)
		c->feed_ops += c->pending[i].feed;
	outcome_commit(c, b);
	return 0;
}

/* At start, on stdout as the lists' counts. */
static void
respip_say(const struct dg_control *c)
{
	char rl[DG_CONFIG_PATH_MAX + 128];

	respip_line(c, rl, sizeof(rl));
	if (rl[0] != '\0')
		printf("response-IP list %s\n", rl);
}

static void
finish_full(struct dg_control *c, struct dg_build *b)
{
	char err[DG_CONFIG_ERR_MAX], why[DG_CONFIG_ERR_MAX];
	int rc = publish_full(c, b, err, sizeof(err));

	if (b->why == DG_BUILD_WHY_START && b->report_text != NULL)
		fputs(b->report_text, stderr);
	c->last_build_seconds = b->seconds;
	if (rc == 0) {
		/* The list set serves with every runtime change on top: fold the journal. */
		if (dg_journal_compact(c->journal, why, sizeof(why)) < 0)
			fprintf(stderr, "dnsgate: compacting the journal: %s\n", why);
		c->loaded_at = time(NULL);
		c->reloads_ok++;
		if (b->why == DG_BUILD_WHY_START)
			respip_say(c);
	} else {
		c->reloads_failed++;
		if (b->why != DG_BUILD_WHY_START && !b->token_set)
			fprintf(stderr, "dnsgate: %s build failed: %s (the old snapshot serves)\n",
				dg_build_why_name(b->why), err);
		snprintf(b->err, sizeof(b->err), "%s", err);
	}
	dg_snapshot_pending_clear(c);
	answer(c, b, rc, err);
	if (c->feed_built != NULL)
		c->feed_built(c->feed_built_arg, rc, err);
	dg_build_release(b, rc == 0 ? c->app->snap->filter : NULL, rc == 0);
}

static void
finish_meta(struct dg_control *c, struct dg_build *b)
{
	if (b->rc == 0 && b->walk == c->app->snap->filter) {
		dg_idents_free(c->base_meta);
		c->base_meta = b->meta;
		b->meta = NULL;
		c->base_active = b->base_active;
		c->base_active_day = b->today;
		c->meta_dirty = true;
		c->base_changed = true;
	} else if (b->rc < 0) {
		fprintf(stderr, "dnsgate: %s\n", b->err);
	}
	dg_build_release(b, NULL, false);
}

/* The thread ended: say what became of the image, and free the job. */
static void
end_build(struct dg_control *c)
{
	struct dg_build *b = c->build;

	dg_build_join(b);
	if (b->saved) {
		snprintf(c->image_state, sizeof(c->image_state), "written in %.2f s after a %.2f s "
			 "build", b->save_seconds, b->seconds);
		fprintf(stderr, "dnsgate: image %s %s\n", c->app->cfg.image, c->image_state);
	} else if (b->save_err[0] != '\0' && b->kind == DG_BUILD_FULL && b->rc == 0) {
		snprintf(c->image_state, sizeof(c->image_state), "not written: %s", b->save_err);
		fprintf(stderr, "dnsgate: image %s\n", c->image_state);
	}
	free(b);
	c->build = NULL;
}

/*
 * Identifiers' metadata brought up to date with the serving layers, and handed to the
 * history: at once for a new base, else at most once a minute (@p now: whatever is due).
 */
static void
meta_refresh(struct dg_control *c, bool now)
{
	const struct dg_snapshot *s = c->app->snap;
	double t = dg_build_now();

	if (c->meta_dirty && c->base_meta != NULL && (now || t - c->meta_at >= META_REFRESH_MIN_S)) {
		if (dg_idents_view(c->idents, c->base_meta, s->filter, s->delta) < 0) {
			fprintf(stderr, "dnsgate: out of memory refreshing identifier metadata\n");
			return;
		}
		c->meta_dirty = false;
		c->meta_at = t;
		c->load_pending = true;
	}
	if (c->load_pending && (now || c->base_changed || t - c->load_at >= LOAD_RECORD_MIN_S)) {
		c->load_pending = false;
		c->base_changed = false;
		c->load_at = t;
		if (c->after_load != NULL)
			c->after_load(c->after_load_arg);
	}
}

void
dg_snapshot_meta_flush(struct dg_control *c)
{
	meta_refresh(c, true);
}

void
dg_snapshot_tick(struct dg_control *c)
{
	char err[DG_CONFIG_ERR_MAX];

	dg_snapshot_reap(c, false);
	if (c->build != NULL) {
		int st = dg_build_state(c->build);

		if (st == DG_BUILD_DONE && c->build->kind == DG_BUILD_FULL)
			finish_full(c, c->build);
		else if (st == DG_BUILD_DONE)
			finish_meta(c, c->build);
		else if (st == DG_BUILD_FINISHED)
			end_build(c);
	}
	if (c->build == NULL && c->queued) {
		c->queued = false;
		if (start_full(c, c->queued_why, c->queued_token_set, c->queued_token) < 0) {
			snprintf(err, sizeof(err), "starting the build thread failed");
			if (c->queued_token_set && c->ctl != NULL)
				dg_ctl_server_complete(c->ctl, c->queued_token, -EAGAIN, NULL, err);
		}
	}
	/* A new day: the active count of the base, off this loop. */
	if (c->build == NULL && c->base_meta != NULL && c->app->snap->filter != NULL &&
	    c->base_active_day != c->app->today) {
		struct dg_build *b = build_new(c, DG_BUILD_META, DG_BUILD_WHY_DAY);

		if (b != NULL)
			build_begin(c, b);
	}
	meta_refresh(c, false);
}

static const char *
image_why(int rc)
{
	switch (rc) {
	case -ENOENT:
		return "none yet";
	case -ESTALE:
		return "stale (a list, a feed's zone file or their options changed)";
	case -EBADMSG:
		return "damaged (truncated, corrupted, or from another build)";
	default:
		return strerror(-rc);
	}
}

/* The base from the image; the journal on top. @return 0, or <0: parse instead. */
static int
load_image(struct dg_control *c)
{
	const struct dg_config *cfg = &c->app->cfg;
	char extra_buf[DG_BUILD_MAX_EXTRA][DG_CONFIG_PATH_MAX + DG_CONFIG_TEXT_MAX + 8];
	const char *extra[DG_BUILD_MAX_EXTRA];
	struct dg_list_report rep[DG_CONFIG_MAX_LISTS + DG_CONFIG_MAX_FEEDS];
	uint8_t fp[DG_CONTROL_FP_LEN];
	struct dg_filter *base = NULL, *delta = NULL;
	struct dg_optout *file = NULL, *opt = NULL;
	struct dg_respip *respip = NULL;
	struct dg_respip_report rrep;
	struct dg_filter_info fi;
	char why[DG_CONFIG_ERR_MAX];
	unsigned int n_extra, n_rep = 0;
	double t0 = dg_build_now();
	int rc;

	extra_paths(cfg, extra_buf, &n_extra);
	for (unsigned int i = 0; i < n_extra; i++)
		extra[i] = extra_buf[i];
	rc = dg_control_fingerprint(cfg, extra, n_extra, fp, why, sizeof(why));
	if (rc == 0 && (rc = dg_filter_load_image(cfg->image, fp, &base)) < 0)
		snprintf(why, sizeof(why), "%s", image_why(rc));
	if (rc == 0 && cfg->optout_file[0] != '\0')
		rc = dg_optout_load(cfg->optout_file, &file, why, sizeof(why));
	if (rc == 0 && (rc = dg_journal_apply_optout(c->journal, file, &opt)) < 0)
		snprintf(why, sizeof(why), "replaying runtime opt-out changes: %s", strerror(-rc));
	if (rc == 0)
		rc = dg_snapshot_quarantine_load(c, why, sizeof(why));
	/* The image holds the name lists only: the response-IP list is read from its file. */
	if (rc == 0 && (rc = dg_response_load(cfg, &respip, &rrep, why, sizeof(why))) == 0)
		dg_snapshot_respip_stage(c, respip, &rrep);
	if (rc == 0)
		rc = dg_control_delta_journal(c->delta_b, base, c->journal, why, sizeof(why));
	if (rc == 0 && (rc = dg_snapshot_delta_build(c->delta_b, &delta)) < 0)
		snprintf(why, sizeof(why), "building the delta: %s", strerror(-rc));
	if (rc == 0 && (rc = dg_snapshot_publish(c, base, delta, opt)) < 0)
		snprintf(why, sizeof(why), "out of memory");
	dg_optout_free(file);
	if (rc < 0) {
		snprintf(c->image_state, sizeof(c->image_state), "not used: %s", why);
		fprintf(stderr, "dnsgate: image %s: %s; parsing the lists\n", cfg->image, why);
		dg_filter_free(base);
		dg_filter_free(delta);
		dg_optout_free(opt);
		dg_snapshot_quarantine_unstage(c);
		dg_snapshot_respip_unstage(c);
		dg_filter_builder_free(c->delta_b);
		c->delta_b = NULL;
		return dg_snapshot_delta_new(c, &c->delta_b) < 0 ? -ENOMEM : rc;
	}
	/* The per-list counts of the build that wrote it; zero if they went missing. */
	if (dg_build_read_reports(cfg->image, fp, rep, DG_CONFIG_MAX_LISTS + DG_CONFIG_MAX_FEEDS,
				  &n_rep) == 0 && n_rep == cfg->n_lists + c->n_more) {
		memcpy(c->reports, rep, cfg->n_lists * sizeof(rep[0]));
		if (c->more != NULL)
			memcpy(c->more, rep + cfg->n_lists, c->n_more * sizeof(rep[0]));
	}
	c->n_reports = cfg->n_lists;
	c->from_image = true;
	c->loaded_at = time(NULL);
	c->reloads_ok++;
	dg_filter_info(base, &fi);
	snprintf(c->image_state, sizeof(c->image_state), "loaded in %.2f s (%" PRIu64
		 " entries), lists not parsed%s", dg_build_now() - t0, fi.entries,
		 cfg->respip_path[0] != '\0' ? " (the response-IP list was: it is not in the "
		 "image)" : "");
	fprintf(stderr, "dnsgate: image %s %s\n", cfg->image, c->image_state);
	respip_say(c);
	return 0;
}

/* The first full build, on the build thread like any other, waited for. */
static int
first_build(struct dg_control *c, char *err, size_t len)
{
	int rc = start_full(c, DG_BUILD_WHY_START, false, 0);

	if (rc < 0)
		return dg_errf(err, len, rc, "starting the build thread: %s", strerror(-rc));
	while (dg_build_state(c->build) == DG_BUILD_RUNNING)
		usleep(1000);
	finish_full(c, c->build);
	if (c->build->rc < 0 || c->reloads_ok == 0) {
		rc = dg_errf(err, len, c->build->rc < 0 ? c->build->rc : -ENOMEM, "%s",
			     c->build->err);
		end_build(c);
		return rc;
	}
	return 0;
}

int
dg_snapshot_init(struct dg_control *c, struct dg_app *app, char *err, size_t len)
{
	const char *path = app->cfg.journal[0] != '\0' ? app->cfg.journal : NULL;
	int rc;

	c->app = app;
	if (dg_idents_create(&c->idents) < 0 || dg_snapshot_delta_new(c, &c->delta_b) < 0)
		return dg_errf(err, len, -ENOMEM, "out of memory");
	rc = dg_journal_open(&c->journal, path, &c->journal_info, err, len);
	if (rc < 0)
		return rc;
	if (c->journal_info.torn)
		fprintf(stderr, "dnsgate: journal %s: a last record cut short (never "
			"acknowledged) dropped\n", path);
	if (c->journal_info.bad)
		fprintf(stderr, "dnsgate: journal %s:%lu: damaged; %zu record(s) from there set "
			"aside in %s.bad, the %zu before it replayed\n", path,
			c->journal_info.bad_line, c->journal_info.bad, path,
			c->journal_info.records);
	if (dg_snapshot_publish(c, NULL, NULL, NULL) < 0)
		return dg_errf(err, len, -ENOMEM, "out of memory");
	if (app->cfg.image[0] != '\0' && load_image(c) == 0) {
		struct dg_build *b = build_new(c, DG_BUILD_META, DG_BUILD_WHY_IMAGE);

		/* Reports and history wait for the metadata; the wire does not. */
		if (b == NULL || build_begin(c, b) < 0)
			fprintf(stderr, "dnsgate: identifier metadata walk not started\n");
		return 0;
	}
	if (c->delta_b == NULL)
		return dg_errf(err, len, -ENOMEM, "out of memory");
	return first_build(c, err, len);
}
