/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dnsgatectl end to end: the real binary (argv[1]) against a server running a test
 * handler, checking exit codes (0 OK, 1 ERR, 2 usage/connection), stdout and stderr.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "dg_ctl.h"
#include "dg_ctl_server.h"
#include "dg_test.h"

static const char *ctl_bin;
static char dir[64], path[128];
static struct dg_ctl_server *srv;
static pthread_t thr;
static atomic_bool stop;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static char last[1024];   /* last request, words joined with '|' */
static int calls;

static int
handler(void *ctx, const struct dg_ctl_request *req, struct dg_ctl_buf *body,
	char *reason, size_t rlen)
{
	const struct dg_ctl_cmd *cmd;
	bool json;
	int i, nw;

	(void)ctx;
	pthread_mutex_lock(&mu);
	calls++;
	last[0] = '\0';
	for (i = 0; i < req->argc; i++) {
		if (i > 0)
			strncat(last, "|", sizeof(last) - strlen(last) - 1);
		strncat(last, req->argv[i], sizeof(last) - strlen(last) - 1);
	}
	pthread_mutex_unlock(&mu);

	if (dg_ctl_cmd_check(req->argc, req->argv, &cmd, &nw, &json, reason, rlen) != 0)
		return -EINVAL;
	switch (cmd->id) {
	case DG_CTL_CMD_STATUS:
		dg_ctl_buf_printf(body, "state: running\n");
		return 0;
	case DG_CTL_CMD_STATS:
		if (json)
			dg_ctl_buf_printf(body, "{\"queries\":1}");   /* no final newline */
		else
			dg_ctl_buf_printf(body, "queries 1\n");
		return 0;
	case DG_CTL_CMD_OPTOUT_ADD:
		snprintf(reason, rlen, "%s is already opted out", req->argv[2]);
		return -EEXIST;
	case DG_CTL_CMD_RELOAD:
		return 0;   /* empty body */
	default:
		for (i = nw; i < req->argc; i++)
			dg_ctl_buf_printf(body, "[%s]\n", req->argv[i]);
		return 0;
	}
}

static void *
loop(void *arg)
{
	(void)arg;
	while (!atomic_load(&stop)) {
		dg_ctl_server_poll(srv, handler, NULL);
		usleep(1000);
	}
	return NULL;
}

/* Read a pipe to EOF into a NUL-terminated buffer. */
static void
slurp(int fd, char *buf, size_t size)
{
	size_t got = 0;
	ssize_t n;

	while (got < size - 1 && (n = read(fd, buf + got, size - 1 - got)) > 0)
		got += (size_t)n;
	buf[got] = '\0';
}

/*
 * Run dnsgatectl with @p args (NULL-terminated, program name excluded) and optional
 * DNSGATE_SOCKET; return its exit code with stdout/stderr captured.
 */
static int
run(const char *env_sock, char *out, char *err, size_t size, const char *const *args)
{
	char *argv[32];
	int po[2], pe[2], status, n = 0;
	pid_t pid;

	argv[n++] = (char *)ctl_bin;
	while (*args != NULL && n < 31)
		argv[n++] = (char *)*args++;
	argv[n] = NULL;
	CU_ASSERT_FATAL(pipe(po) == 0 && pipe(pe) == 0);
	pid = fork();
	CU_ASSERT_FATAL(pid >= 0);
	if (pid == 0) {
		dup2(po[1], 1);
		dup2(pe[1], 2);
		close(po[0]);
		close(pe[0]);
		if (env_sock != NULL)
			setenv("DNSGATE_SOCKET", env_sock, 1);
		else
			unsetenv("DNSGATE_SOCKET");
		execv(ctl_bin, argv);
		_exit(127);
	}
	close(po[1]);
	close(pe[1]);
	/* Outputs are small: read stdout fully, then stderr. */
	slurp(po[0], out, size);
	slurp(pe[0], err, size);
	close(po[0]);
	close(pe[0]);
	CU_ASSERT_FATAL(waitpid(pid, &status, 0) == pid);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

#define RUN(env, ...) run((env), out, err, sizeof(out), (const char *const[]){ __VA_ARGS__, NULL })

static void
test_ctl_cli_ok(void)
{
	char out[4096], err[4096];

	CU_ASSERT_EQUAL(RUN(NULL, "-s", path, "status"), 0);
	CU_ASSERT_STRING_EQUAL(out, "state: running\n");
	CU_ASSERT_STRING_EQUAL(err, "");

	/* Global --json goes after the command words; a body gets its final newline. */
	CU_ASSERT_EQUAL(RUN(NULL, "-s", path, "--json", "stats"), 0);
	CU_ASSERT_STRING_EQUAL(out, "{\"queries\":1}\n");
	CU_ASSERT_STRING_EQUAL(last, "stats|--json");
	CU_ASSERT_EQUAL(RUN(NULL, "-s", path, "stats", "--json"), 0);
	CU_ASSERT_STRING_EQUAL(out, "{\"queries\":1}\n");
	CU_ASSERT_EQUAL(RUN(NULL, "-s", path, "--json", "stats", "--json"), 0);
	CU_ASSERT_STRING_EQUAL(last, "stats|--json");
	CU_ASSERT_EQUAL(RUN(NULL, "-s", path, "stats"), 0);
	CU_ASSERT_STRING_EQUAL(out, "queries 1\n");

	/* Empty body: nothing printed. */
	CU_ASSERT_EQUAL(RUN(NULL, "-s", path, "reload"), 0);
	CU_ASSERT_STRING_EQUAL(out, "");

	/* Words arrive intact: blanks, quotes, backslashes, options after the command. */
	CU_ASSERT_EQUAL(RUN(NULL, "-s", path, "add", "two words.example", "comment=a \"b\"",
		"id=-x"), 0);
	CU_ASSERT_STRING_EQUAL(last, "add|two words.example|comment=a \"b\"|id=-x");
	CU_ASSERT_STRING_EQUAL(out, "[two words.example]\n[comment=a \"b\"]\n[id=-x]\n");
	CU_ASSERT_EQUAL(RUN(NULL, "-s", path, "lookup", "a\\.b.example"), 0);
	CU_ASSERT_STRING_EQUAL(last, "lookup|a\\.b.example");

	/* $DNSGATE_SOCKET when there is no -s. */
	CU_ASSERT_EQUAL(RUN(path, "log", "rotate"), 0);
	CU_ASSERT_STRING_EQUAL(last, "log|rotate");
}

static void
test_ctl_cli_errors(void)
{
	char out[4096], err[4096], want[512];
	int before;

	/* ERR from the appliance: exit 1, one line on stderr naming the command. */
	CU_ASSERT_EQUAL(RUN(NULL, "-s", path, "optout", "add", "198.18.0.0/24"), 1);
	CU_ASSERT_STRING_EQUAL(out, "");
	CU_ASSERT_STRING_EQUAL(err,
		"dnsgatectl: optout add: 198.18.0.0/24 is already opted out\n");

	/* Usage errors never reach the socket: exit 2. */
	pthread_mutex_lock(&mu);
	before = calls;
	pthread_mutex_unlock(&mu);
	CU_ASSERT_EQUAL(RUN(NULL, "-s", path, "optout", "add", "198.18.0.1/24"), 2);
	CU_ASSERT_STRING_EQUAL(err, "dnsgatectl: bad prefix '198.18.0.1/24': "
		"host bits set below the prefix length\n");
	CU_ASSERT_EQUAL(RUN(NULL, "-s", path, "frob"), 2);
	CU_ASSERT_STRING_EQUAL(err, "dnsgatectl: unknown command 'frob'\n");
	CU_ASSERT_EQUAL(RUN(NULL, "-s", path, "--json", "reload"), 2);
	CU_ASSERT_STRING_EQUAL(err, "dnsgatectl: 'reload' has no JSON output\n");
	CU_ASSERT_EQUAL(RUN(NULL, "-s", path, "del"), 2);
	CU_ASSERT_STRING_EQUAL(err, "dnsgatectl: usage: del NAME\n");
	CU_ASSERT_EQUAL(RUN(NULL, "-s", path, "add", "x.example", "nxdomain"), 2);
	CU_ASSERT_STRING_EQUAL(err, "dnsgatectl: 'nxdomain' is not key=value "
		"(usage: add NAME [key=value...])\n");
	CU_ASSERT_EQUAL(RUN(NULL, "-s", path, "-t", "soon", "status"), 2);
	CU_ASSERT_STRING_EQUAL(err, "dnsgatectl: bad timeout 'soon' (seconds, 0..86400)\n");
	CU_ASSERT_EQUAL(RUN(NULL, "-s", path, "lookup", "a\nb"), 2);
	CU_ASSERT_STRING_EQUAL(err, "dnsgatectl: request cannot be encoded (control "
		"characters?)\n");
	CU_ASSERT_EQUAL(run(NULL, out, err, sizeof(out), (const char *const[]){ "-s", path,
		NULL }), 2);
	CU_ASSERT_STRING_EQUAL(err, "dnsgatectl: no command given; try 'dnsgatectl --help'\n");
	pthread_mutex_lock(&mu);
	CU_ASSERT_EQUAL(calls, before);
	pthread_mutex_unlock(&mu);

	/* Nothing listening: exit 2 with the path and the reason. */
	CU_ASSERT_EQUAL(RUN(NULL, "-s", "/nonexistent/dnsgate.sock", "status"), 2);
	CU_ASSERT_STRING_EQUAL(err, "dnsgatectl: cannot connect to /nonexistent/dnsgate.sock: "
		"No such file or directory\n");
	snprintf(want, sizeof(want), "dnsgatectl: cannot connect to %s: Connection refused\n",
		dir);
	CU_ASSERT_EQUAL(RUN(NULL, "-s", dir, "status"), 2);
	CU_ASSERT_STRING_EQUAL(err, want);

	CU_ASSERT_EQUAL(RUN(NULL, "--help"), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "optout add PREFIX"));
	CU_ASSERT_EQUAL(RUN(NULL, "-V"), 0);
	CU_ASSERT_EQUAL(strncmp(out, "dnsgatectl ", 11), 0);
}

int
main(int argc, char **argv)
{
	static const struct dg_test_case t[] = {
		DG_TEST(test_ctl_cli_ok),
		DG_TEST(test_ctl_cli_errors),
	};
	struct dg_ctl_server_conf c;
	char e[256];
	int fails;

	if (argc != 2) {
		fprintf(stderr, "usage: test_ctl_cli PATH-TO-dnsgatectl\n");
		return 1;
	}
	ctl_bin = argv[1];
	strcpy(dir, "/tmp/test_ctl_cli.XXXXXX");
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(path, sizeof(path), "%s/ctl.sock", dir);
	dg_ctl_server_conf_init(&c);
	c.path = path;
	if (dg_ctl_server_open(&c, &srv, e, sizeof(e)) != 0) {
		fprintf(stderr, "test_ctl_cli: %s\n", e);
		return 1;
	}
	pthread_create(&thr, NULL, loop, NULL);
	fails = dg_test_run("ctl_cli", t, sizeof(t) / sizeof(t[0]));
	atomic_store(&stop, true);
	pthread_join(thr, NULL);
	dg_ctl_server_close(srv);
	rmdir(dir);
	return fails ? 1 : 0;
}
