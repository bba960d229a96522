/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target over the list loaders (lib/lists, every format) into a real
 * lib/filter builder and snapshot. Input: a format byte (low nibble mod 7: auto, native,
 * rpz, hosts, domains, wildcard, adblock; high nibble N: opts.rpz_action none for 0, else
 * action (N - 1) mod 6), an options byte (bits 0-1: opts.mode -1/exact/
 * subtree/below; bits 2-4: default action; bit 5: default identifier and category; bit 6:
 * default dates; bit 7: a default IPv4 sinkhole), then the file content. Any broken
 * invariant traps:
 *  - auto-detection picks a format and the load uses it;
 *  - the report adds up: rejected is the sum of the skip reasons but localhost and not
 *    supported (RPZ triggers only), one report per rejection (`FILE:LINE` within the
 *    lines read), and every line is counted once as ignored, loaded, duplicate, rejected
 *    or not supported (hosts: at least once; RPZ: at most, A/AAAA lines of one owner
 *    merge);
 *  - the snapshot holds exactly the policies counted as loaded, with metadata the format
 *    can give (defaults where the format carries none), and each one is found by a
 *    lookup of its name (or a child, for `below`) on a day it is active;
 *  - every line alone gives what a plain reading of docs/lists.md says: ignored,
 *    rejected, or these names with this metadata (its own fields in native; the
 *    defaults, `*.` below and `@@` allow, the hosts address as sinkhole otherwise; RPZ:
 *    CNAME records only, whose meaning does not hang on other lines), and the file's
 *    policies are those of its lines (RPZ: A and AAAA lines merge, not checked);
 *  - loading the same content again adds nothing: every policy is a duplicate;
 *  - strict mode: with no rejection the load is the same as without strict; otherwise it
 *    fails with -EINVAL at the first rejection and leaves in the builder exactly the
 *    policies of the lines before it (nothing half-added, e.g. no pending RPZ record).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "dg_lists.h"

#define CHECK(c) do { if (!(c)) __builtin_trap(); } while (0)

/* What the report callback saw. */
struct seen {
	const char *file;
	const struct dg_list_report *rep; /* the live report, read at the first rejection */
	uint64_t calls;
	unsigned long first_line;
	enum dg_list_skip first_why;
	char first_reason[512];
	uint64_t loaded_before, dups_before;
};

static void
on_reject(void *arg, const char *file, unsigned long line, enum dg_list_skip why,
	  const char *reason)
{
	struct seen *s = arg;
	size_t len = strlen(reason);

	CHECK(file == s->file);
	CHECK(line >= 1 && line <= s->rep->lines);
	CHECK((unsigned int)why < DG_LIST_SKIP_COUNT && why != DG_LIST_SKIP_LOCALHOST &&
	      why != DG_LIST_SKIP_NOT_SUPPORTED);
	CHECK(len > 0 && len < sizeof(s->first_reason) && strchr(reason, '\n') == NULL);
	if (s->calls++ == 0) {
		s->first_line = line;
		s->first_why = why;
		memcpy(s->first_reason, reason, len + 1);
		s->loaded_before = s->rep->loaded;
		s->dups_before = s->rep->duplicates;
	}
}

/* One (name, position, metadata) triple of a snapshot. */
struct trip {
	const uint8_t *wire;
	uint8_t len;
	enum dg_match_mode pos;
	const struct dg_entry_meta *m;
};

struct trips {
	struct trip *v;
	size_t n, cap;
};

static int
collect(const uint8_t *wire, uint8_t len, enum dg_match_mode pos,
	const struct dg_entry_meta *m, void *arg)
{
	struct trips *t = arg;

	if (t->n == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 64;
		t->v = realloc(t->v, t->cap * sizeof(*t->v));
		CHECK(t->v != NULL);
	}
	t->v[t->n++] = (struct trip){ wire, len, pos, m };
	return 0;
}

static int
str_cmp(const char *a, const char *b)
{
	return strcmp(a != NULL ? a : "", b != NULL ? b : "");
}

static int
meta_cmp(const struct dg_entry_meta *a, const struct dg_entry_meta *b)
{
	int c;

	if (a->action != b->action || a->mode != b->mode)
		return a->action != b->action ? (int)a->action - (int)b->action :
						(int)a->mode - (int)b->mode;
	if (a->start_day != b->start_day || a->end_day != b->end_day)
		return a->start_day != b->start_day ? (a->start_day < b->start_day ? -1 : 1) :
						      (a->end_day < b->end_day ? -1 : 1);
	if (a->has_sinkhole4 != b->has_sinkhole4 || a->has_sinkhole6 != b->has_sinkhole6)
		return a->has_sinkhole4 != b->has_sinkhole4 ? a->has_sinkhole4 - b->has_sinkhole4 :
							      a->has_sinkhole6 - b->has_sinkhole6;
	if (a->has_sinkhole4 && (c = memcmp(a->sinkhole4, b->sinkhole4, 4)) != 0)
		return c;
	if (a->has_sinkhole6 && (c = memcmp(a->sinkhole6, b->sinkhole6, 16)) != 0)
		return c;
	if ((c = str_cmp(a->identifier, b->identifier)) != 0)
		return c;
	return str_cmp(a->category, b->category);
}

static int
name_cmp(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	int c = memcmp(a, b, alen < blen ? alen : blen);

	return c != 0 ? c : (int)alen - (int)blen;
}

static int
trip_cmp(const void *va, const void *vb)
{
	const struct trip *a = va, *b = vb;
	int c = name_cmp(a->wire, a->len, b->wire, b->len);

	if (c != 0)
		return c;
	if (a->pos != b->pos)
		return (int)a->pos - (int)b->pos;
	return meta_cmp(a->m, b->m);
}

static void
walk_sorted(const struct dg_filter *f, struct trips *t)
{
	t->n = 0;
	CHECK(dg_filter_walk(f, collect, t) == 0);
	if (t->n > 0)
		qsort(t->v, t->n, sizeof(*t->v), trip_cmp);
}

/* Is @p wire a name of the snapshot (any position)? t is sorted. */
static int
has_name(const struct trips *t, const uint8_t *wire, size_t len)
{
	size_t lo = 0, hi = t->n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = name_cmp(t->v[mid].wire, t->v[mid].len, wire, len);

		if (c == 0)
			return 1;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

static int
same_sinkholes(const struct dg_entry_meta *a, const struct dg_entry_meta *b)
{
	return a->has_sinkhole4 == b->has_sinkhole4 && a->has_sinkhole6 == b->has_sinkhole6 &&
	       (!a->has_sinkhole4 || memcmp(a->sinkhole4, b->sinkhole4, 4) == 0) &&
	       (!a->has_sinkhole6 || memcmp(a->sinkhole6, b->sinkhole6, 16) == 0);
}

/* Metadata a policy loaded from @p fmt may carry. */
static void
check_meta(enum dg_list_format fmt, const struct dg_list_opts *o, enum dg_match_mode pos,
	   const struct dg_entry_meta *m)
{
	const struct dg_entry_meta *d = &o->defaults;
	int plain = o->mode >= 0 ? o->mode : -1;

	CHECK((unsigned int)m->action < DG_ACTION_COUNT && (unsigned int)m->mode < DG_MATCH_COUNT);
	CHECK(m->start_day <= m->end_day);
	CHECK(pos == DG_MATCH_EXACT ? m->mode != DG_MATCH_BELOW : m->mode != DG_MATCH_EXACT);
	if (fmt == DG_LIST_NATIVE) {
		CHECK(same_sinkholes(m, d) || m->action == DG_ACTION_SINKHOLE);
		return;
	}
	CHECK(str_cmp(m->identifier, d->identifier) == 0 && str_cmp(m->category, d->category) == 0);
	CHECK(m->start_day == d->start_day && m->end_day == d->end_day);
	switch (fmt) {
	case DG_LIST_HOSTS:
		CHECK((int)m->mode == (plain >= 0 ? plain : DG_MATCH_EXACT));
		CHECK((m->action == d->action && same_sinkholes(m, d)) ||
		      (m->action == DG_ACTION_SINKHOLE && (m->has_sinkhole4 || m->has_sinkhole6)));
		break;
	case DG_LIST_DOMAINS:
		CHECK((int)m->mode == (plain >= 0 ? plain : DG_MATCH_SUBTREE) ||
		      m->mode == DG_MATCH_BELOW);
		CHECK(m->action == d->action && same_sinkholes(m, d));
		break;
	case DG_LIST_WILDCARD:
		CHECK(m->mode == DG_MATCH_EXACT || m->mode == DG_MATCH_BELOW);
		CHECK(m->action == d->action && same_sinkholes(m, d));
		break;
	case DG_LIST_ADBLOCK:
		CHECK(m->mode == DG_MATCH_SUBTREE);
		CHECK(m->action == d->action || m->action == DG_ACTION_ALLOW);
		CHECK(same_sinkholes(m, d));
		break;
	case DG_LIST_RPZ:
		CHECK(m->mode == DG_MATCH_EXACT || m->mode == DG_MATCH_BELOW);
		if (o->rpz_action >= 0 && m->action != DG_ACTION_ALLOW) {
			/* every block entry takes the override; only a sinkhole keeps addresses */
			CHECK((int)m->action == o->rpz_action);
			CHECK(m->action == DG_ACTION_SINKHOLE || (!m->has_sinkhole4 && !m->has_sinkhole6));
			break;
		}
		CHECK(m->action != DG_ACTION_LOG_ONLY);
		if (m->action == DG_ACTION_SINKHOLE)
			CHECK(m->has_sinkhole4 || m->has_sinkhole6);
		else
			CHECK(same_sinkholes(m, d));
		break;
	default:
		CHECK(0);
	}
}

/*
 * Every policy of the snapshot is found by a lookup on a day it is active: at its own
 * name (apex) or at a child of it (below), with the first policy active that day in the
 * (name, position) list as the verdict. The walk gives each list in precedence order
 * (allows first, checked here too); @p sorted is the same walk sorted, for has_name().
 */
static void
check_lookups(const struct dg_filter *f, const struct trips *sorted)
{
	struct trips w = { 0 };
	size_t i = 0;

	CHECK(dg_filter_walk(f, collect, &w) == 0);
	CHECK(w.n == sorted->n);
	while (i < w.n) {
		const struct trip *run = &w.v[i];
		size_t j = i + 1, len = run->len, off = 0;
		uint8_t wire[DG_NAME_MAXLEN];
		struct dg_name n;

		while (j < w.n && w.v[j].wire == run->wire && w.v[j].pos == run->pos) {
			CHECK(w.v[j - 1].m->action == DG_ACTION_ALLOW ||
			      w.v[j].m->action != DG_ACTION_ALLOW);
			j++;
		}
		if (run->pos == DG_MATCH_BELOW) {
			/* a child no text loader writes: one label of byte 0xff */
			wire[0] = 1;
			wire[1] = 0xff;
			off = 2;
		}
		if (len + off <= DG_NAME_MAXLEN) {
			memcpy(wire + off, run->wire, len);
			CHECK(dg_name_from_wire(&n, wire, len + off, NULL) == 0);
		}
		for (size_t k = i; k < j && len + off <= DG_NAME_MAXLEN; k++) {
			const struct dg_entry_meta *want = NULL;
			uint32_t day = w.v[k].m->start_day;
			struct dg_match m;

			if (off > 0 && has_name(sorted, n.wire, n.len))
				break;
			for (size_t q = i; q < j && want == NULL; q++)
				if (day >= w.v[q].m->start_day && day <= w.v[q].m->end_day)
					want = w.v[q].m;
			CHECK(want != NULL);
			CHECK(dg_filter_lookup(f, &n, day, &m) == 1);
			CHECK(m.meta == want);
			CHECK(m.entry_len == len && memcmp(m.entry_name, run->wire, len) == 0);
			CHECK(m.label == (off > 0 ? 1 : 0));
		}
		i = j;
	}
	free(w.v);
}

static int
report_eq(const struct dg_list_report *a, const struct dg_list_report *b)
{
	for (int i = 0; i < DG_LIST_SKIP_COUNT; i++)
		if (a->skipped[i] != b->skipped[i])
			return 0;
	return a->lines == b->lines && a->loaded == b->loaded &&
	       a->duplicates == b->duplicates && a->ignored == b->ignored &&
	       a->rejected == b->rejected && a->not_supported == b->not_supported &&
	       a->format == b->format;
}

static int
load(const uint8_t *data, size_t size, struct dg_filter_builder *b, enum dg_list_format fmt,
     struct dg_list_opts *o, struct dg_list_report *rep, struct seen *s)
{
	static const char name[] = "fuzz.list";
	FILE *in;
	int rc;

	/* fmemopen() refuses a zero-size buffer: an empty file is one blank line */
	in = fmemopen((void *)(uintptr_t)(size ? data : (const uint8_t *)"\n"), size ? size : 1,
		      "r");
	CHECK(in != NULL);
	memset(s, 0, sizeof(*s));
	s->file = name;
	s->rep = rep;
	o->report_cb = on_reject;
	o->report_arg = s;
	rc = dg_lists_load_stream(b, in, name, fmt, o, rep);
	fclose(in);
	CHECK(rc == 0 || rc == -EINVAL || rc == -E2BIG || rc == -ENOMEM);
	CHECK(rc != -EINVAL || (o->strict && rep->rejected == 1));
	return rc;
}

static void
check_report(const struct dg_list_report *r, const struct seen *s, enum dg_list_format fmt,
	     int rc)
{
	uint64_t sum = 0, counted;

	for (int i = 0; i < DG_LIST_SKIP_COUNT; i++)
		sum += i == DG_LIST_SKIP_LOCALHOST || i == DG_LIST_SKIP_NOT_SUPPORTED ? 0 :
		       r->skipped[i];
	CHECK(sum == r->rejected && s->calls == r->rejected);
	CHECK(r->not_supported == r->skipped[DG_LIST_SKIP_NOT_SUPPORTED]);
	CHECK(r->format == DG_LIST_RPZ || r->not_supported == 0);
	counted = r->ignored + r->loaded + r->duplicates + r->rejected + r->not_supported;
	if (rc != 0 && rc != -EINVAL)
		CHECK(counted <= r->lines); /* stopped inside a line */
	else if (r->format == DG_LIST_HOSTS)
		CHECK(counted + r->skipped[DG_LIST_SKIP_LOCALHOST] >= r->lines);
	else if (r->format == DG_LIST_RPZ)
		CHECK(counted <= r->lines);
	else
		CHECK(counted == r->lines && r->skipped[DG_LIST_SKIP_LOCALHOST] == 0);
	CHECK(r->format == fmt || (fmt == DG_LIST_AUTO && r->format != DG_LIST_AUTO));
}

/* Policies counted as loaded: a subtree policy fills both positions with one add. */
static uint64_t
adds(const struct trips *t)
{
	uint64_t n = 0;

	for (size_t i = 0; i < t->n; i++)
		n += !(t->v[i].pos == DG_MATCH_BELOW && t->v[i].m->mode == DG_MATCH_SUBTREE);
	return n;
}

/* ---- one line alone, against a plain reading of docs/lists.md ---- */

enum { LINES_MAX = 64, WORDS_MAX = 64 };

struct word {
	const char *p;
	size_t len;
};

/*
 * Blank-separated words; with @p quotes a word that starts with '"' runs to the next
 * '"' (or the end) without it, and the next word starts right after. At most WORDS_MAX:
 * a line with more has more (*more set).
 */
static int
words(const char *s, size_t len, struct word *w, int quotes, int *more)
{
	size_t i = 0;
	int n = 0;

	*more = 0;
	for (;;) {
		while (i < len && (s[i] == ' ' || s[i] == '\t'))
			i++;
		if (i >= len)
			return n;
		if (n == WORDS_MAX) {
			*more = 1;
			return n;
		}
		w[n].p = s + i;
		if (quotes && s[i] == '"') {
			const char *q = memchr(s + i + 1, '"', len - i - 1);

			w[n].p++;
			w[n].len = (q != NULL ? (size_t)(q - s) : len) - i - 1;
			i = q != NULL ? (size_t)(q - s) + 1 : len;
		} else {
			while (i < len && s[i] != ' ' && s[i] != '\t')
				i++;
			w[n].len = (size_t)(s + i - w[n].p);
		}
		n++;
	}
}

static int
word_is(const struct word *w, const char *s)
{
	return w->len == strlen(s) && memcmp(w->p, s, w->len) == 0;
}

/* The wire name of @p w, or -1 (the loader must then have refused it). */
static int
word_name(const struct word *w, struct dg_name *n)
{
	return dg_name_from_text(n, w->p, w->len) == 0 && n->nlabels > 0 ? 0 : -1;
}

/* An address word (a %zone dropped): 4, 6 or 0. */
static int
word_addr(const struct word *w, uint8_t a[16])
{
	char buf[64];
	size_t len = w->len;

	for (size_t i = 0; i < w->len; i++)
		if (w->p[i] == '%') {
			len = i;
			break;
		}
	if (len == 0 || len >= sizeof(buf))
		return 0;
	memcpy(buf, w->p, len);
	buf[len] = '\0';
	return inet_pton(AF_INET, buf, a) == 1 ? 4 : inet_pton(AF_INET6, buf, a) == 1 ? 6 : 0;
}

/* `YYYY-MM-DD` through the C library (independent of dg_list_parse_day()); -1 if not. */
static int64_t
word_day(const struct word *w)
{
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	struct tm tm = { 0 };
	char buf[11];
	int y, m, d;

	if (w->len != 10 || w->p[4] != '-' || w->p[7] != '-')
		return -1;
	for (int i = 0; i < 10; i++)
		if (i != 4 && i != 7 && (w->p[i] < '0' || w->p[i] > '9'))
			return -1;
	memcpy(buf, w->p, 10);
	buf[10] = '\0';
	if (sscanf(buf, "%4d-%2d-%2d", &y, &m, &d) != 3 || y < 1970 || m < 1 || m > 12 ||
	    d < 1 || d > mdays[m - 1] ||
	    (m == 2 && d == 29 && !(y % 4 == 0 && (y % 100 != 0 || y % 400 == 0))))
		return -1;
	tm.tm_year = y - 1900;
	tm.tm_mon = m - 1;
	tm.tm_mday = d;
	return (int64_t)(timegm(&tm) / 86400);
}

/* What one line must give: nothing, or these policies. */
struct want {
	int unknown;   /* the reading makes no claim (RPZ records other than CNAME) */
	int not_supported; /* a valid RPZ trigger dnsgate does not act on */
	int ignored;   /* a comment or blank line */
	int refused;   /* the reading says the line is bad */
	int n;         /* policies expected if the loader takes the line */
	struct dg_name name[WORDS_MAX];
	struct dg_entry_meta m;
};

/* `# comment` from a '#' that starts a word. */
static size_t
cut_hash(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (s[i] == '#' && (i == 0 || s[i - 1] == ' ' || s[i - 1] == '\t'))
			return i;
	return len;
}

static void
read_domains(const char *s, size_t len, enum dg_match_mode plain, struct want *w)
{
	struct word v[WORDS_MAX];
	int n, more;

	if (len > 0 && s[0] == '!') {
		w->ignored = 1;
		return;
	}
	n = words(s, cut_hash(s, len), v, 0, &more);
	if (n == 0) {
		w->ignored = 1;
		return;
	}
	if (n > 1) {
		w->refused = 1;
		return;
	}
	w->m.mode = plain;
	if (v[0].len > 2 && v[0].p[0] == '*' && v[0].p[1] == '.') {
		w->m.mode = DG_MATCH_BELOW;
		v[0].p += 2;
		v[0].len -= 2;
	}
	w->refused = word_name(&v[0], &w->name[0]) < 0;
	w->n = 1;
}

static void
read_adblock(const char *s, size_t len, struct want *w)
{
	size_t i = 0, ns;

	if (len == 0 || s[0] == '!' || s[0] == '[' || (s[0] == '#' && (len == 1 || s[1] != '#'))) {
		w->ignored = 1;
		return;
	}
	w->m.mode = DG_MATCH_SUBTREE;
	if (len >= 2 && s[0] == '@' && s[1] == '@') {
		w->m.action = DG_ACTION_ALLOW;
		i = 2;
	}
	if (len - i >= 2 && s[i] == '|' && s[i + 1] == '|')
		i += 2;
	ns = i;
	while (i < len && !memchr("^$|/", s[i], 4))
		i++;
	w->refused = word_name(&(struct word){ s + ns, i - ns }, &w->name[0]) < 0;
	w->n = 1;
	/* then only `^`, `|` and `$important` modifiers */
	if (i < len && s[i] == '^')
		i++;
	if (i < len && s[i] == '|')
		i++;
	if (i < len && s[i] == '$') {
		for (i++; i < len; i += 10) {
			if (len - i < 9 || memcmp(s + i, "important", 9) != 0 ||
			    (i + 9 < len && s[i + 9] != ','))
				w->refused = 1;
		}
	} else if (i < len) {
		w->refused = 1;
	}
}

/* hosts-file boilerplate (docs/lists.md): skipped, not loaded */
static const char *const localhost[] = {
	"localhost", "localhost.", "localhost.localdomain", "local", "broadcasthost",
	"ip6-localhost", "ip6-loopback", "ip6-localnet", "ip6-mcastprefix", "ip6-allnodes",
	"ip6-allrouters", "ip6-allhosts", NULL,
};

static void
read_hosts(const char *s, size_t len, const struct dg_list_opts *o, struct want *w)
{
	static const uint8_t zero[16], one6[16] = { [15] = 1 };
	struct word v[WORDS_MAX];
	uint8_t a[16];
	int n, more, fam;

	n = words(s, cut_hash(s, len), v, 0, &more);
	if (n == 0) {
		w->ignored = 1;
		return;
	}
	fam = word_addr(&v[0], a);
	if (fam == 0 || n == 1 || more || n == WORDS_MAX) {
		w->refused = 1;
		return;
	}
	w->m.mode = o->mode >= 0 ? (enum dg_match_mode)o->mode : DG_MATCH_EXACT;
	if (fam == 4 && memcmp(a, zero, 4) != 0 && a[0] != 127) {
		w->m.action = DG_ACTION_SINKHOLE;
		w->m.has_sinkhole4 = 1;
		memcpy(w->m.sinkhole4, a, 4);
	} else if (fam == 6 && memcmp(a, zero, 16) != 0 && memcmp(a, one6, 16) != 0) {
		w->m.action = DG_ACTION_SINKHOLE;
		w->m.has_sinkhole6 = 1;
		memcpy(w->m.sinkhole6, a, 16);
	}
	for (int i = 1; i < n; i++) {
		int local = 0;

		for (const char *const *l = localhost; *l != NULL && !local; l++)
			local = v[i].len == strlen(*l) && strncasecmp(v[i].p, *l, v[i].len) == 0;
		if (!local && word_name(&v[i], &w->name[w->n]) == 0)
			w->n++;
	}
}

static void
read_native(const char *s, size_t len, struct want *w, char *ident, char *cat)
{
	struct word v[WORDS_MAX];
	int n, more, act, mode;
	int64_t d;

	if (len == 0 || s[0] == '#') {
		w->ignored = 1;
		return;
	}
	n = words(s, len, v, 1, &more);
	w->refused = 1;
	/* at most 63 fields */
	if (n < 7 || n == WORDS_MAX || v[1].len >= 256 || v[2].len >= 256)
		return;
	if (!word_is(&v[1], "-")) {
		memcpy(ident, v[1].p, v[1].len);
		ident[v[1].len] = '\0';
		w->m.identifier = ident;
	}
	if (!word_is(&v[2], "-")) {
		memcpy(cat, v[2].p, v[2].len);
		cat[v[2].len] = '\0';
		w->m.category = cat;
	}
	if (!word_is(&v[3], "-")) {
		if ((act = dg_action_parse(v[3].p, v[3].len)) < 0)
			return;
		w->m.action = (enum dg_action)act;
	}
	if (!word_is(&v[4], "-")) {
		if ((mode = dg_match_mode_parse(v[4].p, v[4].len)) < 0)
			return;
		w->m.mode = (enum dg_match_mode)mode;
	}
	if (!word_is(&v[5], "-")) {
		if ((d = word_day(&v[5])) < 0)
			return;
		w->m.start_day = (uint32_t)d;
	}
	if (!word_is(&v[6], "-")) {
		if ((d = word_day(&v[6])) < 0)
			return;
		w->m.end_day = (uint32_t)d;
	}
	if (w->m.end_day < w->m.start_day)
		return;
	for (int i = 7; i < n; i++) {
		uint8_t a[16];
		int fam = word_addr(&v[i], a);

		if (fam == 0 || w->m.action != DG_ACTION_SINKHOLE)
			return;
		if (fam == 4) {
			w->m.has_sinkhole4 = 1;
			memcpy(w->m.sinkhole4, a, 4);
		} else {
			w->m.has_sinkhole6 = 1;
			memcpy(w->m.sinkhole6, a, 16);
		}
	}
	w->refused = word_name(&v[0], &w->name[0]) < 0;
	w->n = 1;
}

static int
word_case(const struct word *w, const char *s)
{
	return w->len == strlen(s) && strncasecmp(w->p, s, w->len) == 0;
}

/* Is label @p i of @p n exactly @p s? */
static int
label_is(const struct dg_name *n, unsigned int i, const char *s)
{
	const uint8_t *l = n->wire + n->label[i];

	return l[0] == strlen(s) && memcmp(l + 1, s, l[0]) == 0;
}

/*
 * RPZ `owner [ttl] [class] CNAME target` (a line with its own owner, no $ORIGIN), as
 * docs/lists.md reads it: `*.name` or a first label `*` is below name, another `*` label
 * is refused, rpz-ip & co. are not supported; the target `.` nxdomain, `*.` nodata,
 * `rpz-passthru.` allow, `rpz-drop.` drop, anything else refused.
 */
static void
read_rpz(const char *s, size_t len, const struct dg_list_opts *o, struct want *w)
{
	static const char *const triggers[] = { "rpz-ip", "rpz-nsip", "rpz-nsdname",
						"rpz-client-ip", NULL };
	struct word v[WORDS_MAX], owner;
	const char *semi = memchr(s, ';', len);
	struct dg_name *nm = &w->name[0], target;
	int n, more, i = 1, below = 0;

	n = words(s, semi != NULL ? (size_t)(semi - s) : len, v, 0, &more);
	if (n == 0) {
		w->ignored = 1;
		return;
	}
	for (int k = 0; k < 2 && i < n; k++, i++) {
		int ttl = v[i].p[0] >= '0' && v[i].p[0] <= '9';

		for (size_t j = 1; j < v[i].len && ttl; j++)
			ttl = (v[i].p[j] >= '0' && v[i].p[j] <= '9') ||
			      strchr("smhdwSMHDW", v[i].p[j]) != NULL;
		if (!ttl && !word_case(&v[i], "in") && !word_case(&v[i], "ch") &&
		    !word_case(&v[i], "hs") && !word_case(&v[i], "cs"))
			break;
	}
	w->refused = 1;
	if (i >= n)
		return;
	if (!word_case(&v[i], "cname")) {
		w->refused = 0;
		w->unknown = 1;
		return;
	}
	if (word_is(&v[0], "@"))
		return;
	/* the owner first: a trigger is not supported whatever its record says */
	owner = v[0];
	if (owner.len >= 2 && owner.p[0] == '*' && owner.p[1] == '.') {
		below = 1;
		owner.p += 2;
		owner.len -= 2;
	}
	if (word_name(&owner, nm) < 0)
		return;
	if (!below && label_is(nm, 0, "*")) {
		struct dg_name whole = *nm;

		below = 1;
		if (dg_name_from_wire(nm, whole.wire + 2, whole.len - 2u, NULL) != 0 ||
		    nm->nlabels == 0)
			return;
	}
	for (unsigned int k = 0; k < nm->nlabels; k++)
		if (label_is(nm, k, "*"))
			return;
	for (const char *const *tr = triggers; *tr != NULL; tr++)
		if (label_is(nm, nm->nlabels - 1u, *tr)) {
			w->refused = 0;
			w->not_supported = 1;
			return;
		}
	if (n - i != 2 || dg_name_from_text(&target, v[i + 1].p, v[i + 1].len) != 0)
		return;
	if (target.nlabels == 0)
		w->m.action = DG_ACTION_NXDOMAIN;
	else if (target.nlabels == 1 && label_is(&target, 0, "*"))
		w->m.action = DG_ACTION_NODATA;
	else if (target.nlabels == 1 && label_is(&target, 0, "rpz-passthru"))
		w->m.action = DG_ACTION_ALLOW;
	else if (target.nlabels == 1 && label_is(&target, 0, "rpz-drop"))
		w->m.action = DG_ACTION_DROP;
	else
		return;
	w->m.mode = below ? DG_MATCH_BELOW : DG_MATCH_EXACT;
	/* opts.rpz_action overrides every block action; only a sinkhole keeps addresses */
	if (o->rpz_action >= 0 && w->m.action != DG_ACTION_ALLOW) {
		w->m.action = (enum dg_action)o->rpz_action;
		if (w->m.action != DG_ACTION_SINKHOLE)
			w->m.has_sinkhole4 = w->m.has_sinkhole6 = 0;
	}
	w->refused = 0;
	w->n = 1;
}

/*
 * Load @p line alone and compare with the plain reading: a comment is ignored, a line
 * the reading refuses is rejected, and a line the loader takes gives the names and
 * metadata the reading says. Each policy must also be in the whole file's snapshot
 * (@p all, sorted); *found marks those seen.
 */
static void
check_line(enum dg_list_format fmt, const struct dg_list_opts *o, const uint8_t *line,
	   size_t len, const struct trips *all, uint8_t *found)
{
	static char buf[65536], ident[256], cat[256];
	struct dg_filter_builder *b;
	struct dg_filter *f;
	struct dg_list_report rep;
	struct dg_list_opts lo = *o;
	struct want w;
	struct seen s;
	struct trips t = { 0 };
	size_t n = len;
	char *p = buf;
	uint64_t names;

	if (len >= sizeof(buf))
		return;
	CHECK(dg_filter_builder_create(&b, 0) == 0);
	CHECK(load(line, len, b, fmt, &lo, &rep, &s) == 0 && rep.lines <= 1);
	CHECK(dg_filter_build(b, &f) == 0);
	CHECK(dg_filter_walk(f, collect, &t) == 0);

	/* the loader's normalisation: a BOM (first line), blanks and CR around the line */
	memcpy(buf, line, len);
	if (n >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0) {
		p += 3;
		n -= 3;
	}
	while (n > 0 && strchr(" \t\r", p[n - 1]) != NULL && p[n - 1] != '\0')
		n--;
	while (n > 0 && (p[0] == ' ' || p[0] == '\t')) {
		p++;
		n--;
	}
	memset(&w, 0, sizeof(w));
	w.m = o->defaults;
	switch (fmt) {
	case DG_LIST_DOMAINS:
		read_domains(p, n, o->mode >= 0 ? (enum dg_match_mode)o->mode : DG_MATCH_SUBTREE,
			     &w);
		break;
	case DG_LIST_WILDCARD:
		read_domains(p, n, DG_MATCH_EXACT, &w);
		break;
	case DG_LIST_ADBLOCK:
		read_adblock(p, n, &w);
		break;
	case DG_LIST_HOSTS:
		read_hosts(p, n, o, &w);
		break;
	case DG_LIST_NATIVE:
		read_native(p, n, &w, ident, cat);
		break;
	case DG_LIST_RPZ:
		read_rpz(p, n, o, &w);
		break;
	default:
		CHECK(0);
	}
	if (w.unknown)
		goto out;

	/* a hosts line may name one host twice: a duplicate */
	names = rep.loaded + rep.duplicates;
	CHECK(w.not_supported || rep.not_supported == 0);
	if (w.not_supported)
		/* the loader may refuse the owner's text before it sees the trigger */
		CHECK(names == 0 && rep.not_supported + rep.rejected == 1);
	else if (w.ignored)
		CHECK(rep.ignored == rep.lines && names == 0 && rep.rejected == 0);
	else if (w.refused)
		CHECK(names == 0 && rep.rejected == 1);
	else
		CHECK(names <= (uint64_t)w.n && (names == (uint64_t)w.n || rep.rejected > 0));
	for (size_t i = 0; i < t.n; i++) {
		const struct trip *x = &t.v[i];
		struct trip key = *x;
		int named = 0;
		const struct trip *hit;

		for (int k = 0; k < w.n && !named; k++)
			named = x->len == w.name[k].len && memcmp(x->wire, w.name[k].wire, x->len) == 0;
		CHECK(named && !w.ignored && !w.refused);
		CHECK(meta_cmp(x->m, &w.m) == 0);
		key.m = x->m;
		hit = bsearch(&key, all->v, all->n, sizeof(*all->v), trip_cmp);
		CHECK(hit != NULL);
		found[hit - all->v] = 1;
	}
out:
	free(t.v);
	dg_filter_free(f);
	dg_filter_builder_free(b);
}

/*
 * Every line alone (RPZ: CNAME records with their own owner, in files without $ORIGIN
 * or multi-line records). When every line was checked, each policy of the whole file
 * came from one of them.
 */
static void
check_lines(const uint8_t *data, size_t size, enum dg_list_format fmt,
	    const struct dg_list_opts *o, const struct trips *all)
{
	uint8_t *found = calloc(all->n + 1, 1);
	size_t pos = 0;
	int line = 0, every = 1;

	CHECK(found != NULL);
	if (fmt == DG_LIST_RPZ) {
		/* A/AAAA lines of one owner merge: not every policy is one line's */
		every = 0;
		/* $ORIGIN and ( ... ) records make a line's meaning depend on others */
		if (memchr(data, '$', size) != NULL || memchr(data, '(', size) != NULL)
			size = 0;
	}
	while (pos < size) {
		const uint8_t *nl = memchr(data + pos, '\n', size - pos);
		size_t end = nl != NULL ? (size_t)(nl - data) : size;

		/* alone, a later line would lose a BOM the whole file keeps */
		if (++line > LINES_MAX || (line > 1 && end - pos >= 3 &&
					   memcmp(data + pos, "\xef\xbb\xbf", 3) == 0))
			every = 0;
		/* an RPZ line that starts blank belongs to the owner above */
		else if (!(fmt == DG_LIST_RPZ && end > pos && (data[pos] == ' ' || data[pos] == '\t')))
			check_line(fmt, o, data + pos, end - pos, all, found);
		pos = end + 1;
	}
	for (size_t i = 0; i < all->n && every; i++)
		CHECK(found[i]);
	free(found);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const int modes[] = { -1, DG_MATCH_EXACT, DG_MATCH_SUBTREE, DG_MATCH_BELOW };
	struct dg_filter_builder *b, *sb;
	struct dg_filter *f, *sf;
	struct dg_list_report rep, rep2, srep;
	struct dg_list_opts o;
	struct seen s, s2, ss;
	struct trips t = { 0 }, st = { 0 };
	enum dg_list_format fmt;
	uint8_t opt;
	int rc, src;

	if (size < 2)
		return 0;
	fmt = (enum dg_list_format)((data[0] & 0x0f) % DG_LIST_FORMAT_COUNT);
	opt = data[1];
	dg_list_opts_init(&o);
	o.report = NULL;
	o.rpz_action = (data[0] >> 4) == 0 ? -1 : ((data[0] >> 4) - 1) % DG_ACTION_COUNT;
	data += 2;
	size -= 2;
	o.mode = modes[opt & 3];
	o.defaults.mode = o.mode >= 0 ? (enum dg_match_mode)o.mode : DG_MATCH_SUBTREE;
	o.defaults.action = (enum dg_action)((opt >> 2 & 7) % DG_ACTION_COUNT);
	if (opt & 0x20) {
		o.defaults.identifier = "FUZZ-20240416-0001";
		o.defaults.category = "information theft";
	}
	if (opt & 0x40) {
		o.defaults.start_day = 19000;
		o.defaults.end_day = 20000;
	}
	if (opt & 0x80) {
		o.defaults.has_sinkhole4 = 1;
		memcpy(o.defaults.sinkhole4, (const uint8_t[]){ 198, 18, 0, 7 }, 4);
	}

	/* Not strict. */
	CHECK(dg_filter_builder_create(&b, 0) == 0);
	rc = load(data, size, b, fmt, &o, &rep, &s);
	check_report(&rep, &s, fmt, rc);
	if (fmt == DG_LIST_AUTO && size > 0) {
		FILE *in = fmemopen((void *)(uintptr_t)data, size, "r");

		CHECK(in != NULL && dg_list_detect(in) == (int)rep.format && ftell(in) == 0);
		fclose(in);
	}
	CHECK(dg_filter_build(b, &f) == 0);
	walk_sorted(f, &t);
	if (rc == 0) {
		CHECK(adds(&t) == rep.loaded);
		for (size_t i = 0; i < t.n; i++)
			check_meta(rep.format, &o, t.v[i].pos, t.v[i].m);
		check_lookups(f, &t);
		check_lines(data, size, rep.format, &o, &t);

		/* The same content again: nothing new. */
		CHECK(load(data, size, b, fmt, &o, &rep2, &s2) == 0);
		check_report(&rep2, &s2, fmt, 0);
		CHECK(rep2.loaded == 0 && rep2.duplicates == rep.loaded + rep.duplicates);
		CHECK(rep2.rejected == rep.rejected && rep2.ignored == rep.ignored);
		CHECK(rep2.lines == rep.lines && rep2.format == rep.format);
	}

	/* Strict: the same as above, or stopped at the first rejection. */
	o.strict = 1;
	CHECK(dg_filter_builder_create(&sb, 0) == 0);
	src = load(data, size, sb, fmt, &o, &srep, &ss);
	check_report(&srep, &ss, fmt, src);
	CHECK(dg_filter_build(sb, &sf) == 0);
	walk_sorted(sf, &st);
	if (rc == 0 && rep.rejected == 0) {
		CHECK(src == 0 && report_eq(&srep, &rep));
		CHECK(st.n == t.n);
		for (size_t i = 0; i < t.n; i++)
			CHECK(trip_cmp(&st.v[i], &t.v[i]) == 0);
	} else if (rc == 0) {
		size_t j = 0;

		CHECK(src == -EINVAL && srep.rejected == 1 && ss.calls == 1);
		CHECK(ss.first_line == s.first_line && ss.first_why == s.first_why);
		CHECK(strcmp(ss.first_reason, s.first_reason) == 0);
		CHECK(srep.loaded == s.loaded_before && srep.duplicates == s.dups_before);
		CHECK(srep.lines >= ss.first_line);
		CHECK(srep.format == rep.format);
		/* exactly the policies added before the failing line, each also in the full load */
		CHECK(adds(&st) == srep.loaded);
		for (size_t i = 0; i < st.n; i++) {
			while (j < t.n && trip_cmp(&t.v[j], &st.v[i]) < 0)
				j++;
			CHECK(j < t.n && trip_cmp(&t.v[j], &st.v[i]) == 0);
		}
	}
	free(st.v);
	free(t.v);
	dg_filter_free(sf);
	dg_filter_builder_free(sb);
	dg_filter_free(f);
	dg_filter_builder_free(b);
	return 0;
}
