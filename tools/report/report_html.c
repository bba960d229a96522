/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The HTML report: one self-contained page (inline CSS and SVG, no script, no network)
 * with the chart of daily and monthly shares, the same tables as the Markdown, and a
 * sparkline per identifier. Printable: tools/report/report_pdf.c prints it to PDF.
 */
#include <inttypes.h>
#include <string.h>

#include "report.h"

void
rp_html_esc(FILE *f, const char *s)
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

static void
head(const struct rp_report *r, FILE *f, const enum rp_msg *cols, size_t n)
{
	fputs("<table><tr>", f);
	for (size_t i = 0; i < n; i++)
		fprintf(f, "<th>%s</th>", rp_msg(r, cols[i]));
	fputs("</tr>\n", f);
}

/* Months (with the total) or days: counts, and the share unless @p counts_only. */
static void
rows(const struct rp_report *r, FILE *f, enum rp_msg col, const struct rp_row *w, size_t n,
     bool total, bool counts_only)
{
	const enum rp_msg cols[] = { col, RP_M_COL_QUERIES, RP_M_COL_OPTOUT, RP_M_COL_FILTERED,
		RP_M_COL_SHARE };
	char label[64], share[64];
	size_t i;

	head(r, f, cols, counts_only ? 4 : 5);
	for (i = 0; i < n + total; i++) {
		const struct rp_row *x = i < n ? &w[i] : &r->total;

		rp_row_label(r, x, label, sizeof(label));
		fprintf(f, "<tr%s><td>%s</td><td>%" PRIu64 "</td><td>%" PRIu64 "</td><td>%"
			PRIu64 "</td>", i < n ? "" : " class=\"total\"", label, x->queries,
			x->optout, x->filtered);
		rp_share_text(r, x->filtered, x->queries, share);
		if (!counts_only)
			fprintf(f, "<td>%s</td>", share);
		fputs("</tr>\n", f);
	}
	fputs("</table>\n", f);
}

/* The carrier's monthly table: the period and the share, nothing else. */
static void
share_rows(const struct rp_report *r, FILE *f)
{
	static const enum rp_msg cols[] = { RP_M_COL_MONTH, RP_M_COL_SHARE };
	char label[64], share[64];

	head(r, f, cols, 2);
	for (size_t i = 0; i <= r->n_months; i++) {
		const struct rp_row *x = i < r->n_months ? &r->months[i] : &r->total;

		rp_row_label(r, x, label, sizeof(label));
		rp_share_text(r, x->filtered, x->queries, share);
		fprintf(f, "<tr%s><td>%s</td><td>%s</td></tr>\n",
			x == &r->total ? " class=\"total\"" : "", label, share);
	}
	fputs("</table>\n", f);
}

/* One identifier table (all, new, quiet), or "None."; text columns left-aligned. */
static void
ident_table(const struct rp_report *r, FILE *f, enum rp_table t)
{
	const enum rp_msg *cols;
	const char *align;
	size_t n = rp_table_head(r, t, &cols, &align);
	struct rp_cells c;

	if (rp_table_rows(r, t) == 0) {
		fprintf(f, "<p>%s</p>\n", rp_msg(r, RP_M_NONE));
		return;
	}
	head(r, f, cols, n);
	for (size_t i = 0; rp_table_next(r, t, &i, &c);) {
		fprintf(f, "<tr%s>", t == RP_T_QUIET ? " class=\"quiet\"" : "");
		for (size_t k = 0; k < n; k++) {
			fputs(k > 0 && align[k] == 'l' ? "<td class=\"t\">" : "<td>", f);
			rp_html_esc(f, c.v[k]);
			fputs("</td>", f);
		}
		fputs("</tr>\n", f);
	}
	fputs("</table>\n", f);
}

static void
trends(const struct rp_report *r, FILE *f)
{
	char label[64];
	size_t i, m;

	fprintf(f, "<h2>%s</h2>\n<p>%s</p>\n", rp_msg(r, RP_M_H_TREND),
		rp_msg(r, RP_M_TREND_NOTE));
	if (r->n_idents == 0) {
		fprintf(f, "<p>%s</p>\n", rp_msg(r, RP_M_NONE));
		return;
	}
	fprintf(f, "<table class=\"trend\"><tr><th>%s</th>", rp_msg(r, RP_M_COL_IDENT));
	for (m = 0; m < r->n_months; m++) {
		rp_row_label(r, &r->months[m], label, sizeof(label));
		fprintf(f, "<th>%s</th>", label);
	}
	fprintf(f, "<th>%s</th><th>%s</th></tr>\n", rp_msg(r, RP_M_TOTAL),
		rp_msg(r, RP_M_COL_TREND));
	for (i = 0; i < r->n_idents; i++) {
		fputs("<tr><td>", f);
		rp_html_esc(f, r->idents[i].identifier);
		fputs("</td>", f);
		for (m = 0; m < r->n_months; m++)
			fprintf(f, "<td>%" PRIu64 "</td>", r->idents[i].month_hits[m]);
		fprintf(f, "<td>%" PRIu64 "</td><td>", r->idents[i].hits);
		rp_html_spark(f, r->idents[i].month_hits, r->n_months);
		fputs("</td></tr>\n", f);
	}
	fputs("</table>\n", f);
}

static void
quiet(const struct rp_report *r, FILE *f)
{
	char ref[32];

	fprintf(f, "<h2>%s</h2>\n<p>", rp_msg(r, RP_M_H_QUIET));
	if (r->quiet_ref < 0) {
		fprintf(f, "%s</p>\n", rp_msg(r, RP_M_QUIET_NODATA));
		return;
	}
	rp_date(r, r->quiet_ref, "", ref, sizeof(ref));
	fprintf(f, rp_msg(r, RP_M_QUIET_NOTE), ref, r->quiet_min);
	fputs("</p>\n", f);
	ident_table(r, f, RP_T_QUIET);
}

static void
page_head(const struct rp_report *r, FILE *f)
{
	fprintf(f, "<!DOCTYPE html>\n<html lang=\"%s\"><head><meta charset=\"utf-8\">\n"
		"<title>", rp_carrier(r) ? "ja" : "en");
	rp_html_esc(f, r->title);
	/* Local fonts only; for print: A4, the chart scaled to the page, rows kept whole. */
	fputs("</title>\n<style>body{font-family:sans-serif;margin:2em;color:#222}"
	      "html:lang(ja) body{font-family:\"Noto Sans CJK JP\",\"IPAexGothic\","
	      "\"IPAPGothic\",\"IPAGothic\",\"Noto Sans JP\",sans-serif}"
	      "table{border-collapse:collapse;margin:0.5em 0 1.5em}"
	      "th,td{border:1px solid #bbb;padding:3px 8px}td{text-align:right}"
	      "td:first-child,td.t{text-align:left}tr.total{font-weight:bold}"
	      "th{background:#eee}svg#chart{max-width:100%;height:auto}"
	      "svg.spark{vertical-align:middle}"
	      "@page{size:A4;margin:12mm}"
	      "@media print{body{margin:0;font-size:10pt}tr{break-inside:avoid}"
	      "h2{break-after:avoid}th{-webkit-print-color-adjust:exact;"
	      "print-color-adjust:exact}}</style>\n</head><body>\n<h1>", f);
	rp_html_esc(f, r->title);
	fputs("</h1>\n", f);
}

int
rp_write_html(const struct rp_report *r, FILE *f)
{
	char a[32], b[32], period[128];
	size_t i;

	page_head(r, f);
	rp_period(r, period, sizeof(period));
	rp_date(r, (r->t0 + r->utc_off) / 86400, "", a, sizeof(a));
	rp_date(r, (r->t1 + r->utc_off) / 86400 - 1, "", b, sizeof(b));
	fputs("<p>", f);
	fprintf(f, rp_msg(r, RP_M_PERIOD), period, a, b, r->zone);
	rp_html_esc(f, r->appliances);
	fprintf(f, rp_msg(r, r->n_dbs == 1 ? RP_M_DBS_ONE : RP_M_DBS_MANY), r->n_dbs);
	fprintf(f, "</p>\n<h2>%s</h2>\n", rp_msg(r, RP_M_H_SHARE));
	rp_html_chart(r, f);
	fputs("<p>", f);
	fprintf(f, rp_msg(r, RP_M_SHARE_NOTE), rp_msg(r, RP_M_NA));
	fputs("</p>\n", f);
	if (rp_carrier(r)) {
		share_rows(r, f);
		fprintf(f, "<h3>%s</h3>\n", rp_msg(r, RP_M_H_COUNTS));
	}
	rows(r, f, RP_M_COL_MONTH, r->months, r->n_months, true, rp_carrier(r));
	fprintf(f, "<h2>%s</h2>\n", rp_msg(r, RP_M_H_IDENTS));
	ident_table(r, f, RP_T_IDENTS);
	fprintf(f, "<h2>%s</h2>\n", rp_msg(r, RP_M_H_NEW));
	ident_table(r, f, RP_T_NEW);
	fprintf(f, "<h2>%s</h2>\n", rp_msg(r, RP_M_H_BEHAV));
	if (r->n_cats == 0)
		fprintf(f, "<p>%s</p>\n", rp_msg(r, RP_M_NONE));
	else
		fprintf(f, "<table><tr><th>%s</th><th>%s</th></tr>\n", rp_msg(r, RP_M_COL_BEHAV),
			rp_msg(r, RP_M_COL_FILTERED));
	for (i = 0; i < r->n_cats; i++) {
		fputs("<tr><td>", f);
		rp_html_esc(f, r->cats[i].category);
		fprintf(f, "</td><td>%" PRIu64 "</td></tr>\n", r->cats[i].hits);
	}
	if (r->n_cats != 0)
		fputs("</table>\n", f);
	trends(r, f);
	quiet(r, f);
	fprintf(f, "<details><summary>%s</summary>\n", rp_msg(r, RP_M_DAILY));
	rows(r, f, RP_M_COL_DAY, r->days, r->n_days, false, false);
	fputs("</details>\n</body></html>\n", f);
	return ferror(f) ? -1 : 0;
}
