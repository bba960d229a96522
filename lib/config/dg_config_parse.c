/* SPDX-License-Identifier: BSD-3-Clause */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <arpa/inet.h>

#include "dg_config.h"

int
dg_config_parse_uint(const char *s, unsigned long min, unsigned long max, unsigned long *out)
{
	char *end;
	unsigned long v;

	/* strtoul accepts sign and leading space; operators' typos should not pass. */
	if (s == NULL || !isdigit((unsigned char)s[0]))
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (*end != '\0')
		return -EINVAL;
	if (errno == ERANGE || v < min || v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

static int
parse_id(const char **p, unsigned long *v)
{
	char *end;

	if (!isdigit((unsigned char)**p))
		return -EINVAL;
	errno = 0;
	*v = strtoul(*p, &end, 10);
	if (errno != 0 || *v >= DG_CONFIG_MAX_LCORES)
		return -EINVAL;
	*p = end;
	return 0;
}

int
dg_config_parse_lcores(const char *s, uint16_t *out, unsigned int max)
{
	bool seen[DG_CONFIG_MAX_LCORES] = { false };
	unsigned int n = 0;
	const char *p = s;

	if (*p == '\0')
		return -EINVAL;
	for (;;) {
		unsigned long lo, hi;

		while (*p == ' ')
			p++;
		if (parse_id(&p, &lo) < 0)
			return -EINVAL;
		hi = lo;
		if (*p == '-') {
			p++;
			if (parse_id(&p, &hi) < 0 || hi < lo)
				return -EINVAL;
		}
		for (unsigned long i = lo; i <= hi; i++) {
			if (seen[i])
				return -EINVAL;
			if (n >= max)
				return -E2BIG;
			seen[i] = true;
			out[n++] = (uint16_t)i;
		}
		while (*p == ' ')
			p++;
		if (*p == '\0')
			return (int)n;
		if (*p != ',')
			return -EINVAL;
		p++;
	}
}

int
dg_config_parse_addr(const char *s, struct dg_config_addr *out)
{
	memset(out, 0, sizeof(*out));
	if (inet_pton(AF_INET, s, out->addr) == 1) {
		out->family = 4;
		return 0;
	}
	if (inet_pton(AF_INET6, s, out->addr) == 1) {
		out->family = 6;
		return 0;
	}
	return -EINVAL;
}

int
dg_config_parse_bool(const char *s, bool *out)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };

	for (size_t i = 0; i < 4; i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*out = true;
			return 0;
		}
		if (strcasecmp(s, no[i]) == 0) {
			*out = false;
			return 0;
		}
	}
	return -EINVAL;
}
