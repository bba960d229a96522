/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DG_REPORT_H
#define DG_REPORT_H

/*
 * dnsgate-report internals: rp_load() merges history databases into a struct rp_report,
 * the writers print it in the report's language. Private to tools/report.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Figures of one month or one day, by interval start time (report's calendar). */
struct rp_row {
	char label[11];         /* "2024-04" or "2024-04-16" (ISO, for the English text) */
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
	int64_t end_day;        /* -1 = open (no end date) */
	uint64_t hits;          /* filtered queries in the period, all appliances */
	uint64_t *month_hits;   /* hits per month of the period (n_months) */
	int64_t last_hit_day;   /* day of the last filtered query up to quiet_ref; -1 none */
	int64_t quiet_days;     /* days without a filtered query up to quiet_ref; -1 n/a */
	bool has_meta;          /* false: hits but no list load describes it */
	bool is_new;            /* filtering started in the period */
	bool quiet;             /* still filtered, quiet_days >= quiet_min: end-date candidate */
};

struct rp_cat {
	char *category;         /* NULL = none */
	uint64_t hits;
};

enum rp_lang { RP_LANG_EN, RP_LANG_JA, RP_LANG_COUNT };

/* Behaviour names as the operator publishes them: "category = wording" lines. */
struct rp_map_item {
	char *key;              /* normalised category (see rp_map_get()) */
	char *text;
	unsigned int line;      /* where the file gave it */
};

struct rp_map {
	struct rp_map_item *v;
	size_t n;
};

struct rp_report {
	char from[8], to[8];    /* "YYYY-MM" as given */
	int64_t t0, t1;         /* the period, [t0, t1), unix seconds */
	int64_t utc_off;        /* seconds east of UTC of the report's calendar */
	char zone[8];           /* "UTC" or "+09:00" */
	enum rp_lang lang;
	const struct rp_map *map; /* behaviour wording; NULL = categories as recorded */
	char *title;
	char *appliances;       /* "gw1, gw2" */
	unsigned int n_dbs;
	struct rp_row total;
	struct rp_row *months;
	size_t n_months;
	struct rp_row *days;
	size_t n_days;
	struct rp_ident *idents; /* sorted by identifier */
	size_t n_idents;
	struct rp_cat *cats;
	size_t n_cats;
	unsigned int quiet_min; /* days without a filtered query that make an id quiet */
	int64_t quiet_ref;      /* last day the quiet test looks at; -1: no data */
	size_t n_quiet;
};

/* Parse "YYYY-MM" into the unix time of its first second; -1 if malformed. */
int64_t rp_month_start(const char *s);
/* Unix time of the first second of the month after the one holding t. */
int64_t rp_next_month(int64_t t);
/* "YYYY-MM-DD" of a day number (days since epoch); "-" for -1. */
void rp_day_text(int64_t day, char buf[11]);
/* Year, month and day of a day number. */
void rp_civil(int64_t day, int64_t *y, unsigned int *m, unsigned int *d);

/*
 * Load and merge the databases for the period [from, to] (months, inclusive), months
 * and days in the calendar @p utc_off seconds east of UTC (fixed offset, e.g. JST).
 * r->quiet_min must be set. Prints a reason to stderr and returns -1 on error.
 */
int rp_load(struct rp_report *r, const char *const *dbs, unsigned int n_dbs,
	    const char *from, const char *to, int64_t utc_off);
void rp_free(struct rp_report *r);

/*
 * filtered / queries as a percentage with exactly 15 decimals, rounded half up, computed
 * in integers ("0.000009248043901%"); "n/a" when queries is 0.
 */
void rp_share(uint64_t filtered, uint64_t queries, char buf[64]);

/* Texts of the report in its language (report_lang.c). */
enum rp_msg {
	RP_M_TITLE, RP_M_PERIOD, RP_M_DBS_ONE, RP_M_DBS_MANY,
	RP_M_H_SHARE, RP_M_SHARE_NOTE, RP_M_NA, RP_M_H_COUNTS,
	RP_M_COL_MONTH, RP_M_COL_DAY, RP_M_COL_QUERIES, RP_M_COL_OPTOUT, RP_M_COL_FILTERED,
	RP_M_COL_SHARE, RP_M_TOTAL,
	RP_M_H_IDENTS, RP_M_COL_IDENT, RP_M_COL_FQDNS, RP_M_COL_BEHAV, RP_M_COL_START,
	RP_M_COL_END, RP_M_NONE, RP_M_UNKNOWN, RP_M_OPEN_START, RP_M_OPEN_END,
	RP_M_H_NEW, RP_M_H_BEHAV, RP_M_H_TREND, RP_M_TREND_NOTE, RP_M_COL_TREND,
	RP_M_H_QUIET, RP_M_QUIET_NOTE, RP_M_QUIET_NODATA, RP_M_COL_LAST_HIT,
	RP_M_COL_QUIET_DAYS, RP_M_NEVER,
	RP_M_DAILY, RP_M_CH_TITLE, RP_M_CH_DAILY, RP_M_CH_MONTHLY,
	RP_M_CSV_HEAD,
	RP_M_COUNT
};

/* "en" or "ja" -> 0 and *lang; -1 for another. */
int rp_lang_parse(const char *s, enum rp_lang *lang);
const char *rp_msg(const struct rp_report *r, enum rp_msg m);
/* The carrier's layout (Japanese): its own tables exactly, counts in a table beside. */
bool rp_carrier(const struct rp_report *r);
/* A day in the language: "2024-04-16" / "2024/04/16"; @p open for -1. */
void rp_date(const struct rp_report *r, int64_t day, const char *open, char *buf,
	     size_t len);
/* A month by the local day number of its first day: "2024-04" / "2024 年 4 月". */
void rp_month(const struct rp_report *r, int64_t day, char *buf, size_t len);
/* The period: "2024-04 to 2024-06" / "2024 年 4 月～2024 年 6 月". */
void rp_period(const struct rp_report *r, char *buf, size_t len);
/* A month or day row's label in the language (months may be "Total"). */
void rp_row_label(const struct rp_report *r, const struct rp_row *w, char *buf, size_t len);
/* rp_share() with the language's word for n/a. */
void rp_share_text(const struct rp_report *r, uint64_t filtered, uint64_t queries,
		   char buf[64]);
/* Categories of the by-behaviour table in the map's words, merged. -1: out of memory. */
int rp_map_cats(struct rp_report *r);
/* The behaviour as published: the map's wording, else the category; NULL stays NULL. */
const char *rp_behaviour(const struct rp_report *r, const char *category);

/*
 * Read a behaviour map (report_map.c). Lines "category = wording", '#' comments; an
 * error prints "FILE:LINE: reason" and returns -1 (the map is left empty).
 */
int rp_map_load(struct rp_map *m, const char *path);
/* Wording of @p category: letter case, spaces, '_' and '-' do not matter. NULL: none. */
const char *rp_map_get(const struct rp_map *m, const char *category);
void rp_map_free(struct rp_map *m);

/* The identifier tables: all listed, newly registered, quiet (report_table.c). */
enum rp_table { RP_T_IDENTS, RP_T_NEW, RP_T_QUIET };

/* One row's cells; v[] points into the buffers, the report, or the language's words. */
struct rp_cells {
	const char *v[6];
	char num[32], hits[32], start[32], end[32], last[32];
};

/* Column heads and alignment ("lrl...": left/right per column); the column count. */
size_t rp_table_head(const struct rp_report *r, enum rp_table t, const enum rp_msg **cols,
		     const char **align);
/* How many rows table @p t has. */
size_t rp_table_rows(const struct rp_report *r, enum rp_table t);
/*
 * The cells of table @p t's next row, from identifier *@p i on (start at 0; the first
 * rp_table_head() of them are used); false after the last.
 */
bool rp_table_next(const struct rp_report *r, enum rp_table t, size_t *i, struct rp_cells *c);

int rp_write_md(const struct rp_report *r, FILE *f);
int rp_write_csv(const struct rp_report *r, FILE *f);
int rp_write_html(const struct rp_report *r, FILE *f);
/* The chart of daily and monthly shares, an inline SVG (report_chart.c). */
void rp_html_chart(const struct rp_report *r, FILE *f);
/* An inline SVG sparkline of @p n values (report_chart.c). */
void rp_html_spark(FILE *f, const uint64_t *v, size_t n);
/* HTML-escape @p s; "-" for NULL or "". */
void rp_html_esc(FILE *f, const char *s);

/*
 * Print the HTML report to PDF at @p out (NULL: stdout) with headless Chromium
 * (@p chromium, NULL: chromium or chromium-browser from PATH). Prints the reason and
 * returns -1 when Chromium is missing, fails or makes no PDF (report_pdf.c).
 */
int rp_write_pdf(const struct rp_report *r, const char *out, const char *chromium);

#endif /* DG_REPORT_H */
