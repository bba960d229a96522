/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Test helper: build stats histories with known counts through lib/stats, from a small
 * script on stdin (one command per line, '#' comments):
 *
 *   db PATH APPLIANCE                          open (create) a history
 *   load WHEN                                  start a list load at WHEN
 *   entry IDENT CATEGORY FQDNS START END       one identifier of that load (dates or -)
 *   commit                                     record the load
 *   iv WHEN SECONDS QUERIES OPTOUT FILTERED [IDENT=CATEGORY=HITS ...]
 *
 * WHEN is YYYY-MM-DDTHH:MM:SS UTC, dates are YYYY-MM-DD, '_' in a word stands for a
 * space, IDENT "-" means none. Exits non-zero with the line number on any error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dg_history.h"

enum { MAX_WORDS = 40, MAX_ENTRIES = 4096 };

static int64_t
when(const char *s)
{
	struct tm tm;
	char *end;

	memset(&tm, 0, sizeof(tm));
	end = strptime(s, strchr(s, 'T') ? "%Y-%m-%dT%H:%M:%S" : "%Y-%m-%d", &tm);
	if (end == NULL || *end != '\0')
		return -1;
	return (int64_t)timegm(&tm);
}

static char *
word(char *w)
{
	for (char *p = w; *p; p++)
		if (*p == '_')
			*p = ' ';
	return w;
}

int
main(void)
{
	static struct dg_history_list_entry ent[MAX_ENTRIES];
	static struct dg_history_ident ids[MAX_WORDS];
	static char text[MAX_ENTRIES][2][256]; /* the entries' strings (no leaks for ASan) */
	struct dg_history *h = NULL;
	char line[4096], err[256], *w[MAX_WORDS];
	int64_t load_at = -1;
	size_t n_ent = 0;
	int lineno = 0, n, rc = 0;

	while (rc == 0 && fgets(line, sizeof(line), stdin) != NULL) {
		lineno++;
		n = 0;
		for (char *t = strtok(line, " \t\r\n"); t && n < MAX_WORDS;
		     t = strtok(NULL, " \t\r\n"))
			w[n++] = t;
		if (n == 0 || w[0][0] == '#')
			continue;
		if (strcmp(w[0], "db") == 0 && n == 3) {
			dg_history_close(h);
			rc = dg_history_open(&h, w[1], w[2], err, sizeof(err));
			if (rc != 0)
				fprintf(stderr, "%s\n", err);
		} else if (h == NULL) {
			rc = -1;
		} else if (strcmp(w[0], "load") == 0 && n == 2) {
			load_at = when(w[1]);
			n_ent = 0;
			rc = load_at < 0 ? -1 : 0;
		} else if (strcmp(w[0], "entry") == 0 && n == 6 && n_ent < MAX_ENTRIES) {
			struct dg_history_list_entry *e = &ent[n_ent++];

			snprintf(text[n_ent - 1][0], sizeof(text[0][0]), "%s", w[1]);
			snprintf(text[n_ent - 1][1], sizeof(text[0][1]), "%s", word(w[2]));
			e->identifier = text[n_ent - 1][0];
			e->category = strcmp(w[2], "-") ? text[n_ent - 1][1] : NULL;
			e->fqdns = strtoull(w[3], NULL, 10);
			e->start_day = strcmp(w[4], "-") ? (uint32_t)(when(w[4]) / 86400) :
				DG_HISTORY_DAY_OPEN_START;
			e->end_day = strcmp(w[5], "-") ? (uint32_t)(when(w[5]) / 86400) :
				DG_HISTORY_DAY_OPEN_END;
		} else if (strcmp(w[0], "commit") == 0 && n == 1 && load_at >= 0) {
			rc = dg_history_record_load(h, load_at, ent, n_ent);
		} else if (strcmp(w[0], "iv") == 0 && n >= 6) {
			struct dg_history_interval iv;
			int k;

			memset(&iv, 0, sizeof(iv));
			iv.start = when(w[1]);
			iv.end = iv.start + strtoll(w[2], NULL, 10);
			iv.queries = strtoull(w[3], NULL, 10);
			iv.optout_queries = strtoull(w[4], NULL, 10);
			iv.filtered = strtoull(w[5], NULL, 10);
			iv.answered = iv.filtered;
			iv.by_action[0] = iv.filtered;
			for (k = 6; k < n; k++) {
				char *c = strchr(w[k], '='), *x = c ? strchr(c + 1, '=') : NULL;

				if (x == NULL) {
					rc = -1;
					break;
				}
				*c = *x = '\0';
				ids[k - 6].identifier = strcmp(w[k], "-") ? w[k] : NULL;
				ids[k - 6].category = strcmp(c + 1, "-") ? word(c + 1) : NULL;
				ids[k - 6].hits = strtoull(x + 1, NULL, 10);
			}
			iv.idents = ids;
			iv.n_idents = (size_t)(n - 6);
			rc = rc ?: dg_history_append(h, &iv);
		} else {
			rc = -1;
		}
	}
	if (rc != 0)
		fprintf(stderr, "mkhist: line %d: error %d\n", lineno, rc);
	dg_history_close(h);
	return rc == 0 ? 0 : 1;
}
