/* SPDX-License-Identifier: BSD-3-Clause */
/* Rejected lines of one load: counts per reason kind, the first lines kept, the report. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "dg_list_rejects.h"

struct rej_kind {
	enum dg_list_skip why;
	char *text;
	uint64_t count;
	unsigned long first_line;
};

struct rej_line {
	unsigned long line;
	size_t off;                    /* into text, NUL-terminated there */
};

struct dg_list_rejects {
	char *file;
	size_t max_lines, max_bytes;
	struct rej_kind kinds[DG_LIST_REJECTS_MAX_KINDS];
	unsigned int n_kinds;
	struct rej_line *lines;
	size_t n_lines, cap_lines;
	char *text;
	size_t text_len, text_cap;
	size_t printed;                /* bytes the kept lines take as printed */
	uint64_t rejected, not_supported, dropped;
};

int
dg_list_rejects_create(struct dg_list_rejects **r, size_t max_lines, size_t max_bytes)
{
	if (r == NULL)
		return -EINVAL;
	*r = calloc(1, sizeof(**r));
	if (*r == NULL)
		return -ENOMEM;
	(*r)->max_lines = max_lines;
	(*r)->max_bytes = max_bytes;
	return 0;
}

static void
forget(struct dg_list_rejects *r)
{
	for (unsigned int i = 0; i < r->n_kinds; i++)
		free(r->kinds[i].text);
	r->n_kinds = 0;
	r->n_lines = 0;
	r->text_len = 0;
	r->printed = 0;
	r->rejected = r->not_supported = r->dropped = 0;
}

void
dg_list_rejects_free(struct dg_list_rejects *r)
{
	if (r == NULL)
		return;
	forget(r);
	free(r->file);
	free(r->lines);
	free(r->text);
	free(r);
}

int
dg_list_rejects_reset(struct dg_list_rejects *r, const char *file)
{
	char *f;

	if (r == NULL || file == NULL)
		return -EINVAL;
	f = strdup(file);
	if (f == NULL)
		return -ENOMEM;
	forget(r);
	free(r->file);
	r->file = f;
	return 0;
}

const char *
dg_list_rejects_file(const struct dg_list_rejects *r)
{
	return r->file != NULL ? r->file : "";
}

/* The kind's slot; the last slot takes every kind beyond the table. */
static struct rej_kind *
kind_of(struct dg_list_rejects *r, enum dg_list_skip why, const char *kind, unsigned long line)
{
	struct rej_kind *k;
	unsigned int i;

	for (i = 0; i < r->n_kinds; i++) {
		k = &r->kinds[i];
		if (k->why == why && k->text != NULL && strcmp(k->text, kind) == 0)
			return k;
	}
	if (r->n_kinds == DG_LIST_REJECTS_MAX_KINDS) {
		k = &r->kinds[DG_LIST_REJECTS_MAX_KINDS - 1];
		if (k->text == NULL || strcmp(k->text, "other reasons") != 0) {
			free(k->text);
			k->text = strdup("other reasons");
			k->why = DG_LIST_SKIP_INVALID;
		}
		return k;
	}
	k = &r->kinds[r->n_kinds++];
	k->why = why;
	k->text = strdup(kind);       /* NULL: still counted, printed as "?" */
	k->count = 0;
	k->first_line = line;
	return k;
}

static int
keep(struct dg_list_rejects *r, unsigned long line, const char *reason)
{
	size_t len = strnlen(reason, DG_LIST_REJECTS_REASON_MAX - 1);
	/* as printed: FILE:LINE: reason\n */
	size_t cost = strlen(dg_list_rejects_file(r)) + (size_t)snprintf(NULL, 0, ":%lu: ", line) +
		      len + 1;
	char *t;

	if (r->n_lines >= r->max_lines || cost > r->max_bytes - r->printed)
		return -ENOSPC;
	if (r->n_lines == r->cap_lines) {
		size_t cap = r->cap_lines ? 2 * r->cap_lines : 64;
		struct rej_line *l = realloc(r->lines, cap * sizeof(*l));

		if (l == NULL)
			return -ENOMEM;
		r->lines = l;
		r->cap_lines = cap;
	}
	if (r->text_cap - r->text_len < len + 1) {
		size_t cap = r->text_cap ? r->text_cap : 4096;

		while (cap - r->text_len < len + 1)
			cap *= 2;
		t = realloc(r->text, cap);
		if (t == NULL)
			return -ENOMEM;
		r->text = t;
		r->text_cap = cap;
	}
	memcpy(r->text + r->text_len, reason, len);
	r->text[r->text_len + len] = '\0';
	r->lines[r->n_lines].line = line;
	r->lines[r->n_lines++].off = r->text_len;
	r->text_len += len + 1;
	r->printed += cost;
	return 0;
}

int
dg_list_rejects_add(struct dg_list_rejects *r, unsigned long line, enum dg_list_skip why,
		    const char *kind, const char *reason)
{
	struct rej_kind *k;
	int rc;

	if (why == DG_LIST_SKIP_LOCALHOST)
		return 0;
	k = kind_of(r, why, kind, line);
	k->count++;
	if (why == DG_LIST_SKIP_NOT_SUPPORTED) {
		r->not_supported++;
		return 0;
	}
	r->rejected++;
	rc = keep(r, line, reason);
	if (rc < 0)
		r->dropped++;
	return rc == -ENOMEM ? rc : 0;
}

void
dg_list_rejects_info(const struct dg_list_rejects *r, struct dg_list_rejects_info *info)
{
	info->rejected = r->rejected;
	info->not_supported = r->not_supported;
	info->kept = r->n_lines;
	info->dropped = r->dropped;
	info->kinds = r->n_kinds;
}

int
dg_list_rejects_get(const struct dg_list_rejects *r, size_t i, unsigned long *line,
		    const char **reason)
{
	if (i >= r->n_lines)
		return -ENOENT;
	*line = r->lines[i].line;
	*reason = r->text + r->lines[i].off;
	return 0;
}

static const char *
plural(uint64_t n)
{
	return n == 1 ? "" : "s";
}

/* One line for every not-supported kind together: they are not errors. */
static void
write_not_supported(const struct dg_list_rejects *r, FILE *out)
{
	unsigned long first = 0;
	const char *sep = "";

	fprintf(out, "%s: %" PRIu64 " line%s not supported, skipped:", dg_list_rejects_file(r),
		r->not_supported, plural(r->not_supported));
	for (unsigned int i = 0; i < r->n_kinds; i++) {
		const struct rej_kind *k = &r->kinds[i];

		if (k->why != DG_LIST_SKIP_NOT_SUPPORTED)
			continue;
		if (first == 0)
			first = k->first_line;
		fprintf(out, "%s %s %" PRIu64, sep, k->text ? k->text : "?", k->count);
		sep = ",";
	}
	fprintf(out, " (first: line %lu)\n", first);
}

int
dg_list_rejects_write(const struct dg_list_rejects *r, FILE *out, size_t max_lines)
{
	size_t shown = r->n_lines < max_lines ? r->n_lines : max_lines;
	const char *f = dg_list_rejects_file(r);

	for (size_t i = 0; i < shown; i++)
		fprintf(out, "%s:%lu: %s\n", f, r->lines[i].line, r->text + r->lines[i].off);
	for (unsigned int i = 0; i < r->n_kinds; i++) {
		const struct rej_kind *k = &r->kinds[i];

		if (k->why != DG_LIST_SKIP_NOT_SUPPORTED)
			fprintf(out, "%s: %" PRIu64 " line%s rejected: %s (first: line %lu)\n",
				f, k->count, plural(k->count), k->text ? k->text : "?",
				k->first_line);
	}
	if (r->not_supported > 0)
		write_not_supported(r, out);
	/* Fewer shown than asked for: the rest were never kept. */
	if (r->rejected > shown && shown == max_lines)
		fprintf(out, "%s: %" PRIu64 " more rejected line%s not shown\n", f,
			r->rejected - shown, plural(r->rejected - shown));
	else if (r->rejected > shown)
		fprintf(out, "%s: %" PRIu64 " more rejected line%s not kept (cap: %zu lines, "
			"%zu bytes)\n", f, r->rejected - shown, plural(r->rejected - shown),
			r->max_lines, r->max_bytes);
	return ferror(out) ? -EIO : 0;
}

void
dg_list_reason_kind(const char *fmt, char *kind, size_t size)
{
	size_t w = 0;

	if (size == 0)
		return;
	for (const char *p = fmt; *p != '\0' && w + 1 < size; p++) {
		if (*p != '%') {
			kind[w++] = *p;
			continue;
		}
		if (p[1] == '%') {
			kind[w++] = '%';
			p++;
			continue;
		}
		/* flags, width, precision and length up to the conversion letter */
		while (p[1] != '\0' && strchr("-+ #0123456789.*hlLqjzt", p[1]) != NULL)
			p++;
		if (p[1] != '\0')
			p++;
		for (int i = 0; i < 3 && w + 1 < size; i++)
			kind[w++] = '.';
	}
	kind[w] = '\0';
}
