/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Every key the config knows: a table of setters. Values are checked here, so a typo or a
 * bad address is reported with its line before anything starts.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config_pvt.h"
#include "dg_config.h"
#include "dg_err.h"
#include "dg_tz.h"

typedef int (*setter_fn)(struct dg_config *c, const char *v, char *err, size_t len);

static int
add_eal(struct dg_config *c, const char *arg, char *err, size_t len)
{
	if (c->n_eal >= DG_CONFIG_MAX_EAL_ARGS)
		return dg_errf(err, len, -E2BIG, "more than %d EAL arguments",
				DG_CONFIG_MAX_EAL_ARGS);
	c->eal[c->n_eal] = strdup(arg);
	if (c->eal[c->n_eal] == NULL)
		return dg_errf(err, len, -ENOMEM, "out of memory");
	c->n_eal++;
	return 0;
}

static int
set_eal_args(struct dg_config *c, const char *v, char *err, size_t len)
{
	char *copy = strdup(v), *save = NULL;
	int rc = 0;

	if (copy == NULL)
		return dg_errf(err, len, -ENOMEM, "out of memory");
	for (char *t = strtok_r(copy, " \t", &save); t != NULL && rc == 0;
	     t = strtok_r(NULL, " \t", &save))
		rc = add_eal(c, t, err, len);
	free(copy);
	return rc;
}

static int
set_vdev(struct dg_config *c, const char *v, char *err, size_t len)
{
	int rc;

	if (v[0] == '\0' || strchr(v, ' ') != NULL)
		return dg_errf(err, len, -EINVAL, "vdev: expected one device string without spaces");
	rc = add_eal(c, "--vdev", err, len);
	return rc < 0 ? rc : add_eal(c, v, err, len);
}

/* Options after the two port names: only `link_propagate=yes|no` today. */
static int
pair_option(struct dg_config_pair *p, const char *opt, char *err, size_t len)
{
	static const char key[] = "link_propagate=";
	bool on;

	if (strncmp(opt, key, sizeof(key) - 1) != 0)
		return dg_errf(err, len, -EINVAL, "pair: unknown option '%s' (link_propagate=yes|no)",
				opt);
	if (dg_config_parse_bool(opt + sizeof(key) - 1, &on) < 0)
		return dg_errf(err, len, -EINVAL, "pair: link_propagate: expected yes or no, got '%s'",
				opt + sizeof(key) - 1);
	p->propagate = on ? DG_CONFIG_PROPAGATE_ON : DG_CONFIG_PROPAGATE_OFF;
	return 0;
}

static int
set_pair(struct dg_config *c, const char *v, char *err, size_t len)
{
	struct dg_config_pair *p;
	char opt[DG_CONFIG_TEXT_MAX], extra[2];
	int n;

	if (c->n_pairs >= DG_CONFIG_MAX_PAIRS)
		return dg_errf(err, len, -E2BIG, "more than %d port pairs", DG_CONFIG_MAX_PAIRS);
	p = &c->pairs[c->n_pairs];
	memset(p, 0, sizeof(*p));
	n = sscanf(v, "%63s %63s %255s %1s", p->sub, p->net, opt, extra);
	if (n < 2 || n > 3)
		return dg_errf(err, len, -EINVAL,
				"pair: expected 'SUBSCRIBER_PORT NETWORK_PORT' [link_propagate=yes|no], got '%s'",
				v);
	if (strlen(p->sub) >= DG_CONFIG_PORT_NAME_MAX - 1 ||
	    strlen(p->net) >= DG_CONFIG_PORT_NAME_MAX - 1)
		return dg_errf(err, len, -EINVAL, "pair: port name too long");
	if (strcmp(p->sub, p->net) == 0)
		return dg_errf(err, len, -EINVAL, "pair: '%s' on both sides", p->sub);
	if (n == 3 && pair_option(p, opt, err, len) < 0)
		return -EINVAL;
	c->n_pairs++;
	return 0;
}

static int
set_mbuf_size(struct dg_config *c, const char *v, char *err, size_t len)
{
	unsigned long x;

	if (dg_config_parse_uint(v, 0, DG_CONFIG_MBUF_SIZE_MAX, &x) < 0 ||
	    (x != 0 && x < DG_CONFIG_MBUF_SIZE_MIN))
		return dg_errf(err, len, -EINVAL,
				"mbuf_size: expected 0 (from the MTU) or bytes in %d..%d, got '%s'",
				DG_CONFIG_MBUF_SIZE_MIN, DG_CONFIG_MBUF_SIZE_MAX, v);
	c->mbuf_size = (unsigned int)x;
	return 0;
}

static int
set_lcores(struct dg_config *c, const char *v, char *err, size_t len)
{
	int n = dg_config_parse_lcores(v, c->workers, DG_CONFIG_MAX_LCORES);

	if (n < 0)
		return dg_errf(err, len, n == -E2BIG ? -E2BIG : -EINVAL,
				"lcores: expected ids like '1,3-4' below %d without repeats, got '%s'",
				DG_CONFIG_MAX_LCORES, v);
	c->n_workers = (unsigned int)n;
	return 0;
}

static int
set_list(struct dg_config *c, const char *v, char *err, size_t len)
{
	static const char *const formats[] = { "auto", "native", "rpz", "hosts", "domains",
					       "wildcard", "adblock" };
	struct dg_config_list *l;
	int n = 0, known = 0;

	if (c->n_lists >= DG_CONFIG_MAX_LISTS)
		return dg_errf(err, len, -E2BIG, "more than %d lists", DG_CONFIG_MAX_LISTS);
	l = &c->lists[c->n_lists];
	memset(l, 0, sizeof(*l));
	if (sscanf(v, "%15s %511s %n", l->format, l->path, &n) < 2 || n == 0)
		return dg_errf(err, len, -EINVAL, "list: expected 'FORMAT PATH [key=value...]', got '%s'",
				v);
	for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++)
		known |= strcmp(l->format, formats[i]) == 0;
	if (!known)
		return dg_errf(err, len, -EINVAL,
				"list: unknown format '%s' (auto, native, rpz, hosts, domains, wildcard, adblock)",
				l->format);
	if (strlen(v + n) >= sizeof(l->opts))
		return dg_errf(err, len, -EINVAL, "list: options too long");
	snprintf(l->opts, sizeof(l->opts), "%s", v + n);
	c->n_lists++;
	return 0;
}

/* [filter] response_ip = PATH [key=value...]: the options are checked by the loader. */
static int
set_response_ip(struct dg_config *c, const char *v, char *err, size_t len)
{
	int n = 0;

	if (sscanf(v, "%511s %n", c->respip_path, &n) < 1 || n == 0)
		return dg_errf(err, len, -EINVAL,
				"response_ip: expected 'PATH [key=value...]', got '%s'", v);
	if (strlen(v + n) >= sizeof(c->respip_opts))
		return dg_errf(err, len, -EINVAL, "response_ip: options too long");
	snprintf(c->respip_opts, sizeof(c->respip_opts), "%s", v + n);
	return 0;
}

static int
set_shed(struct dg_config *c, const char *v, char *err, size_t len)
{
	bool on;

	if (strcmp(v, "auto") == 0)
		c->shed = DG_CONFIG_SHED_AUTO;
	else if (dg_config_parse_bool(v, &on) == 0)
		c->shed = on ? DG_CONFIG_SHED_YES : DG_CONFIG_SHED_NO;
	else
		return dg_errf(err, len, -EINVAL, "shed: expected yes, no or auto, got '%s'", v);
	return 0;
}

static int
set_ede_code(struct dg_config *c, const char *v, char *err, size_t len)
{
	if (strcmp(v, "15") == 0 || strcasecmp(v, "blocked") == 0)
		c->ede_code = 15;
	else if (strcmp(v, "17") == 0 || strcasecmp(v, "filtered") == 0)
		c->ede_code = 17;
	else
		return dg_errf(err, len, -EINVAL, "ede_code: expected 15 (blocked) or 17 (filtered), got '%s'",
				v);
	return 0;
}

static int
set_sinkhole(const char *key, int family, const char *v, bool *set, uint8_t *out, char *err,
	     size_t len)
{
	struct dg_config_addr a;

	if (dg_config_parse_addr(v, &a) < 0 || a.family != family)
		return dg_errf(err, len, -EINVAL, "%s: expected an IPv%d address, got '%s'", key,
				family, v);
	memcpy(out, a.addr, family == 4 ? 4 : 16);
	*set = true;
	return 0;
}

static int
set_sinkhole_v4(struct dg_config *c, const char *v, char *err, size_t len)
{
	return set_sinkhole("sinkhole_v4", 4, v, &c->sinkhole4_set, c->sinkhole4, err, len);
}

static int
set_sinkhole_v6(struct dg_config *c, const char *v, char *err, size_t len)
{
	return set_sinkhole("sinkhole_v6", 6, v, &c->sinkhole6_set, c->sinkhole6, err, len);
}

static int
set_category(struct dg_config *c, const char *v, char *err, size_t len)
{
	struct dg_config_category *k;
	char a1[64] = "", a2[64] = "", extra[2];
	struct dg_config_addr x;
	int n;

	if (c->n_categories >= DG_CONFIG_MAX_CATEGORIES)
		return dg_errf(err, len, -E2BIG, "more than %d category sinkholes",
				DG_CONFIG_MAX_CATEGORIES);
	k = &c->categories[c->n_categories];
	memset(k, 0, sizeof(*k));
	n = sscanf(v, "%63s %63s %63s %1s", k->name, a1, a2, extra);
	if (n < 2 || n > 3)
		return dg_errf(err, len, -EINVAL,
				"category_sinkhole: expected 'CATEGORY ADDRESS [ADDRESS]', got '%s'", v);
	for (const char *a = a1; a != NULL; a = (a == a1 && n == 3) ? a2 : NULL) {
		if (dg_config_parse_addr(a, &x) < 0)
			return dg_errf(err, len, -EINVAL, "category_sinkhole: bad address '%s'", a);
		if (x.family == 4) {
			memcpy(k->v4, x.addr, 4);
			k->v4_set = true;
		} else {
			memcpy(k->v6, x.addr, 16);
			k->v6_set = true;
		}
	}
	c->n_categories++;
	return 0;
}

static int
set_soa(struct dg_config *c, const char *v, char *err, size_t len)
{
	struct dg_config_soa *s = &c->soa;
	char extra[2];

	if (sscanf(v, "%255s %255s %255s %u %u %u %u %u %1s", s->zone, s->mname, s->rname,
		   &s->serial, &s->refresh, &s->retry, &s->expire, &s->minimum, extra) != 8)
		return dg_errf(err, len, -EINVAL,
				"soa: expected 'ZONE MNAME RNAME SERIAL REFRESH RETRY EXPIRE MINIMUM', got '%s'",
				v);
	s->set = true;
	return 0;
}

static int
set_resolvers(struct dg_config *c, const char *v, char *err, size_t len)
{
	char *copy = strdup(v), *save = NULL;
	int rc = 0;

	if (copy == NULL)
		return dg_errf(err, len, -ENOMEM, "out of memory");
	for (char *t = strtok_r(copy, " ,\t", &save); t != NULL && rc == 0;
	     t = strtok_r(NULL, " ,\t", &save)) {
		if (c->n_resolvers >= DG_CONFIG_MAX_RESOLVERS)
			rc = dg_errf(err, len, -E2BIG, "more than %d resolvers",
				      DG_CONFIG_MAX_RESOLVERS);
		else if (dg_config_parse_addr(t, &c->resolvers[c->n_resolvers]) < 0)
			rc = dg_errf(err, len, -EINVAL, "resolvers: bad address '%s'", t);
		else
			c->n_resolvers++;
	}
	free(copy);
	return rc;
}

static int
set_encdns(const char *key, unsigned int *dst, const char *v, char *err, size_t len)
{
	if (strcmp(v, "off") == 0)
		*dst = DG_CONFIG_ENCDNS_OFF;
	else if (strcmp(v, "count") == 0)
		*dst = DG_CONFIG_ENCDNS_COUNT;
	else if (strcmp(v, "block") == 0)
		*dst = DG_CONFIG_ENCDNS_BLOCK;
	else
		return dg_errf(err, len, -EINVAL, "%s: expected off, count or block, got '%s'", key,
				v);
	return 0;
}

static int
set_dot(struct dg_config *c, const char *v, char *err, size_t len)
{
	return set_encdns("dot", &c->dot, v, err, len);
}

static int
set_doq(struct dg_config *c, const char *v, char *err, size_t len)
{
	return set_encdns("doq", &c->doq, v, err, len);
}

static int
set_doh(struct dg_config *c, const char *v, char *err, size_t len)
{
	return set_encdns("doh", &c->doh, v, err, len);
}

static int
set_path(const char *key, char *dst, size_t dstlen, const char *v, char *err, size_t len)
{
	if (v[0] == '\0' || strlen(v) >= dstlen)
		return dg_errf(err, len, -EINVAL, "%s: expected a path shorter than %zu bytes", key,
				dstlen);
	snprintf(dst, dstlen, "%s", v);
	return 0;
}

static int
set_optout_file(struct dg_config *c, const char *v, char *err, size_t len)
{
	return set_path("file", c->optout_file, sizeof(c->optout_file), v, err, len);
}

static int
set_quarantine_file(struct dg_config *c, const char *v, char *err, size_t len)
{
	return set_path("file", c->quarantine_file, sizeof(c->quarantine_file), v, err, len);
}

static int
set_quarantine_rpz(struct dg_config *c, const char *v, char *err, size_t len)
{
	return set_path("rpz", c->quarantine_rpz, sizeof(c->quarantine_rpz), v, err, len);
}

static int
set_quarantine_allow(struct dg_config *c, const char *v, char *err, size_t len)
{
	return set_path("allow", c->quarantine_allow, sizeof(c->quarantine_allow), v, err, len);
}

static int
set_quarantine_action(struct dg_config *c, const char *v, char *err, size_t len)
{
	if (strcmp(v, "sinkhole") != 0 && strcmp(v, "nxdomain") != 0)
		return dg_errf(err, len, -EINVAL, "action: expected sinkhole or nxdomain, got '%s'",
			       v);
	c->quarantine_nxdomain = strcmp(v, "nxdomain") == 0;
	return 0;
}

/* Types are checked where the policy is built (lib/quarantine); here only the length. */
static int
set_quarantine_qtypes(struct dg_config *c, const char *v, char *err, size_t len)
{
	if (v[0] == '\0' || strlen(v) >= sizeof(c->quarantine_qtypes))
		return dg_errf(err, len, -EINVAL, "qtypes: expected query types, e.g. 'A AAAA'");
	snprintf(c->quarantine_qtypes, sizeof(c->quarantine_qtypes), "%s", v);
	return 0;
}

static int
set_quarantine_v4(struct dg_config *c, const char *v, char *err, size_t len)
{
	return set_sinkhole("address_v4", 4, v, &c->quarantine4_set, c->quarantine4, err, len);
}

static int
set_quarantine_v6(struct dg_config *c, const char *v, char *err, size_t len)
{
	return set_sinkhole("address_v6", 6, v, &c->quarantine6_set, c->quarantine6, err, len);
}

static int
set_doh_names(struct dg_config *c, const char *v, char *err, size_t len)
{
	return set_path("doh_names", c->doh_names, sizeof(c->doh_names), v, err, len);
}

static int
set_doh_addresses(struct dg_config *c, const char *v, char *err, size_t len)
{
	return set_path("doh_addresses", c->doh_addresses, sizeof(c->doh_addresses), v, err,
			len);
}

static int
set_ctl_socket(struct dg_config *c, const char *v, char *err, size_t len)
{
	return set_path("socket", c->ctl_socket, sizeof(c->ctl_socket), v, err, len);
}

static int
set_ctl_audit(struct dg_config *c, const char *v, char *err, size_t len)
{
	return set_path("audit", c->ctl_audit, sizeof(c->ctl_audit), v, err, len);
}

static int
set_image(struct dg_config *c, const char *v, char *err, size_t len)
{
	return set_path("image", c->image, sizeof(c->image), v, err, len);
}

static int
set_journal(struct dg_config *c, const char *v, char *err, size_t len)
{
	return set_path("journal", c->journal, sizeof(c->journal), v, err, len);
}

static int
set_log_file(struct dg_config *c, const char *v, char *err, size_t len)
{
	return set_path("file", c->log_file, sizeof(c->log_file), v, err, len);
}

/* Frame Streams output: a Unix socket a collector listens on, or a file. */
static int
set_dnstap(struct dg_config *c, const char *v, char *err, size_t len)
{
	bool sock = strncmp(v, "unix:", 5) == 0;
	/* sun_path: 108 bytes with its NUL */
	size_t max = sock ? 107 : sizeof(c->dnstap) - 6;

	if (!sock && strncmp(v, "file:", 5) != 0)
		return dg_errf(err, len, -EINVAL, "dnstap: expected unix:PATH or file:PATH, got '%s'",
				v);
	if (v[5] == '\0' || strlen(v + 5) > max)
		return dg_errf(err, len, -EINVAL, "dnstap: expected a path of 1..%zu bytes after '%.5s'",
				max, v);
	snprintf(c->dnstap, sizeof(c->dnstap), "%s", v);
	return 0;
}

static int
set_rotate_size(struct dg_config *c, const char *v, char *err, size_t len)
{
	unsigned long x;

	if (dg_config_parse_uint(v, 0, 1ul << 50, &x) < 0 || (x != 0 && x < 1024))
		return dg_errf(err, len, -EINVAL,
				"rotate_size: expected 0 (no limit) or bytes in 1024..%lu, got '%s'",
				1ul << 50, v);
	c->rotate_size = x;
	return 0;
}

static int
set_history(struct dg_config *c, const char *v, char *err, size_t len)
{
	return set_path("history", c->history, sizeof(c->history), v, err, len);
}

static int
set_prometheus(struct dg_config *c, const char *v, char *err, size_t len)
{
	return set_path("prometheus", c->prometheus, sizeof(c->prometheus), v, err, len);
}

static int
set_appliance(struct dg_config *c, const char *v, char *err, size_t len)
{
	if (v[0] == '\0' || strlen(v) >= sizeof(c->appliance) || strpbrk(v, " \t") != NULL)
		return dg_errf(err, len, -EINVAL, "appliance: expected a name without blanks, under %zu bytes",
				sizeof(c->appliance));
	snprintf(c->appliance, sizeof(c->appliance), "%s", v);
	return 0;
}

/* Checked here, so a zone this system lacks fails the config, not the start. */
static int
set_timezone(struct dg_config *c, const char *v, char *err, size_t len)
{
	char why[256];
	int rc = dg_tz_check(v, why, sizeof(why));

	if (rc < 0)
		return dg_errf(err, len, rc, "timezone: %s", why);
	snprintf(c->timezone, sizeof(c->timezone), "%s", v);
	return 0;
}

static int
set_ctl_mode(struct dg_config *c, const char *v, char *err, size_t len)
{
	char *end;
	unsigned long m = strtoul(v, &end, 8);

	if (v[0] < '0' || v[0] > '7' || *end != '\0' || m > 0777)
		return dg_errf(err, len, -EINVAL, "mode: expected octal permissions like 0660, got '%s'",
				v);
	c->ctl_mode = (unsigned int)m;
	return 0;
}

static int
set_id(const char *key, long *dst, const char *v, char *err, size_t len)
{
	unsigned long x;

	if (dg_config_parse_uint(v, 0, 0x7fffffff, &x) < 0)
		return dg_errf(err, len, -EINVAL, "%s: expected a numeric id, got '%s'", key, v);
	*dst = (long)x;
	return 0;
}

static int
set_ctl_uid(struct dg_config *c, const char *v, char *err, size_t len)
{
	return set_id("uid", &c->ctl_uid, v, err, len);
}

static int
set_ctl_gid(struct dg_config *c, const char *v, char *err, size_t len)
{
	return set_id("gid", &c->ctl_gid, v, err, len);
}

/* An unsigned key: where it lives and its range. */
struct uint_key {
	const char *section, *key;
	size_t off;
	unsigned long min, max;
};

#define UKEY(s, k, field, lo, hi) { s, k, offsetof(struct dg_config, field), lo, hi }
static const struct uint_key uint_keys[] = {
	UKEY("workers", "burst", burst, 1, DG_CONFIG_BURST_MAX),
	UKEY("workers", "shed_backlog", shed_pct, 1, 100),
	UKEY("ports", "rx_desc", rx_desc, 64, 16384),
	UKEY("ports", "tx_desc", tx_desc, 64, 16384),
	UKEY("ports", "mbufs", mbufs, 1023, 16u << 20),
	UKEY("ports", "mtu", mtu, DG_CONFIG_MTU_MIN, DG_CONFIG_MTU_MAX),
	UKEY("mgmt", "stats_interval", stats_interval, 0, 86400),
	UKEY("mgmt", "run_for", run_for, 0, 365u * 86400),
	UKEY("mgmt", "idle_exit", idle_exit, 0, 86400),
	UKEY("filter", "delta_fold", delta_fold, 0, 1u << 24),
	UKEY("answer", "ttl", ttl, 0, 604800),
	UKEY("answer", "edns_udp_size", edns_udp_size, 512, 65535),
	UKEY("intercept", "dns_port", dns_port, 1, 65535),
	UKEY("intercept", "min_src_port", min_src_port, 0, 65535),
	UKEY("intercept", "vlan_max", vlan_max, 0, 8),
	UKEY("intercept", "tcp_flows", tcp_flows, 0, 1u << 20),
	UKEY("intercept", "tcp_idle", tcp_idle, 1, 3600),
	UKEY("intercept", "frag_flows", frag_flows, 0, 65536),
	UKEY("intercept", "frag_timeout_ms", frag_timeout_ms, 1, 60000),
	UKEY("guard", "rate", guard_rate, 0, 10000000),
	UKEY("guard", "burst", guard_burst, 1, 10000000),
	UKEY("guard", "slots", guard_slots, 1, 1u << 24),
	UKEY("log", "ring", log_ring, 64, 1u << 20),
	UKEY("log", "rotate_interval", rotate_interval, 0, 31u * 86400),
	UKEY("log", "rotate_keep", rotate_keep, 0, 1000000),
	UKEY("log", "dnstap_sample", dnstap_sample, 0, 1u << 30),
	UKEY("stats", "interval", history_interval, 1, 86400),
	UKEY("stats", "prometheus_interval", prometheus_interval, 1, 86400),
};

/* A yes/no key. */
struct bool_key {
	const char *section, *key;
	size_t off;
};

#define BKEY(s, k, field) { s, k, offsetof(struct dg_config, field) }
static const struct bool_key bool_keys[] = {
	BKEY("filter", "strict", strict),
	BKEY("filter", "inspect", inspect),
	BKEY("answer", "ede", ede),
	BKEY("answer", "ede_text", ede_text),
	BKEY("intercept", "canary", canary),
	BKEY("intercept", "responses", responses),
	BKEY("intercept", "encrypted_log", encrypted_log),
	BKEY("log", "rotate_gzip", rotate_gzip),
	BKEY("quarantine", "lists", quarantine_lists),
};

struct fn_key {
	const char *section, *key;
	setter_fn set;
};

static const struct fn_key fn_keys[] = {
	{ "eal", "args", set_eal_args },
	{ "eal", "vdev", set_vdev },
	{ "ports", "pair", set_pair },
	{ "ports", "mbuf_size", set_mbuf_size },
	{ "workers", "lcores", set_lcores },
	{ "workers", "shed", set_shed },
	{ "filter", "list", set_list },
	{ "filter", "image", set_image },
	{ "filter", "response_ip", set_response_ip },
	{ "answer", "sinkhole_v4", set_sinkhole_v4 },
	{ "answer", "sinkhole_v6", set_sinkhole_v6 },
	{ "answer", "ede_code", set_ede_code },
	{ "answer", "soa", set_soa },
	{ "answer", "category_sinkhole", set_category },
	{ "intercept", "resolvers", set_resolvers },
	{ "intercept", "dot", set_dot },
	{ "intercept", "doq", set_doq },
	{ "intercept", "doh", set_doh },
	{ "intercept", "doh_names", set_doh_names },
	{ "intercept", "doh_addresses", set_doh_addresses },
	{ "optout", "file", set_optout_file },
	{ "quarantine", "file", set_quarantine_file },
	{ "quarantine", "rpz", set_quarantine_rpz },
	{ "quarantine", "allow", set_quarantine_allow },
	{ "quarantine", "action", set_quarantine_action },
	{ "quarantine", "qtypes", set_quarantine_qtypes },
	{ "quarantine", "address_v4", set_quarantine_v4 },
	{ "quarantine", "address_v6", set_quarantine_v6 },
	{ "ctl", "socket", set_ctl_socket },
	{ "ctl", "mode", set_ctl_mode },
	{ "ctl", "uid", set_ctl_uid },
	{ "ctl", "gid", set_ctl_gid },
	{ "ctl", "audit", set_ctl_audit },
	{ "log", "file", set_log_file },
	{ "log", "rotate_size", set_rotate_size },
	{ "log", "dnstap", set_dnstap },
	{ "ctl", "journal", set_journal },
	{ "stats", "history", set_history },
	{ "stats", "appliance", set_appliance },
	{ "stats", "prometheus", set_prometheus },
	{ "mgmt", "timezone", set_timezone },
};

static bool
known_section(const char *s)
{
	static const char *const sections[] = { "eal", "ports", "workers", "mgmt", "filter",
						"answer", "intercept", "guard", "optout",
						"quarantine", "ctl", "log", "stats", "feed" };

	for (size_t i = 0; i < sizeof(sections) / sizeof(sections[0]); i++)
		if (strcmp(s, sections[i]) == 0)
			return true;
	return false;
}

int
dg_config_set(struct dg_config *c, const char *section, const char *key, const char *value,
	      char *err, size_t len)
{
	size_t i;

	if (!known_section(section))
		return dg_errf(err, len, -EINVAL, "unknown section [%s]", section);
	if (strcmp(section, "feed") == 0)
		return config_feed_set(c, key, value, err, len);
	for (i = 0; i < sizeof(fn_keys) / sizeof(fn_keys[0]); i++)
		if (strcmp(section, fn_keys[i].section) == 0 && strcmp(key, fn_keys[i].key) == 0)
			return fn_keys[i].set(c, value, err, len);
	for (i = 0; i < sizeof(uint_keys) / sizeof(uint_keys[0]); i++) {
		const struct uint_key *k = &uint_keys[i];
		unsigned long v;

		if (strcmp(section, k->section) != 0 || strcmp(key, k->key) != 0)
			continue;
		if (dg_config_parse_uint(value, k->min, k->max, &v) < 0)
			return dg_errf(err, len, -EINVAL,
					"%s: expected a whole number in %lu..%lu, got '%s'", key, k->min,
					k->max, value);
		*(unsigned int *)((char *)c + k->off) = (unsigned int)v;
		return 0;
	}
	for (i = 0; i < sizeof(bool_keys) / sizeof(bool_keys[0]); i++) {
		const struct bool_key *k = &bool_keys[i];

		if (strcmp(section, k->section) != 0 || strcmp(key, k->key) != 0)
			continue;
		if (dg_config_parse_bool(value, (bool *)((char *)c + k->off)) < 0)
			return dg_errf(err, len, -EINVAL, "%s: expected yes or no, got '%s'", key,
				       value);
		return 0;
	}
	return dg_errf(err, len, -EINVAL, "unknown key '%s' in [%s]", key, section);
}
