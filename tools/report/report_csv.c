/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The CSV report: one table, first column the section (month, total, day, identifier,
 * category, trend, quiet), headers, dates and words in the report's language.
 */
#include <inttypes.h>
#include <string.h>

#include "report.h"

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
csv_row(const struct rp_report *r, FILE *f, const char *section, const struct rp_row *w)
{
	char label[64], share[64];

	rp_row_label(r, w, label, sizeof(label));
	rp_share_text(r, w->filtered, w->queries, share);
	if (w->queries != 0)
		share[strlen(share) - 1] = '\0'; /* a number, the column name says percent */
	fprintf(f, "%s,", section);
	csv_field(f, label);
	fprintf(f, ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",", w->queries, w->optout, w->filtered);
	csv_field(f, share);
	fputs(",,,,,,,,,\n", f);
}

/* section,period,,,,,identifier,category, */
static void
csv_ident_start(FILE *f, const char *section, const char *period, const char *id,
		const char *category)
{
	fprintf(f, "%s,", section);
	csv_field(f, period);
	fputs(",,,,,", f);
	csv_field(f, id);
	fputc(',', f);
	csv_field(f, category);
	fputc(',', f);
}

/* An identifier's row; in the quiet section without the period's hits. */
static void
csv_ident(const struct rp_report *r, FILE *f, const char *section, const char *period,
	  const struct rp_ident *d, bool quiet_row)
{
	char a[32], b[32], c[32];

	rp_date(r, d->start_day, "", a, sizeof(a));
	rp_date(r, d->end_day, "", b, sizeof(b));
	rp_date(r, d->last_hit_day, "", c, sizeof(c));
	csv_ident_start(f, section, period, d->identifier, rp_behaviour(r, d->category));
	if (d->has_meta)
		fprintf(f, "%" PRIu64 ",%s,%s", d->fqdns, a, b);
	else
		fputs(",,", f);
	if (quiet_row)
		fputs(",,", f);
	else
		fprintf(f, ",%" PRIu64 ",%d", d->hits, d->is_new ? 1 : 0);
	fprintf(f, ",%s,", c);
	if (d->quiet_days >= 0)
		fprintf(f, "%" PRId64, d->quiet_days);
	fputc('\n', f);
}

int
rp_write_csv(const struct rp_report *r, FILE *f)
{
	char period[128], label[64], ref[32];
	size_t i, m;

	if (rp_carrier(r))
		fputs("\xef\xbb\xbf", f); /* so that spreadsheets read the Japanese as UTF-8 */
	if (rp_carrier(r))
		rp_period(r, period, sizeof(period));
	else
		snprintf(period, sizeof(period), "%s..%s", r->from, r->to);
	fprintf(f, "%s\n", rp_msg(r, RP_M_CSV_HEAD));
	for (i = 0; i < r->n_months; i++)
		csv_row(r, f, "month", &r->months[i]);
	csv_row(r, f, "total", &r->total);
	for (i = 0; i < r->n_days; i++)
		csv_row(r, f, "day", &r->days[i]);
	for (i = 0; i < r->n_idents; i++)
		csv_ident(r, f, "identifier", period, &r->idents[i], false);
	for (i = 0; i < r->n_cats; i++) {
		csv_ident_start(f, "category", period, NULL, r->cats[i].category);
		fprintf(f, ",,,%" PRIu64 ",,,\n", r->cats[i].hits);
	}
	for (i = 0; i < r->n_idents; i++) {
		for (m = 0; m < r->n_months; m++) {
			rp_row_label(r, &r->months[m], label, sizeof(label));
			csv_ident_start(f, "trend", label, r->idents[i].identifier,
					rp_behaviour(r, r->idents[i].category));
			fprintf(f, ",,,%" PRIu64 ",,,\n", r->idents[i].month_hits[m]);
		}
	}
	rp_date(r, r->quiet_ref, "", ref, sizeof(ref));
	for (i = 0; i < r->n_idents; i++)
		if (r->idents[i].quiet)
			csv_ident(r, f, "quiet", ref, &r->idents[i], true);
	return ferror(f) ? -1 : 0;
}
