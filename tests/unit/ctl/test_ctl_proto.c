/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dg_ctl.h"
#include "dg_ctl_client.h"
#include "dg_test.h"

static char line[DG_CTL_REQUEST_MAX + 64];
static char *av[DG_CTL_ARGS_MAX + 8];
static int ac;
static const char *why;

/* Parse a C string the way the server does: copied into a buffer with its '\n'. */
static int
parse(const char *s)
{
	size_t n = strlen(s);

	memcpy(line, s, n);
	line[n] = '\n';
	why = NULL;
	ac = -1;
	return dg_ctl_parse(line, n, av, DG_CTL_ARGS_MAX, &ac, &why);
}

static void
test_ctl_parse_words(void)
{
	CU_ASSERT_EQUAL_FATAL(parse("status"), 0);
	CU_ASSERT_EQUAL(ac, 1);
	CU_ASSERT_STRING_EQUAL(av[0], "status");

	CU_ASSERT_EQUAL_FATAL(parse("  optout\tadd   198.18.0.0/24 \t "), 0);
	CU_ASSERT_EQUAL(ac, 3);
	CU_ASSERT_STRING_EQUAL(av[0], "optout");
	CU_ASSERT_STRING_EQUAL(av[1], "add");
	CU_ASSERT_STRING_EQUAL(av[2], "198.18.0.0/24");

	/* CRLF from a telnet-ish client: the CR goes. */
	CU_ASSERT_EQUAL_FATAL(parse("stats --json\r"), 0);
	CU_ASSERT_EQUAL(ac, 2);
	CU_ASSERT_STRING_EQUAL(av[1], "--json");

	/* Bytes >= 0x80 (UTF-8 in a comment) are plain text. */
	CU_ASSERT_EQUAL_FATAL(parse("add x.example note=\xe6\x97\xa5\xe6\x9c\xac"), 0);
	CU_ASSERT_STRING_EQUAL(av[2], "note=\xe6\x97\xa5\xe6\x9c\xac");
}

static void
test_ctl_parse_quoting(void)
{
	CU_ASSERT_EQUAL_FATAL(parse("add x.example \"comment=two words\" tag=\"a b\"c"), 0);
	CU_ASSERT_EQUAL(ac, 4);
	CU_ASSERT_STRING_EQUAL(av[2], "comment=two words");
	CU_ASSERT_STRING_EQUAL(av[3], "tag=a bc");

	CU_ASSERT_EQUAL_FATAL(parse("\"a\\\"b\" \"c\\\\d\" \"e\\.f\" g\\.h \"\""), 0);
	CU_ASSERT_EQUAL(ac, 5);
	CU_ASSERT_STRING_EQUAL(av[0], "a\"b");
	CU_ASSERT_STRING_EQUAL(av[1], "c\\d");
	CU_ASSERT_STRING_EQUAL(av[2], "e\\.f");   /* other escapes stay as written */
	CU_ASSERT_STRING_EQUAL(av[3], "g\\.h");   /* outside quotes, '\' is plain */
	CU_ASSERT_STRING_EQUAL(av[4], "");

	/* A quoted word can end the line exactly: no overrun of the '\n' slot. */
	CU_ASSERT_EQUAL_FATAL(parse("lookup \"a b\""), 0);
	CU_ASSERT_STRING_EQUAL(av[1], "a b");

	CU_ASSERT_EQUAL(parse("lookup \"abc"), -EINVAL);
	CU_ASSERT_STRING_EQUAL(why, "unterminated quote");
	CU_ASSERT_EQUAL(parse("lookup \"abc\\\""), -EINVAL);
	CU_ASSERT_STRING_EQUAL(why, "unterminated quote");
}

static void
test_ctl_parse_rejects(void)
{
	char s[8];

	CU_ASSERT_EQUAL(parse(""), -EINVAL);
	CU_ASSERT_STRING_EQUAL(why, "empty request");
	CU_ASSERT_EQUAL(parse(" \t "), -EINVAL);
	CU_ASSERT_STRING_EQUAL(why, "empty request");
	CU_ASSERT_EQUAL(parse("\r"), -EINVAL);
	CU_ASSERT_STRING_EQUAL(why, "empty request");
	CU_ASSERT_EQUAL(parse("stat\rus"), -EINVAL);
	CU_ASSERT_STRING_EQUAL(why, "control character in request");
	CU_ASSERT_EQUAL(parse("status\x7f"), -EINVAL);
	CU_ASSERT_STRING_EQUAL(why, "control character in request");
	CU_ASSERT_EQUAL(parse("lookup \"\x1b[2J\""), -EINVAL);
	CU_ASSERT_STRING_EQUAL(why, "control character in request");

	/* A NUL inside the line (strlen would stop there, so build by hand). */
	memcpy(s, "sta\0tus\n", 8);
	CU_ASSERT_EQUAL(dg_ctl_parse(s, 7, av, DG_CTL_ARGS_MAX, &ac, &why), -EINVAL);
	CU_ASSERT_STRING_EQUAL(why, "control character in request");
}

static void
test_ctl_parse_limits(void)
{
	char big[DG_CTL_REQUEST_MAX + 8];
	size_t i;

	/* Longest request: DG_CTL_REQUEST_MAX bytes counting the '\n'. */
	memcpy(big, "lookup ", 7);
	for (i = 7; i < DG_CTL_REQUEST_MAX - 1; i++)
		big[i] = 'a';
	big[i] = '\0';
	CU_ASSERT_EQUAL(strlen(big) + 1, DG_CTL_REQUEST_MAX);
	CU_ASSERT_EQUAL_FATAL(parse(big), 0);
	CU_ASSERT_EQUAL(ac, 2);
	CU_ASSERT_EQUAL(strlen(av[1]), DG_CTL_REQUEST_MAX - 1 - 7);

	/* One past. */
	big[i] = 'a';
	big[i + 1] = '\0';
	CU_ASSERT_EQUAL(parse(big), -EINVAL);
	CU_ASSERT_STRING_EQUAL(why, "request too long");

	/* 64 words fit, 65 do not. */
	big[0] = '\0';
	for (i = 0; i < DG_CTL_ARGS_MAX; i++)
		strcat(big, "w ");
	CU_ASSERT_EQUAL_FATAL(parse(big), 0);
	CU_ASSERT_EQUAL(ac, DG_CTL_ARGS_MAX);
	strcat(big, "w");
	CU_ASSERT_EQUAL(parse(big), -EINVAL);
	CU_ASSERT_STRING_EQUAL(why, "too many arguments");
}

static void
test_ctl_encode_round_trip(void)
{
	static char *const words[] = {
		"add", "a b.example", "", "q\"uote", "back\\slash", "\\\"", "x\\.y", "tab\there",
		"key=\"v\"", "\xc3\xa9",
	};
	const int n = sizeof(words) / sizeof(words[0]);
	char buf[DG_CTL_REQUEST_MAX + 1];
	int len, i;

	len = dg_ctl_encode(n, words, buf, sizeof(buf));
	CU_ASSERT_FATAL(len > 0);
	CU_ASSERT_EQUAL((size_t)len, strlen(buf));
	CU_ASSERT_EQUAL(buf[len - 1], '\n');
	CU_ASSERT_PTR_NULL(memchr(buf, '\n', (size_t)len - 1));
	/* Plain words travel bare (readable with socat); x\.y needs no quotes. */
	CU_ASSERT_EQUAL(strncmp(buf, "add \"a b.example\" \"\" ", 21), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, " x\\.y "));
	CU_ASSERT_EQUAL_FATAL(dg_ctl_parse(buf, (size_t)len - 1, av, DG_CTL_ARGS_MAX, &ac,
		&why), 0);
	CU_ASSERT_EQUAL_FATAL(ac, n);
	for (i = 0; i < n; i++)
		CU_ASSERT_STRING_EQUAL(av[i], words[i]);
}

static void
test_ctl_encode_limits(void)
{
	char word[DG_CTL_REQUEST_MAX + 8], buf[DG_CTL_REQUEST_MAX + 16];
	char *w[DG_CTL_ARGS_MAX + 1];
	int i;

	/* "lookup " + word + '\n' == DG_CTL_REQUEST_MAX exactly. */
	memset(word, 'a', DG_CTL_REQUEST_MAX - 8);
	word[DG_CTL_REQUEST_MAX - 8] = '\0';
	w[0] = "lookup";
	w[1] = word;
	CU_ASSERT_EQUAL(dg_ctl_encode(2, w, buf, sizeof(buf)), DG_CTL_REQUEST_MAX);
	word[DG_CTL_REQUEST_MAX - 8] = 'a';
	word[DG_CTL_REQUEST_MAX - 7] = '\0';
	CU_ASSERT_EQUAL(dg_ctl_encode(2, w, buf, sizeof(buf)), -EMSGSIZE);
	/* Output buffer too small is the same error; NUL needs room too. */
	w[1] = "x";
	CU_ASSERT_EQUAL(dg_ctl_encode(2, w, buf, 10), 9);   /* "lookup x\n" + NUL */
	CU_ASSERT_STRING_EQUAL(buf, "lookup x\n");
	CU_ASSERT_EQUAL(dg_ctl_encode(2, w, buf, 9), -EMSGSIZE);

	w[1] = "a\nb";
	CU_ASSERT_EQUAL(dg_ctl_encode(2, w, buf, sizeof(buf)), -EINVAL);
	CU_ASSERT_EQUAL(dg_ctl_encode(0, w, buf, sizeof(buf)), -EINVAL);
	for (i = 0; i <= DG_CTL_ARGS_MAX; i++)
		w[i] = "w";
	CU_ASSERT(dg_ctl_encode(DG_CTL_ARGS_MAX, w, buf, sizeof(buf)) > 0);
	CU_ASSERT_EQUAL(dg_ctl_encode(DG_CTL_ARGS_MAX + 1, w, buf, sizeof(buf)), -EINVAL);
}

/* Split a literal and check it against the command table. */
static int
check(const char *req, char *reason, size_t rlen, const struct dg_ctl_cmd **cmd, int *nw,
	bool *json)
{
	CU_ASSERT_EQUAL_FATAL(parse(req), 0);
	reason[0] = '\0';
	return dg_ctl_cmd_check(ac, av, cmd, nw, json, reason, rlen);
}

static void
test_ctl_cmd_table(void)
{
	static const struct {
		const char *req;
		enum dg_ctl_cmd_id id;
		int nw;
		bool json;
	} ok[] = {
		{ "status", DG_CTL_CMD_STATUS, 1, false },
		{ "stats", DG_CTL_CMD_STATS, 1, false },
		{ "stats --json", DG_CTL_CMD_STATS, 1, true },
		{ "reload", DG_CTL_CMD_RELOAD, 1, false },
		{ "add bad.example", DG_CTL_CMD_ADD, 1, false },
		{ "add bad.example action=nxdomain id=IIJ-20240416-0001 match=exact",
			DG_CTL_CMD_ADD, 1, false },
		{ "del bad.example", DG_CTL_CMD_DEL, 1, false },
		{ "lookup www.bad.example", DG_CTL_CMD_LOOKUP, 1, false },
		{ "entries IIJ-20240416-0001", DG_CTL_CMD_ENTRIES, 1, false },
		{ "optout add 198.18.0.0/24", DG_CTL_CMD_OPTOUT_ADD, 2, false },
		{ "optout del 2001:2::/64", DG_CTL_CMD_OPTOUT_DEL, 2, false },
		{ "optout list", DG_CTL_CMD_OPTOUT_LIST, 2, false },
		{ "log rotate", DG_CTL_CMD_LOG_ROTATE, 2, false },
		{ "version", DG_CTL_CMD_VERSION, 1, false },
	};
	static const struct {
		const char *req;
		const char *reason;
	} bad[] = {
		{ "frobnicate", "unknown command 'frobnicate'" },
		{ "STATUS", "unknown command 'STATUS'" },
		{ "status now", "usage: status" },
		{ "stats --xml", "usage: stats [--json]" },
		{ "stats --json --json", "usage: stats [--json]" },
		{ "reload --json", "'reload' has no JSON output" },
		{ "optout list --json", "'optout list' has no JSON output" },
		{ "add", "usage: add NAME [key=value...]" },
		{ "add x.example nxdomain", "'nxdomain' is not key=value (usage: add NAME [key=value...])" },
		{ "add x.example =v", "'=v' is not key=value (usage: add NAME [key=value...])" },
		{ "del", "usage: del NAME" },
		{ "del a b", "usage: del NAME" },
		{ "lookup", "usage: lookup NAME" },
		{ "entries", "usage: entries IDENTIFIER" },
		{ "optout", "usage: optout add PREFIX | optout del PREFIX | optout list" },
		{ "optout add", "usage: optout add PREFIX" },
		{ "optout list all", "usage: optout list" },
		{ "optout flush", "unknown command 'optout flush' (usage: optout add PREFIX | "
			"optout del PREFIX | optout list)" },
		{ "log", "usage: log rotate" },
		{ "log rotate now", "usage: log rotate" },
	};
	const struct dg_ctl_cmd *cmd;
	char reason[DG_CTL_REASON_MAX];
	bool json;
	size_t i;
	int nw;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		cmd = NULL;
		CU_ASSERT_EQUAL(check(ok[i].req, reason, sizeof(reason), &cmd, &nw, &json), 0);
		CU_ASSERT_PTR_NOT_NULL_FATAL(cmd);
		CU_ASSERT_EQUAL(cmd->id, ok[i].id);
		CU_ASSERT_EQUAL(nw, ok[i].nw);
		CU_ASSERT_EQUAL(json, ok[i].json);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CU_ASSERT_EQUAL(check(bad[i].req, reason, sizeof(reason), &cmd, &nw, &json),
			-EINVAL);
		if (strcmp(reason, bad[i].reason) != 0)
			fprintf(stderr, "\n  '%s': got '%s'", bad[i].req, reason);
		CU_ASSERT_STRING_EQUAL(reason, bad[i].reason);
	}
	/* The table is indexed by id. */
	for (i = 0; i < DG_CTL_CMD_COUNT; i++)
		CU_ASSERT_EQUAL(dg_ctl_cmds[i].id, (enum dg_ctl_cmd_id)i);
}

static void
test_ctl_buf_limits(void)
{
	struct dg_ctl_buf b;

	dg_ctl_buf_init(&b, 10);
	CU_ASSERT_EQUAL(dg_ctl_buf_append(&b, "12345", 5), 0);
	CU_ASSERT_EQUAL(dg_ctl_buf_printf(&b, "%d%s", 67, "890"), 0);
	CU_ASSERT_EQUAL(b.len, 10);
	CU_ASSERT_EQUAL(memcmp(b.data, "1234567890", 10), 0);
	/* One past the cap fails and stays failed, without changing the contents. */
	CU_ASSERT_EQUAL(dg_ctl_buf_append(&b, "x", 1), -ENOBUFS);
	CU_ASSERT_EQUAL(dg_ctl_buf_append(&b, "", 0), -ENOBUFS);
	CU_ASSERT_EQUAL(dg_ctl_buf_printf(&b, "y"), -ENOBUFS);
	CU_ASSERT_EQUAL(dg_ctl_buf_error(&b), -ENOBUFS);
	CU_ASSERT_EQUAL(b.len, 10);
	dg_ctl_buf_reset(&b);
	CU_ASSERT_EQUAL(dg_ctl_buf_error(&b), 0);
	CU_ASSERT_EQUAL(dg_ctl_buf_printf(&b, "%s", "0123456789a"), -ENOBUFS);
	CU_ASSERT_EQUAL(b.len, 0);
	dg_ctl_buf_fini(&b);
	CU_ASSERT_PTR_NULL(b.data);
	CU_ASSERT_EQUAL(b.max, 10);
}

static void
test_ctl_status_line(void)
{
	const char *r = NULL;
	size_t n = 7;

	CU_ASSERT_EQUAL(dg_ctl_status_parse("OK 0", &n, &r), 0);
	CU_ASSERT_EQUAL(n, 0);
	CU_ASSERT_EQUAL(dg_ctl_status_parse("OK 4096", &n, &r), 0);
	CU_ASSERT_EQUAL(n, 4096);
	CU_ASSERT_EQUAL(dg_ctl_status_parse("ERR no such entry: x.example", &n, &r), 1);
	CU_ASSERT_STRING_EQUAL(r, "no such entry: x.example");
	CU_ASSERT_EQUAL(dg_ctl_status_parse("ERR", &n, &r), 1);
	CU_ASSERT_STRING_EQUAL(r, "");
	CU_ASSERT_EQUAL(dg_ctl_status_parse("OK", &n, &r), -EPROTO);
	CU_ASSERT_EQUAL(dg_ctl_status_parse("OK ", &n, &r), -EPROTO);
	CU_ASSERT_EQUAL(dg_ctl_status_parse("OK 012", &n, &r), -EPROTO);
	CU_ASSERT_EQUAL(dg_ctl_status_parse("OK -1", &n, &r), -EPROTO);
	CU_ASSERT_EQUAL(dg_ctl_status_parse("OK 12 ", &n, &r), -EPROTO);
	CU_ASSERT_EQUAL(dg_ctl_status_parse("OK 99999999999999999999999", &n, &r), -EPROTO);
	CU_ASSERT_EQUAL(dg_ctl_status_parse("ERRX", &n, &r), -EPROTO);
	CU_ASSERT_EQUAL(dg_ctl_status_parse("ok 1", &n, &r), -EPROTO);
	CU_ASSERT_EQUAL(dg_ctl_status_parse("", &n, &r), -EPROTO);
}

/*
 * Random lines over an alphabet rich in quotes, backslashes and blanks: parsing never
 * overruns (ASan build), and whatever parses re-encodes to a line that parses back to
 * the same words.
 */
static void
test_ctl_parse_random_round_trip(void)
{
	static const char alpha[] = "ab \t\"\"\\\\=.\r\x01\xc3";
	static char enc[DG_CTL_REQUEST_MAX + 8];
	char *w[DG_CTL_ARGS_MAX + 1], *copy[DG_CTL_ARGS_MAX + 1];
	unsigned int round, parsed = 0, bad = 0;
	int n, i, m;

	srand(777);
	for (round = 0; round < 200000; round++) {
		size_t len = (size_t)rand() % (round % 100 == 0 ? DG_CTL_REQUEST_MAX + 2 : 40);
		size_t k;
		char *line = malloc(len + 1);   /* exact size: ASan sees any overrun */

		if (line == NULL)
			abort();
		/* Control bytes (the last three) in one line of ten only. */
		for (k = 0; k < len; k++)
			line[k] = alpha[(size_t)rand() % (sizeof(alpha) - (round % 10 ? 4 : 1))];
		line[len] = '\n';
		if (dg_ctl_parse(line, len, w, DG_CTL_ARGS_MAX, &n, &why) == 0) {
			parsed++;
			for (i = 0; i < n; i++)
				copy[i] = strdup(w[i]);
			m = dg_ctl_encode(n, copy, enc, sizeof(enc));
			/* Encoding may only fail by growing past the limit. */
			if (m > 0) {
				if (dg_ctl_parse(enc, (size_t)m - 1, w, DG_CTL_ARGS_MAX, &ac,
						&why) != 0 || ac != n)
					bad++;
				else
					for (i = 0; i < n; i++)
						bad += strcmp(w[i], copy[i]) != 0;
			} else if (m != -EMSGSIZE) {
				bad++;
			}
			for (i = 0; i < n; i++)
				free(copy[i]);
		}
		free(line);
	}
	printf("\n    %u of 200000 random lines parsed, all round-tripped", parsed);
	CU_ASSERT(parsed > 50000);
	CU_ASSERT_EQUAL(bad, 0);
}

DG_TEST_MAIN("ctl_proto",
	DG_TEST(test_ctl_parse_words),
	DG_TEST(test_ctl_parse_quoting),
	DG_TEST(test_ctl_parse_rejects),
	DG_TEST(test_ctl_parse_limits),
	DG_TEST(test_ctl_encode_round_trip),
	DG_TEST(test_ctl_parse_random_round_trip),
	DG_TEST(test_ctl_encode_limits),
	DG_TEST(test_ctl_cmd_table),
	DG_TEST(test_ctl_buf_limits),
	DG_TEST(test_ctl_status_line))
