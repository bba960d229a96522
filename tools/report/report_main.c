/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dnsgate-report: the quarterly DNS filtering report from one or more appliances' stats
 * histories. See docs/report.md.
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"

static void
usage(FILE *f)
{
	fputs("usage: dnsgate-report --db FILE [--db FILE | FILE]... --from YYYY-MM"
	      " --to YYYY-MM\n"
	      "                      [--format md|html|csv] [--out FILE] [--out-dir DIR]"
	      " [--title TEXT]\n"
	      "                      [--utc-offset +HH:MM]\n"
	      "Merges the stats histories and writes the report for the months from..to"
	      " (UTC):\n"
	      "identifiers filtered in the period, identifiers newly registered, and the\n"
	      "monthly share of affected queries. Months and days are UTC unless\n"
	      "--utc-offset gives the operator's fixed offset (+09:00 for JST).\n"
	      "--out-dir writes report.md, report.html\n"
	      "and report.csv; otherwise one format goes to --out or stdout.\n", f);
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

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "from", required_argument, NULL, 'f' },
		{ "to", required_argument, NULL, 't' },
		{ "format", required_argument, NULL, 'F' },
		{ "out", required_argument, NULL, 'o' },
		{ "out-dir", required_argument, NULL, 'O' },
		{ "title", required_argument, NULL, 'T' },
		{ "utc-offset", required_argument, NULL, 'z' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *from = NULL, *to = NULL, *fmt = "md", *out = NULL, *dir = NULL;
	const char *title = NULL;
	struct rp_report r;
	const char **dbs;
	unsigned int n = 0;
	writer_fn w;
	int64_t utc_off = 0;
	int c, rc = 0;

	dbs = calloc((size_t)argc, sizeof(*dbs));
	if (dbs == NULL)
		return 1;
	while ((c = getopt_long(argc, argv, "d:f:t:F:o:O:T:h", opts, NULL)) != -1) {
		switch (c) {
		case 'd': dbs[n++] = optarg; break;
		case 'f': from = optarg; break;
		case 't': to = optarg; break;
		case 'F': fmt = optarg; break;
		case 'o': out = optarg; break;
		case 'O': dir = optarg; break;
		case 'T': title = optarg; break;
		case 'z':
			if (parse_offset(optarg, &utc_off) != 0) {
				fprintf(stderr, "dnsgate-report: --utc-offset wants +HH:MM or"
					" -HH:MM (at most 14:00)\n");
				free(dbs);
				return 2;
			}
			break;
		case 'h': usage(stdout); free(dbs); return 0;
		default: usage(stderr); free(dbs); return 2;
		}
	}
	/* `--db a.db b.db`: getopt leaves the extra files as operands. */
	while (optind < argc)
		dbs[n++] = argv[optind++];
	w = writer(fmt);
	if (n == 0 || from == NULL || to == NULL || w == NULL || (out && dir)) {
		if (w == NULL)
			fprintf(stderr, "dnsgate-report: unknown --format %s\n", fmt);
		usage(stderr);
		free(dbs);
		return 2;
	}

	memset(&r, 0, sizeof(r));
	if (rp_load(&r, dbs, n, from, to, utc_off) != 0) {
		rp_free(&r);
		free(dbs);
		return 1;
	}
	if (title != NULL) {
		r.title = strdup(title);
	} else if ((r.title = malloc(64)) != NULL) {
		snprintf(r.title, 64, "DNS filtering report %s to %s", r.from, r.to);
	}
	if (dir != NULL) {
		static const char *const names[][2] = {
			{ "md", "report.md" }, { "html", "report.html" }, { "csv", "report.csv" },
		};
		char path[4096];

		for (size_t i = 0; rc == 0 && i < 3; i++) {
			snprintf(path, sizeof(path), "%s/%s", dir, names[i][1]);
			rc = write_file(&r, writer(names[i][0]), path);
		}
	} else {
		rc = write_file(&r, w, out);
	}
	rp_free(&r);
	free(dbs);
	return rc == 0 ? 0 : 1;
}
