/* SPDX-License-Identifier: BSD-3-Clause */
/* Dates, the exact share figure, and the Markdown writer. */
#include <ctype.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"

/* H. Hinnant's days_from_civil / civil_from_days (proleptic Gregorian, UTC). */
static int64_t
days_from_civil(int64_t y, unsigned int m, unsigned int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

void
rp_civil(int64_t z, int64_t *y, unsigned int *m, unsigned int *d)
{
	int64_t era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (unsigned int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (unsigned int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

int64_t
rp_month_start(const char *s)
{
	unsigned int m;
	int64_t y;

	if (strlen(s) != 7 || s[4] != '-')
		return -1;
	for (int i = 0; i < 7; i++)
		if (i != 4 && !isdigit((unsigned char)s[i]))
			return -1;
	y = strtol(s, NULL, 10);
	m = (unsigned int)strtoul(s + 5, NULL, 10);
	if (y < 1970 || m < 1 || m > 12)
		return -1;
	return days_from_civil(y, m, 1) * 86400;
}

int64_t
rp_next_month(int64_t t)
{
	unsigned int m, d;
	int64_t y;

	rp_civil(t / 86400, &y, &m, &d);
	return days_from_civil(m == 12 ? y + 1 : y, m == 12 ? 1 : m + 1, 1) * 86400;
}

void
rp_day_text(int64_t day, char buf[11])
{
	unsigned int m, d;
	int64_t y;

	if (day < 0) {
		strcpy(buf, "-");
		return;
	}
	rp_civil(day, &y, &m, &d);
	snprintf(buf, 11, "%04u-%02u-%02u", (unsigned int)(y % 10000), m, d);
}

void
rp_share(uint64_t filtered, uint64_t queries, char buf[64])
{
	/* Long division in 128-bit integers: no binary floating point near the figure. */
	unsigned __int128 num = (unsigned __int128)filtered * 100, q = queries, r;
	char frac[16];
	uint64_t ip;
	int i;

	if (queries == 0) {
		strcpy(buf, "n/a");
		return;
	}
	ip = (uint64_t)(num / q);
	r = num % q;
	for (i = 0; i < 15; i++) {
		r *= 10;
		frac[i] = (char)('0' + (int)(r / q));
		r %= q;
	}
	/* Round half up on the 16th digit, carrying into the integer part. */
	if (r * 10 / q >= 5) {
		for (i = 14; i >= 0 && frac[i] == '9'; i--)
			frac[i] = '0';
		if (i >= 0)
			frac[i]++;
		else
			ip++;
	}
	frac[15] = '\0';
	snprintf(buf, 64, "%" PRIu64 ".%s%%", ip, frac);
}

/* Markdown table cell: '|' would end the cell, newlines the row. */
static void
md_cell(FILE *f, const char *s)
{
	if (s == NULL || *s == '\0') {
		fputs("-", f);
		return;
	}
	for (; *s; s++) {
		if (*s == '|' || *s == '\\' || *s == '*' || *s == '_' || *s == '`' ||
		    *s == '<' || *s == '[')
			fputc('\\', f);
		fputc(*s == '\n' || *s == '\r' ? ' ' : *s, f);
	}
}

/* A table head: "| a | b |\n|---|---:|\n", @p align one 'l' or 'r' per column. */
static void
md_head(const struct rp_report *r, FILE *f, const char *align, const enum rp_msg *cols)
{
	size_t i;

	for (i = 0; align[i]; i++)
		fprintf(f, "| %s ", rp_msg(r, cols[i]));
	fputs("|\n", f);
	for (i = 0; align[i]; i++)
		fputs(align[i] == 'r' ? "|---:" : "|---", f);
	fputs("|\n", f);
}

static void
md_months(const struct rp_report *r, FILE *f)
{
	static const enum rp_msg full[] = { RP_M_COL_MONTH, RP_M_COL_QUERIES, RP_M_COL_OPTOUT,
		RP_M_COL_FILTERED, RP_M_COL_SHARE };
	static const enum rp_msg share_only[] = { RP_M_COL_MONTH, RP_M_COL_SHARE };
	char label[64], share[64];
	size_t i;

	/* The carrier's table has the share alone; the counts follow in their own. */
	md_head(r, f, rp_carrier(r) ? "lr" : "lrrrr", rp_carrier(r) ? share_only : full);
	for (i = 0; i <= r->n_months; i++) {
		const struct rp_row *w = i < r->n_months ? &r->months[i] : &r->total;
		const char *b = w == &r->total ? "**" : "";

		rp_row_label(r, w, label, sizeof(label));
		rp_share_text(r, w->filtered, w->queries, share);
		if (rp_carrier(r))
			fprintf(f, "| %s%s%s | %s |\n", b, label, b, share);
		else
			fprintf(f, "| %s%s%s | %" PRIu64 " | %" PRIu64 " | %" PRIu64 " | %s |\n",
				b, label, b, w->queries, w->optout, w->filtered, share);
	}
	if (!rp_carrier(r))
		return;
	fprintf(f, "\n### %s\n\n", rp_msg(r, RP_M_H_COUNTS));
	md_head(r, f, "lrrr", full);
	for (i = 0; i <= r->n_months; i++) {
		const struct rp_row *w = i < r->n_months ? &r->months[i] : &r->total;

		rp_row_label(r, w, label, sizeof(label));
		fprintf(f, "| %s | %" PRIu64 " | %" PRIu64 " | %" PRIu64 " |\n", label,
			w->queries, w->optout, w->filtered);
	}
}

/* One identifier table (all, new, quiet), or "None.". */
static void
md_table(const struct rp_report *r, FILE *f, enum rp_table t)
{
	const enum rp_msg *cols;
	const char *align;
	size_t n = rp_table_head(r, t, &cols, &align);
	struct rp_cells c;

	if (rp_table_rows(r, t) == 0) {
		fprintf(f, "%s\n", rp_msg(r, RP_M_NONE));
		return;
	}
	md_head(r, f, align, cols);
	for (size_t i = 0; rp_table_next(r, t, &i, &c);) {
		for (size_t k = 0; k < n; k++) {
			fputs("| ", f);
			md_cell(f, c.v[k]);
			fputc(' ', f);
		}
		fputs("|\n", f);
	}
}

static void
md_trends(const struct rp_report *r, FILE *f)
{
	char label[64];
	size_t i, m;

	fprintf(f, "\n## %s\n\n%s\n\n", rp_msg(r, RP_M_H_TREND), rp_msg(r, RP_M_TREND_NOTE));
	if (r->n_idents == 0) {
		fprintf(f, "%s\n", rp_msg(r, RP_M_NONE));
		return;
	}
	fprintf(f, "| %s |", rp_msg(r, RP_M_COL_IDENT));
	for (m = 0; m < r->n_months; m++) {
		rp_row_label(r, &r->months[m], label, sizeof(label));
		fprintf(f, " %s |", label);
	}
	fprintf(f, " %s |\n|---|", rp_msg(r, RP_M_TOTAL));
	for (m = 0; m <= r->n_months; m++)
		fputs("---:|", f);
	fputc('\n', f);
	for (i = 0; i < r->n_idents; i++) {
		fputs("| ", f);
		md_cell(f, r->idents[i].identifier);
		fputs(" |", f);
		for (m = 0; m < r->n_months; m++)
			fprintf(f, " %" PRIu64 " |", r->idents[i].month_hits[m]);
		fprintf(f, " %" PRIu64 " |\n", r->idents[i].hits);
	}
}

static void
md_quiet(const struct rp_report *r, FILE *f)
{
	char ref[32];

	fprintf(f, "\n## %s\n\n", rp_msg(r, RP_M_H_QUIET));
	if (r->quiet_ref < 0) {
		fprintf(f, "%s\n", rp_msg(r, RP_M_QUIET_NODATA));
		return;
	}
	rp_date(r, r->quiet_ref, "", ref, sizeof(ref));
	fprintf(f, rp_msg(r, RP_M_QUIET_NOTE), ref, r->quiet_min);
	fputs("\n\n", f);
	md_table(r, f, RP_T_QUIET);
}

int
rp_write_md(const struct rp_report *r, FILE *f)
{
	char a[32], b[32], period[128], na[64];
	size_t i;

	fputs("# ", f);
	md_cell(f, r->title);
	rp_period(r, period, sizeof(period));
	rp_date(r, (r->t0 + r->utc_off) / 86400, "", a, sizeof(a));
	rp_date(r, (r->t1 + r->utc_off) / 86400 - 1, "", b, sizeof(b));
	fputs("\n\n", f);
	fprintf(f, rp_msg(r, RP_M_PERIOD), period, a, b, r->zone);
	md_cell(f, r->appliances);
	fprintf(f, rp_msg(r, r->n_dbs == 1 ? RP_M_DBS_ONE : RP_M_DBS_MANY), r->n_dbs);

	fprintf(f, "\n\n## %s\n\n", rp_msg(r, RP_M_H_SHARE));
	snprintf(na, sizeof(na), "`%s`", rp_msg(r, RP_M_NA));
	fprintf(f, rp_msg(r, RP_M_SHARE_NOTE), na);
	fputs("\n\n", f);
	md_months(r, f);

	fprintf(f, "\n## %s\n\n", rp_msg(r, RP_M_H_IDENTS));
	md_table(r, f, RP_T_IDENTS);
	fprintf(f, "\n## %s\n\n", rp_msg(r, RP_M_H_NEW));
	md_table(r, f, RP_T_NEW);

	fprintf(f, "\n## %s\n\n", rp_msg(r, RP_M_H_BEHAV));
	if (r->n_cats == 0)
		fprintf(f, "%s\n", rp_msg(r, RP_M_NONE));
	else
		fprintf(f, "| %s | %s |\n|---|---:|\n", rp_msg(r, RP_M_COL_BEHAV),
			rp_msg(r, RP_M_COL_FILTERED));
	for (i = 0; i < r->n_cats; i++) {
		fputs("| ", f);
		md_cell(f, r->cats[i].category);
		fprintf(f, " | %" PRIu64 " |\n", r->cats[i].hits);
	}
	md_trends(r, f);
	md_quiet(r, f);
	return ferror(f) ? -1 : 0;
}
