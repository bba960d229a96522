/* SPDX-License-Identifier: BSD-3-Clause */
/* The command table: one definition of names, arity and usage for client and server. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "dg_ctl.h"

#define ANY UINT8_MAX

const struct dg_ctl_cmd dg_ctl_cmds[DG_CTL_CMD_COUNT] = {
	[DG_CTL_CMD_STATUS] = { DG_CTL_CMD_STATUS, "status", NULL, 0, 0, 0,
		"status", "uptime, ports, snapshot and list summary" },
	[DG_CTL_CMD_STATS] = { DG_CTL_CMD_STATS, "stats", NULL, 0, 0, DG_CTL_CMD_F_JSON,
		"stats [--json]", "counters, as text or JSON" },
	[DG_CTL_CMD_RELOAD] = { DG_CTL_CMD_RELOAD, "reload", NULL, 0, 0, DG_CTL_CMD_F_CHANGE,
		"reload", "reload the lists and the opt-out file (runtime changes stay on top); the old snapshot serves on failure" },
	[DG_CTL_CMD_ADD] = { DG_CTL_CMD_ADD, "add", NULL, 1, ANY,
		DG_CTL_CMD_F_KV | DG_CTL_CMD_F_CHANGE,
		"add NAME [key=value...]", "add or replace a blocklist entry at runtime" },
	[DG_CTL_CMD_DEL] = { DG_CTL_CMD_DEL, "del", NULL, 1, 1, DG_CTL_CMD_F_CHANGE,
		"del NAME", "delete a blocklist entry at runtime" },
	[DG_CTL_CMD_LOOKUP] = { DG_CTL_CMD_LOOKUP, "lookup", NULL, 1, 1, 0,
		"lookup NAME", "which entry matches NAME, and why" },
	[DG_CTL_CMD_ENTRIES] = { DG_CTL_CMD_ENTRIES, "entries", NULL, 1, 1, 0,
		"entries IDENTIFIER", "entries of one malware identifier" },
	[DG_CTL_CMD_REJECTS] = { DG_CTL_CMD_REJECTS, "rejects", NULL, 1, 1, 0,
		"rejects LIST", "every rejected line of a list (its path or number in status)" },
	[DG_CTL_CMD_OPTOUT_ADD] = { DG_CTL_CMD_OPTOUT_ADD, "optout", "add", 1, 1,
		DG_CTL_CMD_F_CHANGE,
		"optout add PREFIX", "opt a subscriber prefix out of filtering" },
	[DG_CTL_CMD_OPTOUT_DEL] = { DG_CTL_CMD_OPTOUT_DEL, "optout", "del", 1, 1,
		DG_CTL_CMD_F_CHANGE,
		"optout del PREFIX", "remove an opt-out prefix" },
	[DG_CTL_CMD_OPTOUT_LIST] = { DG_CTL_CMD_OPTOUT_LIST, "optout", "list", 0, 0, 0,
		"optout list", "list opt-out prefixes" },
	[DG_CTL_CMD_LOG_ROTATE] = { DG_CTL_CMD_LOG_ROTATE, "log", "rotate", 0, 0,
		DG_CTL_CMD_F_CHANGE,
		"log rotate", "reopen the filtered-query log and the audit log" },
	[DG_CTL_CMD_AUDIT] = { DG_CTL_CMD_AUDIT, "audit", NULL, 0, 1, 0,
		"audit [N]", "the last N control changes (default 20)" },
	[DG_CTL_CMD_VERSION] = { DG_CTL_CMD_VERSION, "version", NULL, 0, 0, 0,
		"version", "appliance version" },
	[DG_CTL_CMD_QUARANTINE_ADD] = { DG_CTL_CMD_QUARANTINE_ADD, "quarantine", "add", 1, 2,
		DG_CTL_CMD_F_KV | DG_CTL_CMD_F_CHANGE,
		"quarantine add PREFIX [action=sinkhole|nxdomain]",
		"put a subscriber prefix under quarantine" },
	[DG_CTL_CMD_QUARANTINE_DEL] = { DG_CTL_CMD_QUARANTINE_DEL, "quarantine", "del", 1, 1,
		DG_CTL_CMD_F_CHANGE,
		"quarantine del PREFIX", "release a prefix added with quarantine add" },
	[DG_CTL_CMD_QUARANTINE_LIST] = { DG_CTL_CMD_QUARANTINE_LIST, "quarantine", "list", 0, 0,
		0, "quarantine list", "list quarantined prefixes" },
};

/* "usage: optout add PREFIX | optout del PREFIX | optout list" for a command word. */
static void
usage_of_word(const char *word, char *reason, size_t rlen)
{
	size_t off;
	int i, n;

	off = (size_t)snprintf(reason, rlen, "usage:");
	for (i = 0, n = 0; i < DG_CTL_CMD_COUNT && off < rlen; i++) {
		if (strcmp(dg_ctl_cmds[i].word, word) != 0)
			continue;
		off += (size_t)snprintf(reason + off, rlen - off, "%s %s", n++ ? " |" : "",
			dg_ctl_cmds[i].usage);
	}
}

int
dg_ctl_cmd_check(int argc, char *const argv[], const struct dg_ctl_cmd **cmd,
	int *nwords, bool *json, char *reason, size_t rlen)
{
	const struct dg_ctl_cmd *c = NULL;
	bool word_known = false, j = false;
	int i, nw = 1, nargs;

	if (argc < 1 || argv == NULL || argv[0] == NULL) {
		snprintf(reason, rlen, "empty request");
		return -EINVAL;
	}
	for (i = 0; i < DG_CTL_CMD_COUNT; i++) {
		const struct dg_ctl_cmd *e = &dg_ctl_cmds[i];

		if (strcmp(e->word, argv[0]) != 0)
			continue;
		word_known = true;
		if (e->sub == NULL) {
			c = e;
			break;
		}
		if (argc >= 2 && strcmp(e->sub, argv[1]) == 0) {
			c = e;
			nw = 2;
			break;
		}
	}
	if (c == NULL) {
		if (!word_known)
			snprintf(reason, rlen, "unknown command '%.64s'", argv[0]);
		else if (argc < 2)
			usage_of_word(argv[0], reason, rlen);
		else {
			char u[256];

			usage_of_word(argv[0], u, sizeof(u));
			snprintf(reason, rlen, "unknown command '%.64s %.64s' (%s)", argv[0],
				argv[1], u);
		}
		return -EINVAL;
	}

	nargs = argc - nw;
	if (nargs > 0 && strcmp(argv[nw], "--json") == 0) {
		if (!(c->flags & DG_CTL_CMD_F_JSON)) {
			snprintf(reason, rlen, "'%s%s%s' has no JSON output", c->word,
				c->sub ? " " : "", c->sub ? c->sub : "");
			return -EINVAL;
		}
		j = true;
		nargs--;
	}
	if (nargs < c->min_args || (c->max_args != ANY && nargs > c->max_args)) {
		snprintf(reason, rlen, "usage: %s", c->usage);
		return -EINVAL;
	}
	if (c->flags & DG_CTL_CMD_F_KV) {
		for (i = argc - nargs + 1; i < argc; i++) {
			const char *eq = strchr(argv[i], '=');

			if (eq == NULL || eq == argv[i]) {
				snprintf(reason, rlen, "'%.64s' is not key=value (usage: %s)",
					argv[i], c->usage);
				return -EINVAL;
			}
		}
	}
	if (cmd != NULL)
		*cmd = c;
	if (nwords != NULL)
		*nwords = nw;
	if (json != NULL)
		*json = j;
	return 0;
}
