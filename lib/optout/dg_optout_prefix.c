/* SPDX-License-Identifier: BSD-3-Clause */
/* Prefix text <-> struct dg_optout_prefix. Control path only. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "dg_optout.h"
#include "dg_optout_pvt.h"

int
dg_optout_prefix_check(const struct dg_optout_prefix *p)
{
	unsigned int bytes, i;

	if (p->family == DG_OPTOUT_V4)
		bytes = 4;
	else if (p->family == DG_OPTOUT_V6)
		bytes = 16;
	else
		return -EINVAL;
	if (p->len > bytes * 8)
		return -EINVAL;
	/* Every bit at or past len must be zero, including v4's unused bytes 4..15. */
	for (i = p->len / 8; i < 16; i++) {
		uint8_t keep = 0;

		if (i == p->len / 8 && p->len % 8 != 0)
			keep = (uint8_t)(0xff << (8 - p->len % 8));
		if ((p->addr[i] & (uint8_t)~keep) != 0)
			return -EINVAL;
	}
	return 0;
}

int
dg_optout_prefix_parse(const char *text, struct dg_optout_prefix *out,
	const char **reason)
{
	char buf[DG_OPTOUT_PREFIX_STRLEN];
	struct dg_optout_prefix p;
	const char *why = NULL;
	unsigned int max, len;
	char *slash;
	size_t n;

	if (reason == NULL)
		reason = &why;
	n = strlen(text);
	if (n == 0) {
		*reason = "empty prefix";
		return -EINVAL;
	}
	if (n >= sizeof(buf)) {
		*reason = "prefix text too long";
		return -EINVAL;
	}
	memcpy(buf, text, n + 1);
	memset(&p, 0, sizeof(p));

	slash = strchr(buf, '/');
	if (slash != NULL)
		*slash = '\0';
	if (strchr(buf, ':') != NULL) {
		p.family = DG_OPTOUT_V6;
		max = 128;
		if (inet_pton(AF_INET6, buf, p.addr) != 1) {
			*reason = "bad IPv6 address";
			return -EINVAL;
		}
	} else {
		p.family = DG_OPTOUT_V4;
		max = 32;
		if (inet_pton(AF_INET, buf, p.addr) != 1) {
			*reason = "bad IPv4 address";
			return -EINVAL;
		}
	}

	len = max;
	if (slash != NULL) {
		const char *s = slash + 1;

		if (*s == '\0') {
			*reason = "missing prefix length after '/'";
			return -EINVAL;
		}
		len = 0;
		for (; *s != '\0'; s++) {
			if (*s < '0' || *s > '9') {
				*reason = "prefix length is not a decimal number";
				return -EINVAL;
			}
			len = len * 10 + (unsigned int)(*s - '0');
			if (len > max)
				break;
		}
		if (len > max) {
			*reason = max == 32 ? "prefix length over 32" : "prefix length over 128";
			return -EINVAL;
		}
	}
	p.len = (uint8_t)len;
	/* Refuse rather than silently widen: 198.18.0.1/24 is most likely a typo. */
	if (dg_optout_prefix_check(&p) != 0) {
		*reason = "host bits set below the prefix length";
		return -EINVAL;
	}
	*out = p;
	return 0;
}

int
dg_optout_prefix_format(const struct dg_optout_prefix *p, char *buf, size_t size)
{
	char addr[INET6_ADDRSTRLEN];
	int n;

	if (dg_optout_prefix_check(p) != 0)
		return -EINVAL;
	if (inet_ntop(p->family == DG_OPTOUT_V4 ? AF_INET : AF_INET6, p->addr, addr,
			sizeof(addr)) == NULL)
		return -EINVAL;
	n = snprintf(buf, size, "%s/%u", addr, p->len);
	if (n < 0 || (size_t)n >= size)
		return -ENOSPC;
	return 0;
}
