/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The DoH endpoint lists from files, read with the blocklist loaders (lib/lists: every
 * format, comments, punycode, rejected lines reported) and the opt-out prefix reader
 * (lib/optout), then handed to dg_encdns_create(). Start-up only.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dg_encdns.h"
#include "dg_err.h"
#include "dg_lists.h"
#include "dg_name.h"

struct names {
	char **v;
	size_t n, cap;
};

static void
names_free(struct names *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
}

/* Every blocking entry of the loaded list, as text without the final dot. */
static int
collect(const uint8_t *wire, uint8_t len, enum dg_match_mode pos,
	const struct dg_entry_meta *meta, void *arg)
{
	struct names *s = arg;
	char text[DG_NAME_TEXT_MAX];
	int n;

	(void)pos;
	if (meta->action == DG_ACTION_ALLOW)
		return 0; /* an exception in the list: not an endpoint */
	n = dg_name_to_text(wire, len, text, sizeof(text));
	if (n <= 1)
		return n < 0 ? n : 0; /* the root is no endpoint */
	text[n - 1] = '\0';
	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 256;
		char **v = realloc(s->v, cap * sizeof(*v));

		if (v == NULL)
			return -ENOMEM;
		s->v = v;
		s->cap = cap;
	}
	s->v[s->n] = strdup(text);
	if (s->v[s->n] == NULL)
		return -ENOMEM;
	s->n++;
	return 0;
}

static int
load_names(const char *path, FILE *report, struct names *s, char *err, size_t len)
{
	struct dg_filter_builder *b;
	struct dg_filter *f = NULL;
	struct dg_list_opts o;
	struct dg_list_report rep;
	int rc;

	dg_list_opts_init(&o);
	o.defaults.action = DG_ACTION_NXDOMAIN;
	o.defaults.end_day = DG_FILTER_DAY_OPEN_END;
	o.report = report;
	rc = dg_filter_builder_create(&b, 0);
	if (rc < 0)
		return dg_errf(err, len, rc, "out of memory");
	rc = dg_lists_load(b, path, DG_LIST_AUTO, &o, &rep);
	if (rc < 0) {
		dg_filter_builder_free(b);
		return dg_errf(err, len, rc, "%s: %s", path, strerror(-rc));
	}
	rc = dg_filter_build(b, &f);
	dg_filter_builder_free(b);
	if (rc == 0)
		rc = dg_filter_walk(f, collect, s);
	dg_filter_free(f);
	return rc < 0 ? dg_errf(err, len, rc, "%s: %s", path, strerror(-rc)) : 0;
}

static int
load_prefixes(const char *path, struct dg_optout_prefix **v, size_t *n, char *err,
	      size_t len)
{
	struct dg_optout *t;
	int rc = dg_optout_load(path, &t, err, len);

	if (rc < 0)
		return rc;
	*n = dg_optout_count(t);
	*v = calloc(*n ? *n : 1, sizeof(**v));
	if (*v == NULL) {
		dg_optout_free(t);
		return dg_errf(err, len, -ENOMEM, "out of memory");
	}
	for (size_t i = 0; i < *n; i++)
		(*v)[i] = *dg_optout_get(t, i);
	dg_optout_free(t);
	return 0;
}

int
dg_encdns_load(struct dg_encdns **t, const uint8_t modes[DG_ENCDNS__PROTO],
	       const char *names_path, const char *addrs_path, FILE *report, char *err,
	       size_t len)
{
	struct names s = { 0 };
	struct dg_optout_prefix *pfx = NULL;
	size_t n_pfx = 0;
	int rc = 0;

	if (names_path != NULL)
		rc = load_names(names_path, report, &s, err, len);
	if (rc == 0 && addrs_path != NULL)
		rc = load_prefixes(addrs_path, &pfx, &n_pfx, err, len);
	if (rc == 0) {
		rc = dg_encdns_create(t, modes, (const char *const *)s.v, s.n, pfx, n_pfx);
		if (rc < 0)
			dg_errf(err, len, rc, "encrypted DNS tables: %s", strerror(-rc));
	}
	names_free(&s);
	free(pfx);
	return rc;
}
