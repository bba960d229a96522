/* SPDX-License-Identifier: BSD-3-Clause */
/* Request line parsing and encoding (quoting rules in dg_ctl.h and docs/control.md). */
#include <errno.h>
#include <string.h>

#include "dg_ctl.h"

static int
is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static int
is_ctrl(unsigned char c)
{
	return (c < 0x20 && c != '\t') || c == 0x7f;
}

int
dg_ctl_parse(char *line, size_t len, char **argv, int max, int *argc,
	const char **reason)
{
	size_t r = 0, w = 0, i;
	const char *why;
	int n = 0;

	if (reason == NULL)
		reason = &why;
	if (len > DG_CTL_REQUEST_MAX - 1) {
		*reason = "request too long";
		return -EINVAL;
	}
	if (len > 0 && line[len - 1] == '\r')
		len--;
	for (i = 0; i < len; i++) {
		if (is_ctrl((unsigned char)line[i])) {
			*reason = "control character in request";
			return -EINVAL;
		}
	}

	for (;;) {
		while (r < len && is_blank(line[r]))
			r++;
		if (r == len)
			break;
		if (n == max) {
			*reason = "too many arguments";
			return -EINVAL;
		}
		argv[n++] = line + w;
		/* A word is bare text and "quoted" parts up to an unquoted blank. */
		while (r < len && !is_blank(line[r])) {
			if (line[r] != '"') {
				line[w++] = line[r++];
				continue;
			}
			r++;
			while (r < len && line[r] != '"') {
				if (line[r] == '\\' && r + 1 < len &&
						(line[r + 1] == '"' || line[r + 1] == '\\'))
					r++;
				line[w++] = line[r++];
			}
			if (r == len) {
				*reason = "unterminated quote";
				return -EINVAL;
			}
			r++;
		}
		/* w <= r always, and line[len] is the '\n' (or '\r') we may overwrite. */
		line[w++] = '\0';
		if (r < len)
			r++;
	}
	if (n == 0) {
		*reason = "empty request";
		return -EINVAL;
	}
	*argc = n;
	return 0;
}

static int
needs_quotes(const char *s)
{
	if (*s == '\0')
		return 1;
	/* Outside quotes '\\' is plain text, so only blanks and quotes force quoting. */
	for (; *s != '\0'; s++)
		if (is_blank(*s) || *s == '"')
			return 1;
	return 0;
}

int
dg_ctl_encode(int argc, char *const argv[], char *buf, size_t size)
{
	size_t limit, w = 0;
	int i;

#define PUT(c) do { \
		if (w >= limit) \
			return -EMSGSIZE; \
		buf[w++] = (c); \
	} while (0)

	if (argc <= 0 || argc > DG_CTL_ARGS_MAX || buf == NULL || size == 0)
		return -EINVAL;
	/* Room for the NUL, and never a line the server would refuse as too long. */
	limit = size - 1 < DG_CTL_REQUEST_MAX ? size - 1 : DG_CTL_REQUEST_MAX;
	for (i = 0; i < argc; i++) {
		const char *s = argv[i];
		int q = needs_quotes(s);

		for (const char *p = s; *p != '\0'; p++)
			if (is_ctrl((unsigned char)*p))
				return -EINVAL;
		if (i > 0)
			PUT(' ');
		if (q)
			PUT('"');
		for (; *s != '\0'; s++) {
			if (q && (*s == '"' || *s == '\\'))
				PUT('\\');
			PUT(*s);
		}
		if (q)
			PUT('"');
	}
	PUT('\n');
#undef PUT
	buf[w] = '\0';
	return (int)w;
}
