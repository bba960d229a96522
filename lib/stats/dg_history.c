/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Stats history in SQLite. Statements are prepared once at open; each append or load is
 * one BEGIN IMMEDIATE ... COMMIT, rolled back on any error so a reader never sees half
 * of one.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sys/stat.h>

#include <sqlite3.h>

#include "dg_history.h"

/* Current schema (docs/report.md explains every column). NULL day = open. */
static const char schema_v1[] =
	"CREATE TABLE intervals ("
	" id INTEGER PRIMARY KEY, appliance TEXT NOT NULL,"
	" start_ts INTEGER NOT NULL, end_ts INTEGER NOT NULL,"
	" queries INTEGER NOT NULL, optout_queries INTEGER NOT NULL,"
	" filtered INTEGER NOT NULL, answered INTEGER NOT NULL,"
	" dropped INTEGER NOT NULL, rate_limited INTEGER NOT NULL,"
	" act_sinkhole INTEGER NOT NULL, act_nxdomain INTEGER NOT NULL,"
	" act_nodata INTEGER NOT NULL, act_drop INTEGER NOT NULL,"
	" act_allow INTEGER NOT NULL, act_log_only INTEGER NOT NULL);"
	"CREATE INDEX intervals_start ON intervals(start_ts);"
	"CREATE TABLE interval_idents ("
	" interval_id INTEGER NOT NULL REFERENCES intervals(id),"
	" identifier TEXT NOT NULL, category TEXT, hits INTEGER NOT NULL,"
	" PRIMARY KEY (interval_id, identifier)) WITHOUT ROWID;"
	"CREATE INDEX interval_idents_ident ON interval_idents(identifier);"
	"CREATE TABLE list_loads ("
	" id INTEGER PRIMARY KEY, appliance TEXT NOT NULL, loaded_at INTEGER NOT NULL);"
	"CREATE INDEX list_loads_at ON list_loads(loaded_at);"
	"CREATE TABLE list_entries ("
	" load_id INTEGER NOT NULL REFERENCES list_loads(id),"
	" identifier TEXT NOT NULL, category TEXT, fqdns INTEGER NOT NULL,"
	" start_day INTEGER, end_day INTEGER,"
	" PRIMARY KEY (load_id, identifier)) WITHOUT ROWID;"
	"PRAGMA user_version = 1;";

enum stmt {
	ST_BEGIN, ST_COMMIT, ST_ROLLBACK, ST_INTERVAL, ST_IDENT, ST_LOAD, ST_ENTRY, ST_SUM,
	ST_COUNT,
};

static const char *const stmt_sql[ST_COUNT] = {
	[ST_BEGIN] = "BEGIN IMMEDIATE",
	[ST_COMMIT] = "COMMIT",
	[ST_ROLLBACK] = "ROLLBACK",
	[ST_INTERVAL] = "INSERT INTO intervals (appliance, start_ts, end_ts, queries,"
		" optout_queries, filtered, answered, dropped, rate_limited, act_sinkhole,"
		" act_nxdomain, act_nodata, act_drop, act_allow, act_log_only)"
		" VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15)",
	[ST_IDENT] = "INSERT INTO interval_idents (interval_id, identifier, category, hits)"
		" VALUES (?1,?2,?3,?4)",
	[ST_LOAD] = "INSERT INTO list_loads (appliance, loaded_at) VALUES (?1,?2)",
	[ST_ENTRY] = "INSERT INTO list_entries (load_id, identifier, category, fqdns,"
		" start_day, end_day) VALUES (?1,?2,?3,?4,?5,?6)",
	[ST_SUM] = "SELECT count(*), sum(queries), sum(optout_queries), sum(filtered),"
		" sum(answered), sum(dropped), sum(rate_limited), sum(act_sinkhole),"
		" sum(act_nxdomain), sum(act_nodata), sum(act_drop), sum(act_allow),"
		" sum(act_log_only) FROM intervals"
		" WHERE appliance = ?1 AND start_ts >= ?2 AND start_ts < ?3",
};

struct dg_history {
	sqlite3 *db;
	char *appliance;
	sqlite3_stmt *st[ST_COUNT];
	char errmsg[256];   /* why the last statement failed (a reset clears SQLite's own) */
};

static int
sql_errno(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_OK:
	case SQLITE_DONE:
	case SQLITE_ROW:
		return 0;
	case SQLITE_NOMEM:
		return -ENOMEM;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return -EBUSY;
	case SQLITE_FULL:
		return -ENOSPC;
	case SQLITE_READONLY:
		return -EROFS;
	case SQLITE_PERM:
	case SQLITE_AUTH:
		return -EACCES;
	case SQLITE_CANTOPEN:
		return -ENOENT;
	case SQLITE_CORRUPT:
	case SQLITE_NOTADB:
		return -EBADMSG;
	case SQLITE_CONSTRAINT:
	case SQLITE_MISMATCH:
	case SQLITE_RANGE:
		return -EINVAL;
	default:
		return -EIO;
	}
}

static int
fail(char *err, size_t len, const char *path, const char *why, int rc)
{
	if (err != NULL)
		snprintf(err, len, "history %s: %s", path, why);
	return rc;
}

/* Create the schema in an empty database; refuse anything else that is not ours. */
static int
migrate(sqlite3 *db, const char *path, char *err, size_t len)
{
	sqlite3_stmt *s;
	int version = -1, objects = -1, rc;

	rc = sqlite3_prepare_v2(db, "SELECT (SELECT user_version FROM pragma_user_version),"
				" (SELECT count(*) FROM sqlite_master)", -1, &s, NULL);
	if (rc == SQLITE_OK && sqlite3_step(s) == SQLITE_ROW) {
		version = sqlite3_column_int(s, 0);
		objects = sqlite3_column_int(s, 1);
	}
	rc = sqlite3_finalize(s);
	if (version < 0)
		return fail(err, len, path, sqlite3_errmsg(db), sql_errno(rc) ?: -EIO);
	if (version == DG_HISTORY_SCHEMA)
		return 0;
	if (version > DG_HISTORY_SCHEMA)
		return fail(err, len, path, "schema newer than this dnsgate", -EPROTO);
	if (objects != 0)
		return fail(err, len, path, "not a dnsgate history (unknown tables)", -EPROTO);
	rc = sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(db, schema_v1, NULL, NULL, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		int e = sql_errno(rc);

		fail(err, len, path, sqlite3_errmsg(db), e);
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
		return e;
	}
	return 0;
}

int
dg_history_open(struct dg_history **hp, const char *path, const char *appliance,
		char *err, size_t len)
{
	struct dg_history *h;
	int rc, i;

	*hp = NULL;
	if (appliance == NULL || appliance[0] == '\0')
		return fail(err, len, path, "empty appliance name", -EINVAL);
	h = calloc(1, sizeof(*h));
	if (h == NULL || (h->appliance = strdup(appliance)) == NULL) {
		free(h);
		return fail(err, len, path, "out of memory", -ENOMEM);
	}
	rc = sqlite3_open_v2(path, &h->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
			     SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		rc = fail(err, len, path, h->db ? sqlite3_errmsg(h->db) : "cannot open",
			  sql_errno(rc));
		goto out;
	}
	sqlite3_extended_result_codes(h->db, 0);
	/* A reader (the report, sqlite3) may hold a lock briefly: wait, do not fail. */
	sqlite3_busy_timeout(h->db, DG_HISTORY_BUSY_MS);
	rc = sqlite3_exec(h->db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
			  " PRAGMA foreign_keys=ON;", NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		rc = fail(err, len, path, sqlite3_errmsg(h->db), sql_errno(rc));
		goto out;
	}
	rc = migrate(h->db, path, err, len);
	if (rc != 0)
		goto out;
	for (i = 0; i < ST_COUNT; i++) {
		rc = sqlite3_prepare_v3(h->db, stmt_sql[i], -1, SQLITE_PREPARE_PERSISTENT,
					&h->st[i], NULL);
		if (rc != SQLITE_OK) {
			rc = fail(err, len, path, sqlite3_errmsg(h->db), sql_errno(rc));
			goto out;
		}
	}
	*hp = h;
	return 0;
out:
	dg_history_close(h);
	return rc;
}

void
dg_history_close(struct dg_history *h)
{
	int i;

	if (h == NULL)
		return;
	for (i = 0; i < ST_COUNT; i++)
		sqlite3_finalize(h->st[i]);
	sqlite3_close(h->db);
	free(h->appliance);
	free(h);
}

void
dg_history_set_busy_wait(struct dg_history *h, unsigned int ms)
{
	sqlite3_busy_timeout(h->db, ms > INT32_MAX ? INT32_MAX : (int)ms);
}

int
dg_history_set_aside(const char *path, char *moved, size_t len)
{
	static const char *const aux[] = { "-wal", "-shm" };
	char to[4096], from[4096];
	struct stat st;
	long long now = (long long)time(NULL);
	int n;

	if (stat(path, &st) != 0)
		return -errno;
	for (unsigned int k = 0;; k++) {
		n = k == 0 ? snprintf(to, sizeof(to) - 8, "%s.bad-%lld", path, now) :
			     snprintf(to, sizeof(to) - 8, "%s.bad-%lld.%u", path, now, k);
		if (n < 0 || (size_t)n >= sizeof(to) - 8)
			return -ENAMETOOLONG;
		if (lstat(to, &st) != 0 && errno == ENOENT)
			break;
		if (k == 99)
			return -EEXIST;
	}
	if (rename(path, to) != 0)
		return -errno;
	/* The journal files go with the database they belong to (a stale WAL must not meet
	 * the new database); in the same directory, these renames do what the first did. */
	for (unsigned int i = 0; i < 2; i++) {
		char aux_to[sizeof(to)];

		snprintf(from, sizeof(from), "%s%s", path, aux[i]);
		snprintf(aux_to, sizeof(aux_to), "%s%s", to, aux[i]);
		if (rename(from, aux_to) != 0 && errno != ENOENT)
			return -errno;
	}
	if (moved != NULL)
		snprintf(moved, len, "%s", to);
	return 0;
}

const char *
dg_history_errmsg(struct dg_history *h)
{
	return h->errmsg[0] != '\0' ? h->errmsg : sqlite3_errmsg(h->db);
}

/* Run a statement that returns no row, then reset it for the next use. */
static int
run(struct dg_history *h, enum stmt i)
{
	int rc = sqlite3_step(h->st[i]);

	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		snprintf(h->errmsg, sizeof(h->errmsg), "%s", sqlite3_errmsg(h->db));
	sqlite3_reset(h->st[i]);
	sqlite3_clear_bindings(h->st[i]);
	return rc == SQLITE_DONE ? 0 : sql_errno(rc) ?: -EIO;
}

static int
bind_u64(sqlite3_stmt *s, int col, uint64_t v)
{
	if (v > INT64_MAX)
		return -ERANGE;
	return sql_errno(sqlite3_bind_int64(s, col, (sqlite3_int64)v));
}

static int
bind_text(sqlite3_stmt *s, int col, const char *t)
{
	if (t == NULL)
		return sql_errno(sqlite3_bind_null(s, col));
	return sql_errno(sqlite3_bind_text(s, col, t, -1, SQLITE_STATIC));
}

static int
begin(struct dg_history *h)
{
	return run(h, ST_BEGIN);
}

/* Commit, or roll back when rc says something failed; returns the first error. */
static int
end(struct dg_history *h, int rc)
{
	if (rc == 0)
		rc = run(h, ST_COMMIT);
	if (rc != 0 && !sqlite3_get_autocommit(h->db))
		run(h, ST_ROLLBACK);
	return rc;
}

static int
insert_interval(struct dg_history *h, const struct dg_history_interval *iv)
{
	sqlite3_stmt *s = h->st[ST_INTERVAL];
	const uint64_t v[] = {
		iv->queries, iv->optout_queries, iv->filtered, iv->answered, iv->dropped,
		iv->rate_limited,
	};
	int rc, col = 4;
	size_t i;

	rc = bind_text(s, 1, h->appliance);
	rc = rc ?: sql_errno(sqlite3_bind_int64(s, 2, iv->start));
	rc = rc ?: sql_errno(sqlite3_bind_int64(s, 3, iv->end));
	for (i = 0; rc == 0 && i < sizeof(v) / sizeof(v[0]); i++)
		rc = bind_u64(s, col++, v[i]);
	for (i = 0; rc == 0 && i < DG_HISTORY_ACTIONS_USED; i++)
		rc = bind_u64(s, col++, iv->by_action[i]);
	if (rc != 0) {
		sqlite3_clear_bindings(s);
		return rc;
	}
	return run(h, ST_INTERVAL);
}

int
dg_history_append(struct dg_history *h, const struct dg_history_interval *iv)
{
	sqlite3_stmt *s = h->st[ST_IDENT];
	sqlite3_int64 id;
	size_t i;
	int rc;

	if (iv->end < iv->start || (iv->n_idents > 0 && iv->idents == NULL))
		return -EINVAL;
	for (i = DG_HISTORY_ACTIONS_USED; i < DG_HISTORY_ACTIONS; i++)
		if (iv->by_action[i] != 0)
			return -EINVAL;
	h->errmsg[0] = '\0';
	rc = begin(h);
	if (rc != 0)
		return rc;
	rc = insert_interval(h, iv);
	id = sqlite3_last_insert_rowid(h->db);
	for (i = 0; rc == 0 && i < iv->n_idents; i++) {
		const struct dg_history_ident *d = &iv->idents[i];

		rc = sql_errno(sqlite3_bind_int64(s, 1, id));
		rc = rc ?: bind_text(s, 2, d->identifier ? d->identifier : "");
		rc = rc ?: bind_text(s, 3, d->category);
		rc = rc ?: bind_u64(s, 4, d->hits);
		/* A duplicate identifier fails the primary key: -EINVAL, all rolled back. */
		rc = rc ?: run(h, ST_IDENT);
	}
	sqlite3_clear_bindings(s);
	return end(h, rc);
}

int
dg_history_record_load(struct dg_history *h, int64_t loaded_at,
		       const struct dg_history_list_entry *e, size_t n)
{
	sqlite3_stmt *s = h->st[ST_ENTRY], *l = h->st[ST_LOAD];
	sqlite3_int64 id;
	size_t i;
	int rc;

	for (i = 0; i < n; i++)
		if (e[i].identifier == NULL || e[i].identifier[0] == '\0' ||
		    e[i].end_day < e[i].start_day)
			return -EINVAL;
	h->errmsg[0] = '\0';
	rc = begin(h);
	if (rc != 0)
		return rc;
	rc = bind_text(l, 1, h->appliance);
	rc = rc ?: sql_errno(sqlite3_bind_int64(l, 2, loaded_at));
	rc = rc ?: run(h, ST_LOAD);
	id = sqlite3_last_insert_rowid(h->db);
	for (i = 0; rc == 0 && i < n; i++) {
		rc = sql_errno(sqlite3_bind_int64(s, 1, id));
		rc = rc ?: bind_text(s, 2, e[i].identifier);
		rc = rc ?: bind_text(s, 3, e[i].category);
		rc = rc ?: bind_u64(s, 4, e[i].fqdns);
		if (rc == 0 && e[i].start_day != DG_HISTORY_DAY_OPEN_START)
			rc = sql_errno(sqlite3_bind_int64(s, 5, e[i].start_day));
		if (rc == 0 && e[i].end_day != DG_HISTORY_DAY_OPEN_END)
			rc = sql_errno(sqlite3_bind_int64(s, 6, e[i].end_day));
		rc = rc ?: run(h, ST_ENTRY);
	}
	sqlite3_clear_bindings(s);
	sqlite3_clear_bindings(l);
	return end(h, rc);
}

int
dg_history_sum(struct dg_history *h, int64_t from, int64_t to, struct dg_history_sum *out)
{
	sqlite3_stmt *s = h->st[ST_SUM];
	uint64_t *dst[] = {
		&out->intervals, &out->queries, &out->optout_queries, &out->filtered,
		&out->answered, &out->dropped, &out->rate_limited,
	};
	int rc, col;
	size_t i;

	memset(out, 0, sizeof(*out));
	rc = bind_text(s, 1, h->appliance);
	rc = rc ?: sql_errno(sqlite3_bind_int64(s, 2, from));
	rc = rc ?: sql_errno(sqlite3_bind_int64(s, 3, to));
	if (rc == 0) {
		rc = sqlite3_step(s);
		if (rc == SQLITE_ROW) {
			/* sum() sums in floating point: read the exact integer sums back. */
			for (i = 0; i < sizeof(dst) / sizeof(dst[0]); i++)
				*dst[i] = (uint64_t)sqlite3_column_int64(s, (int)i);
			for (col = 7, i = 0; i < DG_HISTORY_ACTIONS_USED; i++)
				out->by_action[i] = (uint64_t)sqlite3_column_int64(s, col++);
			rc = 0;
		} else {
			rc = sql_errno(rc) ?: -EIO;
		}
	}
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	return rc;
}
