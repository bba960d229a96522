/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dnsgate: inline DNS filtering appliance.
 *
 *   dnsgate [EAL options] -- --config FILE [--run-for S] [--idle-exit S] [--stats-interval S]
 *
 * The config is read and checked before the EAL starts, so a bad file costs nothing and
 * touches no port. Exit status: 0 clean stop, 1 runtime failure, 2 usage or config error.
 */
#include <errno.h>
#include <inttypes.h>
#include <time.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>

#include <rte_malloc.h>

#include "dg_app.h"
#include "dg_commands.h"
#include "dg_counters.h"
#include "dg_feeds.h"
#include "dg_outputs.h"
#include "dg_ctl_audit.h"
#include "dg_ctl_server.h"
#include "dg_snapshot.h"
#include "dg_stats.h"
#include "dg_telemetry.h"
#include "dg_tz.h"

enum { EXIT_CONFIG = 2 };

static struct dg_app app;
static struct dg_control control;
static struct dg_ctl_server *ctl_server;
static struct dg_ctl_audit *ctl_audit;
static struct dg_outputs outputs;
static struct dg_feeds feeds;
static volatile sig_atomic_t rotate_requested;

/* Is the destination one of the configured resolvers? (data path: a short scan) */
static int
dst_is_resolver(const struct dg_pkt *p, void *arg)
{
	const struct dg_config *cfg = arg;

	for (unsigned int i = 0; i < cfg->n_resolvers; i++)
		if (cfg->resolvers[i].family == p->ip_ver &&
		    memcmp(cfg->resolvers[i].addr, p->dst_addr, p->addr_len) == 0)
			return 1;
	return 0;
}

static int
soa_name(struct dg_name *n, const char *text, const char *what, char *err, size_t len)
{
	if (dg_name_from_text(n, text, strlen(text)) < 0) {
		snprintf(err, len, "%s: [answer] soa: bad %s '%s'", app.cfg.path, what, text);
		return -EINVAL;
	}
	return 0;
}

/* Parser and answer settings from the config; the RCU variable the workers report to. */
static int
setup_filtering(char *err, size_t len)
{
	const struct dg_config *cfg = &app.cfg;
	size_t sz;
	int rc;

	dg_pkt_cfg_init(&app.dcfg.pkt);
	app.dcfg.pkt.vlan_max = (uint8_t)cfg->vlan_max;
	app.dcfg.pkt.min_src_port = (uint16_t)cfg->min_src_port;
	app.dcfg.pkt.dns_port = (uint16_t)cfg->dns_port;
	if (cfg->n_resolvers > 0) {
		app.dcfg.pkt.dst_filter = dst_is_resolver;
		app.dcfg.pkt.dst_filter_arg = &app.cfg;
	}
	dg_answer_cfg_init(&app.dcfg.answer);
	app.dcfg.answer.ttl = cfg->ttl;
	app.dcfg.answer.sinkhole4_set = cfg->sinkhole4_set;
	memcpy(app.dcfg.answer.sinkhole4, cfg->sinkhole4, 4);
	app.dcfg.answer.sinkhole6_set = cfg->sinkhole6_set;
	memcpy(app.dcfg.answer.sinkhole6, cfg->sinkhole6, 16);
	app.dcfg.answer.edns_udp_size = (uint16_t)cfg->edns_udp_size;
	app.dcfg.answer.ede = cfg->ede;
	app.dcfg.answer.ede_code = (uint16_t)cfg->ede_code;
	if (cfg->soa.set) {
		if (soa_name(&app.soa.owner, cfg->soa.zone, "zone", err, len) < 0 ||
		    soa_name(&app.soa.mname, cfg->soa.mname, "mname", err, len) < 0 ||
		    soa_name(&app.soa.rname, cfg->soa.rname, "rname", err, len) < 0)
			return -EINVAL;
		app.soa.serial = cfg->soa.serial;
		app.soa.refresh = cfg->soa.refresh;
		app.soa.retry = cfg->soa.retry;
		app.soa.expire = cfg->soa.expire;
		app.soa.minimum = cfg->soa.minimum;
		app.soa.ttl = cfg->ttl;
		app.dcfg.answer.soa = &app.soa;
	}
	app.dcfg.ede_text = cfg->ede_text;
	/* Hit records feed the hit log and dnstap; samples only dnstap. */
	app.dcfg.log = cfg->log_file[0] != '\0' || cfg->dnstap[0] != '\0';
	app.dcfg.sample = cfg->dnstap[0] != '\0' ? cfg->dnstap_sample : 0;
	app.dcfg.responses = cfg->responses;
	app.today = (uint32_t)dg_tz_day((int64_t)time(NULL));
	sz = rte_rcu_qsbr_get_memsize(app.n_workers);
	app.qsbr = rte_zmalloc("dg_qsbr", sz, RTE_CACHE_LINE_SIZE);
	if (app.qsbr == NULL || rte_rcu_qsbr_init(app.qsbr, app.n_workers) != 0) {
		snprintf(err, len, "cannot set up RCU for %u workers", app.n_workers);
		return -ENOMEM;
	}
	/* The feeds' zone files, then the canary, are list sources from the first snapshot on. */
	rc = dg_feeds_init(&feeds, &app, &control, err, len);
	if (rc == 0)
		rc = dg_intercept_init(&app, &control, err, len);
	if (rc == 0)
		rc = dg_snapshot_init(&control, &app, err, len);
	control.feeds = &feeds;
	return rc;
}

static int
setup_ctl(char *err, size_t len)
{
	struct dg_ctl_server_conf c;
	char why[256];
	int rc;

	if (app.cfg.ctl_audit[0] != '\0') {
		rc = dg_ctl_audit_open(app.cfg.ctl_audit, &ctl_audit, why, sizeof(why));
		if (rc < 0) {
			snprintf(err, len, "%s: [ctl] audit: %s", app.cfg.path, why);
			return rc;
		}
		control.audit = ctl_audit;
	}
	if (app.cfg.ctl_socket[0] == '\0')
		return 0;
	dg_ctl_server_conf_init(&c);
	c.audit = ctl_audit;
	c.path = app.cfg.ctl_socket;
	c.mode = (mode_t)app.cfg.ctl_mode;
	c.uid = app.cfg.ctl_uid < 0 ? DG_CTL_ID_NONE : (uid_t)app.cfg.ctl_uid;
	c.gid = app.cfg.ctl_gid < 0 ? DG_CTL_ID_NONE : (gid_t)app.cfg.ctl_gid;
	rc = dg_ctl_server_open(&c, &ctl_server, why, sizeof(why));
	if (rc < 0)
		snprintf(err, len, "%s: [ctl] socket %s: %s", app.cfg.path, c.path, why);
	control.ctl = ctl_server;
	return rc;
}

static int
setup_guards(char *err, size_t len)
{
	for (unsigned int w = 0; w < app.n_workers; w++) {
		/* RSS spreads a source's flows over the workers: each holds its share. */
		if (dg_guard_create_share(&app.workers[w]->guard, app.cfg.guard_slots,
					  app.cfg.guard_rate, app.cfg.guard_burst, rte_get_tsc_hz(),
					  app.n_workers) < 0) {
			snprintf(err, len, "cannot create the reflection guard");
			return -ENOMEM;
		}
		app.workers[w]->dec.guard = app.workers[w]->guard;
		if (app.cfg.inspect && app.cfg.tcp_flows > 0 &&
		    dg_tcp_create(&app.workers[w]->tcp, app.cfg.tcp_flows,
				  (uint64_t)app.cfg.tcp_idle * rte_get_tsc_hz()) < 0) {
			snprintf(err, len, "cannot create the TCP/53 flow table (%u flows)",
				 app.cfg.tcp_flows);
			return -ENOMEM;
		}
	}
	return 0;
}

static void
usage(FILE *out, const char *prog)
{
	fprintf(out,
		"usage: %s [EAL options] -- --config FILE [options]\n"
		"  --config FILE         INI configuration (see docs/config.md)\n"
		"  --run-for SEC         stop after SEC seconds ([mgmt] run_for)\n"
		"  --idle-exit SEC       stop after SEC seconds without a received frame\n"
		"  --stats-interval SEC  live counter line every SEC seconds, 0 = off\n"
		"  --counters            list every counter (docs/counters.md) and exit\n"
		"  --version, --help\n", prog);
}

static void
on_signal(int sig)
{
	if (sig == SIGHUP)
		rotate_requested = 1;
	else
		dg_mgmt_request_stop();
}

/* Every management tick: hit log, history, textfile, and a rotation SIGHUP asked for. */
static void
on_tick(void *arg)
{
	(void)arg;
	if (rotate_requested) {
		rotate_requested = 0;
		if (dg_outputs_rotate(&outputs) < 0 && outputs.log != NULL)
			fprintf(stderr, "dnsgate: hit log rotation failed\n");
		if (ctl_audit != NULL && dg_ctl_audit_reopen(ctl_audit) < 0)
			fprintf(stderr, "dnsgate: audit log %s: reopen failed, writing to the old "
				"file\n", dg_ctl_audit_path(ctl_audit));
	}
	dg_outputs_tick(&outputs);
	dg_feeds_tick(&feeds);
	dg_telemetry_tick();
	dg_snapshot_tick(&control);
}

static void
after_load(void *arg)
{
	dg_outputs_record_load(arg);
}

/* Application options come after "--"; returns the index of "--" or argc. */
static int
parse_app_args(int argc, char **argv, const char **config, char overrides[][2][32],
	       unsigned int *n_over)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "run-for", required_argument, NULL, 'r' },
		{ "idle-exit", required_argument, NULL, 'i' },
		{ "stats-interval", required_argument, NULL, 's' },
		{ "version", no_argument, NULL, 'V' },
		{ "counters", no_argument, NULL, 'C' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int dd = 1, opt;

	while (dd < argc && strcmp(argv[dd], "--") != 0)
		dd++;
	if (dd == argc) {
		/* No "--": everything is ours (no EAL options given). */
		dd = 0;
	}
	optind = 1;
	while ((opt = getopt_long(argc - dd, argv + dd, "", opts, NULL)) != -1) {
		const char *key = NULL;

		switch (opt) {
		case 'c': *config = optarg; break;
		case 'r': key = "run_for"; break;
		case 'i': key = "idle_exit"; break;
		case 's': key = "stats_interval"; break;
		case 'V': printf("dnsgate %s\n", DG_VERSION); exit(0);
		case 'C': dg_counters_list(stdout); exit(0);
		case 'h': usage(stdout, argv[0]); exit(0);
		default: usage(stderr, argv[0]); exit(EXIT_CONFIG);
		}
		if (key != NULL) {
			snprintf(overrides[*n_over][0], 32, "%s", key);
			snprintf(overrides[*n_over][1], 32, "%s", optarg);
			(*n_over)++;
		}
	}
	if (optind < argc - dd) {
		fprintf(stderr, "dnsgate: unexpected argument '%s'\n", argv[dd + optind]);
		exit(EXIT_CONFIG);
	}
	return dd == 0 ? argc : dd;
}

int
main(int argc, char **argv)
{
	const char *config = NULL;
	char over[4][2][32], err[DG_CONFIG_ERR_MAX];
	unsigned int n_over = 0;
	char *eal_argv[1 + 256 + DG_CONFIG_MAX_EAL_ARGS];
	int dd, eal_argc = 0, rc;

	dd = parse_app_args(argc, argv, &config, over, &n_over);
	if (config == NULL) {
		fprintf(stderr, "dnsgate: --config FILE is required\n");
		usage(stderr, argv[0]);
		return EXIT_CONFIG;
	}
	dg_config_defaults(&app.cfg);
	if (dg_config_load(&app.cfg, config, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s\n", err);
		return EXIT_CONFIG;
	}
	for (unsigned int i = 0; i < n_over; i++) {
		if (dg_config_set(&app.cfg, "mgmt", over[i][0], over[i][1], err, sizeof(err)) < 0) {
			fprintf(stderr, "dnsgate: command line: %s\n", err);
			return EXIT_CONFIG;
		}
	}

	/* Entry dates follow the operator's zone; the environment is written before the EAL
	 * starts any thread. */
	if (dg_tz_set(app.cfg.timezone, err, sizeof(err)) < 0) {
		fprintf(stderr, "dnsgate: [mgmt] timezone: %s\n", err);
		return EXIT_CONFIG;
	}

	/* EAL: the command line's options first, then the config's. */
	if (dd > 256) {
		fprintf(stderr, "dnsgate: too many EAL options\n");
		return EXIT_CONFIG;
	}
	eal_argv[eal_argc++] = argv[0];
	for (int i = 1; i < dd && dd < argc; i++)
		eal_argv[eal_argc++] = argv[i];
	for (unsigned int i = 0; i < app.cfg.n_eal; i++)
		eal_argv[eal_argc++] = app.cfg.eal[i];
	rc = rte_eal_init(eal_argc, eal_argv);
	if (rc < 0) {
		fprintf(stderr, "dnsgate: EAL init failed: %s\n", rte_strerror(rte_errno));
		return EXIT_CONFIG;
	}

	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGHUP, on_signal);

	/* Everything an operator can get wrong is checked before a port is configured. */
	rc = dg_ports_plan(&app, err, sizeof(err));
	if (rc == 0)
		rc = setup_filtering(err, sizeof(err));
	if (rc == 0)
		rc = setup_ctl(err, sizeof(err));
	if (rc < 0) {
		fprintf(stderr, "dnsgate: %s\n", err);
		dg_feeds_fini(&feeds);
		rte_eal_cleanup();
		return rc == -ENOMEM ? EXIT_FAILURE : EXIT_CONFIG;
	}
	rc = dg_ports_start(&app, err, sizeof(err));
	if (rc == 0)
		rc = setup_guards(err, sizeof(err));
	if (rc == 0)
		rc = dg_intercept_workers(&app, err, sizeof(err));
	if (rc == 0)
		rc = dg_outputs_init(&outputs, &app, &control, err, sizeof(err));
	if (rc < 0) {
		fprintf(stderr, "dnsgate: %s\n", err);
		rte_eal_cleanup();
		return EXIT_FAILURE;
	}
	printf("dnsgate %s: %u worker(s), %u port(s)\n", DG_VERSION, app.n_workers, app.n_ports);
	for (unsigned int i = 0; i < app.n_ports; i++)
		printf("  port %u %s (%s side, %u queue%s) -> %s\n", app.ports[i].id,
		       app.ports[i].name,
		       app.ports[i].side == DG_SIDE_SUBSCRIBER ? "subscriber" : "network",
		       app.ports[i].nq, app.ports[i].nq == 1 ? "" : "s",
		       app.ports[app.ports[i].peer].name);
	fflush(stdout);

	/* From now on a retired snapshot waits for the hit log to write the records that
	 * point into it; the first tick records the list metadata in the history. */
	control.log_mark = dg_outputs_log_mark;
	control.log_passed = dg_outputs_log_passed;
	control.log_arg = &outputs;
	control.after_load = after_load;
	control.after_load_arg = &outputs;
	control.outputs = &outputs;
	if (dg_counters_init(&control, ctl_server, err, sizeof(err)) < 0) {
		fprintf(stderr, "dnsgate: counter registry: %s\n", err);
		rte_eal_cleanup();
		return EXIT_FAILURE;
	}
	if (dg_telemetry_register() < 0)
		fprintf(stderr, "dnsgate: telemetry commands not registered\n");
	app.start_tsc = rte_rdtsc();
	if (dg_outputs_start(&outputs) < 0)
		fprintf(stderr, "dnsgate: the hit log thread did not start: the management core "
			"drains the rings\n");
	for (unsigned int w = 0; w < app.n_workers; w++)
		rte_eal_remote_launch(dg_worker_main, &app, app.workers[w]->lcore);
	if (dg_feeds_start(&feeds) < 0)
		fprintf(stderr, "dnsgate: the feed client did not start: feeds stay as on disk\n");
	dg_mgmt_loop(&app, ctl_server, dg_commands_handle, &control, on_tick, NULL);
	dg_telemetry_stop();
	rte_eal_mp_wait_lcore();
	dg_snapshot_meta_flush(&control);
	dg_outputs_fini(&outputs);

	dg_stats_summary(&app, stdout);
	if (ctl_server != NULL)
		dg_ctl_server_close(ctl_server);
	dg_ctl_audit_close(ctl_audit);
	dg_feeds_fini(&feeds);
	dg_snapshot_fini(&control);
	dg_intercept_fini(&app);
	for (unsigned int w = 0; w < app.n_workers; w++) {
		dg_guard_free(app.workers[w]->guard);
		dg_tcp_free(app.workers[w]->tcp);
	}
	dg_ports_close(&app);
	rte_free(app.qsbr);
	dg_config_free(&app.cfg);
	rte_eal_cleanup();
	return 0;
}
