/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DG_REPORT_H
#define DG_REPORT_H

/*
 * dnsgate-report internals: rp_load() merges history databases into a struct rp_report,
 * the writers print it. Private to tools/report.
 */

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/* Figures of one month or one day, by interval start time (report's calendar). */
struct rp_row {
	char label[11];         /* "2024-04" or "2024-04-16" */
	int64_t t0, t1;         /* [t0, t1) unix seconds */
	uint64_t queries;       /* opt-out excluded */
	uint64_t optout;
	uint64_t filtered;
	uint64_t intervals;     /* 0 = no data at all for this period */
};

struct rp_ident {
	char *identifier;
	char *category;         /* NULL = none */
	uint64_t fqdns;         /* largest count any appliance's list had */
	int64_t start_day;      /* days since epoch; -1 = open */
	int64_t end_day;        /* -1 = open */
	uint64_t hits;          /* filtered queries in the period, all appliances */
	bool has_meta;          /* false: hits but no list load describes it */
	bool is_new;            /* filtering started in the period */
};

struct rp_cat {
	char *category;         /* NULL = none */
	uint64_t hits;
};

struct rp_report {
	char from[8], to[8];    /* "YYYY-MM" as given */
	int64_t t0, t1;         /* the period, [t0, t1), unix seconds */
	int64_t utc_off;        /* seconds east of UTC of the report's calendar */
	char zone[8];           /* "UTC" or "+09:00" */
	char *title;
	char *appliances;       /* "gw1, gw2" */
	unsigned int n_dbs;
	struct rp_row total;
	struct rp_row *months;
	size_t n_months;
	struct rp_row *days;
	size_t n_days;
	struct rp_ident *idents;
	size_t n_idents;
	struct rp_cat *cats;
	size_t n_cats;
};

/* Parse "YYYY-MM" into the unix time of its first second; -1 if malformed. */
int64_t rp_month_start(const char *s);
/* Unix time of the first second of the month after the one holding t. */
int64_t rp_next_month(int64_t t);
/* "YYYY-MM-DD" of a day number (days since epoch); "-" for -1. */
void rp_day_text(int64_t day, char buf[11]);

/*
 * Load and merge the databases for the period [from, to] (months, inclusive), months
 * and days in the calendar @p utc_off seconds east of UTC (fixed offset, e.g. JST).
 * Prints a reason to stderr and returns -1 on error.
 */
int rp_load(struct rp_report *r, const char *const *dbs, unsigned int n_dbs,
	    const char *from, const char *to, int64_t utc_off);
void rp_free(struct rp_report *r);

/*
 * filtered / queries as a percentage with exactly 15 decimals, rounded half up, computed
 * in integers ("0.000009248043901%"); "n/a" when queries is 0.
 */
void rp_share(uint64_t filtered, uint64_t queries, char buf[64]);

int rp_write_md(const struct rp_report *r, FILE *f);
int rp_write_csv(const struct rp_report *r, FILE *f);
int rp_write_html(const struct rp_report *r, FILE *f);

#endif /* DG_REPORT_H */
