/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The behaviour map: the operator's file that turns the lists' categories into the words
 * the carrier publishes ("information theft = 感染端末からの情報窃取・送信").
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"

enum { MAP_LINE_MAX = 1024 };

/* Letter case, and runs of spaces, '_' and '-', do not matter: "Information_Theft". */
static void
norm(const char *s, char *out, size_t len)
{
	size_t n = 0;
	bool sep = false;

	for (; *s && n + 1 < len; s++) {
		if (*s == ' ' || *s == '_' || *s == '-' || *s == '\t') {
			sep = n > 0;
			continue;
		}
		if (sep && n + 2 < len)
			out[n++] = ' ';
		sep = false;
		out[n++] = (char)tolower((unsigned char)*s);
	}
	out[n] = '\0';
}

/* UTF-8 lead and continuation bytes, no control characters: the wording goes into every
 * format. */
static bool
utf8_ok(const unsigned char *s)
{
	while (*s) {
		unsigned int n = *s < 0x80 ? 0 : (*s & 0xe0) == 0xc0 ? 1 :
				 (*s & 0xf0) == 0xe0 ? 2 : (*s & 0xf8) == 0xf0 ? 3 : 4;

		if (n == 4 || (n == 1 && *s < 0xc2) || *s > 0xf4 || *s == 0x7f ||
		    (n == 0 && *s < 0x20 && *s != '\t'))
			return false;
		for (s++; n > 0; n--, s++)
			if ((*s & 0xc0) != 0x80)
				return false;
	}
	return true;
}

static char *
trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
		*--e = '\0';
	return s;
}

static int
add(struct rp_map *m, const char *key, const char *text, unsigned int line)
{
	void *p = realloc(m->v, (m->n + 1) * sizeof(*m->v));

	if (p == NULL)
		return -ENOMEM;
	m->v = p;
	m->v[m->n].key = strdup(key);
	m->v[m->n].text = strdup(text);
	if (m->v[m->n].key == NULL || m->v[m->n].text == NULL) {
		free(m->v[m->n].key);
		free(m->v[m->n].text);
		return -ENOMEM;
	}
	m->v[m->n++].line = line;
	return 0;
}

/* One line; NULL when good, else why not (@p why_buf may hold it). */
static const char *
parse_line(struct rp_map *m, char *line, unsigned int lineno, char *why_buf, size_t len)
{
	char key[MAP_LINE_MAX], *eq, *k, *t;

	if (!utf8_ok((const unsigned char *)line))
		return "not UTF-8 text, or holds a control character";
	k = trim(line);
	if (*k == '\0' || *k == '#')
		return NULL;
	eq = strchr(k, '=');
	if (eq == NULL)
		return "want \"category = wording\"";
	*eq = '\0';
	t = trim(eq + 1);
	norm(trim(k), key, sizeof(key));
	if (key[0] == '\0')
		return "no category before '='";
	if (*t == '\0')
		return "no wording after '='";
	for (size_t i = 0; i < m->n; i++) {
		if (strcmp(m->v[i].key, key) == 0) {
			snprintf(why_buf, len, "category \"%s\" given twice (first on line %u)",
				 key, m->v[i].line);
			return why_buf;
		}
	}
	return add(m, key, t, lineno) == 0 ? NULL : "out of memory";
}

int
rp_map_load(struct rp_map *m, const char *path)
{
	char *line = NULL, why_buf[MAP_LINE_MAX + 64];
	const char *why = NULL;
	unsigned int lineno = 0;
	size_t cap = 0;
	ssize_t n;
	FILE *f;

	memset(m, 0, sizeof(*m));
	f = fopen(path, "r");
	if (f == NULL) {
		fprintf(stderr, "dnsgate-report: %s: %s\n", path, strerror(errno));
		return -1;
	}
	while (why == NULL && (n = getline(&line, &cap, f)) > 0) {
		char *s = line;

		lineno++;
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = '\0';
		if ((size_t)n != strlen(line))
			why = "holds a NUL byte";
		else if (n >= MAP_LINE_MAX)
			why = "line longer than 1023 bytes";
		if (why != NULL)
			break;
		/* A BOM that an editor put before the first line. */
		if (lineno == 1 && strncmp(s, "\xef\xbb\xbf", 3) == 0)
			s += 3;
		why = parse_line(m, s, lineno, why_buf, sizeof(why_buf));
	}
	if (why == NULL && ferror(f))
		why = strerror(EIO);
	free(line);
	fclose(f);
	if (why == NULL)
		return 0;
	fprintf(stderr, "dnsgate-report: %s:%u: %s\n", path, lineno, why);
	rp_map_free(m);
	return -1;
}

const char *
rp_map_get(const struct rp_map *m, const char *category)
{
	char key[MAP_LINE_MAX];

	norm(category, key, sizeof(key));
	for (size_t i = 0; i < m->n; i++)
		if (strcmp(m->v[i].key, key) == 0)
			return m->v[i].text;
	return NULL;
}

void
rp_map_free(struct rp_map *m)
{
	for (size_t i = 0; i < m->n; i++) {
		free(m->v[i].key);
		free(m->v[i].text);
	}
	free(m->v);
	memset(m, 0, sizeof(*m));
}
