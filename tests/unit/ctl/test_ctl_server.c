/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Control server over a real Unix socket in a temp dir. Most cases run the server's
 * poll loop in a thread (as the management loop would) and talk to it from the main
 * thread; the credential cases fork a client that drops to uid 65534 and poll from the
 * main thread, with no other thread alive across fork().
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "dg_ctl.h"
#include "dg_ctl_client.h"
#include "dg_ctl_server.h"
#include "dg_test.h"

#define NOBODY 65534

static char dir[64];
static char path[128];

static struct dg_ctl_server *srv;
static pthread_t thr;
static atomic_bool stop;
static atomic_int handled;
/* "later": answered by the loop thread with dg_ctl_server_complete() after 400 ms */
static uint64_t later_token, later_at;

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/*
 * Test handler: echo ARGS... (one per line), fail, failquiet, big N (N bytes), whoami,
 * and the real command table for anything else (usage errors as the appliance gives).
 */
static int
handler(void *ctx, const struct dg_ctl_request *req, struct dg_ctl_buf *body,
	char *reason, size_t rlen)
{
	int i;

	(void)ctx;
	atomic_fetch_add(&handled, 1);
	if (strcmp(req->argv[0], "echo") == 0) {
		for (i = 1; i < req->argc; i++)
			dg_ctl_buf_printf(body, "%s\n", req->argv[i]);
		return 0;
	}
	if (strcmp(req->argv[0], "fail") == 0) {
		snprintf(reason, rlen, "no such thing:\nsecond line");
		return -ENOENT;
	}
	if (strcmp(req->argv[0], "failquiet") == 0)
		return -EPERM;
	if (strcmp(req->argv[0], "big") == 0 && req->argc == 2) {
		size_t n = strtoul(req->argv[1], NULL, 10), k;
		char chunk[4096];

		for (k = 0; k < sizeof(chunk); k++)
			chunk[k] = (char)('a' + k % 26);
		for (k = 0; k < n; k += sizeof(chunk))
			dg_ctl_buf_append(body, chunk, n - k < sizeof(chunk) ? n - k : sizeof(chunk));
		return 0;
	}
	if (strcmp(req->argv[0], "later") == 0) {
		later_token = req->token;
		later_at = now_ms() + 400;
		return DG_CTL_PENDING;
	}
	if (strcmp(req->argv[0], "whoami") == 0) {
		dg_ctl_buf_printf(body, "uid=%u gid=%u", (unsigned int)req->uid,
			(unsigned int)req->gid);
		return 0;
	}
	if (dg_ctl_cmd_check(req->argc, req->argv, NULL, NULL, NULL, reason, rlen) != 0)
		return -EINVAL;
	dg_ctl_buf_printf(body, "ran %s\n", req->argv[0]);
	return 0;
}

static void *
loop(void *arg)
{
	(void)arg;
	while (!atomic_load(&stop)) {
		if (dg_ctl_server_poll(srv, handler, NULL) < 0)
			break;
		if (later_token != 0 && now_ms() >= later_at) {
			struct dg_ctl_buf b;

			dg_ctl_buf_init(&b, 0);
			dg_ctl_buf_printf(&b, "done later\n");
			dg_ctl_server_complete(srv, later_token, 0, &b, NULL);
			dg_ctl_buf_fini(&b);
			later_token = 0;
		}
		usleep(1000);
	}
	return NULL;
}

static void
conf_default(struct dg_ctl_server_conf *c)
{
	dg_ctl_server_conf_init(c);
	c->path = path;
}

static void
srv_open(const struct dg_ctl_server_conf *c)
{
	char err[256] = "";
	int ret = dg_ctl_server_open(c, &srv, err, sizeof(err));

	if (ret != 0)
		fprintf(stderr, "\n  open: %s", err);
	CU_ASSERT_EQUAL_FATAL(ret, 0);
}

static void
srv_start(const struct dg_ctl_server_conf *c)
{
	srv_open(c);
	atomic_store(&stop, false);
	atomic_store(&handled, 0);
	CU_ASSERT_FATAL(pthread_create(&thr, NULL, loop, NULL) == 0);
}

static void
srv_stop(void)
{
	atomic_store(&stop, true);
	pthread_join(thr, NULL);
	dg_ctl_server_close(srv);
	srv = NULL;
}

static int
raw_connect(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	CU_ASSERT_FATAL(fd >= 0);
	strcpy(sa.sun_path, path);
	CU_ASSERT_FATAL(connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0);
	return fd;
}

static void
raw_send(int fd, const void *p, size_t n)
{
	CU_ASSERT_FATAL(send(fd, p, n, MSG_NOSIGNAL) == (ssize_t)n);
}

/* Read until @p want bytes, EOF or @p ms elapse. @return bytes read; *eof set on EOF. */
static size_t
raw_read(int fd, char *buf, size_t want, unsigned int ms, bool *eof)
{
	uint64_t end = now_ms() + ms;
	struct pollfd p = { .fd = fd, .events = POLLIN };
	size_t got = 0;
	ssize_t n;

	*eof = false;
	while (got < want) {
		uint64_t t = now_ms();

		if (t >= end || poll(&p, 1, (int)(end - t)) <= 0)
			break;
		n = recv(fd, buf + got, want - got, 0);
		if (n <= 0) {
			*eof = true;
			break;
		}
		got += (size_t)n;
	}
	return got;
}

/* One client call through the library client; returns its code, body as a C string. */
static int
call(char *body_out, size_t out_size, char *reason, size_t rlen, int argc, ...)
{
	char *argv[16];
	struct dg_ctl_buf b;
	va_list ap;
	int i, ret;

	va_start(ap, argc);
	for (i = 0; i < argc; i++)
		argv[i] = va_arg(ap, char *);
	va_end(ap);
	dg_ctl_buf_init(&b, 0);
	ret = dg_ctl_client_call(path, argc, argv, 5000, &b, reason, rlen);
	if (body_out != NULL) {
		size_t n = b.len < out_size - 1 ? b.len : out_size - 1;

		memcpy(body_out, b.data != NULL ? b.data : "", n);
		body_out[n] = '\0';
	}
	dg_ctl_buf_fini(&b);
	return ret;
}

/*
 * A deferred answer: longer than the per-request time limit, then the next pipelined
 * request in order; a client gone meanwhile; an unknown token.
 */
static void
test_ctl_server_pending_answer(void)
{
	struct dg_ctl_server_conf c;
	char buf[256];
	bool eof;
	size_t n;
	int fd;

	conf_default(&c);
	c.timeout_ms = 200;
	srv_start(&c);
	fd = raw_connect();
	raw_send(fd, "later\necho next\n", 17);
	n = raw_read(fd, buf, sizeof(buf) - 1, 300, &eof);
	CU_ASSERT_EQUAL(n, 0); /* nothing yet: past the 200 ms limit, still waiting */
	n = raw_read(fd, buf, 27, 2000, &eof);
	buf[n] = '\0';
	CU_ASSERT_STRING_EQUAL(buf, "OK 11\ndone later\nOK 5\nnext\n");
	CU_ASSERT_EQUAL(dg_ctl_server_pending(srv), 0);
	close(fd);
	/* gone before its answer: the completion finds nobody, nothing pends */
	fd = raw_connect();
	raw_send(fd, "later\n", 6);
	usleep(100000);
	close(fd);
	usleep(600000);
	CU_ASSERT_EQUAL(dg_ctl_server_pending(srv), 0);
	srv_stop();
	conf_default(&c);
	srv_open(&c);
	CU_ASSERT_EQUAL(dg_ctl_server_complete(srv, 12345, 0, NULL, NULL), -ENOENT);
	dg_ctl_server_close(srv);
	srv = NULL;
}

static void
test_ctl_server_open_mode_and_stale(void)
{
	struct dg_ctl_server_conf c;
	struct dg_ctl_server *s2 = NULL;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char err[256];
	struct stat sb;
	int fd;

	/* The mode asked for is the mode on disk, whatever the umask. */
	conf_default(&c);
	srv_open(&c);
	CU_ASSERT_EQUAL_FATAL(stat(path, &sb), 0);
	CU_ASSERT(S_ISSOCK(sb.st_mode));
	CU_ASSERT_EQUAL(sb.st_mode & 07777, 0660);

	/* A live socket is not stolen. */
	err[0] = '\0';
	CU_ASSERT_EQUAL(dg_ctl_server_open(&c, &s2, err, sizeof(err)), -EADDRINUSE);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "another process is listening on it"));
	dg_ctl_server_close(srv);
	CU_ASSERT_EQUAL(lstat(path, &sb), -1);   /* unlinked on close */

	c.mode = 0600;
	c.gid = getgid();   /* chown to our own group: allowed without privilege */
	srv_open(&c);
	CU_ASSERT_EQUAL_FATAL(stat(path, &sb), 0);
	CU_ASSERT_EQUAL(sb.st_mode & 07777, 0600);
	CU_ASSERT_EQUAL(sb.st_gid, getgid());
	dg_ctl_server_close(srv);

	/* A stale socket (bound, its owner gone) is replaced. */
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	strcpy(sa.sun_path, path);
	CU_ASSERT_EQUAL_FATAL(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	close(fd);
	CU_ASSERT_EQUAL_FATAL(lstat(path, &sb), 0);
	c.mode = 0660;
	srv_open(&c);
	dg_ctl_server_close(srv);

	/* A regular file is not ours to delete. */
	fd = open(path, O_CREAT | O_WRONLY, 0600);
	CU_ASSERT_FATAL(fd >= 0);
	close(fd);
	CU_ASSERT_EQUAL(dg_ctl_server_open(&c, &s2, err, sizeof(err)), -EEXIST);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "exists and is not a socket"));
	CU_ASSERT_EQUAL(lstat(path, &sb), 0);
	unlink(path);

	/* Paths that do not fit sun_path, and bind errors, are clear lines. */
	{
		char longp[200];

		memset(longp, 'x', sizeof(longp) - 1);
		longp[0] = '/';
		longp[sizeof(longp) - 1] = '\0';
		c.path = longp;
		CU_ASSERT_EQUAL(dg_ctl_server_open(&c, &s2, err, sizeof(err)), -ENAMETOOLONG);
		CU_ASSERT_PTR_NOT_NULL(strstr(err, "path longer than 107 bytes"));
		c.path = "/nonexistent-dir/dnsgate.sock";
		CU_ASSERT_EQUAL(dg_ctl_server_open(&c, &s2, err, sizeof(err)), -ENOENT);
		CU_ASSERT_STRING_EQUAL(err,
			"/nonexistent-dir/dnsgate.sock: bind: No such file or directory");
	}
}

static void
test_ctl_server_requests(void)
{
	struct dg_ctl_server_conf c;
	char body[256], reason[DG_CTL_REASON_MAX];

	conf_default(&c);
	srv_start(&c);
	CU_ASSERT_EQUAL(call(body, sizeof(body), reason, sizeof(reason), 3, "echo",
		"two words", ""), 0);
	CU_ASSERT_STRING_EQUAL(body, "two words\n\n");
	CU_ASSERT_EQUAL(call(body, sizeof(body), reason, sizeof(reason), 1, "fail"), 1);
	/* Reasons stay on one line. */
	CU_ASSERT_STRING_EQUAL(reason, "no such thing: second line");
	CU_ASSERT_EQUAL(call(body, sizeof(body), reason, sizeof(reason), 1, "failquiet"), 1);
	CU_ASSERT_STRING_EQUAL(reason, "Operation not permitted");
	CU_ASSERT_EQUAL(call(body, sizeof(body), reason, sizeof(reason), 2, "optout",
		"flush"), 1);
	CU_ASSERT_STRING_EQUAL(reason, "unknown command 'optout flush' (usage: optout add "
		"PREFIX | optout del PREFIX | optout list)");
	CU_ASSERT_EQUAL(call(body, sizeof(body), reason, sizeof(reason), 1, "whoami"), 0);
	{
		char want[64];

		snprintf(want, sizeof(want), "uid=%u gid=%u", (unsigned int)getuid(),
			(unsigned int)getgid());
		CU_ASSERT_STRING_EQUAL(body, want);
	}
	CU_ASSERT_EQUAL(call(body, sizeof(body), reason, sizeof(reason), 1, "version"), 0);
	CU_ASSERT_STRING_EQUAL(body, "ran version\n");
	srv_stop();

	/* A client gets a clear line when nothing listens. */
	CU_ASSERT_EQUAL(call(body, sizeof(body), reason, sizeof(reason), 1, "status"),
		-ENOENT);
	{
		char want[256];

		snprintf(want, sizeof(want), "cannot connect to %s: No such file or directory",
			path);
		CU_ASSERT_STRING_EQUAL(reason, want);
	}
}

/* A body far bigger than the socket buffer goes out over many partial writes. */
static void
test_ctl_server_big_response(void)
{
	struct dg_ctl_server_conf c;
	char reason[DG_CTL_REASON_MAX];
	struct dg_ctl_buf b;
	char *argv[2] = { "big", "3000000" };
	size_t k, bad = 0;

	conf_default(&c);
	c.max_body = 4u << 20;
	srv_start(&c);
	dg_ctl_buf_init(&b, 0);
	CU_ASSERT_EQUAL_FATAL(dg_ctl_client_call(path, 2, argv, 5000, &b, reason,
		sizeof(reason)), 0);
	CU_ASSERT_EQUAL(b.len, 3000000);
	for (k = 0; k < b.len; k++)
		bad += b.data[k] != (char)('a' + (k % 4096) % 26);
	CU_ASSERT_EQUAL(bad, 0);
	dg_ctl_buf_fini(&b);

	/* Over the server's cap: a clear error, not a cut body. */
	argv[1] = "5000000";
	dg_ctl_buf_init(&b, 0);
	CU_ASSERT_EQUAL(dg_ctl_client_call(path, 2, argv, 5000, &b, reason,
		sizeof(reason)), 1);
	CU_ASSERT_STRING_EQUAL(reason, "response too large");
	CU_ASSERT_EQUAL(b.len, 0);
	dg_ctl_buf_fini(&b);
	srv_stop();
}

/* Several requests on one connection, sent in one write, answered in order. */
static void
test_ctl_server_pipelined(void)
{
	static const char req[] = "echo one\necho two\r\n\nfail\necho three\n";
	static const char want[] = "OK 4\none\nOK 4\ntwo\nERR empty request\n"
		"ERR no such thing: second line\nOK 6\nthree\n";
	struct dg_ctl_server_conf c;
	char buf[256];
	bool eof;
	int fd;

	conf_default(&c);
	srv_start(&c);
	fd = raw_connect();
	raw_send(fd, req, sizeof(req) - 1);
	CU_ASSERT_EQUAL(raw_read(fd, buf, sizeof(want) - 1, 2000, &eof), sizeof(want) - 1);
	buf[sizeof(want) - 1] = '\0';
	CU_ASSERT_STRING_EQUAL(buf, want);
	/* A last request without '\n' is still served once we shut our side. */
	raw_send(fd, "echo last", 9);
	shutdown(fd, SHUT_WR);
	CU_ASSERT_EQUAL(raw_read(fd, buf, sizeof(buf), 2000, &eof), 10);
	CU_ASSERT(eof);
	CU_ASSERT_EQUAL(memcmp(buf, "OK 5\nlast\n", 10), 0);
	close(fd);
	srv_stop();
}

/*
 * dg_ctl_server_poll() counts every request it handles, also those of a client it drops
 * in the same call (here: the last request before the client's shutdown).
 */
static void
test_ctl_server_poll_counts_requests(void)
{
	static const char want[] = "OK 2\na\nOK 2\nb\nOK 2\nc\n";
	struct dg_ctl_server_conf c;
	char buf[64];
	bool eof;
	int fd, i, r, total = 0;

	conf_default(&c);
	srv_open(&c);
	atomic_store(&handled, 0);
	fd = raw_connect();
	raw_send(fd, "echo a\necho b\necho c", 20);
	shutdown(fd, SHUT_WR);
	for (i = 0; i < 1000 && (i == 0 || dg_ctl_server_clients(srv) > 0); i++) {
		r = dg_ctl_server_poll(srv, handler, NULL);
		CU_ASSERT_FATAL(r >= 0);
		total += r;
	}
	CU_ASSERT_EQUAL(dg_ctl_server_clients(srv), 0);
	CU_ASSERT_EQUAL(atomic_load(&handled), 3);
	CU_ASSERT_EQUAL(total, 3);
	CU_ASSERT_EQUAL(raw_read(fd, buf, sizeof(buf), 2000, &eof), sizeof(want) - 1);
	CU_ASSERT(eof);
	CU_ASSERT_EQUAL(memcmp(buf, want, sizeof(want) - 1), 0);
	close(fd);
	dg_ctl_server_close(srv);
	srv = NULL;
}

/* Two clients at once; one stalls mid-line; the other is served at once. */
static void
test_ctl_server_stalled_client(void)
{
	struct dg_ctl_server_conf c;
	char buf[64];
	uint64_t t0, t1;
	bool eof;
	int a, b;

	conf_default(&c);
	c.timeout_ms = 1000;
	srv_start(&c);
	a = raw_connect();
	b = raw_connect();
	raw_send(a, "echo hal", 8);        /* half a line, then silence */
	t0 = now_ms();
	raw_send(b, "echo b\n", 7);
	CU_ASSERT_EQUAL(raw_read(b, buf, 7, 2000, &eof), 7);
	t1 = now_ms();
	CU_ASSERT_EQUAL(memcmp(buf, "OK 2\nb\n", 7), 0);
	CU_ASSERT(t1 - t0 < 500);           /* not held up by a's 1000 ms */
	printf("\n    served beside a stalled client in %llu ms",
		(unsigned long long)(t1 - t0));

	/* a is dropped after its time limit, with a reason. */
	CU_ASSERT_EQUAL(raw_read(a, buf, sizeof(buf), 2000, &eof), 12);
	CU_ASSERT(eof);
	CU_ASSERT_EQUAL(memcmp(buf, "ERR timeout\n", 12), 0);
	t1 = now_ms();
	CU_ASSERT(t1 - t0 >= 990 && t1 - t0 < 3000);
	/* b, idle since its answer, is dropped too. */
	CU_ASSERT_EQUAL(raw_read(b, buf, sizeof(buf), 2000, &eof), 12);
	CU_ASSERT(eof);
	CU_ASSERT_EQUAL(memcmp(buf, "ERR timeout\n", 12), 0);
	close(a);
	close(b);
	srv_stop();
}

/* The loop's pause ends when a request comes, not at its timeout; idle, it lasts. */
static void
test_ctl_server_wait_wakes_on_request(void)
{
	struct dg_ctl_server_conf c;
	uint64_t t0, t;
	char buf[16];
	bool eof;
	int a;

	conf_default(&c);
	srv_open(&c);
	CU_ASSERT_EQUAL(dg_ctl_server_wait(NULL, 1), -EINVAL);
	CU_ASSERT_EQUAL(dg_ctl_server_wait(srv, -1), -EINVAL);
	t0 = now_ms();
	CU_ASSERT_EQUAL(dg_ctl_server_wait(srv, 50), 0); /* nothing: the whole pause */
	CU_ASSERT(now_ms() - t0 >= 49);
	a = raw_connect();
	CU_ASSERT(dg_ctl_server_wait(srv, 5000) == 1); /* the connection */
	CU_ASSERT(dg_ctl_server_poll(srv, handler, NULL) >= 0);
	t0 = now_ms();
	CU_ASSERT_EQUAL(dg_ctl_server_wait(srv, 50), 0); /* connected, silent */
	CU_ASSERT(now_ms() - t0 >= 49);
	raw_send(a, "echo x\n", 7);
	t0 = now_ms();
	CU_ASSERT(dg_ctl_server_wait(srv, 5000) == 1);
	t = now_ms() - t0;
	CU_ASSERT(t < 1000); /* at once, not after the 5 s */
	CU_ASSERT_EQUAL(dg_ctl_server_poll(srv, handler, NULL), 1);
	CU_ASSERT_EQUAL(raw_read(a, buf, 7, 1000, &eof), 7);
	CU_ASSERT_EQUAL(memcmp(buf, "OK 2\nx\n", 7), 0);
	close(a);
	dg_ctl_server_close(srv);
	srv = NULL;
}

/* A client that never reads a big answer does not slow the loop down. */
static void
test_ctl_server_poll_never_blocks(void)
{
	struct dg_ctl_server_conf c;
	uint64_t t0, worst = 0, worst_io = 0, t;
	char buf[64];
	bool eof;
	int a, b, i, r, got = 0;

	conf_default(&c);
	c.timeout_ms = 2000;
	srv_open(&c);
	a = raw_connect();
	b = raw_connect();
	raw_send(a, "big 8000000\n", 12);   /* and never read it */
	for (i = 0; i < 200; i++) {
		if (i == 50)
			raw_send(b, "echo b\n", 7);
		t0 = now_ms();
		r = dg_ctl_server_poll(srv, handler, NULL);
		t = now_ms() - t0;
		CU_ASSERT(r >= 0);
		worst = t > worst ? t : worst;
		if (r == 0)   /* no handler ran: pure socket work */
			worst_io = t > worst_io ? t : worst_io;
		if (i > 50 && got == 0) {
			struct pollfd p = { .fd = b, .events = POLLIN };

			if (poll(&p, 1, 0) == 1)
				got = (int)raw_read(b, buf, 7, 100, &eof);
		}
		usleep(500);
	}
	CU_ASSERT_EQUAL(got, 7);
	CU_ASSERT_EQUAL(memcmp(buf, "OK 2\nb\n", 7), 0);
	/* Only a call that runs a handler does real work (here: an 8 MB body). */
	CU_ASSERT(worst_io < 50);
	printf("\n    slowest dg_ctl_server_poll call: %llu ms with a handler, %llu ms without",
		(unsigned long long)worst, (unsigned long long)worst_io);
	CU_ASSERT_EQUAL(dg_ctl_server_clients(srv), 2);
	close(a);
	close(b);
	dg_ctl_server_close(srv);
	srv = NULL;
}

static void
test_ctl_server_request_size(void)
{
	struct dg_ctl_server_conf c;
	static char req[DG_CTL_REQUEST_MAX + 64], buf[DG_CTL_REQUEST_MAX + 64];
	char head[32];
	bool eof;
	size_t n;
	int fd;

	conf_default(&c);
	srv_start(&c);

	/* Exactly DG_CTL_REQUEST_MAX bytes with the '\n': served. */
	memcpy(req, "echo ", 5);
	memset(req + 5, 'x', DG_CTL_REQUEST_MAX - 6);
	req[DG_CTL_REQUEST_MAX - 1] = '\n';
	fd = raw_connect();
	raw_send(fd, req, DG_CTL_REQUEST_MAX);
	snprintf(head, sizeof(head), "OK %d\n", DG_CTL_REQUEST_MAX - 6 + 1);
	n = raw_read(fd, buf, strlen(head) + DG_CTL_REQUEST_MAX - 5, 2000, &eof);
	CU_ASSERT_EQUAL(n, strlen(head) + DG_CTL_REQUEST_MAX - 5);
	CU_ASSERT_EQUAL(memcmp(buf, head, strlen(head)), 0);
	close(fd);

	/* One byte more: refused and closed. */
	memset(req + 5, 'x', DG_CTL_REQUEST_MAX - 5);
	req[DG_CTL_REQUEST_MAX] = '\n';
	fd = raw_connect();
	raw_send(fd, req, DG_CTL_REQUEST_MAX + 1);
	n = raw_read(fd, buf, sizeof(buf), 2000, &eof);
	CU_ASSERT_EQUAL(n, 21);
	CU_ASSERT(eof);
	CU_ASSERT_EQUAL(memcmp(buf, "ERR request too long\n", 21), 0);
	close(fd);

	/* A client streaming without newlines is cut at the limit, not buffered. */
	fd = raw_connect();
	memset(req, 'y', sizeof(req));
	raw_send(fd, req, DG_CTL_REQUEST_MAX);
	n = raw_read(fd, buf, sizeof(buf), 2000, &eof);
	CU_ASSERT_EQUAL(n, 21);
	CU_ASSERT(eof);
	close(fd);
	srv_stop();
}

static void
test_ctl_server_too_many_clients(void)
{
	struct dg_ctl_server_conf c;
	char buf[64];
	bool eof;
	int fds[3], i;

	conf_default(&c);
	c.max_clients = 2;
	srv_start(&c);
	for (i = 0; i < 3; i++) {
		fds[i] = raw_connect();
		usleep(20000);   /* let the loop admit them in order */
	}
	CU_ASSERT_EQUAL(raw_read(fds[2], buf, sizeof(buf), 2000, &eof), 21);
	CU_ASSERT(eof);
	CU_ASSERT_EQUAL(memcmp(buf, "ERR too many clients\n", 21), 0);
	raw_send(fds[0], "echo 0\n", 7);
	CU_ASSERT_EQUAL(raw_read(fds[0], buf, 7, 2000, &eof), 7);
	CU_ASSERT_EQUAL(memcmp(buf, "OK 2\n0\n", 7), 0);
	for (i = 0; i < 3; i++)
		close(fds[i]);
	srv_stop();
}

/*
 * Fork a client that becomes uid 65534 (gid @p gid, supplementary @p sup) and sends
 * "whoami"; poll from here until it exits. The child's exit code: 0 = "OK" answer,
 * 1 = "ERR permission denied", 2 = connect refused by file mode (EACCES), 3 = other.
 */
static int
run_as_nobody(gid_t gid, gid_t sup)
{
	pid_t pid;
	int status = -1, i;

	pid = fork();
	CU_ASSERT_FATAL(pid >= 0);
	if (pid == 0) {
		struct sockaddr_un sa = { .sun_family = AF_UNIX };
		char buf[64];
		ssize_t n = 0;
		size_t k;
		int fd;

		if (setgroups(1, &sup) != 0 || setgid(gid) != 0 || setuid(NOBODY) != 0)
			_exit(3);
		fd = socket(AF_UNIX, SOCK_STREAM, 0);
		strcpy(sa.sun_path, path);
		if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0)
			_exit(errno == EACCES ? 2 : 3);
		if (send(fd, "whoami\n", 7, MSG_NOSIGNAL) != 7 && errno != EPIPE)
			_exit(3);
		/* Done sending: the server answers, then closes, and we read to EOF. */
		shutdown(fd, SHUT_WR);
		for (k = 0; k < sizeof(buf) - 1; k += (size_t)n) {
			n = recv(fd, buf + k, sizeof(buf) - 1 - k, 0);
			if (n <= 0)
				break;
		}
		if (k == 0)
			_exit(3);
		buf[k] = '\0';
		if (strncmp(buf, "OK ", 3) == 0)
			_exit(0);
		_exit(strcmp(buf, "ERR permission denied\n") == 0 ? 1 : 3);
	}
	for (i = 0; i < 5000; i++) {
		dg_ctl_server_poll(srv, handler, NULL);
		if (waitpid(pid, &status, WNOHANG) == pid)
			break;
		usleep(1000);
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void
test_ctl_server_peer_credentials(void)
{
	struct dg_ctl_server_conf c;
	struct dg_ctl_server_stats st;

	if (geteuid() != 0) {
		printf("\n    SKIPPED: needs root to setuid(65534)");
		return;
	}
	/* Default 0660 root:root: the file mode already keeps nobody out. */
	conf_default(&c);
	srv_open(&c);
	CU_ASSERT_EQUAL(run_as_nobody(NOBODY, NOBODY), 2);
	dg_ctl_server_close(srv);

	/* Mode 0666 lets it connect; the credential check still refuses it. */
	c.mode = 0666;
	srv_open(&c);
	CU_ASSERT_EQUAL(run_as_nobody(NOBODY, NOBODY), 1);
	dg_ctl_server_get_stats(srv, &st);
	CU_ASSERT_EQUAL(st.denied, 1);
	CU_ASSERT_EQUAL(st.accepted, 0);
	CU_ASSERT_EQUAL(st.requests, 0);
	dg_ctl_server_close(srv);

	/* The allowed uid gets in. */
	c.uid = NOBODY;
	srv_open(&c);
	CU_ASSERT_EQUAL(run_as_nobody(NOBODY, NOBODY), 0);
	dg_ctl_server_close(srv);

	/* The allowed group, as primary group... */
	c.uid = (uid_t)DG_CTL_ID_NONE;
	c.gid = 4242;
	c.mode = 0660;   /* with the socket's group set to 4242, the mode admits it */
	srv_open(&c);
	CU_ASSERT_EQUAL(run_as_nobody(4242, NOBODY), 0);
	/* ...or only as a supplementary group (SO_PEERGROUPS). */
	CU_ASSERT_EQUAL(run_as_nobody(NOBODY, 4242), 0);
	/* Neither: the file mode refuses it. */
	CU_ASSERT_EQUAL(run_as_nobody(NOBODY, NOBODY), 2);
	dg_ctl_server_close(srv);

	/* Group 4242 allowed, socket world-writable, peer not in it: credential check. */
	c.mode = 0666;
	srv_open(&c);
	CU_ASSERT_EQUAL(run_as_nobody(NOBODY, 4243), 1);
	dg_ctl_server_close(srv);
	srv = NULL;
}

static int
setup(void)
{
	strcpy(dir, "/tmp/test_ctl.XXXXXX");
	if (mkdtemp(dir) == NULL || chmod(dir, 0711) != 0)
		return -1;
	snprintf(path, sizeof(path), "%s/ctl.sock", dir);
	return 0;
}

int
main(void)
{
	static const struct dg_test_case t[] = {
		DG_TEST(test_ctl_server_open_mode_and_stale),
		DG_TEST(test_ctl_server_requests),
		DG_TEST(test_ctl_server_big_response),
		DG_TEST(test_ctl_server_pipelined),
		DG_TEST(test_ctl_server_poll_counts_requests),
		DG_TEST(test_ctl_server_stalled_client),
		DG_TEST(test_ctl_server_pending_answer),
		DG_TEST(test_ctl_server_poll_never_blocks),
		DG_TEST(test_ctl_server_wait_wakes_on_request),
		DG_TEST(test_ctl_server_request_size),
		DG_TEST(test_ctl_server_too_many_clients),
		DG_TEST(test_ctl_server_peer_credentials),
	};
	int fails;

	if (setup() != 0) {
		perror("test_ctl_server: temp dir");
		return 1;
	}
	/* The peer-credential case forks: run it while no server thread exists. */
	fails = dg_test_run("ctl_server", t, sizeof(t) / sizeof(t[0]));
	unlink(path);
	rmdir(dir);
	return fails ? 1 : 0;
}
