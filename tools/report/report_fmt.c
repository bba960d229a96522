/* SPDX-License-Identifier: BSD-3-Clause */
/* Dates, the exact share figure, and the Markdown and CSV writers. */
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

static void
civil_from_days(int64_t z, int64_t *y, unsigned int *m, unsigned int *d)
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

	civil_from_days(t / 86400, &y, &m, &d);
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
	civil_from_days(day, &y, &m, &d);
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

static void
md_rows(FILE *f, const struct rp_row *rows, size_t n, const struct rp_row *total)
{
	char share[64];
	size_t i;

	fputs("| Month | Queries (opt-out excluded) | Opt-out queries | Filtered queries |"
	      " Share of queries affected |\n|---|---:|---:|---:|---:|\n", f);
	for (i = 0; i <= n; i++) {
		const struct rp_row *w = i < n ? &rows[i] : total;

		rp_share(w->filtered, w->queries, share);
		fprintf(f, "| %s%s%s | %" PRIu64 " | %" PRIu64 " | %" PRIu64 " | %s |\n",
			i < n ? "" : "**", w->label, i < n ? "" : "**", w->queries, w->optout,
			w->filtered, share);
	}
}

int
rp_write_md(const struct rp_report *r, FILE *f)
{
	char a[11], b[11];
	size_t i, n_new = 0;

	fputs("# ", f);
	md_cell(f, r->title);
	rp_day_text((r->t0 + r->utc_off) / 86400, a);
	rp_day_text((r->t1 + r->utc_off) / 86400 - 1, b);
	fprintf(f, "\n\nPeriod: %s to %s (%s to %s, %s). Appliances: ", r->from, r->to, a, b,
		r->zone);
	md_cell(f, r->appliances);
	fprintf(f, " (%u database%s).\n\n", r->n_dbs, r->n_dbs == 1 ? "" : "s");

	fputs("## Share of DNS queries affected by filtering\n\n"
	      "Filtered queries / all queries, opt-out excluded; `n/a`: no queries counted.\n\n",
	      f);
	md_rows(f, r->months, r->n_months, &r->total);

	fputs("\n## Malware identifiers filtered in the period\n\n", f);
	if (r->n_idents == 0)
		fputs("None.\n", f);
	else
		fputs("| Identifier | FQDNs | Behaviour | Filtering start | Filtering end |"
		      " Filtered queries |\n|---|---:|---|---|---|---:|\n", f);
	for (i = 0; i < r->n_idents; i++) {
		const struct rp_ident *d = &r->idents[i];

		rp_day_text(d->start_day, a);
		rp_day_text(d->end_day, b);
		fputs("| ", f);
		md_cell(f, d->identifier);
		if (d->has_meta)
			fprintf(f, " | %" PRIu64 " | ", d->fqdns);
		else
			fputs(" | ? | ", f);
		md_cell(f, d->category);
		fprintf(f, " | %s | %s | %" PRIu64 " |\n", d->has_meta ? a : "?",
			d->has_meta ? b : "?", d->hits);
		n_new += d->is_new;
	}

	fputs("\n## Identifiers newly registered in the period\n\n", f);
	if (n_new == 0)
		fputs("None.\n", f);
	else
		fputs("| Identifier | FQDNs | Behaviour | Filtering start |\n"
		      "|---|---:|---|---|\n", f);
	for (i = 0; i < r->n_idents; i++) {
		const struct rp_ident *d = &r->idents[i];

		if (!d->is_new)
			continue;
		rp_day_text(d->start_day, a);
		fputs("| ", f);
		md_cell(f, d->identifier);
		fprintf(f, " | %" PRIu64 " | ", d->fqdns);
		md_cell(f, d->category);
		fprintf(f, " | %s |\n", a);
	}

	fputs("\n## Filtered queries by behaviour\n\n", f);
	if (r->n_cats == 0)
		fputs("None.\n", f);
	else
		fputs("| Behaviour | Filtered queries |\n|---|---:|\n", f);
	for (i = 0; i < r->n_cats; i++) {
		fputs("| ", f);
		md_cell(f, r->cats[i].category);
		fprintf(f, " | %" PRIu64 " |\n", r->cats[i].hits);
	}
	return ferror(f) ? -1 : 0;
}

/* RFC 4180 field: quoted when it holds a comma, quote or line break. */
static void
csv_field(FILE *f, const char *s)
{
	if (s == NULL)
		return;
	if (strpbrk(s, ",\"\r\n") == NULL) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

static void
csv_row(FILE *f, const char *section, const struct rp_row *w)
{
	char share[64];

	rp_share(w->filtered, w->queries, share);
	if (share[0] != 'n')
		share[strlen(share) - 1] = '\0'; /* a number, the column name says percent */
	fprintf(f, "%s,%s,%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%s,,,,,,,\n", section, w->label,
		w->queries, w->optout, w->filtered, share);
}

int
rp_write_csv(const struct rp_report *r, FILE *f)
{
	char a[11], b[11];
	size_t i;

	fputs("section,period,queries,optout_queries,filtered,share_percent,"
	      "identifier,category,fqdns,start,end,hits,new\n", f);
	for (i = 0; i < r->n_months; i++)
		csv_row(f, "month", &r->months[i]);
	csv_row(f, "total", &r->total);
	for (i = 0; i < r->n_days; i++)
		csv_row(f, "day", &r->days[i]);
	for (i = 0; i < r->n_idents; i++) {
		const struct rp_ident *d = &r->idents[i];

		rp_day_text(d->start_day, a);
		rp_day_text(d->end_day, b);
		fprintf(f, "identifier,%s..%s,,,,,", r->from, r->to);
		csv_field(f, d->identifier);
		fputc(',', f);
		csv_field(f, d->category);
		if (d->has_meta)
			fprintf(f, ",%" PRIu64 ",%s,%s", d->fqdns, d->start_day < 0 ? "" : a,
				d->end_day < 0 ? "" : b);
		else
			fputs(",,,", f);
		fprintf(f, ",%" PRIu64 ",%d\n", d->hits, d->is_new ? 1 : 0);
	}
	for (i = 0; i < r->n_cats; i++) {
		fprintf(f, "category,%s..%s,,,,,,", r->from, r->to);
		csv_field(f, r->cats[i].category);
		fprintf(f, ",,,,%" PRIu64 ",\n", r->cats[i].hits);
	}
	return ferror(f) ? -1 : 0;
}
