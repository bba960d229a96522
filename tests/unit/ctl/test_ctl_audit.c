/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Audit trail: the record format (escaping, cut at the buffer's last byte), the file
 * (append, a cut last line, reopen, bounded read from the end) and the server hook
 * (which requests are recorded, with which peer and outcome, before the answer).
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "dg_ctl.h"
#include "dg_ctl_audit.h"
#include "dg_ctl_server.h"
#include "dg_test.h"

#define NOBODY 65534

static char dir[64], sock[128], logp[128];

/* 2025-01-31T09:12:45.123Z */
static const struct timespec when = { 1738314765, 123456789 };

static struct dg_ctl_audit_record
rec(int argc, char *const *argv, int rc, const char *reason)
{
	return (struct dg_ctl_audit_record){ .time = when, .pid = 4242, .uid = 1000,
		.gid = 100, .argc = argc, .argv = argv, .rc = rc, .reason = reason };
}

static void
test_ctl_audit_format(void)
{
	char *add[] = { "add", "bad.example", "id=X" };
	char *del[] = { "del", "x.example" };
	char buf[DG_CTL_AUDIT_LINE_MAX];
	struct dg_ctl_audit_record r = rec(3, add, 0, NULL);
	int n = dg_ctl_audit_format(&r, buf, sizeof(buf));

	CU_ASSERT_STRING_EQUAL(buf, "2025-01-31T09:12:45.123Z uid=1000 gid=100 pid=4242 "
			       "result=OK cmd=\"add bad.example id=X\"\n");
	CU_ASSERT_EQUAL(n, (int)strlen(buf));
	r = rec(2, del, -ENOENT, "no such entry");
	dg_ctl_audit_format(&r, buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf, "2025-01-31T09:12:45.123Z uid=1000 gid=100 pid=4242 "
			       "result=ERR reason=\"no such entry\" cmd=\"del x.example\"\n");
	/* no reason given: the errno's text */
	r = rec(2, del, -ENOENT, "");
	dg_ctl_audit_format(&r, buf, sizeof(buf));
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, " reason=\"No such file or directory\" "));
	/* bad arguments */
	CU_ASSERT_EQUAL(dg_ctl_audit_format(&r, buf, DG_CTL_AUDIT_LINE_MIN - 1), -EINVAL);
	CU_ASSERT_EQUAL(dg_ctl_audit_format(NULL, buf, sizeof(buf)), -EINVAL);
	r = rec(2, NULL, 0, NULL);
	CU_ASSERT_EQUAL(dg_ctl_audit_format(&r, buf, sizeof(buf)), -EINVAL);
}

/* Whatever the words hold, the record is one line of printable ASCII that reads back. */
static void
test_ctl_audit_format_escaping(void)
{
	char *w[] = { "add", "a b\"c\\d", "", "x\ny", "caf\xc3\xa9", "e\\.f" };
	char buf[DG_CTL_AUDIT_LINE_MAX];
	struct dg_ctl_audit_record r = rec(6, w, -EINVAL, "bad \"name\"\nsecond line");
	int n = dg_ctl_audit_format(&r, buf, sizeof(buf));

	CU_ASSERT_TRUE_FATAL(n > 0);
	for (int i = 0; i < n - 1; i++)
		CU_ASSERT_TRUE(buf[i] >= 0x20 && buf[i] <= 0x7e);
	CU_ASSERT_EQUAL(buf[n - 1], '\n');
	/*
	 * Protocol form: add "a b\"c\\d" "" x<LF>y caf<C3><A9> e\.f (only words with blanks
	 * or quotes, or empty, are quoted); then `"` and `\` escaped, other bytes as \xHH.
	 */
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, " reason=\"bad \\\"name\\\"\\x0asecond line\" cmd="
				      "\"add \\\"a b\\\\\\\"c\\\\\\\\d\\\" \\\"\\\" x\\x0ay "
				      "caf\\xc3\\xa9 e\\\\.f\"\n"));
}

/* The cut: a record that fits to the last byte is whole, one byte less cuts it. */
static void
test_ctl_audit_format_cut(void)
{
	static char big[DG_CTL_REQUEST_MAX];
	char *w[] = { "add", big };
	char full[DG_CTL_AUDIT_LINE_MAX], buf[DG_CTL_AUDIT_LINE_MAX];
	struct dg_ctl_audit_record r = rec(2, w, 0, NULL);
	int n, m;

	memset(big, 'a', 600);
	n = dg_ctl_audit_format(&r, full, sizeof(full));
	CU_ASSERT_TRUE_FATAL(n > 600);
	CU_ASSERT_EQUAL(dg_ctl_audit_format(&r, buf, (size_t)n + 1), n);
	CU_ASSERT_STRING_EQUAL(buf, full);
	m = dg_ctl_audit_format(&r, buf, (size_t)n);
	CU_ASSERT_TRUE(m > 0 && m <= n - 1);
	CU_ASSERT_EQUAL(strlen(buf), (size_t)m);
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "\" truncated=yes\n"));
	CU_ASSERT_EQUAL(strchr(buf, '\n'), buf + m - 1);
	CU_ASSERT_EQUAL(strncmp(buf, full, (size_t)m - 16), 0);

	/* never inside an escape: a word of quotes cut anywhere leaves whole `\\\"` runs */
	memset(big, '"', 600);
	for (size_t size = DG_CTL_AUDIT_LINE_MIN; size < DG_CTL_AUDIT_LINE_MIN + 8; size++) {
		const char *v, *e;

		m = dg_ctl_audit_format(&r, buf, size);
		CU_ASSERT_TRUE(m > 0 && (size_t)m < size);
		v = strstr(buf, "cmd=\"add \\\"");
		e = strstr(buf, "\" truncated=yes\n");
		CU_ASSERT_TRUE_FATAL(v != NULL && e != NULL);
		v += 11;
		/* each quote is \\\" (4 bytes): whole runs only */
		CU_ASSERT_EQUAL((e - v) % 4, 0);
	}
	memset(big, 0, sizeof(big));
}

static struct dg_ctl_audit *
audit_open(void)
{
	struct dg_ctl_audit *a = NULL;
	char err[256];

	CU_ASSERT_EQUAL_FATAL(dg_ctl_audit_open(logp, &a, err, sizeof(err)), 0);
	return a;
}

static void
write_n(struct dg_ctl_audit *a, int from, int to)
{
	for (int i = from; i < to; i++) {
		char name[32];
		char *w[] = { "del", name };
		struct dg_ctl_audit_record r = rec(2, w, 0, NULL);

		snprintf(name, sizeof(name), "n%d.example", i);
		CU_ASSERT_EQUAL(dg_ctl_audit_write(a, &r), 0);
	}
}

static void
test_ctl_audit_file_and_tail(void)
{
	struct dg_ctl_audit *a;
	struct dg_ctl_audit_stats st;
	struct dg_ctl_buf b;
	char err[256], moved[160];
	int fd;

	unlink(logp);
	a = audit_open();
	dg_ctl_buf_init(&b, 0);
	/* an empty file: nothing */
	CU_ASSERT_EQUAL(dg_ctl_audit_tail(a, 3, &b), 0);
	CU_ASSERT_EQUAL(b.len, 0);
	write_n(a, 0, 5);
	CU_ASSERT_EQUAL(dg_ctl_audit_tail(a, 3, &b), 3);
	CU_ASSERT_EQUAL(b.len, 3 * strlen("2025-01-31T09:12:45.123Z uid=1000 gid=100 pid=4242 "
					 "result=OK cmd=\"del nX.example\"\n"));
	CU_ASSERT_EQUAL(strncmp(b.data + 66, "del n2.example", 14), 0);
	CU_ASSERT_EQUAL(b.data[b.len - 1], '\n');
	dg_ctl_buf_reset(&b);
	CU_ASSERT_EQUAL(dg_ctl_audit_tail(a, 5, &b), 5);
	dg_ctl_buf_reset(&b);
	CU_ASSERT_EQUAL(dg_ctl_audit_tail(a, 6, &b), 5);
	CU_ASSERT_EQUAL(strncmp(b.data + 66, "del n0.example", 14), 0);
	CU_ASSERT_EQUAL(dg_ctl_audit_tail(a, 0, &b), -EINVAL);
	CU_ASSERT_EQUAL(dg_ctl_audit_tail(a, DG_CTL_AUDIT_TAIL_MAX + 1, &b), -EINVAL);
	dg_ctl_buf_reset(&b);
	CU_ASSERT_EQUAL(dg_ctl_audit_tail(a, DG_CTL_AUDIT_TAIL_MAX, &b), 5);
	dg_ctl_audit_get_stats(a, &st);
	CU_ASSERT_EQUAL(st.written, 5);
	CU_ASSERT_EQUAL(st.failed, 0);
	dg_ctl_audit_close(a);

	/* a last line cut short (a crash): the next record starts on a line of its own */
	fd = open(logp, O_WRONLY | O_APPEND);
	CU_ASSERT_EQUAL(write(fd, "2025-01-31T09:1", 15), 15);
	close(fd);
	a = audit_open();
	write_n(a, 5, 6);
	dg_ctl_buf_reset(&b);
	CU_ASSERT_EQUAL(dg_ctl_audit_tail(a, 2, &b), 2);
	CU_ASSERT_EQUAL(strncmp(b.data, "2025-01-31T09:1\n2025-01-31T09:12:45.123Z", 40), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(b.data, "del n5.example\"\n"));

	/* logrotate moved the file: records go on to the old one until reopened */
	snprintf(moved, sizeof(moved), "%s.1", logp);
	CU_ASSERT_EQUAL(rename(logp, moved), 0);
	write_n(a, 6, 7);
	CU_ASSERT_EQUAL(dg_ctl_audit_reopen(a), 0);
	write_n(a, 7, 8);
	dg_ctl_buf_reset(&b);
	CU_ASSERT_EQUAL(dg_ctl_audit_tail(a, 20, &b), 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(b.data, "del n7.example"));
	dg_ctl_audit_close(a);
	a = NULL;
	CU_ASSERT_EQUAL(dg_ctl_audit_open("/nonexistent-dir/audit.log", &a, err, sizeof(err)),
			-ENOENT);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "/nonexistent-dir/audit.log: No such file"));
	unlink(moved);
	unlink(logp);
	dg_ctl_buf_fini(&b);
}

/* Lines of @p len bytes (with '\n') until the file holds @p count of them. */
static void
fill(int fd, size_t len, unsigned int count)
{
	static char line[2048];

	memset(line, 'x', len - 1);
	line[len - 1] = '\n';
	for (unsigned int i = 0; i < count; i++)
		CU_ASSERT_EQUAL_FATAL(write(fd, line, len), (ssize_t)len);
}

/* At most DG_CTL_AUDIT_TAIL_BYTES are read: whole lines inside that window only. */
static void
test_ctl_audit_tail_window(void)
{
	struct dg_ctl_audit *a;
	struct dg_ctl_buf b;
	int fd;

	dg_ctl_buf_init(&b, 0);
	/* 1024-byte lines: the window starts on a line, 4096 of them fit */
	unlink(logp);
	fd = open(logp, O_WRONLY | O_CREAT, 0600);
	fill(fd, 1024, 5000);
	close(fd);
	a = audit_open();
	CU_ASSERT_EQUAL(dg_ctl_audit_tail(a, DG_CTL_AUDIT_TAIL_MAX, &b), 4096);
	CU_ASSERT_EQUAL(b.len, (size_t)DG_CTL_AUDIT_TAIL_BYTES);
	dg_ctl_audit_close(a);
	/* 1025-byte lines: the window starts inside one, left out; 4092 whole lines */
	unlink(logp);
	fd = open(logp, O_WRONLY | O_CREAT, 0600);
	fill(fd, 1025, 5000);
	close(fd);
	a = audit_open();
	dg_ctl_buf_reset(&b);
	CU_ASSERT_EQUAL(dg_ctl_audit_tail(a, DG_CTL_AUDIT_TAIL_MAX, &b), 4092);
	CU_ASSERT_EQUAL(b.len, 4092u * 1025);
	CU_ASSERT_EQUAL(b.data[0], 'x');
	dg_ctl_audit_close(a);
	unlink(logp);
	dg_ctl_buf_fini(&b);
}

/* Server: a test handler that fails `del`, answers the rest. */
static int
handler(void *ctx, const struct dg_ctl_request *req, struct dg_ctl_buf *body, char *reason,
	size_t rlen)
{
	(void)ctx;
	if (strcmp(req->argv[0], "del") == 0)
		return -ENOENT;
	if (strcmp(req->argv[0], "reload") == 0) {
		snprintf(reason, rlen, "list.txt:3: bad");
		return -EINVAL;
	}
	dg_ctl_buf_printf(body, "done\n");
	return 0;
}

/* Send @p req from a client (as uid 65534 when @p nobody), poll the server; the answer. */
static void
ask(struct dg_ctl_server *srv, const char *req, int nobody, char *ans, size_t size)
{
	int p[2], status;
	size_t got = 0;
	ssize_t n;
	pid_t pid;

	CU_ASSERT_FATAL(pipe(p) == 0);
	pid = fork();
	CU_ASSERT_FATAL(pid >= 0);
	if (pid == 0) {
		struct sockaddr_un sa = { .sun_family = AF_UNIX };
		gid_t g = NOBODY;
		char buf[512];
		int fd;

		close(p[0]);
		if (nobody && (setgroups(1, &g) != 0 || setgid(NOBODY) != 0 || setuid(NOBODY) != 0))
			_exit(3);
		fd = socket(AF_UNIX, SOCK_STREAM, 0);
		strcpy(sa.sun_path, sock);
		if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
		    send(fd, req, strlen(req), MSG_NOSIGNAL) != (ssize_t)strlen(req))
			_exit(3);
		shutdown(fd, SHUT_WR);
		while ((n = recv(fd, buf, sizeof(buf), 0)) > 0)
			if (write(p[1], buf, (size_t)n) != n)
				_exit(3);
		_exit(0);
	}
	close(p[1]);
	for (int i = 0; i < 5000 && waitpid(pid, &status, WNOHANG) != pid; i++) {
		dg_ctl_server_poll(srv, handler, NULL);
		usleep(1000);
	}
	while (got < size - 1 && (n = read(p[0], ans + got, size - 1 - got)) > 0)
		got += (size_t)n;
	ans[got] = '\0';
	close(p[0]);
}

static void
test_ctl_audit_server(void)
{
	struct dg_ctl_server_conf c;
	struct dg_ctl_server *srv;
	struct dg_ctl_audit *a;
	struct dg_ctl_buf b;
	char err[256], ans[512];

	if (geteuid() != 0) {
		printf("\n    SKIPPED: needs root to setuid(65534)");
		return;
	}
	unlink(logp);
	a = audit_open();
	dg_ctl_server_conf_init(&c);
	c.path = sock;
	c.mode = 0666;
	c.uid = NOBODY;
	c.audit = a;
	CU_ASSERT_EQUAL_FATAL(dg_ctl_server_open(&c, &srv, err, sizeof(err)), 0);
	ask(srv, "add a.example id=\"two words\"\n", 0, ans, sizeof(ans));
	CU_ASSERT_STRING_EQUAL(ans, "OK 5\ndone\n");
	ask(srv, "del b.example\n", 1, ans, sizeof(ans));
	CU_ASSERT_STRING_EQUAL(ans, "ERR No such file or directory\n");
	ask(srv, "reload\n", 1, ans, sizeof(ans));
	ask(srv, "optout add 198.18.0.0/24\n", 0, ans, sizeof(ans));
	ask(srv, "log rotate\n", 0, ans, sizeof(ans));
	/* not changes, or not commands: not recorded */
	ask(srv, "status\n", 0, ans, sizeof(ans));
	ask(srv, "lookup a.example\n", 0, ans, sizeof(ans));
	ask(srv, "add\n", 0, ans, sizeof(ans));
	ask(srv, "nonsense\n", 0, ans, sizeof(ans));
	dg_ctl_buf_init(&b, 0);
	CU_ASSERT_EQUAL(dg_ctl_audit_tail(a, 100, &b), 5);
	CU_ASSERT_EQUAL(dg_ctl_buf_append(&b, "", 1), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(b.data, " uid=0 gid=0 pid="));
	CU_ASSERT_PTR_NOT_NULL(strstr(b.data, " result=OK cmd=\"add a.example \\\"id=two words"
				      "\\\"\"\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(b.data, " uid=65534 gid=65534 pid="));
	CU_ASSERT_PTR_NOT_NULL(strstr(b.data, " result=ERR reason=\"No such file or directory\" "
				      "cmd=\"del b.example\"\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(b.data, " result=ERR reason=\"list.txt:3: bad\" "
				      "cmd=\"reload\"\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(b.data, "cmd=\"optout add 198.18.0.0/24\"\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(b.data, "cmd=\"log rotate\"\n"));
	dg_ctl_buf_fini(&b);
	dg_ctl_server_close(srv);
	dg_ctl_audit_close(a);

	/* a log that cannot be written: the change still runs, its answer says so */
	CU_ASSERT_EQUAL_FATAL(dg_ctl_audit_open("/dev/full", &a, err, sizeof(err)), 0);
	c.audit = a;
	CU_ASSERT_EQUAL_FATAL(dg_ctl_server_open(&c, &srv, err, sizeof(err)), 0);
	ask(srv, "add a.example\n", 0, ans, sizeof(ans));
	CU_ASSERT_STRING_EQUAL(ans, "OK 69\ndone\nwarning: not recorded in the audit log: "
			       "No space left on device\n");
	ask(srv, "status\n", 0, ans, sizeof(ans));
	CU_ASSERT_STRING_EQUAL(ans, "OK 5\ndone\n");
	{
		struct dg_ctl_audit_stats st;

		dg_ctl_audit_get_stats(a, &st);
		CU_ASSERT_EQUAL(st.written, 0);
		CU_ASSERT_EQUAL(st.failed, 1);
		CU_ASSERT_EQUAL(st.last_error, -ENOSPC);
	}
	dg_ctl_server_close(srv);
	dg_ctl_audit_close(a);
	unlink(logp);
}

int
main(void)
{
	static const struct dg_test_case t[] = {
		DG_TEST(test_ctl_audit_format),
		DG_TEST(test_ctl_audit_format_escaping),
		DG_TEST(test_ctl_audit_format_cut),
		DG_TEST(test_ctl_audit_file_and_tail),
		DG_TEST(test_ctl_audit_tail_window),
		DG_TEST(test_ctl_audit_server),
	};
	int fails;

	strcpy(dir, "/tmp/test_ctl_audit.XXXXXX");
	if (mkdtemp(dir) == NULL || chmod(dir, 0711) != 0) {
		perror("test_ctl_audit: temp dir");
		return 1;
	}
	snprintf(sock, sizeof(sock), "%s/ctl.sock", dir);
	snprintf(logp, sizeof(logp), "%s/audit.log", dir);
	fails = dg_test_run("ctl_audit", t, sizeof(t) / sizeof(t[0]));
	rmdir(dir);
	return fails ? 1 : 0;
}
