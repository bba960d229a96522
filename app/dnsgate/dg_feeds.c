/* SPDX-License-Identifier: BSD-3-Clause */
/* Feed results into snapshots, on the management core (see dg_feeds.h). */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dg_build.h"
#include "dg_err.h"
#include "dg_feeds.h"
#include "dg_outputs.h"

enum { DG_FEEDS_RELOAD_RETRY = 10 }; /* s between reloads that failed */

/* Every feed's zone file into @p b, after the configured lists; on the build thread. */
static int
load_zone_files(void *arg, struct dg_filter_builder *b, FILE *report, char *err, size_t len)
{
	struct dg_feeds *fs = arg;
	const struct dg_config *cfg = &fs->control->app->cfg;

	(void)err;
	(void)len;
	for (unsigned int i = 0; i < cfg->n_feeds; i++) {
		const struct dg_config_feed *f = &cfg->feeds[i];
		struct dg_list_opts o;
		char path[DG_CONFIG_PATH_MAX + DG_CONFIG_TEXT_MAX + 8];
		int rc;

		dg_feed_list_opts(f, &o);
		if (dg_feed_zone_path(f, path, sizeof(path)) < 0)
			continue;
		rc = dg_lists_load(b, path, DG_LIST_RPZ, &o, &fs->reports_next[i]);
		/* No file yet, or one that cannot be read: the feed transfers the zone anew. */
		if (rc < 0 && rc != -ENOENT)
			fprintf(report != NULL ? report : stderr, "dnsgate: feed %s: %s: %s\n", f->zone,
				path, strerror(-rc));
	}
	return 0;
}

static double
mono_ms_since(double started)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((double)ts.tv_sec + (double)ts.tv_nsec / 1e9 - started) * 1e3;
}

/* The one place IXFR changes reach the serving snapshot: the delta, one publish. */
static int
apply_delta(struct dg_feeds *fs, const struct dg_feed_result *r, char *err, size_t len)
{
	struct dg_snapshot_op *ops;
	int rc;

	if (r->n_ops == 0)
		return 0;
	ops = malloc(r->n_ops * sizeof(*ops));
	if (ops == NULL)
		return dg_errf(err, len, -ENOMEM, "out of memory");
	for (size_t i = 0; i < r->n_ops; i++)
		ops[i] = (struct dg_snapshot_op){ r->ops[i].del, &r->ops[i].name, &r->ops[i].meta };
	rc = dg_snapshot_apply(fs->control, ops, r->n_ops, err, len);
	free(ops);
	return rc;
}

/* A full build ended: the feeds' zone files serve, or try again later. */
static void
built(void *arg, int rc, const char *err)
{
	struct dg_feeds *fs = arg;

	if (rc == 0) {
		if (fs->build_wanted)
			fs->applied++;
		fs->build_wanted = false;
		fs->reload_retry = 0;
		return;
	}
	if (!fs->build_wanted && rc != -EAGAIN)
		return;
	fs->build_wanted = false;
	/* The zone files hold the feeds' data: try again until a build takes them. */
	fs->apply_failed++;
	fs->reload_retry = time(NULL) + DG_FEEDS_RELOAD_RETRY;
	snprintf(fs->apply_error, sizeof(fs->apply_error), "reload: %s", err);
	fprintf(stderr, "dnsgate: feed: reload failed: %s (the old snapshot serves; again in %d s)\n",
		err, DG_FEEDS_RELOAD_RETRY);
}

void
dg_feeds_tick(struct dg_feeds *fs)
{
	const struct dg_config *cfg;
	struct dg_feed_result *r;
	char err[200];
	int reload = 0;

	if (fs->client == NULL)
		return;
	cfg = &fs->control->app->cfg;
	/*
	 * In order. After a whole zone, later deltas are skipped: the reload below reads zone
	 * files written before their results were queued, so they hold them.
	 */
	while ((r = dg_feed_client_poll(fs->client)) != NULL) {
		if (r->kind == DG_FEED_FULL) {
			reload = 1;
		} else if (!reload && apply_delta(fs, r, err, sizeof(err)) < 0) {
			fs->apply_failed++;
			snprintf(fs->apply_error, sizeof(fs->apply_error), "%s serial %u: %s",
				 cfg->feeds[r->feed].zone, r->serial, err);
			fprintf(stderr, "dnsgate: feed %s: applying IXFR %u -> %u: %s (reloading)\n",
				cfg->feeds[r->feed].zone, r->from_serial, r->serial, err);
			reload = 1;
		} else if (!reload) {
			fs->applied++;
			fprintf(stderr, "dnsgate: feed %s: serial %u serving (%zu entry changes), %.1f ms "
				"after the SOA check began\n", cfg->feeds[r->feed].zone, r->serial,
				r->n_ops, mono_ms_since(r->started));
		}
		dg_feed_result_free(r);
	}
	if (fs->reload_retry != 0 && time(NULL) >= fs->reload_retry)
		reload = 1;
	if (!reload)
		return;
	fs->reload_retry = 0;
	if (fs->control->outputs != NULL)
		dg_outputs_interval(fs->control->outputs);
	if (dg_snapshot_reload(fs->control, DG_BUILD_WHY_FEED, false, 0, err, sizeof(err)) == 0) {
		fs->build_wanted = true;
		return;
	}
	built(fs, -EAGAIN, err);
}

static void
utc(time_t t, char *buf, size_t len)
{
	struct tm tm;

	if (t == 0 || gmtime_r(&t, &tm) == NULL)
		snprintf(buf, len, "-");
	else
		strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

void
dg_feeds_status(struct dg_feeds *fs, struct dg_ctl_buf *b)
{
	const struct dg_config *cfg;

	if (fs->client == NULL)
		return;
	cfg = &fs->control->app->cfg;
	dg_ctl_buf_printf(b, "feeds_applied: %" PRIu64 "\nfeeds_apply_failed: %" PRIu64 "\n",
			  fs->applied, fs->apply_failed);
	for (unsigned int i = 0; i < cfg->n_feeds; i++) {
		const struct dg_list_report *rep = &fs->reports[i];
		struct dg_feed_status st;
		char last[32], fail[32];

		if (dg_feed_client_status(fs->client, i, &st) < 0)
			continue;
		utc(st.last_transfer, last, sizeof(last));
		utc(st.last_failure, fail, sizeof(fail));
		dg_ctl_buf_printf(b, "feed: %s state=%s serial=%" PRIu32 " records=%" PRIu64
				  " entries=%" PRIu64 " last_transfer=%s %" PRIu32 "->%" PRIu32 " at %s"
				  " axfr=%" PRIu64 " ixfr=%" PRIu64 " checks=%" PRIu64
				  " failures=%" PRIu64 " notifies=%" PRIu64 " notifies_refused=%" PRIu64
				  " next_check=%" PRIu32 "s loaded=%" PRIu64 " rejected=%" PRIu64
				  " not_supported=%" PRIu64 "\n",
				  cfg->feeds[i].zone, !st.has_zone ? "empty" : st.failing ? "failing" : "ok",
				  st.serial, st.records, st.policies,
				  st.last_kind[0] ? st.last_kind : "none", st.last_from, st.serial, last,
				  st.axfr, st.ixfr, st.checks, st.failures, st.notifies,
				  st.notifies_refused, st.next_check, rep->loaded, rep->rejected,
				  rep->not_supported);
		if (st.last_error[0] != '\0')
			dg_ctl_buf_printf(b, "feed_error: %s at %s: %s\n", cfg->feeds[i].zone, fail,
					  st.last_error);
	}
	if (fs->apply_error[0] != '\0')
		dg_ctl_buf_printf(b, "feeds_apply_error: %s\n", fs->apply_error);
}

int
dg_feeds_init(struct dg_feeds *fs, struct dg_app *app, struct dg_control *c, char *err,
	      size_t len)
{
	char why[DG_CONFIG_ERR_MAX];
	int rc;

	memset(fs, 0, sizeof(*fs));
	fs->control = c;
	if (app->cfg.n_feeds == 0)
		return 0;
	rc = dg_feed_client_create(&fs->client, app->cfg.feeds, app->cfg.n_feeds, NULL, why,
				   sizeof(why));
	if (rc < 0)
		return dg_errf(err, len, rc, "%s: %s", app->cfg.path, why);
	c->load_more = load_zone_files;
	c->load_more_arg = fs;
	c->more = fs->reports;
	c->more_next = fs->reports_next;
	c->n_more = app->cfg.n_feeds;
	c->feed_built = built;
	c->feed_built_arg = fs;
	return 0;
}

int
dg_feeds_start(struct dg_feeds *fs)
{
	return fs->client != NULL ? dg_feed_client_start(fs->client) : 0;
}

void
dg_feeds_fini(struct dg_feeds *fs)
{
	dg_feed_client_free(fs->client);
	fs->client = NULL;
}
