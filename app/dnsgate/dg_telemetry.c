/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * DPDK telemetry commands, each a walk of the counter registry on the telemetry thread
 * (relaxed loads of the workers' and the management loop's counters, ethdev for the NIC).
 * What only the management core may walk (the identifiers) is copied by the management
 * loop once a second and served from the copy. One lock keeps the commands out of that
 * copy while it changes, and out for good once dg_telemetry_stop() ran.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_telemetry.h>

#include "dg_counters.h"
#include "dg_telemetry.h"

/* A management-core array's element, as last copied. */
struct copied {
	const struct dg_metric *m;
	char key[DG_METRICS_KEY_MAX];
	uint64_t v;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static bool stopped;
static struct copied *copy;
static size_t n_copy;
static uint64_t next_copy_tsc;

/* struct dg_metrics_dict onto an rte_tel_data dict, one nested level. */
struct sink {
	struct rte_tel_data *top, *cur;
	char key[DG_METRICS_KEY_MAX];
	bool flat; /* open/close ignored: one array's elements at the top */
};

/* A full dict (RTE_TEL_MAX_DICT_ENTRIES) keeps what it has: not an error. */
static int
full_ok(int rc)
{
	return rc == -ENOSPC ? 0 : rc;
}

static int
t_u64(void *arg, const char *key, uint64_t v)
{
	struct sink *s = arg;

	return full_ok(rte_tel_data_add_dict_u64(s->cur ? s->cur : s->top, key, v));
}

static int
t_str(void *arg, const char *key, const char *v)
{
	struct sink *s = arg;

	return full_ok(rte_tel_data_add_dict_string(s->cur ? s->cur : s->top, key, v));
}

static int
t_open(void *arg, const char *key)
{
	struct sink *s = arg;

	if (s->flat)
		return 0;
	s->cur = rte_tel_data_alloc();
	if (s->cur == NULL)
		return -ENOMEM;
	rte_tel_data_start_dict(s->cur);
	snprintf(s->key, sizeof(s->key), "%s", key);
	return 0;
}

static int
t_close(void *arg)
{
	struct sink *s = arg;
	int rc;

	if (s->flat || s->cur == NULL)
		return 0;
	rc = rte_tel_data_add_dict_container(s->top, s->key, s->cur, 0);
	if (rc != 0)
		rte_tel_data_free(s->cur);
	s->cur = NULL;
	return full_ok(rc);
}

/* Walk @p sel into @p d, unless stopped. */
static int
answer(const struct dg_metrics_sel *sel, struct rte_tel_data *d, bool flat)
{
	struct sink s = { .top = d, .flat = flat };
	struct dg_metrics_dict dict = { t_u64, t_str, t_open, t_close, &s };
	struct dg_counters w;
	int rc = -EBUSY;

	rte_tel_data_start_dict(d);
	pthread_mutex_lock(&lock);
	if (!stopped) {
		dg_counters_open(&w);
		rc = dg_metrics_to_dict(&w.reg, sel, &dict);
	}
	pthread_mutex_unlock(&lock);
	return rc;
}

static int
tel_stats(const char *cmd, const char *params, struct rte_tel_data *d)
{
	const struct dg_metrics_sel sel = { .scopes = 1u << DG_METRIC_GLOBAL, .port = -1,
					    .skip = DG_METRIC_F_MGMT };

	(void)cmd, (void)params;
	return answer(&sel, d, false);
}

static int
tel_ports(const char *cmd, const char *params, struct rte_tel_data *d)
{
	const struct dg_metrics_sel sel = { .scopes = 1u << DG_METRIC_PORT, .port = -1,
					    .how = DG_METRICS_NO_DYNAMIC };

	(void)cmd, (void)params;
	return answer(&sel, d, false);
}

/* "/dnsgate/KEY" of an array with a command of its own. */
static void
cmd_name(const struct dg_metric *m, char *buf, size_t len)
{
	char key[DG_METRICS_NAME_MAX];

	dg_metrics_key(m->name, key, sizeof(key));
	snprintf(buf, len, "/dnsgate/%s", key);
}

static bool
own_command(const struct dg_metric *m)
{
	return m->each != NULL && (m->scope == DG_METRIC_PORT || (m->flags & DG_METRIC_F_MGMT));
}

/* A port by index or name; -1 if none. */
static int
port_of(const struct dg_metrics *r, const char *p)
{
	char *end;
	unsigned long i;

	if (p == NULL || *p == '\0')
		return -1;
	i = strtoul(p, &end, 10);
	if (*end == '\0' && i < r->n_ports)
		return (int)i;
	for (unsigned int k = 0; k < r->n_ports; k++)
		if (strcmp(r->port_name(r->ctx, k), p) == 0)
			return (int)k;
	return -1;
}

static int
tel_array(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct dg_metrics_sel sel = { .port = -1 };
	struct dg_counters w;
	char name[RTE_TEL_MAX_STRING_LEN];

	dg_counters_open(&w);
	for (size_t i = 0; i < w.reg.n && sel.only == NULL; i++) {
		cmd_name(&w.reg.m[i], name, sizeof(name));
		if (own_command(&w.reg.m[i]) && strcmp(name, cmd) == 0)
			sel.only = &w.reg.m[i];
	}
	if (sel.only == NULL)
		return -EINVAL;
	if (!(sel.only->flags & DG_METRIC_F_MGMT)) {
		if (sel.only->scope == DG_METRIC_PORT &&
		    (sel.port = port_of(&w.reg, params)) < 0)
			return -EINVAL;
		return answer(&sel, d, true);
	}
	rte_tel_data_start_dict(d);
	pthread_mutex_lock(&lock);
	for (size_t i = 0; i < n_copy && !stopped; i++)
		if (copy[i].m == sel.only &&
		    rte_tel_data_add_dict_u64(d, copy[i].key, copy[i].v) == -ENOSPC)
			break;
	pthread_mutex_unlock(&lock);
	return 0;
}

int
dg_telemetry_register(void)
{
	struct dg_counters w;
	char name[RTE_TEL_MAX_STRING_LEN], help[RTE_TEL_MAX_STRING_LEN];
	int rc;

	rc = rte_telemetry_register_cmd("/dnsgate/stats", tel_stats,
		"dnsgate's global counters; arrays (verdict, forward...) as nested dicts");
	rc = rc ?: rte_telemetry_register_cmd("/dnsgate/ports", tel_ports,
		"dnsgate's counters of each port (by name), the NIC's included");
	dg_counters_open(&w);
	for (size_t i = 0; i < w.reg.n && rc == 0; i++) {
		if (!own_command(&w.reg.m[i]))
			continue;
		cmd_name(&w.reg.m[i], name, sizeof(name));
		snprintf(help, sizeof(help), "dnsgate: %s%s", w.reg.m[i].help,
			 w.reg.m[i].scope == DG_METRIC_PORT ? ". Parameter: port index or name" : "");
		rc = rte_telemetry_register_cmd(name, tel_array, help);
	}
	return rc;
}

struct copying {
	struct copied *v;
	size_t n, cap;
};

static int
copy_step(void *arg, const struct dg_metrics_sample *s)
{
	struct copying *c = arg;

	if (s->begin || s->label == NULL)
		return 0;
	if (c->n == c->cap) {
		size_t cap = c->cap ? 2 * c->cap : 64;
		struct copied *v = realloc(c->v, cap * sizeof(*v));

		if (v == NULL)
			return -ENOMEM;
		c->v = v;
		c->cap = cap;
	}
	c->v[c->n].m = s->m;
	dg_metrics_key(s->label, c->v[c->n].key, sizeof(c->v[0].key));
	c->v[c->n++].v = s->value;
	return 0;
}

void
dg_telemetry_tick(void)
{
	const struct dg_metrics_sel sel = { .port = -1, .need = DG_METRIC_F_MGMT };
	struct copying c = { 0 };
	struct dg_counters w;
	struct copied *old;

	if (rte_rdtsc() < next_copy_tsc)
		return;
	next_copy_tsc = rte_rdtsc() + rte_get_tsc_hz();
	dg_counters_open(&w);
	if (dg_metrics_walk(&w.reg, &sel, copy_step, &c) != 0) {
		free(c.v); /* out of memory: keep the last copy */
		return;
	}
	pthread_mutex_lock(&lock);
	old = copy;
	copy = c.v;
	n_copy = c.n;
	pthread_mutex_unlock(&lock);
	free(old);
}

void
dg_telemetry_stop(void)
{
	pthread_mutex_lock(&lock);
	stopped = true;
	free(copy);
	copy = NULL;
	n_copy = 0;
	pthread_mutex_unlock(&lock);
}
