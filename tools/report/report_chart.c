/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Inline SVG for the HTML report: the chart of daily and monthly shares, and the
 * per-identifier sparklines. No script, no fonts or images from outside.
 */
#include <inttypes.h>

#include "report.h"

enum {
	CH_W = 1000, CH_H = 420,                 /* SVG size */
	CH_L = 120, CH_R = 20, CH_T = 40, CH_B = 60, /* plot margins */
	CH_TICKS = 5,
};

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

void
rp_html_chart(const struct rp_report *r, FILE *f)
{
	const double pw = CH_W - CH_L - CH_R, ph = CH_H - CH_T - CH_B;
	double max = 0, step, dx, y;
	char label[64];
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
		" height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"%s\">\n"
		"<rect width=\"%d\" height=\"%d\" fill=\"#ffffff\"/>\n",
		CH_W, CH_H, CH_W, CH_H, rp_msg(r, RP_M_CH_TITLE), CH_W, CH_H);
	fprintf(f, "<text x=\"%d\" y=\"22\" font-size=\"15\" font-weight=\"bold\">"
		"%s</text>\n", CH_L, rp_msg(r, RP_M_CH_TITLE));
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
		rp_row_label(r, &r->days[d], label, sizeof(label));
		fprintf(f, "<rect class=\"day\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\""
			" height=\"%.1f\" fill=\"#4a90d9\"><title>%s: %" PRIu64 " / %" PRIu64
			"</title></rect>\n", CH_L + dx * (double)d + dx * 0.1, CH_T + ph - h,
			dx * 0.8, h, label, r->days[d].filtered, r->days[d].queries);
	}
	/* Monthly shares as level lines over each month, with month labels. */
	for (m = 0, d = 0; m < r->n_months; m++) {
		size_t nd = (size_t)((r->months[m].t1 - r->months[m].t0) / 86400);
		double x0 = CH_L + dx * (double)d, x1 = x0 + dx * (double)nd;
		char share[64];

		rp_share(r->months[m].filtered, r->months[m].queries, share);
		rp_row_label(r, &r->months[m], label, sizeof(label));
		fprintf(f, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%d\" y2=\"%d\" stroke=\"#888\"/>"
			"<text x=\"%.1f\" y=\"%d\" font-size=\"12\" text-anchor=\"middle\">%s"
			"</text>\n", x0, x0, CH_T, CH_T + (int)ph + 6, (x0 + x1) / 2,
			CH_T + (int)ph + 22, label);
		y = CH_T + ph - ph * share_pct(&r->months[m]) / (step * CH_TICKS);
		if (r->months[m].queries == 0) {
			fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"12\""
				" text-anchor=\"middle\" fill=\"#888\">%s</text>\n",
				(x0 + x1) / 2, CH_T + ph - 8, rp_msg(r, RP_M_NA));
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
		"<text x=\"%d\" y=\"%d\" font-size=\"12\">%s</text>"
		"<rect x=\"%d\" y=\"%d\" width=\"14\" height=\"3\" fill=\"#e8590c\"/>"
		"<text x=\"%d\" y=\"%d\" font-size=\"12\">%s</text>\n</svg>\n",
		CH_L, CH_H - 22, CH_L + 20, CH_H - 12, rp_msg(r, RP_M_CH_DAILY), CH_L + 380,
		CH_H - 18, CH_L + 400, CH_H - 12, rp_msg(r, RP_M_CH_MONTHLY));
}


enum {
	SP_W = 120, SP_H = 24, SP_PAD = 3, /* sparkline size and inner margin */
};

/* Where value i of n goes in the sparkline. */
static void
spark_xy(size_t i, size_t n, uint64_t v, uint64_t max, double *x, double *y)
{
	const double w = SP_W - 2 * SP_PAD, h = SP_H - 2 * SP_PAD;

	*x = SP_PAD + (n > 1 ? w * (double)i / (double)(n - 1) : w / 2);
	*y = SP_H - SP_PAD - (max ? h * (double)v / (double)max : 0);
}

void
rp_html_spark(FILE *f, const uint64_t *v, size_t n)
{
	uint64_t max = 0;
	double x, y;
	size_t i;

	for (i = 0; i < n; i++)
		if (v[i] > max)
			max = v[i];
	/* Each row on its own scale: the shape over the months is what it shows. */
	fprintf(f, "<svg class=\"spark\" xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\""
		" height=\"%d\" viewBox=\"0 0 %d %d\"><line x1=\"%d\" x2=\"%d\" y1=\"%d\""
		" y2=\"%d\" stroke=\"#ccc\"/><polyline fill=\"none\" stroke=\"#1f6fb2\""
		" stroke-width=\"1.5\" points=\"", SP_W, SP_H, SP_W, SP_H, SP_PAD, SP_W - SP_PAD,
		SP_H - SP_PAD, SP_H - SP_PAD);
	for (i = 0; i < n; i++) {
		spark_xy(i, n, v[i], max, &x, &y);
		fprintf(f, "%s%.1f,%.1f", i ? " " : "", x, y);
	}
	fputs("\"/>", f);
	for (i = 0; i < n; i++) {
		spark_xy(i, n, v[i], max, &x, &y);
		fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2\" fill=\"#1f6fb2\"/>", x, y);
	}
	fputs("</svg>", f);
}
