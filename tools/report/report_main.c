/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dnsgate-report: the quarterly DNS filtering report from one or more appliances' stats
 * histories. See docs/report.md.
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <stdbool.h>
#include <string.h>

#include "report.h"

static void
usage(FILE *f)
{
	fputs("usage: dnsgate-report --db FILE [--db FILE | FILE]... --from YYYY-MM"
	      " --to YYYY-MM\n"
	      "                      [--format md|html|csv|pdf] [--out FILE] [--out-dir DIR]\n"
	      "                      [--title TEXT] [--utc-offset +HH:MM] [--lang en|ja]\n"
	      "                      [--behaviour-map FILE] [--quiet-days N]"
	      " [--chromium PATH]\n"
	      "Merges the stats histories and writes the report for the months from..to"
	      " (UTC):\n"
	      "identifiers filtered in the period, identifiers newly registered, the\n"
	      "monthly share of affected queries, per-identifier monthly trends and the\n"
	      "quiet identifiers (no filtered query for --quiet-days, default 90), candidates\n"
	      "for an end date. Months and days are UTC unless --utc-offset gives the\n"
	      "operator's fixed offset (+09:00 for JST). --lang ja writes the carrier's\n"
	      "Japanese layout, behaviours worded by " DG_REPORT_MAP " unless\n"
	      "--behaviour-map names another file. --format pdf prints the HTML with headless\n"
	      "Chromium. --out-dir writes report.md, report.html and report.csv; otherwise\n"
	      "one format goes to --out or stdout.\n", f);
}

/* "+09:00" / "-05:30" -> seconds east of UTC. */
static int
parse_offset(const char *s, int64_t *off)
{
	int h, m;

	if (strlen(s) != 6 || (s[0] != '+' && s[0] != '-') || s[3] != ':')
		return -1;
	for (int i = 1; i < 6; i++)
		if (i != 3 && (s[i] < '0' || s[i] > '9'))
			return -1;
	h = (s[1] - '0') * 10 + (s[2] - '0');
	m = (s[4] - '0') * 10 + (s[5] - '0');

	if (m > 59 || h * 60 + m > 14 * 60)
		return -1;
	*off = (s[0] == '-' ? -1 : 1) * (int64_t)(h * 3600 + m * 60);
	return 0;
}

typedef int (*writer_fn)(const struct rp_report *, FILE *);

/* NULL for pdf (rp_write_pdf() writes a path) or an unknown format: see known_format(). */
static writer_fn
writer(const char *fmt)
{
	if (strcmp(fmt, "md") == 0 || strcmp(fmt, "markdown") == 0)
		return rp_write_md;
	if (strcmp(fmt, "html") == 0)
		return rp_write_html;
	if (strcmp(fmt, "csv") == 0)
		return rp_write_csv;
	return NULL;
}

static bool
known_format(const char *fmt)
{
	return writer(fmt) != NULL || strcmp(fmt, "pdf") == 0;
}

static int
write_file(const struct rp_report *r, writer_fn w, const char *path)
{
	FILE *f = path ? fopen(path, "w") : stdout;
	int rc;

	if (f == NULL) {
		fprintf(stderr, "dnsgate-report: %s: %s\n", path, strerror(errno));
		return -1;
	}
	rc = w(r, f);
	if (fflush(f) != 0)
		rc = -1;
	if (path != NULL && fclose(f) != 0)
		rc = -1;
	if (rc != 0)
		fprintf(stderr, "dnsgate-report: writing %s failed\n", path ? path : "stdout");
	return rc;
}

struct opts {
	const char *from, *to, *fmt, *out, *dir, *title, *map, *chromium;
	const char **dbs;
	unsigned int n_dbs;
	unsigned int quiet_days;
	enum rp_lang lang;
	int64_t utc_off;
};

/* 0, or 2 (bad usage) after saying why. */
static int
parse_args(int argc, char **argv, struct opts *o)
{
	static const struct option lopts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "from", required_argument, NULL, 'f' },
		{ "to", required_argument, NULL, 't' },
		{ "format", required_argument, NULL, 'F' },
		{ "out", required_argument, NULL, 'o' },
		{ "out-dir", required_argument, NULL, 'O' },
		{ "title", required_argument, NULL, 'T' },
		{ "utc-offset", required_argument, NULL, 'z' },
		{ "lang", required_argument, NULL, 'l' },
		{ "behaviour-map", required_argument, NULL, 'm' },
		{ "quiet-days", required_argument, NULL, 'q' },
		{ "chromium", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char *end;
	long v;
	int c;

	while ((c = getopt_long(argc, argv, "d:f:t:F:o:O:T:h", lopts, NULL)) != -1) {
		switch (c) {
		case 'd': o->dbs[o->n_dbs++] = optarg; break;
		case 'f': o->from = optarg; break;
		case 't': o->to = optarg; break;
		case 'F': o->fmt = optarg; break;
		case 'o': o->out = optarg; break;
		case 'O': o->dir = optarg; break;
		case 'T': o->title = optarg; break;
		case 'm': o->map = optarg; break;
		case 'c': o->chromium = optarg; break;
		case 'z':
			if (parse_offset(optarg, &o->utc_off) != 0) {
				fprintf(stderr, "dnsgate-report: --utc-offset wants +HH:MM or"
					" -HH:MM (at most 14:00)\n");
				return 2;
			}
			break;
		case 'l':
			if (rp_lang_parse(optarg, &o->lang) != 0) {
				fprintf(stderr, "dnsgate-report: --lang wants en or ja\n");
				return 2;
			}
			break;
		case 'q':
			errno = 0;
			v = strtol(optarg, &end, 10);
			if (errno != 0 || *end != '\0' || end == optarg || v < 1 || v > 36500) {
				fprintf(stderr, "dnsgate-report: --quiet-days wants 1 to 36500\n");
				return 2;
			}
			o->quiet_days = (unsigned int)v;
			break;
		case 'h': usage(stdout); exit(0);
		default: usage(stderr); return 2;
		}
	}
	/* `--db a.db b.db`: getopt leaves the extra files as operands. */
	while (optind < argc)
		o->dbs[o->n_dbs++] = argv[optind++];
	if (!known_format(o->fmt))
		fprintf(stderr, "dnsgate-report: unknown --format %s\n", o->fmt);
	if (o->out && o->dir)
		fprintf(stderr, "dnsgate-report: --out and --out-dir exclude each other\n");
	if (o->n_dbs == 0 || o->from == NULL || o->to == NULL || !known_format(o->fmt) ||
	    (o->out && o->dir)) {
		usage(stderr);
		return 2;
	}
	return 0;
}

static int
write_all(const struct rp_report *r, const struct opts *o)
{
	static const char *const names[][2] = {
		{ "md", "report.md" }, { "html", "report.html" }, { "csv", "report.csv" },
	};
	char path[4096];
	int rc = 0;

	if (o->dir == NULL && strcmp(o->fmt, "pdf") == 0)
		return rp_write_pdf(r, o->out, o->chromium);
	if (o->dir == NULL)
		return write_file(r, writer(o->fmt), o->out);
	for (size_t i = 0; rc == 0 && i < 3; i++) {
		snprintf(path, sizeof(path), "%s/%s", o->dir, names[i][1]);
		rc = write_file(r, writer(names[i][0]), path);
	}
	return rc;
}

int
main(int argc, char **argv)
{
	struct opts o = { .fmt = "md", .quiet_days = 90, .lang = RP_LANG_EN };
	struct rp_map map = { 0 };
	struct rp_report r;
	char period[128];
	int rc;

	o.dbs = calloc((size_t)argc, sizeof(*o.dbs));
	if (o.dbs == NULL)
		return 1;
	rc = parse_args(argc, argv, &o);
	/* Japanese without a map would publish the lists' English words: refuse. */
	if (rc == 0 && (o.map != NULL || o.lang == RP_LANG_JA) &&
	    rp_map_load(&map, o.map != NULL ? o.map : DG_REPORT_MAP) != 0) {
		if (o.map == NULL)
			fprintf(stderr, "dnsgate-report: --lang ja words behaviours by that file:"
				" install it, or give --behaviour-map FILE\n");
		rc = 2;
	}
	if (rc != 0) {
		free(o.dbs);
		return rc;
	}

	memset(&r, 0, sizeof(r));
	r.lang = o.lang;
	r.map = o.map != NULL || o.lang == RP_LANG_JA ? &map : NULL;
	r.quiet_min = o.quiet_days;
	rc = rp_load(&r, o.dbs, o.n_dbs, o.from, o.to, o.utc_off) != 0 || rp_map_cats(&r) != 0;
	if (rc == 0) {
		rp_period(&r, period, sizeof(period));
		if (o.title != NULL) {
			r.title = strdup(o.title);
		} else if ((r.title = malloc(256)) != NULL) {
			snprintf(r.title, 256, rp_msg(&r, RP_M_TITLE), period);
		}
		rc = r.title == NULL || write_all(&r, &o) != 0;
	}
	rp_free(&r);
	rp_map_free(&map);
	free(o.dbs);
	return rc;
}
