/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "dg_history.h"
#include "dg_test.h"

static char db_path[256];

static char used[32][256]; /* every database path a test made, removed at exit */
static unsigned int n_used;

static void
remove_db(const char *path)
{
	char aux[300];

	unlink(path);
	snprintf(aux, sizeof(aux), "%s-wal", path);
	unlink(aux);
	snprintf(aux, sizeof(aux), "%s-shm", path);
	unlink(aux);
}

static void
remove_all(void)
{
	for (unsigned int i = 0; i < n_used; i++)
		remove_db(used[i]);
}

static void
fresh_path(const char *leaf)
{
	snprintf(db_path, sizeof(db_path), "/tmp/dg_history_test.%d.%s", (int)getpid(), leaf);
	remove_db(db_path);
	if (n_used == 0)
		atexit(remove_all);
	if (n_used < sizeof(used) / sizeof(used[0]))
		snprintf(used[n_used++], sizeof(used[0]), "%s", db_path);
}

static struct dg_history *
open_ok(const char *appliance)
{
	struct dg_history *h = NULL;
	char err[256] = "";
	int rc = dg_history_open(&h, db_path, appliance, err, sizeof(err));

	if (rc != 0)
		fprintf(stderr, "open: %d %s\n", rc, err);
	CU_ASSERT_FATAL(rc == 0 && h != NULL);
	return h;
}

/* One integer from a query on a separate connection (what a reader would see). */
static long long
q1(const char *sql)
{
	sqlite3 *db;
	sqlite3_stmt *s;
	long long v = -1;

	CU_ASSERT_FATAL(sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK);
	if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) == SQLITE_OK) {
		if (sqlite3_step(s) == SQLITE_ROW)
			v = sqlite3_column_type(s, 0) == SQLITE_NULL ? -2 :
				sqlite3_column_int64(s, 0);
		sqlite3_finalize(s);
	} else {
		fprintf(stderr, "q1: %s: %s\n", sql, sqlite3_errmsg(db));
	}
	sqlite3_close(db);
	return v;
}

static struct dg_history_interval
interval(int64_t start, uint64_t queries, uint64_t filtered)
{
	struct dg_history_interval iv;

	memset(&iv, 0, sizeof(iv));
	iv.start = start;
	iv.end = start + 60;
	iv.queries = queries;
	iv.filtered = filtered;
	iv.optout_queries = 7;
	iv.answered = filtered;
	iv.by_action[0] = filtered;
	return iv;
}

static void
test_stats_history_append_round_trip(void)
{
	const struct dg_history_ident id[] = {
		{ "IIJ-20240416-0001", "backdoor", 2 },
		{ "IIJ-20240416-0002", NULL, 1 },
		{ NULL, "ads", 4 },
	};
	struct dg_history_interval a = interval(1713236640, 1000, 7), b = interval(1713236700,
										 500, 0);
	struct dg_history_sum sum;
	struct dg_history *h;

	fresh_path("rt");
	h = open_ok("gw1");
	a.idents = id;
	a.n_idents = 3;
	a.by_action[5] = 3;
	a.rate_limited = 2;
	a.dropped = 1;
	CU_ASSERT(dg_history_append(h, &a) == 0);
	CU_ASSERT(dg_history_append(h, &b) == 0);
	CU_ASSERT(dg_history_sum(h, 1713236640, 1713236760, &sum) == 0);
	CU_ASSERT_EQUAL(sum.intervals, 2);
	CU_ASSERT_EQUAL(sum.queries, 1500);
	CU_ASSERT_EQUAL(sum.filtered, 7);
	CU_ASSERT_EQUAL(sum.optout_queries, 14);
	CU_ASSERT_EQUAL(sum.by_action[0], 7);
	CU_ASSERT_EQUAL(sum.by_action[5], 3);
	CU_ASSERT_EQUAL(sum.rate_limited, 2);
	CU_ASSERT_EQUAL(sum.dropped, 1);
	/* [from, to) by interval start: the second interval alone. */
	CU_ASSERT(dg_history_sum(h, 1713236641, 1713236760, &sum) == 0);
	CU_ASSERT_EQUAL(sum.intervals, 1);
	CU_ASSERT_EQUAL(sum.queries, 500);
	/* What a reader sees, through plain SQL. */
	CU_ASSERT_EQUAL(q1("SELECT user_version FROM pragma_user_version"), DG_HISTORY_SCHEMA);
	CU_ASSERT_EQUAL(q1("SELECT count(*) FROM intervals WHERE appliance = 'gw1'"), 2);
	CU_ASSERT_EQUAL(q1("SELECT hits FROM interval_idents WHERE identifier ="
			   " 'IIJ-20240416-0001' AND category = 'backdoor'"), 2);
	CU_ASSERT_EQUAL(q1("SELECT hits FROM interval_idents WHERE identifier = ''"), 4);
	CU_ASSERT_EQUAL(q1("SELECT category FROM interval_idents"
			   " WHERE identifier = 'IIJ-20240416-0002'"), -2);
	CU_ASSERT_EQUAL(q1("SELECT act_log_only FROM intervals WHERE start_ts = 1713236640"), 3);
	dg_history_close(h);
	CU_ASSERT_EQUAL(q1("SELECT count(*) FROM pragma_journal_mode WHERE journal_mode = 'wal'"),
			1);
}

static void
test_stats_history_failed_append_is_atomic(void)
{
	const struct dg_history_ident dup[] = {
		{ "A", "x", 1 }, { "B", "x", 1 }, { "A", "x", 1 },
	};
	const struct dg_history_ident huge[] = { { "A", "x", 1 }, { "B", "x", UINT64_MAX } };
	struct dg_history_interval iv = interval(100, 10, 3);
	struct dg_history *h;

	fresh_path("atomic");
	h = open_ok("gw1");
	CU_ASSERT(dg_history_append(h, &iv) == 0);
	/* The third ident fails the primary key after the interval row and two idents. */
	iv.start = 200;
	iv.end = 260;
	iv.idents = dup;
	iv.n_idents = 3;
	CU_ASSERT_EQUAL(dg_history_append(h, &iv), -EINVAL);
	iv.idents = huge;
	iv.n_idents = 2;
	CU_ASSERT_EQUAL(dg_history_append(h, &iv), -ERANGE);
	CU_ASSERT_EQUAL(q1("SELECT count(*) FROM intervals"), 1);
	CU_ASSERT_EQUAL(q1("SELECT count(*) FROM interval_idents"), 0);
	/* Refused before touching the database. */
	iv.n_idents = 0;
	iv.end = 199;
	CU_ASSERT_EQUAL(dg_history_append(h, &iv), -EINVAL);
	iv.end = 260;
	iv.by_action[6] = 1;
	CU_ASSERT_EQUAL(dg_history_append(h, &iv), -EINVAL);
	iv.by_action[6] = 0;
	iv.idents = NULL;
	iv.n_idents = 1;
	CU_ASSERT_EQUAL(dg_history_append(h, &iv), -EINVAL);
	iv.n_idents = 0;
	iv.queries = (uint64_t)INT64_MAX + 1;
	CU_ASSERT_EQUAL(dg_history_append(h, &iv), -ERANGE);
	/* The handle still works after every failure. */
	iv.queries = 10;
	iv.idents = dup;
	iv.n_idents = 2;
	CU_ASSERT(dg_history_append(h, &iv) == 0);
	CU_ASSERT_EQUAL(q1("SELECT count(*) FROM intervals"), 2);
	CU_ASSERT_EQUAL(q1("SELECT count(*) FROM interval_idents"), 2);
	dg_history_close(h);
}

static void
test_stats_history_record_load(void)
{
	const struct dg_history_list_entry e[] = {
		{ "IIJ-20240416-0001", "backdoor", 12, 19829, DG_HISTORY_DAY_OPEN_END },
		{ "IIJ-20240101-0003", "ddos", 3, DG_HISTORY_DAY_OPEN_START, 19850 },
	};
	const struct dg_history_list_entry bad[] = {
		{ "ok", NULL, 1, 0, DG_HISTORY_DAY_OPEN_END }, { "", NULL, 1, 0, 5 },
	};
	const struct dg_history_list_entry dup[] = {
		{ "X", NULL, 1, 0, 5 }, { "X", NULL, 2, 0, 5 },
	};
	const struct dg_history_list_entry rev[] = { { "X", NULL, 1, 10, 5 } };
	struct dg_history *h;

	fresh_path("load");
	h = open_ok("gw1");
	CU_ASSERT(dg_history_record_load(h, 1713236645, e, 2) == 0);
	CU_ASSERT(dg_history_record_load(h, 1713236700, e, 1) == 0);
	CU_ASSERT(dg_history_record_load(h, 1713236800, NULL, 0) == 0); /* an empty list */
	CU_ASSERT_EQUAL(dg_history_record_load(h, 1, bad, 2), -EINVAL);
	CU_ASSERT_EQUAL(dg_history_record_load(h, 1, dup, 2), -EINVAL);
	CU_ASSERT_EQUAL(dg_history_record_load(h, 1, rev, 1), -EINVAL);
	dg_history_close(h);
	CU_ASSERT_EQUAL(q1("SELECT count(*) FROM list_loads"), 3);
	CU_ASSERT_EQUAL(q1("SELECT count(*) FROM list_entries"), 3);
	CU_ASSERT_EQUAL(q1("SELECT start_day FROM list_entries JOIN list_loads ON id = load_id"
			   " WHERE identifier = 'IIJ-20240416-0001' AND loaded_at = 1713236645"),
			19829);
	CU_ASSERT_EQUAL(q1("SELECT end_day FROM list_entries"
			   " WHERE identifier = 'IIJ-20240416-0001' LIMIT 1"), -2);
	CU_ASSERT_EQUAL(q1("SELECT start_day FROM list_entries"
			   " WHERE identifier = 'IIJ-20240101-0003'"), -2);
	CU_ASSERT_EQUAL(q1("SELECT end_day FROM list_entries"
			   " WHERE identifier = 'IIJ-20240101-0003'"), 19850);
	CU_ASSERT_EQUAL(q1("SELECT fqdns FROM list_entries WHERE identifier = 'IIJ-20240101-0003'"),
			3);
	CU_ASSERT_EQUAL(q1("SELECT count(DISTINCT appliance) FROM list_loads"), 1);
}

static void
test_stats_history_reopen(void)
{
	struct dg_history_interval iv = interval(1000, 40, 1);
	struct dg_history_sum sum;
	struct dg_history *h;

	fresh_path("reopen");
	h = open_ok("gw1");
	CU_ASSERT(dg_history_append(h, &iv) == 0);
	dg_history_close(h);
	/* Reopen: schema kept, rows kept, appends continue; another appliance name. */
	h = open_ok("gw1");
	iv.start = 1060;
	iv.end = 1120;
	CU_ASSERT(dg_history_append(h, &iv) == 0);
	CU_ASSERT(dg_history_sum(h, 0, 2000, &sum) == 0);
	CU_ASSERT_EQUAL(sum.intervals, 2);
	CU_ASSERT_EQUAL(sum.queries, 80);
	dg_history_close(h);
	h = open_ok("gw2");
	CU_ASSERT(dg_history_append(h, &iv) == 0);
	CU_ASSERT(dg_history_sum(h, 0, 2000, &sum) == 0);
	CU_ASSERT_EQUAL(sum.intervals, 1); /* sums are per appliance */
	dg_history_close(h);
	CU_ASSERT_EQUAL(q1("SELECT count(*) FROM intervals"), 3);
}

static void
test_stats_history_refuses_foreign_files(void)
{
	struct dg_history *h = (struct dg_history *)1;
	char err[256] = "";
	sqlite3 *db;
	FILE *f;

	CU_ASSERT_EQUAL(dg_history_open(&h, "/tmp/x.db", "", err, sizeof(err)), -EINVAL);
	CU_ASSERT_PTR_NULL(h);
	/* Another program's database. */
	fresh_path("foreign");
	CU_ASSERT_FATAL(sqlite3_open(db_path, &db) == SQLITE_OK);
	CU_ASSERT(sqlite3_exec(db, "CREATE TABLE t (x)", NULL, NULL, NULL) == SQLITE_OK);
	sqlite3_close(db);
	CU_ASSERT_EQUAL(dg_history_open(&h, db_path, "gw1", err, sizeof(err)), -EPROTO);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "not a dnsgate history"));
	/* A newer schema. */
	fresh_path("newer");
	CU_ASSERT_FATAL(sqlite3_open(db_path, &db) == SQLITE_OK);
	CU_ASSERT(sqlite3_exec(db, "PRAGMA user_version = 99", NULL, NULL, NULL) == SQLITE_OK);
	sqlite3_close(db);
	CU_ASSERT_EQUAL(dg_history_open(&h, db_path, "gw1", err, sizeof(err)), -EPROTO);
	/* Not SQLite at all. */
	fresh_path("garbage");
	f = fopen(db_path, "w");
	CU_ASSERT_FATAL(f != NULL);
	for (int i = 0; i < 64; i++)
		fputs("this is not a database, just text.\n", f);
	fclose(f);
	CU_ASSERT_EQUAL(dg_history_open(&h, db_path, "gw1", err, sizeof(err)), -EBADMSG);
	CU_ASSERT(dg_history_open(&h, "/nonexistent-dir/h.db", "gw1", err, sizeof(err)) < 0);
	CU_ASSERT_PTR_NULL(h);
	unlink(db_path);
}

/* A copy of @p path's bytes (NULL if unreadable), its size in *@p n. */
static char *
slurp(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	char *b = NULL;
	long sz;

	if (f == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (sz = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0 &&
	    (b = malloc((size_t)sz + 1)) != NULL && fread(b, 1, (size_t)sz, f) != (size_t)sz) {
		free(b);
		b = NULL;
	}
	if (b != NULL)
		*n = (size_t)sz;
	fclose(f);
	return b;
}

static void
put_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	CU_ASSERT_FATAL(f != NULL);
	fputs(text, f);
	fclose(f);
}

/*
 * A damaged history is set aside whole (its WAL with it: a stale WAL must not meet the new
 * database), byte for byte, under a name that is free; a new one opens in its place.
 */
static void
test_stats_history_set_aside_damaged(void)
{
	struct dg_history_interval iv = interval(1000, 40, 1);
	char moved[2][512], aux[600], err[256] = "";
	struct dg_history_sum sum;
	struct dg_history *h;
	size_t n0 = 0, n1 = 0;
	char *before, *after;
	FILE *f;

	fresh_path("aside");
	CU_ASSERT_EQUAL(dg_history_set_aside(db_path, moved[0], sizeof(moved[0])), -ENOENT);
	h = open_ok("gw1");
	CU_ASSERT(dg_history_append(h, &iv) == 0);
	dg_history_close(h);
	/* Its header overwritten (page 1: the schema is unreadable). */
	f = fopen(db_path, "r+b");
	CU_ASSERT_FATAL(f != NULL);
	fwrite("garbage, garbage", 1, 16, f);
	fclose(f);
	CU_ASSERT_EQUAL(dg_history_open(&h, db_path, "gw1", err, sizeof(err)), -EBADMSG);
	CU_ASSERT_PTR_NULL(h);
	snprintf(aux, sizeof(aux), "%s-wal", db_path);
	put_file(aux, "a stale write-ahead log\n");
	before = slurp(db_path, &n0);
	CU_ASSERT_FATAL(before != NULL);
	CU_ASSERT_EQUAL(dg_history_set_aside(db_path, moved[0], sizeof(moved[0])), 0);
	CU_ASSERT_EQUAL(strncmp(moved[0], db_path, strlen(db_path)), 0);
	CU_ASSERT_EQUAL(strncmp(moved[0] + strlen(db_path), ".bad-", 5), 0);
	CU_ASSERT(access(db_path, F_OK) != 0 && access(aux, F_OK) != 0);
	after = slurp(moved[0], &n1);
	CU_ASSERT(after != NULL && n1 == n0 && memcmp(before, after, n0) == 0);
	free(before);
	free(after);
	snprintf(aux, sizeof(aux), "%s-wal", moved[0]);
	after = slurp(aux, &n1);
	CU_ASSERT(after != NULL && n1 == 24 && memcmp(after, "a stale write-ahead log\n", 24) == 0);
	free(after);
	unlink(aux);
	/* A new, empty history in its place. */
	h = open_ok("gw1");
	CU_ASSERT(dg_history_sum(h, 0, 2000, &sum) == 0);
	CU_ASSERT_EQUAL(sum.intervals, 0);
	dg_history_close(h);
	/* Damaged again within the same second: the first one set aside is not replaced. */
	put_file(db_path, "not a database at all, and long enough to have a header: 0123456789");
	CU_ASSERT_EQUAL(dg_history_open(&h, db_path, "gw1", err, sizeof(err)), -EBADMSG);
	CU_ASSERT_EQUAL(dg_history_set_aside(db_path, moved[1], sizeof(moved[1])), 0);
	CU_ASSERT(strcmp(moved[0], moved[1]) != 0);
	CU_ASSERT(access(moved[0], F_OK) == 0 && access(moved[1], F_OK) == 0);
	unlink(moved[0]);
	unlink(moved[1]);
}

/* Another writer's lock: a write waits as long as it was told to, then fails with -EBUSY
 * and stores nothing; once the lock is gone the same interval is stored. */
static void
test_stats_history_busy_wait(void)
{
	struct dg_history_interval iv = interval(1000, 40, 1);
	struct timespec t0, t1;
	struct dg_history *h;
	sqlite3 *other;
	double waited;

	fresh_path("busy");
	h = open_ok("gw1");
	CU_ASSERT_FATAL(sqlite3_open(db_path, &other) == SQLITE_OK);
	CU_ASSERT_FATAL(sqlite3_exec(other, "BEGIN EXCLUSIVE", NULL, NULL, NULL) == SQLITE_OK);
	dg_history_set_busy_wait(h, 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	CU_ASSERT_EQUAL(dg_history_append(h, &iv), -EBUSY);
	CU_ASSERT_PTR_NOT_NULL(strstr(dg_history_errmsg(h), "locked"));
	dg_history_set_busy_wait(h, 300);
	CU_ASSERT_EQUAL(dg_history_append(h, &iv), -EBUSY);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	waited = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	CU_ASSERT(waited >= 0.25 && waited < 3.0);
	CU_ASSERT(sqlite3_exec(other, "COMMIT", NULL, NULL, NULL) == SQLITE_OK);
	sqlite3_close(other);
	CU_ASSERT_EQUAL(q1("SELECT count(*) FROM intervals"), 0);
	CU_ASSERT(dg_history_append(h, &iv) == 0);
	CU_ASSERT_EQUAL(q1("SELECT sum(queries) FROM intervals"), 40);
	dg_history_close(h);
}

/*
 * Damage past the first page: an open reads only that page and succeeds; the first write
 * that reaches the damage fails with -EBADMSG, says why, and stores nothing.
 */
static void
test_stats_history_damaged_pages(void)
{
	struct dg_history_interval iv = interval(1000, 40, 1);
	const struct dg_history_list_entry e[] = { { "A", NULL, 1, 0, 5 } };
	struct dg_history *h;
	long size = 0;
	FILE *f;

	fresh_path("pages");
	h = open_ok("gw1");
	CU_ASSERT(dg_history_append(h, &iv) == 0);
	dg_history_close(h);
	f = fopen(db_path, "r+b");
	CU_ASSERT_FATAL(f != NULL);
	CU_ASSERT_FATAL(fseek(f, 0, SEEK_END) == 0 && (size = ftell(f)) > 4096);
	CU_ASSERT_FATAL(fseek(f, 4096, SEEK_SET) == 0);
	for (long i = 4096; i < size; i++)
		fputc((int)((i * 131 + 7) & 0xff), f);
	fclose(f);
	h = open_ok("gw1");
	iv.start = 1060;
	CU_ASSERT_EQUAL(dg_history_append(h, &iv), -EBADMSG);
	CU_ASSERT_PTR_NOT_NULL(strstr(dg_history_errmsg(h), "malformed"));
	CU_ASSERT_EQUAL(dg_history_record_load(h, 1000, e, 1), -EBADMSG);
	dg_history_close(h);
}

DG_TEST_MAIN("stats",
	DG_TEST(test_stats_history_append_round_trip),
	DG_TEST(test_stats_history_failed_append_is_atomic),
	DG_TEST(test_stats_history_record_load),
	DG_TEST(test_stats_history_reopen),
	DG_TEST(test_stats_history_refuses_foreign_files),
	DG_TEST(test_stats_history_set_aside_damaged),
	DG_TEST(test_stats_history_damaged_pages),
	DG_TEST(test_stats_history_busy_wait))
