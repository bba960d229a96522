/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The HTML report: one self-contained page (inline CSS and SVG, no script, no network)
 * with the chart of daily and monthly shares and the same tables as the Markdown.
 */
#include <inttypes.h>
#include <string.h>

#include "report.h"

enum {
	CH_W = 1000, CH_H = 420,                 /* SVG size */
	CH_L = 120, CH_R = 20, CH_T = 40, CH_B = 60, /* plot margins */
	CH_TICKS = 5,
};

static void
esc(FILE *f, const char *s)
{
	if (s == NULL || *s == '\0') {
		fputs("-", f);
		return;
	}
	for (; *s; s++) {
		switch (*s) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\'': fputs("&#39;", f); break;
		default: fputc(*s, f);
		}
	}
}

/* The share as a double, for drawing only (the printed figures use rp_share()). */
static double
share_pct(const struct rp_row *w)
{
	return w->queries ? (double)w->filtered * 100.0 / (double)w->queries : 0.0;
}

/* Smallest 1, 2 or 5 x 10^k step with CH_TICKS steps covering max; decimals to print it. */
static double
nice_step(double max, int *decimals)
{
	static const double m[] = { 1, 2, 5 };
	double p = 1;
	int k = 0, i;

	if (max <= 0)
		max = 1e-6;
	while (p * 10 <= max / CH_TICKS) {
		p *= 10;
		k++;
	}
	while (p > max / CH_TICKS && k > -20) {
		p /= 10;
		k--;
	}
	for (;;) {
		for (i = 0; i < 3; i++) {
			if (m[i] * p * CH_TICKS >= max) {
				*decimals = k < 0 ? -k : 0;
				return m[i] * p;
			}
		}
		p *= 10;
		k++;
	}
}

static void
chart(const struct rp_report *r, FILE *f)
{
	const double pw = CH_W - CH_L - CH_R, ph = CH_H - CH_T - CH_B;
	double max = 0, step, dx, y;
	int decimals, i;
	size_t d, m;

	for (d = 0; d < r->n_days; d++)
		if (share_pct(&r->days[d]) > max)
			max = share_pct(&r->days[d]);
	for (m = 0; m < r->n_months; m++)
		if (share_pct(&r->months[m]) > max)
			max = share_pct(&r->months[m]);
	step = nice_step(max, &decimals);
	dx = r->n_days ? pw / (double)r->n_days : pw;

	fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" id=\"chart\" width=\"%d\""
		" height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\""
		" aria-label=\"Share of DNS queries affected, daily and monthly\">\n"
		"<rect width=\"%d\" height=\"%d\" fill=\"#ffffff\"/>\n",
		CH_W, CH_H, CH_W, CH_H, CH_W, CH_H);
	fprintf(f, "<text x=\"%d\" y=\"22\" font-size=\"15\" font-weight=\"bold\">"
		"Share of DNS queries affected (filtered / all, opt-out excluded)</text>\n", CH_L);
	/* Grid and y labels. */
	for (i = 0; i <= CH_TICKS; i++) {
		y = CH_T + ph - ph * i / CH_TICKS;
		fprintf(f, "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#d0d0d0\"/>"
			"<text x=\"%d\" y=\"%.1f\" font-size=\"11\" text-anchor=\"end\">"
			"%.*f%%</text>\n", CH_L, CH_W - CH_R, y, y, CH_L - 6, y + 4, decimals,
			step * i);
	}
	/* Daily bars; a day without counted queries has none. */
	for (d = 0; d < r->n_days; d++) {
		double h = ph * share_pct(&r->days[d]) / (step * CH_TICKS);

		if (r->days[d].queries == 0)
			continue;
		fprintf(f, "<rect class=\"day\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\""
			" height=\"%.1f\" fill=\"#4a90d9\"><title>%s: %" PRIu64 " of %" PRIu64
			"</title></rect>\n", CH_L + dx * (double)d + dx * 0.1, CH_T + ph - h,
			dx * 0.8, h, r->days[d].label, r->days[d].filtered, r->days[d].queries);
	}
	/* Monthly shares as level lines over each month, with month labels. */
	for (m = 0, d = 0; m < r->n_months; m++) {
		size_t nd = (size_t)((r->months[m].t1 - r->months[m].t0) / 86400);
		double x0 = CH_L + dx * (double)d, x1 = x0 + dx * (double)nd;
		char share[64];

		rp_share(r->months[m].filtered, r->months[m].queries, share);
		fprintf(f, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%d\" y2=\"%d\" stroke=\"#888\"/>"
			"<text x=\"%.1f\" y=\"%d\" font-size=\"12\" text-anchor=\"middle\">%s"
			"</text>\n", x0, x0, CH_T, CH_T + (int)ph + 6, (x0 + x1) / 2,
			CH_T + (int)ph + 22, r->months[m].label);
		y = CH_T + ph - ph * share_pct(&r->months[m]) / (step * CH_TICKS);
		if (r->months[m].queries == 0) {
			fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"12\""
				" text-anchor=\"middle\" fill=\"#888\">n/a</text>\n",
				(x0 + x1) / 2, CH_T + ph - 8);
		} else {
			fprintf(f, "<line class=\"month\" x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\""
				" y2=\"%.1f\" stroke=\"#e8590c\" stroke-width=\"3\"/>"
				"<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\""
				" text-anchor=\"middle\" fill=\"#b34000\" stroke=\"#fff\""
				" stroke-width=\"4\" paint-order=\"stroke\">%s</text>\n",
				x0, x1, y, y, (x0 + x1) / 2, y - 6 < CH_T + 10 ? y + 14 : y - 6,
				share);
		}
		d += nd;
	}
	fprintf(f, "<line x1=\"%d\" x2=\"%d\" y1=\"%d\" y2=\"%d\" stroke=\"#000\"/>"
		"<line x1=\"%d\" x2=\"%d\" y1=\"%d\" y2=\"%d\" stroke=\"#000\"/>\n",
		CH_L, CH_W - CH_R, CH_T + (int)ph, CH_T + (int)ph, CH_L, CH_L, CH_T,
		CH_T + (int)ph);
	fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"14\" height=\"10\" fill=\"#4a90d9\"/>"
		"<text x=\"%d\" y=\"%d\" font-size=\"12\">daily share (no bar: no queries"
		" counted that day)</text>"
		"<rect x=\"%d\" y=\"%d\" width=\"14\" height=\"3\" fill=\"#e8590c\"/>"
		"<text x=\"%d\" y=\"%d\" font-size=\"12\">monthly share</text>\n</svg>\n",
		CH_L, CH_H - 22, CH_L + 20, CH_H - 12, CH_L + 380, CH_H - 18, CH_L + 400,
		CH_H - 12);
}

static void
rows(FILE *f, const char *head, const struct rp_row *w, size_t n, const struct rp_row *total)
{
	char share[64];
	size_t i;

	fprintf(f, "<table><tr><th>%s</th><th>Queries (opt-out excluded)</th>"
		"<th>Opt-out queries</th><th>Filtered queries</th>"
		"<th>Share of queries affected</th></tr>\n", head);
	for (i = 0; i < n + (total != NULL); i++) {
		const struct rp_row *x = i < n ? &w[i] : total;

		rp_share(x->filtered, x->queries, share);
		fprintf(f, "<tr%s><td>%s</td><td>%" PRIu64 "</td><td>%" PRIu64 "</td><td>%"
			PRIu64 "</td><td>%s</td></tr>\n", i < n ? "" : " class=\"total\"",
			x->label, x->queries, x->optout, x->filtered, share);
	}
	fputs("</table>\n", f);
}

static void
ident_table(const struct rp_report *r, FILE *f, bool only_new)
{
	char a[11], b[11];
	size_t i, n = 0;

	for (i = 0; i < r->n_idents; i++)
		n += !only_new || r->idents[i].is_new;
	if (n == 0) {
		fputs("<p>None.</p>\n", f);
		return;
	}
	fputs("<table><tr><th>Identifier</th><th>FQDNs</th><th>Behaviour</th>"
	      "<th>Filtering start</th>", f);
	fputs(only_new ? "</tr>\n" : "<th>Filtering end</th><th>Filtered queries</th></tr>\n",
	      f);
	for (i = 0; i < r->n_idents; i++) {
		const struct rp_ident *d = &r->idents[i];

		if (only_new && !d->is_new)
			continue;
		rp_day_text(d->start_day, a);
		rp_day_text(d->end_day, b);
		fputs("<tr><td>", f);
		esc(f, d->identifier);
		if (d->has_meta)
			fprintf(f, "</td><td>%" PRIu64 "</td><td>", d->fqdns);
		else
			fputs("</td><td>?</td><td>", f);
		esc(f, d->category);
		fprintf(f, "</td><td>%s</td>", d->has_meta ? a : "?");
		if (!only_new)
			fprintf(f, "<td>%s</td><td>%" PRIu64 "</td>", d->has_meta ? b : "?",
				d->hits);
		fputs("</tr>\n", f);
	}
	fputs("</table>\n", f);
}

int
rp_write_html(const struct rp_report *r, FILE *f)
{
	char a[11], b[11];
	size_t i;

	rp_day_text((r->t0 + r->utc_off) / 86400, a);
	rp_day_text((r->t1 + r->utc_off) / 86400 - 1, b);
	fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>", f);
	esc(f, r->title);
	fputs("</title>\n<style>body{font-family:sans-serif;margin:2em;color:#222}"
	      "table{border-collapse:collapse;margin:0.5em 0 1.5em}"
	      "th,td{border:1px solid #bbb;padding:3px 8px}td{text-align:right}"
	      "td:first-child{text-align:left}tr.total{font-weight:bold}"
	      "th{background:#eee}</style>\n</head><body>\n<h1>", f);
	esc(f, r->title);
	fprintf(f, "</h1>\n<p>Period: %s to %s (%s to %s, %s). Appliances: ", r->from, r->to,
		a, b, r->zone);
	esc(f, r->appliances);
	fprintf(f, " (%u database%s).</p>\n", r->n_dbs, r->n_dbs == 1 ? "" : "s");
	fputs("<h2>Share of DNS queries affected by filtering</h2>\n", f);
	chart(r, f);
	fputs("<p>Filtered queries / all queries, opt-out excluded; n/a: no queries counted."
	      "</p>\n", f);
	rows(f, "Month", r->months, r->n_months, &r->total);
	fputs("<h2>Malware identifiers filtered in the period</h2>\n", f);
	ident_table(r, f, false);
	fputs("<h2>Identifiers newly registered in the period</h2>\n", f);
	ident_table(r, f, true);
	fputs("<h2>Filtered queries by behaviour</h2>\n", f);
	if (r->n_cats == 0)
		fputs("<p>None.</p>\n", f);
	else
		fputs("<table><tr><th>Behaviour</th><th>Filtered queries</th></tr>\n", f);
	for (i = 0; i < r->n_cats; i++) {
		fputs("<tr><td>", f);
		esc(f, r->cats[i].category);
		fprintf(f, "</td><td>%" PRIu64 "</td></tr>\n", r->cats[i].hits);
	}
	if (r->n_cats != 0)
		fputs("</table>\n", f);
	fputs("<details><summary>Daily figures</summary>\n", f);
	rows(f, "Day", r->days, r->n_days, NULL);
	fputs("</details>\n</body></html>\n", f);
	return ferror(f) ? -1 : 0;
}
