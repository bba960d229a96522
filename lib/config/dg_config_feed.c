/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * [feed] sections: RPZ feeds pulled by zone transfer. Each `[feed]` header opens a new
 * feed (the loader sees the header before inih does); its keys fill that feed.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config_pvt.h"
#include "dg_config.h"
#include "dg_err.h"
#include "dg_name.h"

/* The algorithms ldns 1.8 computes (its hmac-sha384 lookup is misspelt, so not that). */
static const char *const tsig_algorithms[] = { "hmac-sha256", "hmac-sha512", "hmac-sha1" };

static const char *const feed_actions[] = { "given", "sinkhole", "nxdomain", "nodata", "drop",
					    "log-only" };

int
dg_config_feed_open(struct dg_config *c, unsigned int line, char *err, size_t len)
{
	struct dg_config_feed *f;

	if (c->n_feeds >= DG_CONFIG_MAX_FEEDS)
		return dg_errf(err, len, -E2BIG, "more than %d [feed] sections", DG_CONFIG_MAX_FEEDS);
	f = &c->feeds[c->n_feeds++];
	memset(f, 0, sizeof(*f));
	f->timeout = 30;
	snprintf(f->action, sizeof(f->action), "given");
	f->line = line;
	return 0;
}

static int
text(const char *key, char *dst, size_t size, const char *v, char *err, size_t len)
{
	if (v[0] == '\0' || strlen(v) >= size)
		return dg_errf(err, len, -EINVAL, "%s: expected text of 1 to %zu bytes", key, size - 1);
	snprintf(dst, size, "%s", v);
	return 0;
}

/* A domain name in presentation form: what dg_name_from_text() takes, not the root. */
static int
zone_name(const char *key, char *dst, size_t size, const char *v, char *err, size_t len)
{
	struct dg_name n;

	if (strlen(v) >= size || strpbrk(v, " \t") != NULL ||
	    dg_name_from_text(&n, v, strlen(v)) < 0 || n.nlabels == 0)
		return dg_errf(err, len, -EINVAL, "%s: bad domain name '%s'", key, v);
	snprintf(dst, size, "%s", v);
	return 0;
}

/* `ADDRESS [PORT]`, the port 53 unless given. */
static int
endpoint(const char *key, struct dg_config_endpoint *e, const char *v, char *err, size_t len)
{
	char addr[64] = "", port[16] = "", extra[2];
	unsigned long p = 53;
	int n = sscanf(v, "%63s %15s %1s", addr, port, extra);

	if (n < 1 || n > 2 || dg_config_parse_addr(addr, &e->a) < 0 ||
	    (n == 2 && dg_config_parse_uint(port, 1, 65535, &p) < 0))
		return dg_errf(err, len, -EINVAL, "%s: expected 'ADDRESS [PORT]', got '%s'", key, v);
	e->port = (uint16_t)p;
	e->set = true;
	return 0;
}

/* Base64 as RFC 4648 writes it: groups of four, '=' padding only at the end. */
static bool
base64_ok(const char *s)
{
	size_t n = strlen(s), pad = 0;

	if (n == 0 || n % 4 != 0)
		return false;
	for (size_t i = 0; i < n; i++) {
		char ch = s[i];

		if (ch == '=') {
			pad++;
			continue;
		}
		if (pad > 0 || !((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
				 (ch >= '0' && ch <= '9') || ch == '+' || ch == '/'))
			return false;
	}
	return pad <= 2 && n > pad + 1;
}

static int
set_key(struct dg_config_feed *f, const char *name, const char *alg, const char *secret,
	char *err, size_t len)
{
	bool known = false;
	int rc;

	for (size_t i = 0; i < sizeof(tsig_algorithms) / sizeof(tsig_algorithms[0]); i++)
		known |= strcasecmp(alg, tsig_algorithms[i]) == 0;
	if (!known)
		return dg_errf(err, len, -EINVAL,
			       "TSIG algorithm '%s' not supported (hmac-sha256, hmac-sha512, hmac-sha1)",
			       alg);
	if (strlen(secret) >= sizeof(f->tsig_secret) || !base64_ok(secret))
		return dg_errf(err, len, -EINVAL, "TSIG secret: expected base64 text");
	rc = zone_name("TSIG key name", f->tsig_name, sizeof(f->tsig_name), name, err, len);
	if (rc < 0)
		return rc;
	snprintf(f->tsig_algorithm, sizeof(f->tsig_algorithm), "%s", alg);
	for (char *p = f->tsig_algorithm; *p != '\0'; p++)
		*p = (char)(*p >= 'A' && *p <= 'Z' ? *p | 0x20 : *p);
	snprintf(f->tsig_secret, sizeof(f->tsig_secret), "%s", secret);
	return 0;
}

static int
set_tsig_key(struct dg_config_feed *f, const char *v, char *err, size_t len)
{
	char name[DG_CONFIG_TEXT_MAX], alg[32], secret[DG_CONFIG_TSIG_SECRET_MAX], extra[2];

	if (sscanf(v, "%255s %31s %255s %1s", name, alg, secret, extra) != 3)
		return dg_errf(err, len, -EINVAL, "tsig_key: expected 'NAME ALGORITHM SECRET', got '%s'",
			       v);
	return set_key(f, name, alg, secret, err, len);
}

/*
 * A key file as BIND's tsig-keygen writes it (`key "NAME" { algorithm ALG; secret "S"; };`)
 * or Knot's keymgr (`key:` / `- id: NAME` / `algorithm: ALG` / `secret: S`).
 */
static int
set_tsig_file(struct dg_config_feed *f, const char *v, char *err, size_t len)
{
	char buf[4096], *tok[64], *save = NULL, *name = NULL, *alg = NULL, *secret = NULL;
	FILE *in = fopen(v, "r");
	size_t got;
	int n = 0;

	if (in == NULL)
		return dg_errf(err, len, -errno, "tsig_file: cannot read %s: %s", v, strerror(errno));
	got = fread(buf, 1, sizeof(buf) - 1, in);
	fclose(in);
	buf[got] = '\0';
	if (got == sizeof(buf) - 1)
		return dg_errf(err, len, -EINVAL, "tsig_file %s: larger than %zu bytes", v, got);
	for (char *t = strtok_r(buf, " \t\r\n{};\":", &save); t != NULL && n < 64;
	     t = strtok_r(NULL, " \t\r\n{};\":", &save))
		tok[n++] = t;
	for (int i = 0; i + 1 < n; i++) {
		if (strcmp(tok[i], "id") == 0 ||
		    (strcmp(tok[i], "key") == 0 && strcmp(tok[i + 1], "-") != 0 && name == NULL))
			name = tok[i + 1];
		else if (strcmp(tok[i], "algorithm") == 0)
			alg = tok[i + 1];
		else if (strcmp(tok[i], "secret") == 0)
			secret = tok[i + 1];
	}
	if (name == NULL || alg == NULL || secret == NULL)
		return dg_errf(err, len, -EINVAL,
			       "tsig_file %s: expected 'key \"NAME\" { algorithm ALG; secret \"BASE64\"; };'",
			       v);
	return set_key(f, name, alg, secret, err, len);
}

static int
set_action(struct dg_config_feed *f, const char *v, char *err, size_t len)
{
	for (size_t i = 0; i < sizeof(feed_actions) / sizeof(feed_actions[0]); i++) {
		if (strcmp(v, feed_actions[i]) == 0) {
			snprintf(f->action, sizeof(f->action), "%s", v);
			return 0;
		}
	}
	return dg_errf(err, len, -EINVAL,
		       "action: expected given, sinkhole, nxdomain, nodata, drop or log-only, got '%s'",
		       v);
}

struct feed_uint {
	const char *key;
	size_t off;
	unsigned long min, max;
};

#define FUKEY(k, field, lo, hi) { k, offsetof(struct dg_config_feed, field), lo, hi }
static const struct feed_uint feed_uints[] = {
	FUKEY("refresh", refresh, 0, 7u * 86400),
	FUKEY("retry", retry, 0, 86400),
	FUKEY("timeout", timeout, 1, 3600),
};

int
config_feed_set(struct dg_config *c, const char *key, const char *v, char *err, size_t len)
{
	struct dg_config_feed *f;

	if (c->n_feeds == 0)
		return dg_errf(err, len, -EINVAL, "'%s' outside a [feed] section", key);
	f = &c->feeds[c->n_feeds - 1];
	for (size_t i = 0; i < sizeof(feed_uints) / sizeof(feed_uints[0]); i++) {
		unsigned long x;

		if (strcmp(key, feed_uints[i].key) != 0)
			continue;
		if (dg_config_parse_uint(v, feed_uints[i].min, feed_uints[i].max, &x) < 0)
			return dg_errf(err, len, -EINVAL,
				       "%s: expected a whole number in %lu..%lu, got '%s'", key,
				       feed_uints[i].min, feed_uints[i].max, v);
		*(unsigned int *)((char *)f + feed_uints[i].off) = (unsigned int)x;
		return 0;
	}
	if (strcmp(key, "zone") == 0)
		return zone_name("zone", f->zone, sizeof(f->zone), v, err, len);
	if (strcmp(key, "primary") == 0)
		return endpoint("primary", &f->primary, v, err, len);
	if (strcmp(key, "notify") == 0)
		return endpoint("notify", &f->notify, v, err, len);
	if (strcmp(key, "tsig_key") == 0)
		return set_tsig_key(f, v, err, len);
	if (strcmp(key, "tsig_file") == 0)
		return set_tsig_file(f, v, err, len);
	if (strcmp(key, "identifier") == 0)
		return text("identifier", f->identifier, sizeof(f->identifier), v, err, len);
	if (strcmp(key, "category") == 0)
		return text("category", f->category, sizeof(f->category), v, err, len);
	if (strcmp(key, "action") == 0)
		return set_action(f, v, err, len);
	if (strcmp(key, "state_dir") == 0)
		return text("state_dir", f->state_dir, sizeof(f->state_dir), v, err, len);
	return dg_errf(err, len, -EINVAL, "unknown key '%s' in [feed]", key);
}

/* Same zone text, case and final dot aside. */
static bool
same_zone(const char *a, const char *b)
{
	struct dg_name x, y;

	return dg_name_from_text(&x, a, strlen(a)) == 0 && dg_name_from_text(&y, b, strlen(b)) == 0 &&
	       x.len == y.len && memcmp(x.wire, y.wire, x.len) == 0;
}

int
config_feed_validate(const struct dg_config *c, char *err, size_t len)
{
	for (unsigned int i = 0; i < c->n_feeds; i++) {
		const struct dg_config_feed *f = &c->feeds[i];
		const char *missing = f->zone[0] == '\0' ? "zone" : !f->primary.set ? "primary" :
				      f->state_dir[0] == '\0' ? "state_dir" : NULL;

		if (missing != NULL)
			return dg_errf(err, len, -EINVAL, "%s:%u: [feed] without '%s'", c->path,
				       f->line, missing);
		for (unsigned int j = 0; j < i; j++)
			if (same_zone(f->zone, c->feeds[j].zone))
				return dg_errf(err, len, -EINVAL,
					       "%s:%u: [feed] zone %s is already fed (line %u)",
					       c->path, f->line, f->zone, c->feeds[j].line);
	}
	return 0;
}
