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
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>

#include "dg_app.h"

enum { EXIT_CONFIG = 2 };

static struct dg_app app;

static void
usage(FILE *out, const char *prog)
{
	fprintf(out,
		"usage: %s [EAL options] -- --config FILE [options]\n"
		"  --config FILE         INI configuration (see docs/config.md)\n"
		"  --run-for SEC         stop after SEC seconds ([mgmt] run_for)\n"
		"  --idle-exit SEC       stop after SEC seconds without a received frame\n"
		"  --stats-interval SEC  live counter line every SEC seconds, 0 = off\n"
		"  --version, --help\n", prog);
}

static void
on_signal(int sig)
{
	(void)sig;
	dg_mgmt_request_stop();
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

	rc = dg_ports_setup(&app, err, sizeof(err));
	if (rc < 0) {
		fprintf(stderr, "dnsgate: %s\n", err);
		rte_eal_cleanup();
		return rc == -ENODEV || rc == -EINVAL ? EXIT_CONFIG : EXIT_FAILURE;
	}
	printf("dnsgate %s: %u worker(s), %u port(s)\n", DG_VERSION, app.n_workers, app.n_ports);
	for (unsigned int i = 0; i < app.n_ports; i++)
		printf("  port %u %s (%s side, %u queue%s) -> %s\n", app.ports[i].id,
		       app.ports[i].name,
		       app.ports[i].side == DG_SIDE_SUBSCRIBER ? "subscriber" : "network",
		       app.ports[i].nq, app.ports[i].nq == 1 ? "" : "s",
		       app.ports[app.ports[i].peer].name);
	fflush(stdout);

	app.start_tsc = rte_rdtsc();
	for (unsigned int w = 0; w < app.n_workers; w++)
		rte_eal_remote_launch(dg_worker_main, &app, app.workers[w]->lcore);
	dg_mgmt_loop(&app);
	rte_eal_mp_wait_lcore();

	dg_mgmt_summary(&app, stdout);
	dg_ports_close(&app);
	dg_config_free(&app.cfg);
	rte_eal_cleanup();
	return 0;
}
