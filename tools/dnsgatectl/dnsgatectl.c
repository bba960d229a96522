/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dnsgatectl: send one command to the appliance's control socket and print the answer.
 * Exit 0 on OK, 1 when the appliance answers ERR, 2 on usage or connection errors.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dg_ctl.h"
#include "dg_ctl_client.h"
#include "dg_optout.h"

#ifndef DG_VERSION
#define DG_VERSION "unknown"
#endif

enum {
	EXIT_OK = 0,
	EXIT_ERR = 1,     /* the appliance said ERR */
	EXIT_USAGE = 2,   /* our side: usage, connection, transport */
};

#define DEFAULT_TIMEOUT_S 30

static void
usage(FILE *f)
{
	int i;

	fprintf(f,
		"usage: dnsgatectl [-s SOCKET] [-t SECONDS] [--json] COMMAND [ARGS...]\n"
		"       dnsgatectl -h | -V\n"
		"\n"
		"  -s, --socket SOCKET   control socket (default $DNSGATE_SOCKET or %s)\n"
		"  -t, --timeout SECONDS give up after this long (default %d, 0 = never)\n"
		"      --json            JSON output, for commands that have it\n"
		"  -h, --help            this text\n"
		"  -V, --version         dnsgatectl's own version\n"
		"\ncommands:\n", DG_CTL_DEFAULT_PATH, DEFAULT_TIMEOUT_S);
	for (i = 0; i < DG_CTL_CMD_COUNT; i++)
		fprintf(f, "  %-26s %s\n", dg_ctl_cmds[i].usage, dg_ctl_cmds[i].help);
}

static int
parse_timeout(const char *s, unsigned int *ms)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || s[0] == '-' || v > 86400)
		return -EINVAL;
	*ms = (unsigned int)v * 1000;
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "timeout", required_argument, NULL, 't' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = getenv("DNSGATE_SOCKET");
	unsigned int timeout_ms = DEFAULT_TIMEOUT_S * 1000;
	char *req[DG_CTL_ARGS_MAX + 1];
	char reason[DG_CTL_REASON_MAX + 256];
	const struct dg_ctl_cmd *cmd;
	struct dg_ctl_buf body;
	bool json = false, has_json;
	int c, n, nw, i, ret;

	if (path == NULL || path[0] == '\0')
		path = DG_CTL_DEFAULT_PATH;
	/* '+': stop at the command, so its own arguments are never taken for options. */
	while ((c = getopt_long(argc, argv, "+s:t:hV", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			path = optarg;
			break;
		case 't':
			if (parse_timeout(optarg, &timeout_ms) != 0) {
				fprintf(stderr, "dnsgatectl: bad timeout '%s' (seconds, 0..86400)\n",
					optarg);
				return EXIT_USAGE;
			}
			break;
		case 'j':
			json = true;
			break;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		case 'V':
			printf("dnsgatectl %s\n", DG_VERSION);
			return EXIT_OK;
		default:
			fprintf(stderr, "dnsgatectl: try 'dnsgatectl --help'\n");
			return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "dnsgatectl: no command given; try 'dnsgatectl --help'\n");
		return EXIT_USAGE;
	}

	/* The request: the command words, then --json if asked globally, then the rest. */
	n = argc - optind;
	if (n > DG_CTL_ARGS_MAX - 1) {
		fprintf(stderr, "dnsgatectl: too many arguments (at most %d)\n",
			DG_CTL_ARGS_MAX - 1);
		return EXIT_USAGE;
	}
	ret = dg_ctl_cmd_check(n, argv + optind, &cmd, &nw, &has_json, reason,
		sizeof(reason));
	if (ret != 0) {
		fprintf(stderr, "dnsgatectl: %s\n", reason);
		return EXIT_USAGE;
	}
	for (i = 0; i < n; i++)
		req[i] = argv[optind + i];
	if (json && !has_json) {
		/* --json goes right after the command words, where the server expects it. */
		memmove(&req[nw + 1], &req[nw], (size_t)(n - nw) * sizeof(req[0]));
		req[nw] = (char *)"--json";
		n++;
		ret = dg_ctl_cmd_check(n, req, &cmd, NULL, NULL, reason, sizeof(reason));
		if (ret != 0) {
			fprintf(stderr, "dnsgatectl: %s\n", reason);
			return EXIT_USAGE;
		}
	}
	req[n] = NULL;

	if (cmd->id == DG_CTL_CMD_OPTOUT_ADD || cmd->id == DG_CTL_CMD_OPTOUT_DEL ||
	    cmd->id == DG_CTL_CMD_QUARANTINE_ADD || cmd->id == DG_CTL_CMD_QUARANTINE_DEL) {
		struct dg_optout_prefix p;
		const char *why;
		const char *arg = req[nw];

		if (dg_optout_prefix_parse(arg, &p, &why) != 0) {
			fprintf(stderr, "dnsgatectl: bad prefix '%s': %s\n", arg, why);
			return EXIT_USAGE;
		}
	}

	dg_ctl_buf_init(&body, 0);
	ret = dg_ctl_client_call(path, n, req, timeout_ms, &body, reason, sizeof(reason));
	if (ret == 1) {
		fprintf(stderr, "dnsgatectl: %s%s%s: %s\n", cmd->word, cmd->sub ? " " : "",
			cmd->sub ? cmd->sub : "", reason);
		dg_ctl_buf_fini(&body);
		return EXIT_ERR;
	}
	if (ret < 0) {
		fprintf(stderr, "dnsgatectl: %s\n", reason);
		dg_ctl_buf_fini(&body);
		return EXIT_USAGE;
	}
	if (body.len > 0) {
		if (fwrite(body.data, 1, body.len, stdout) != body.len ||
				(body.data[body.len - 1] != '\n' && putchar('\n') == EOF)) {
			dg_ctl_buf_fini(&body);
			fprintf(stderr, "dnsgatectl: cannot write output: %s\n", strerror(errno));
			return EXIT_USAGE;
		}
	}
	dg_ctl_buf_fini(&body);
	if (fflush(stdout) != 0) {
		fprintf(stderr, "dnsgatectl: cannot write output: %s\n", strerror(errno));
		return EXIT_USAGE;
	}
	return EXIT_OK;
}
