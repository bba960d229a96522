/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Merge history databases into one in-memory database, then read the report's figures
 * out of it with SQL. Copying (ATTACH, INSERT ... SELECT, DETACH) rather than querying
 * attached files keeps SQLite's limit of 10 attached databases out of the way.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "dg_history.h"
#include "report.h"

static const char merged_schema[] =
	"CREATE TABLE iv (appliance TEXT NOT NULL, start_ts INTEGER NOT NULL,"
	" queries INTEGER NOT NULL, optout INTEGER NOT NULL, filtered INTEGER NOT NULL,"
	" UNIQUE (appliance, start_ts));"
	"CREATE TABLE ih (appliance TEXT, start_ts INTEGER, identifier TEXT,"
	" category TEXT, hits INTEGER);"
	"CREATE TABLE le (appliance TEXT, loaded_at INTEGER, identifier TEXT,"
	" category TEXT, fqdns INTEGER, start_day INTEGER, end_day INTEGER);"
	"CREATE INDEX iv_start ON iv (start_ts);"
	"CREATE INDEX ih_start ON ih (start_ts);";

static const char copy_sql[] =
	"INSERT INTO iv SELECT appliance, start_ts, queries, optout_queries, filtered"
	" FROM src.intervals;"
	"INSERT INTO ih SELECT i.appliance, i.start_ts, d.identifier, d.category, d.hits"
	" FROM src.interval_idents d JOIN src.intervals i ON i.id = d.interval_id;"
	/* An end day 0 (1970-01-01) is how appliances before the fix recorded an identifier
	 * whose entries are all allow (it has no end): read it as open. */
	"INSERT INTO le SELECT l.appliance, l.loaded_at, e.identifier, e.category, e.fqdns,"
	" e.start_day, nullif(e.end_day, 0)"
	" FROM src.list_entries e JOIN src.list_loads l ON l.id = e.load_id;";

/*
 * Identifiers of the period. Metadata per appliance: the latest load before the end of
 * the period that lists the identifier; across appliances: the largest FQDN count, the
 * earliest start, the latest end (open wins), the category of the most recent load.
 * Listed: whose filtering window overlaps the period, or that had hits in it.
 */
static const char ident_sql[] =
	"WITH cut AS (SELECT appliance, identifier, max(loaded_at) AS at FROM le"
	"  WHERE loaded_at < ?2 GROUP BY appliance, identifier),"
	" latest AS (SELECT le.* FROM le JOIN cut ON le.appliance = cut.appliance"
	"  AND le.identifier = cut.identifier AND le.loaded_at = cut.at),"
	" meta AS (SELECT identifier, max(fqdns) AS fqdns,"
	"  CASE WHEN count(*) > count(start_day) THEN NULL ELSE min(start_day) END AS sd,"
	"  CASE WHEN count(*) > count(end_day) THEN NULL ELSE max(end_day) END AS ed,"
	"  (SELECT l2.category FROM latest l2 WHERE l2.identifier = latest.identifier"
	"   ORDER BY l2.loaded_at DESC, l2.category LIMIT 1) AS category"
	"  FROM latest GROUP BY identifier),"
	" first AS (SELECT identifier, min(loaded_at) AS at FROM le GROUP BY identifier),"
	" hits AS (SELECT identifier, sum(hits) AS hits, max(category) AS category FROM ih"
	"  WHERE start_ts >= ?1 AND start_ts < ?2 AND identifier <> '' GROUP BY identifier),"
	" ids AS (SELECT identifier FROM meta UNION SELECT identifier FROM hits)"
	" SELECT ids.identifier, coalesce(meta.category, hits.category), meta.fqdns,"
	"  meta.sd, meta.ed, coalesce(hits.hits, 0), meta.identifier IS NOT NULL,"
	"  (meta.sd BETWEEN ?3 AND ?4)"
	"   OR (meta.identifier IS NOT NULL AND meta.sd IS NULL"
	"       AND first.at >= ?1 AND first.at < ?2)"
	" FROM ids LEFT JOIN meta USING (identifier) LEFT JOIN hits USING (identifier)"
	"  LEFT JOIN first USING (identifier)"
	" WHERE coalesce(hits.hits, 0) > 0"
	"  OR (meta.identifier IS NOT NULL AND (meta.sd IS NULL OR meta.sd <= ?4)"
	"      AND (meta.ed IS NULL OR meta.ed >= ?3))"
	" ORDER BY ids.identifier";

static const char cat_sql[] =
	"SELECT category, sum(hits) FROM ih WHERE start_ts >= ?1 AND start_ts < ?2"
	" GROUP BY category HAVING sum(hits) > 0 ORDER BY sum(hits) DESC, category";

static const char rows_sql[] =
	"SELECT count(*), sum(queries), sum(optout), sum(filtered) FROM iv"
	" WHERE start_ts >= ?1 AND start_ts < ?2";

static const char day_sql[] =
	"SELECT (start_ts + ?3) / 86400, count(*), sum(queries), sum(optout), sum(filtered) FROM iv"
	" WHERE start_ts >= ?1 AND start_ts < ?2 GROUP BY 1";

/* Filtered queries per identifier in [?1, ?2). */
static const char ident_hits_sql[] =
	"SELECT identifier, sum(hits) FROM ih WHERE start_ts >= ?1 AND start_ts < ?2"
	" AND identifier <> '' GROUP BY identifier";

/* Start of each identifier's last interval with hits before ?1. */
static const char last_hit_sql[] =
	"SELECT identifier, max(start_ts) FROM ih WHERE start_ts < ?1 AND hits > 0"
	" AND identifier <> '' GROUP BY identifier";

static int
db_err(sqlite3 *db, const char *what)
{
	fprintf(stderr, "dnsgate-report: %s: %s\n", what, sqlite3_errmsg(db));
	return -1;
}

static int
copy_one(sqlite3 *db, const char *path)
{
	sqlite3_stmt *s;
	int rc, version = -1;

	/* ATTACH would create a missing file: check first. */
	if (access(path, R_OK) != 0) {
		fprintf(stderr, "dnsgate-report: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (sqlite3_prepare_v2(db, "ATTACH ?1 AS src", -1, &s, NULL) != SQLITE_OK)
		return db_err(db, path);
	sqlite3_bind_text(s, 1, path, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return db_err(db, path);
	if (sqlite3_prepare_v2(db, "PRAGMA src.user_version", -1, &s, NULL) == SQLITE_OK &&
	    sqlite3_step(s) == SQLITE_ROW)
		version = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	if (version != DG_HISTORY_SCHEMA) {
		fprintf(stderr, "dnsgate-report: %s: not a dnsgate history of schema %d%s\n",
			path, DG_HISTORY_SCHEMA,
			version < 0 ? " (unreadable)" : "");
		sqlite3_exec(db, "DETACH src", NULL, NULL, NULL);
		return -1;
	}
	rc = sqlite3_exec(db, copy_sql, NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		if ((rc & 0xff) == SQLITE_CONSTRAINT)
			fprintf(stderr, "dnsgate-report: %s: an interval of one of its appliances"
				" is already in another database (same file given twice, or two"
				" appliances with one name?)\n", path);
		else
			db_err(db, path);
		sqlite3_exec(db, "DETACH src", NULL, NULL, NULL);
		return -1;
	}
	if (sqlite3_exec(db, "DETACH src", NULL, NULL, NULL) != SQLITE_OK)
		return db_err(db, path);
	return 0;
}

static char *
dup_col(sqlite3_stmt *s, int col)
{
	const unsigned char *t = sqlite3_column_text(s, col);

	return t == NULL ? NULL : strdup((const char *)t);
}

static int
fill_row(sqlite3 *db, sqlite3_stmt *s, struct rp_row *row)
{
	int rc;

	sqlite3_reset(s);
	sqlite3_bind_int64(s, 1, row->t0);
	sqlite3_bind_int64(s, 2, row->t1);
	rc = sqlite3_step(s);
	if (rc != SQLITE_ROW)
		return db_err(db, "summing intervals");
	row->intervals = (uint64_t)sqlite3_column_int64(s, 0);
	row->queries = (uint64_t)sqlite3_column_int64(s, 1);
	row->optout = (uint64_t)sqlite3_column_int64(s, 2);
	row->filtered = (uint64_t)sqlite3_column_int64(s, 3);
	return 0;
}

static int
load_rows(sqlite3 *db, struct rp_report *r)
{
	sqlite3_stmt *s;
	const int64_t off = r->utc_off;
	int64_t t, d0;
	size_t i;
	int rc = 0;

	/* t walks local month starts; rows hold UTC bounds. */
	for (t = r->t0 + off; t < r->t1 + off; t = rp_next_month(t))
		r->n_months++;
	r->n_days = (size_t)((r->t1 - r->t0) / 86400);
	r->months = calloc(r->n_months, sizeof(*r->months));
	r->days = calloc(r->n_days, sizeof(*r->days));
	if (r->months == NULL || r->days == NULL) {
		fprintf(stderr, "dnsgate-report: out of memory\n");
		return -1;
	}
	if (sqlite3_prepare_v2(db, rows_sql, -1, &s, NULL) != SQLITE_OK)
		return db_err(db, "rows");
	for (i = 0, t = r->t0 + off; rc == 0 && i < r->n_months; i++, t = rp_next_month(t)) {
		r->months[i].t0 = t - off;
		r->months[i].t1 = rp_next_month(t) - off;
		rp_day_text(t / 86400, r->months[i].label);
		r->months[i].label[7] = '\0';
		rc = fill_row(db, s, &r->months[i]);
	}
	r->total.t0 = r->t0;
	r->total.t1 = r->t1;
	strcpy(r->total.label, "Total");
	rc = rc ?: fill_row(db, s, &r->total);
	sqlite3_finalize(s);
	if (rc != 0)
		return rc;

	d0 = (r->t0 + off) / 86400;
	for (i = 0; i < r->n_days; i++) {
		r->days[i].t0 = (d0 + (int64_t)i) * 86400 - off;
		r->days[i].t1 = r->days[i].t0 + 86400;
		rp_day_text(d0 + (int64_t)i, r->days[i].label);
	}
	if (sqlite3_prepare_v2(db, day_sql, -1, &s, NULL) != SQLITE_OK)
		return db_err(db, "days");
	sqlite3_bind_int64(s, 1, r->t0);
	sqlite3_bind_int64(s, 2, r->t1);
	sqlite3_bind_int64(s, 3, off);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		int64_t k = sqlite3_column_int64(s, 0) - d0;

		if (k < 0 || (size_t)k >= r->n_days)
			continue;
		r->days[k].intervals = (uint64_t)sqlite3_column_int64(s, 1);
		r->days[k].queries = (uint64_t)sqlite3_column_int64(s, 2);
		r->days[k].optout = (uint64_t)sqlite3_column_int64(s, 3);
		r->days[k].filtered = (uint64_t)sqlite3_column_int64(s, 4);
	}
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? 0 : db_err(db, "days");
}

static int
load_idents(sqlite3 *db, struct rp_report *r)
{
	sqlite3_stmt *s;
	size_t cap = 0;
	int rc;

	if (sqlite3_prepare_v2(db, ident_sql, -1, &s, NULL) != SQLITE_OK)
		return db_err(db, "identifiers");
	sqlite3_bind_int64(s, 1, r->t0);
	sqlite3_bind_int64(s, 2, r->t1);
	/* List dates are calendar days: compare them with the period's local days. */
	sqlite3_bind_int64(s, 3, (r->t0 + r->utc_off) / 86400);
	sqlite3_bind_int64(s, 4, (r->t1 + r->utc_off) / 86400 - 1);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct rp_ident *d;

		if (r->n_idents == cap) {
			void *p = realloc(r->idents, (cap = cap ? 2 * cap : 64) * sizeof(*d));

			if (p == NULL)
				break;
			r->idents = p;
		}
		d = &r->idents[r->n_idents++];
		d->identifier = dup_col(s, 0);
		d->category = dup_col(s, 1);
		d->fqdns = (uint64_t)sqlite3_column_int64(s, 2);
		d->start_day = sqlite3_column_type(s, 3) == SQLITE_NULL ? -1 :
			sqlite3_column_int64(s, 3);
		d->end_day = sqlite3_column_type(s, 4) == SQLITE_NULL ? -1 :
			sqlite3_column_int64(s, 4);
		d->hits = (uint64_t)sqlite3_column_int64(s, 5);
		d->has_meta = sqlite3_column_int(s, 6) != 0;
		d->is_new = sqlite3_column_int(s, 7) != 0;
		d->last_hit_day = -1;
		d->quiet_days = -1;
		d->quiet = false;
		d->month_hits = calloc(r->n_months, sizeof(*d->month_hits));
		if (d->identifier == NULL || d->month_hits == NULL)
			break;
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return db_err(db, "identifiers");

	cap = 0;
	if (sqlite3_prepare_v2(db, cat_sql, -1, &s, NULL) != SQLITE_OK)
		return db_err(db, "categories");
	sqlite3_bind_int64(s, 1, r->t0);
	sqlite3_bind_int64(s, 2, r->t1);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (r->n_cats == cap) {
			void *p = realloc(r->cats, (cap = cap ? 2 * cap : 16) * sizeof(*r->cats));

			if (p == NULL)
				break;
			r->cats = p;
		}
		r->cats[r->n_cats].category = dup_col(s, 0);
		r->cats[r->n_cats++].hits = (uint64_t)sqlite3_column_int64(s, 1);
	}
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? 0 : db_err(db, "categories");
}

static int
ident_cmp(const void *key, const void *elem)
{
	return strcmp(key, ((const struct rp_ident *)elem)->identifier);
}

static struct rp_ident *
find_ident(struct rp_report *r, const unsigned char *id)
{
	return id == NULL ? NULL : bsearch(id, r->idents, r->n_idents, sizeof(*r->idents),
					   ident_cmp);
}

/* Hits of every identifier per month of the period: the trends. */
static int
load_trends(sqlite3 *db, struct rp_report *r)
{
	sqlite3_stmt *s;
	int rc = SQLITE_DONE;

	if (sqlite3_prepare_v2(db, ident_hits_sql, -1, &s, NULL) != SQLITE_OK)
		return db_err(db, "trends");
	for (size_t m = 0; rc == SQLITE_DONE && m < r->n_months; m++) {
		sqlite3_reset(s);
		sqlite3_bind_int64(s, 1, r->months[m].t0);
		sqlite3_bind_int64(s, 2, r->months[m].t1);
		while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
			struct rp_ident *d = find_ident(r, sqlite3_column_text(s, 0));

			if (d != NULL)
				d->month_hits[m] = (uint64_t)sqlite3_column_int64(s, 1);
		}
	}
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? 0 : db_err(db, "trends");
}

/* One identifier: days without a filtered query up to quiet_ref, if still filtered. */
static void
quiet_one(struct rp_report *r, struct rp_ident *d, int64_t first_day)
{
	int64_t since = first_day;

	if (!d->has_meta || (d->start_day >= 0 && d->start_day > r->quiet_ref) ||
	    (d->end_day >= 0 && d->end_day <= r->quiet_ref))
		return; /* unknown, not started, or already given its end */
	if (d->start_day > since)
		since = d->start_day;
	if (d->last_hit_day >= 0 && d->last_hit_day + 1 > since)
		since = d->last_hit_day + 1;
	d->quiet_days = r->quiet_ref - since + 1;
	if (d->quiet_days < 0)
		d->quiet_days = 0;
	d->quiet = d->quiet_days >= (int64_t)r->quiet_min;
	r->n_quiet += d->quiet;
}

/*
 * Quiet identifiers: still filtered on the last day of the period (or of the data, if
 * earlier) and without a filtered query for quiet_min days. Days before the first
 * interval of the histories are not counted: nothing says they were quiet.
 */
static int
load_quiet(sqlite3 *db, struct rp_report *r)
{
	const int64_t off = r->utc_off;
	int64_t first_day = 0, end;
	sqlite3_stmt *s;
	int rc;

	r->quiet_ref = -1;
	if (sqlite3_prepare_v2(db, "SELECT min(start_ts), max(start_ts) FROM iv"
			       " WHERE start_ts < ?1", -1, &s, NULL) != SQLITE_OK)
		return db_err(db, "quiet");
	sqlite3_bind_int64(s, 1, r->t1);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW && sqlite3_column_type(s, 0) != SQLITE_NULL) {
		first_day = (sqlite3_column_int64(s, 0) + off) / 86400;
		r->quiet_ref = (sqlite3_column_int64(s, 1) + off) / 86400;
		if (r->quiet_ref > (r->t1 + off) / 86400 - 1)
			r->quiet_ref = (r->t1 + off) / 86400 - 1;
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_ROW)
		return db_err(db, "quiet");
	if (r->quiet_ref < 0)
		return 0;

	end = (r->quiet_ref + 1) * 86400 - off;
	if (sqlite3_prepare_v2(db, last_hit_sql, -1, &s, NULL) != SQLITE_OK)
		return db_err(db, "last hits");
	sqlite3_bind_int64(s, 1, end);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct rp_ident *d = find_ident(r, sqlite3_column_text(s, 0));

		if (d != NULL)
			d->last_hit_day = (sqlite3_column_int64(s, 1) + off) / 86400;
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return db_err(db, "last hits");
	for (size_t i = 0; i < r->n_idents; i++)
		quiet_one(r, &r->idents[i], first_day);
	return 0;
}

static int
load_appliances(sqlite3 *db, struct rp_report *r)
{
	sqlite3_stmt *s;
	int rc;

	if (sqlite3_prepare_v2(db, "SELECT group_concat(a, ', ') FROM (SELECT appliance AS a"
			       " FROM iv UNION SELECT appliance FROM le ORDER BY 1)",
			       -1, &s, NULL) != SQLITE_OK)
		return db_err(db, "appliances");
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		r->appliances = dup_col(s, 0);
	sqlite3_finalize(s);
	if (r->appliances == NULL)
		r->appliances = strdup("(none)");
	return rc == SQLITE_ROW ? 0 : db_err(db, "appliances");
}

int
rp_load(struct rp_report *r, const char *const *dbs, unsigned int n_dbs, const char *from,
	const char *to, int64_t utc_off)
{
	sqlite3 *db;
	unsigned int i;
	int rc = 0;

	r->t0 = rp_month_start(from);
	r->t1 = rp_month_start(to);
	if (r->t0 < 0 || r->t1 < 0 || r->t1 < r->t0) {
		fprintf(stderr, "dnsgate-report: --from/--to must be YYYY-MM (1970 on),"
			" from <= to\n");
		return -1;
	}
	r->t1 = rp_next_month(r->t1) - utc_off;
	r->t0 -= utc_off;
	r->utc_off = utc_off;
	if (utc_off == 0)
		strcpy(r->zone, "UTC");
	else
		snprintf(r->zone, sizeof(r->zone), "%c%02d:%02d", utc_off < 0 ? '-' : '+',
			 (int)(llabs(utc_off) / 3600 % 100), (int)(llabs(utc_off) / 60 % 60));
	snprintf(r->from, sizeof(r->from), "%.7s", from);
	snprintf(r->to, sizeof(r->to), "%.7s", to);
	r->n_dbs = n_dbs;
	if (sqlite3_open(":memory:", &db) != SQLITE_OK)
		return db_err(db, "memory database");
	/* An appliance may be committing an interval to a history being read: wait. */
	sqlite3_busy_timeout(db, 5000);
	if (sqlite3_exec(db, merged_schema, NULL, NULL, NULL) != SQLITE_OK)
		rc = db_err(db, "schema");
	for (i = 0; rc == 0 && i < n_dbs; i++)
		rc = copy_one(db, dbs[i]);
	rc = rc ?: load_rows(db, r);
	rc = rc ?: load_idents(db, r);
	rc = rc ?: load_trends(db, r);
	rc = rc ?: load_quiet(db, r);
	rc = rc ?: load_appliances(db, r);
	sqlite3_close(db);
	return rc;
}

void
rp_free(struct rp_report *r)
{
	size_t i;

	for (i = 0; i < r->n_idents; i++) {
		free(r->idents[i].identifier);
		free(r->idents[i].category);
		free(r->idents[i].month_hits);
	}
	for (i = 0; i < r->n_cats; i++)
		free(r->cats[i].category);
	free(r->idents);
	free(r->cats);
	free(r->months);
	free(r->days);
	free(r->appliances);
	free(r->title);
}
