/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target over the configuration loader (lib/config with inih): the input is
 * the INI file, written to a memfd and read by dg_config_load() through /proc/self/fd.
 * Any broken invariant traps:
 *  - a failed load returns -EINVAL, -E2BIG or -ENOMEM (or the errno of a tsig_file it
 *    cannot read) and names the file and the line, `FILE:LINE: reason` with LINE within
 *    the file (only the whole-file check "no pair" has no line); the same error comes
 *    back from the file cut after that line (the line number points at the line that is
 *    wrong, not at a later one), except for the checks of a whole [feed] section;
 *  - a loaded config respects every range of docs/config.md and dg_config_keys.c,
 *    written out again here, and every string fits its buffer.
 * dg_config_free() runs after every load, failed or not (LeakSanitizer checks it).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "dg_config.h"

#define CHECK(c) do { if (!(c)) __builtin_trap(); } while (0)

static int fd = -1;
static char path[64];

static void
put(const uint8_t *data, size_t size)
{
	CHECK(ftruncate(fd, 0) == 0);
	CHECK(pwrite(fd, data, size, 0) == (ssize_t)size);
}

static int
load(struct dg_config *c, char *err, size_t errlen)
{
	int rc;

	dg_config_defaults(c);
	memset(err, 0x55, errlen);
	rc = dg_config_load(c, path, err, errlen);
	dg_config_free(c);
	return rc;
}

#define FITS(a) CHECK(strnlen((a), sizeof(a)) < sizeof(a))
#define RANGE(v, lo, hi) CHECK((v) >= (lo) && (v) <= (hi))

static int
blank_free(const char *s)
{
	return s[0] != '\0' && strpbrk(s, " \t") == NULL;
}

/* The ranges documented in docs/config.md (and set in dg_config_keys.c). */
static void
check_config(const struct dg_config *c, unsigned int nlines)
{
	static const char *const formats[] = { "auto", "native", "rpz", "hosts", "domains",
					       "wildcard", "adblock" };
	bool seen[DG_CONFIG_MAX_LCORES] = { false };
	unsigned int i, j;

	RANGE(c->n_pairs, 1u, (unsigned int)DG_CONFIG_MAX_PAIRS);
	for (i = 0; i < c->n_pairs; i++) {
		const struct dg_config_pair *p = &c->pairs[i];

		FITS(p->sub);
		FITS(p->net);
		CHECK(blank_free(p->sub) && blank_free(p->net) && strcmp(p->sub, p->net) != 0);
		CHECK(p->propagate == DG_CONFIG_PROPAGATE_AUTO ||
		      p->propagate == DG_CONFIG_PROPAGATE_ON || p->propagate == DG_CONFIG_PROPAGATE_OFF);
		RANGE(p->line, 1u, nlines);
		for (j = 0; j < i; j++)
			CHECK(strcmp(p->sub, c->pairs[j].sub) && strcmp(p->sub, c->pairs[j].net) &&
			      strcmp(p->net, c->pairs[j].sub) && strcmp(p->net, c->pairs[j].net));
	}
	RANGE(c->n_eal, 0u, (unsigned int)DG_CONFIG_MAX_EAL_ARGS);
	for (i = 0; i < c->n_eal; i++)
		CHECK(c->eal[i] != NULL && c->eal[i][0] != '\0');
	RANGE(c->n_workers, 0u, (unsigned int)DG_CONFIG_MAX_LCORES);
	for (i = 0; i < c->n_workers; i++) {
		CHECK(c->workers[i] < DG_CONFIG_MAX_LCORES && !seen[c->workers[i]]);
		seen[c->workers[i]] = true;
	}
	RANGE(c->burst, 1u, 256u);
	RANGE(c->rx_desc, 64u, 16384u);
	RANGE(c->tx_desc, 64u, 16384u);
	CHECK(c->mbufs == 0 || (c->mbufs >= 1023 && c->mbufs <= 16u << 20));
	RANGE(c->mtu, 68u, 9216u);
	CHECK(c->mbuf_size == 0 || (c->mbuf_size >= 1024 && c->mbuf_size <= 65535 - 128));
	CHECK(c->shed == DG_CONFIG_SHED_NO || c->shed == DG_CONFIG_SHED_YES ||
	      c->shed == DG_CONFIG_SHED_AUTO);
	RANGE(c->shed_pct, 1u, 100u);
	RANGE(c->stats_interval, 0u, 86400u);
	RANGE(c->run_for, 0u, 365u * 86400);
	RANGE(c->idle_exit, 0u, 86400u);
	RANGE(c->n_lists, 0u, (unsigned int)DG_CONFIG_MAX_LISTS);
	for (i = 0; i < c->n_lists; i++) {
		const struct dg_config_list *l = &c->lists[i];
		bool known = false;

		FITS(l->format);
		FITS(l->path);
		FITS(l->opts);
		for (j = 0; j < sizeof(formats) / sizeof(formats[0]); j++)
			known |= strcmp(l->format, formats[j]) == 0;
		CHECK(known && blank_free(l->path));
		RANGE(l->line, 1u, nlines);
	}
	RANGE(c->ttl, 0u, 604800u);
	RANGE(c->edns_udp_size, 512u, 65535u);
	CHECK(c->ede_code == 15 || c->ede_code == 17);
	if (c->soa.set) {
		FITS(c->soa.zone);
		FITS(c->soa.mname);
		FITS(c->soa.rname);
		CHECK(blank_free(c->soa.zone) && blank_free(c->soa.mname) &&
		      blank_free(c->soa.rname));
	}
	RANGE(c->n_categories, 0u, (unsigned int)DG_CONFIG_MAX_CATEGORIES);
	for (i = 0; i < c->n_categories; i++) {
		FITS(c->categories[i].name);
		CHECK(blank_free(c->categories[i].name));
		CHECK(c->categories[i].v4_set || c->categories[i].v6_set);
	}
	RANGE(c->n_resolvers, 0u, (unsigned int)DG_CONFIG_MAX_RESOLVERS);
	for (i = 0; i < c->n_resolvers; i++)
		CHECK(c->resolvers[i].family == 4 || c->resolvers[i].family == 6);
	RANGE(c->dns_port, 1u, 65535u);
	RANGE(c->min_src_port, 0u, 65535u);
	RANGE(c->vlan_max, 0u, 8u);
	RANGE(c->tcp_flows, 0u, 1u << 20);
	RANGE(c->tcp_idle, 1u, 3600u);
	RANGE(c->frag_flows, 0u, 65536u);
	RANGE(c->frag_timeout_ms, 1u, 60000u);
	RANGE(c->guard_rate, 0u, 10000000u);
	RANGE(c->guard_burst, 1u, 10000000u);
	RANGE(c->guard_slots, 1u, 1u << 24);
	FITS(c->optout_file);
	FITS(c->quarantine_file);
	FITS(c->quarantine_rpz);
	FITS(c->quarantine_allow);
	FITS(c->quarantine_qtypes);
	FITS(c->ctl_socket);
	CHECK(c->ctl_mode <= 0777);
	CHECK(c->ctl_uid == -1 || (c->ctl_uid >= 0 && c->ctl_uid <= 0x7fffffff));
	CHECK(c->ctl_gid == -1 || (c->ctl_gid >= 0 && c->ctl_gid <= 0x7fffffff));
	FITS(c->ctl_audit);
	FITS(c->journal);
	FITS(c->log_file);
	RANGE(c->log_ring, 64u, 1u << 20);
	FITS(c->history);
	RANGE(c->history_interval, 1u, 86400u);
	FITS(c->appliance);
	CHECK(c->appliance[0] == '\0' || blank_free(c->appliance));
	FITS(c->prometheus);
	RANGE(c->prometheus_interval, 1u, 86400u);
	RANGE(c->n_feeds, 0u, (unsigned int)DG_CONFIG_MAX_FEEDS);
	for (i = 0; i < c->n_feeds; i++) {
		const struct dg_config_feed *f = &c->feeds[i];
		static const char *const actions[] = { "given", "sinkhole", "nxdomain", "nodata",
						       "drop", "log-only" };
		bool known = false;

		FITS(f->zone);
		FITS(f->tsig_name);
		FITS(f->tsig_algorithm);
		FITS(f->tsig_secret);
		FITS(f->identifier);
		FITS(f->category);
		FITS(f->action);
		FITS(f->state_dir);
		/* what the whole-file check requires of every feed */
		CHECK(f->zone[0] != '\0' && f->primary.set && f->state_dir[0] != '\0');
		CHECK(f->primary.a.family == 4 || f->primary.a.family == 6);
		CHECK(!f->notify.set || f->notify.a.family == 4 || f->notify.a.family == 6);
		CHECK(f->primary.port >= 1 && (!f->notify.set || f->notify.port >= 1));
		RANGE(f->refresh, 0u, 7u * 86400);
		RANGE(f->retry, 0u, 86400u);
		RANGE(f->timeout, 1u, 3600u);
		for (j = 0; j < sizeof(actions) / sizeof(actions[0]); j++)
			known |= strcmp(f->action, actions[j]) == 0;
		CHECK(known);
		/* a TSIG key is whole: name, a known algorithm (lower case), base64 secret */
		if (f->tsig_name[0] != '\0')
			CHECK((!strcmp(f->tsig_algorithm, "hmac-sha256") ||
			       !strcmp(f->tsig_algorithm, "hmac-sha512") ||
			       !strcmp(f->tsig_algorithm, "hmac-sha1")) &&
			      f->tsig_secret[0] != '\0' && strlen(f->tsig_secret) % 4 == 0);
		else
			CHECK(f->tsig_algorithm[0] == '\0' && f->tsig_secret[0] == '\0');
		RANGE(f->line, 1u, nlines);
		CHECK(i == 0 || f->line > c->feeds[i - 1].line);
	}
}

/* `PATH:LINE: reason` (line returned) or `PATH: reason` (0 returned). */
static unsigned int
check_err(const char *err, size_t errlen, unsigned int nlines)
{
	size_t plen = strlen(path), len = strnlen(err, errlen);
	unsigned long line = 0;
	const char *p;

	CHECK(len < errlen);
	CHECK(strchr(err, '\n') == NULL);
	CHECK(strncmp(err, path, plen) == 0 && err[plen] == ':');
	p = err + plen + 1;
	if (*p == ' ') {
		/* whole-file check: the only one without a line */
		CHECK(strcmp(p, " no [ports] pair: nothing to forward") == 0);
		return 0;
	}
	CHECK(*p >= '1' && *p <= '9');
	while (*p >= '0' && *p <= '9')
		line = line * 10 + (unsigned long)(*p++ - '0');
	CHECK(line >= 1 && line <= nlines);
	CHECK(p[0] == ':' && p[1] == ' ' && p[2] != '\0' && p[2] != ' ');
	return (unsigned int)line;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct dg_config c;
	static char err[DG_CONFIG_ERR_MAX], err2[DG_CONFIG_ERR_MAX];
	unsigned int nlines = 0, line;
	size_t cut = 0;
	int rc;

	if (fd < 0) {
		fd = memfd_create("fuzz.ini", MFD_CLOEXEC);
		CHECK(fd >= 0);
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	}
	for (size_t i = 0; i < size; i++)
		nlines += data[i] == '\n';
	nlines += size > 0 && data[size - 1] != '\n';

	put(data, size);
	dg_config_defaults(&c);
	memset(err, 0x55, sizeof(err));
	rc = dg_config_load(&c, path, err, sizeof(err));
	if (rc == 0)
		check_config(&c, nlines);
	dg_config_free(&c);
	if (rc == 0)
		return 0;
	/* a file the config names (tsig_file) may fail with its own errno */
	CHECK(rc == -EINVAL || rc == -E2BIG || rc == -ENOMEM || strstr(err, ": tsig_file") != NULL);
	line = check_err(err, sizeof(err), nlines);
	/* a [feed] section is checked as a whole at its header: lines below it count */
	if (line == 0 || strstr(err, ": [feed] ") != NULL)
		return 0;

	/* The file cut after the line named gives the same error. */
	for (unsigned int n = 0; cut < size && n < line; cut++)
		n += data[cut] == '\n';
	put(data, cut);
	CHECK(load(&c, err2, sizeof(err2)) == rc);
	CHECK(strcmp(err, err2) == 0);
	return 0;
}
