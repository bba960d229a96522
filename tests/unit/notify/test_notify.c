/* SPDX-License-Identifier: BSD-3-Clause */
/* The sd_notify protocol against a real AF_UNIX datagram listener (path and abstract). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "dg_notify.h"
#include "dg_test.h"

static char err[256];

/* A listener bound to @p name ("/path" or "@abstract"), as systemd binds NOTIFY_SOCKET. */
static int
listener(const char *name)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	size_t n = strlen(name);
	int fd = socket(AF_UNIX, SOCK_DGRAM, 0);

	CU_ASSERT_FATAL(fd >= 0 && n < sizeof(a.sun_path));
	memcpy(a.sun_path, name, n);
	if (name[0] == '@')
		a.sun_path[0] = '\0';
	else
		unlink(name);
	CU_ASSERT_FATAL(bind(fd, (struct sockaddr *)&a,
			     (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n +
					 (name[0] == '/'))) == 0);
	return fd;
}

/* The next datagram, or "" after 1 s. */
static const char *
next_msg(int fd)
{
	static char buf[512];
	struct timeval tv = { .tv_sec = 1 };
	ssize_t k;

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	k = recv(fd, buf, sizeof(buf) - 1, 0);
	buf[k > 0 ? k : 0] = '\0';
	return buf;
}

static void
test_notify_no_socket_is_off(void)
{
	struct dg_notify n;

	CU_ASSERT_EQUAL(dg_notify_open(&n, NULL, "5000000", NULL, err, sizeof(err)), 0);
	CU_ASSERT_FALSE(dg_notify_enabled(&n));
	CU_ASSERT_EQUAL(n.watchdog_usec, 0);
	CU_ASSERT_EQUAL(dg_notify_send(&n, "READY=1"), 0);
	CU_ASSERT_EQUAL(dg_notify_open(&n, "", NULL, NULL, err, sizeof(err)), 0);
	CU_ASSERT_FALSE(dg_notify_enabled(&n));
	dg_notify_close(&n);
}

static void
test_notify_path_socket_receives(void)
{
	char path[64];
	struct dg_notify n;
	int fd;

	snprintf(path, sizeof(path), "/tmp/dg-test-notify-%d", (int)getpid());
	fd = listener(path);
	CU_ASSERT_EQUAL_FATAL(dg_notify_open(&n, path, "4000000", NULL, err, sizeof(err)), 0);
	CU_ASSERT_TRUE(dg_notify_enabled(&n));
	CU_ASSERT_EQUAL(n.watchdog_usec, 4000000);
	CU_ASSERT_EQUAL(dg_notify_send(&n, "READY=1\nSTATUS=forwarding"), 0);
	CU_ASSERT_STRING_EQUAL(next_msg(fd), "READY=1\nSTATUS=forwarding");
	CU_ASSERT_EQUAL(dg_notify_send(&n, "WATCHDOG=1"), 0);
	CU_ASSERT_STRING_EQUAL(next_msg(fd), "WATCHDOG=1");
	/* Nobody listening any more: the error comes back, nothing blocks. */
	close(fd);
	CU_ASSERT_EQUAL(dg_notify_send(&n, "WATCHDOG=1"), -ECONNREFUSED);
	unlink(path);
	CU_ASSERT_EQUAL(dg_notify_send(&n, "WATCHDOG=1"), -ENOENT);
	dg_notify_close(&n);
	CU_ASSERT_FALSE(dg_notify_enabled(&n));
}

static void
test_notify_abstract_socket_receives(void)
{
	char name[64];
	struct dg_notify n;
	int fd;

	snprintf(name, sizeof(name), "@dg-test-notify-%d", (int)getpid());
	fd = listener(name);
	CU_ASSERT_EQUAL_FATAL(dg_notify_open(&n, name, NULL, NULL, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(n.watchdog_usec, 0);
	CU_ASSERT_EQUAL(dg_notify_send(&n, "STOPPING=1"), 0);
	CU_ASSERT_STRING_EQUAL(next_msg(fd), "STOPPING=1");
	close(fd);
	dg_notify_close(&n);
}

static void
test_notify_socket_name_last_fit_and_one_past(void)
{
	struct sockaddr_un a;
	char name[sizeof(a.sun_path) + 2];
	struct dg_notify n;

	/* A path keeps its NUL: 107 characters fit, 108 do not. */
	memset(name, 'p', sizeof(name));
	name[0] = '/';
	name[sizeof(a.sun_path) - 1] = '\0';
	CU_ASSERT_EQUAL(dg_notify_open(&n, name, NULL, NULL, err, sizeof(err)), 0);
	dg_notify_close(&n);
	name[sizeof(a.sun_path) - 1] = 'p';
	name[sizeof(a.sun_path)] = '\0';
	CU_ASSERT_EQUAL(dg_notify_open(&n, name, NULL, NULL, err, sizeof(err)), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "does not fit"));
	/* An abstract name has no NUL: all 108 bytes are usable, 109 are not. */
	name[0] = '@';
	CU_ASSERT_EQUAL(dg_notify_open(&n, name, NULL, NULL, err, sizeof(err)), 0);
	dg_notify_close(&n);
	name[sizeof(a.sun_path)] = 'p';
	name[sizeof(a.sun_path) + 1] = '\0';
	CU_ASSERT_EQUAL(dg_notify_open(&n, name, NULL, NULL, err, sizeof(err)), -EINVAL);
	CU_ASSERT_FALSE(dg_notify_enabled(&n));
}

static void
test_notify_bad_values(void)
{
	static const char *const bad[][3] = {
		{ "relative/path", NULL, NULL },
		{ "@", NULL, NULL },
		{ "/", NULL, NULL },
		{ "/run/x", "0", NULL },
		{ "/run/x", "-5", NULL },
		{ "/run/x", "5s", NULL },
		{ "/run/x", "", NULL },
		{ "/run/x", "99999999999999999999999", NULL },
		{ "/run/x", "1000", "abc" },
		{ "/run/x", "1000", "0" },
	};
	struct dg_notify n;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CU_ASSERT_EQUAL(dg_notify_open(&n, bad[i][0], bad[i][1], bad[i][2], err,
					       sizeof(err)), -EINVAL);
		CU_ASSERT_FALSE(dg_notify_enabled(&n));
	}
}

static void
test_notify_watchdog_pid(void)
{
	char self[16], other[16];
	struct dg_notify n;

	snprintf(self, sizeof(self), "%d", (int)getpid());
	snprintf(other, sizeof(other), "%d", (int)getpid() + 1);
	CU_ASSERT_EQUAL(dg_notify_open(&n, "@dg-x", "2000000", self, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(n.watchdog_usec, 2000000);
	dg_notify_close(&n);
	/* Meant for another process: notifications stay on, the watchdog does not. */
	CU_ASSERT_EQUAL(dg_notify_open(&n, "@dg-x", "2000000", other, err, sizeof(err)), 0);
	CU_ASSERT_TRUE(dg_notify_enabled(&n));
	CU_ASSERT_EQUAL(n.watchdog_usec, 0);
	dg_notify_close(&n);
}

static void
test_notify_first_stalled(void)
{
	uint64_t seen[3] = { 0, 0, 0 }, now[3] = { 5, 7, 9 };

	CU_ASSERT_EQUAL(dg_notify_first_stalled(seen, now, 3), -1);
	CU_ASSERT_EQUAL(seen[2], 9);
	/* The last one stops. */
	now[0] = 6, now[1] = 8;
	CU_ASSERT_EQUAL(dg_notify_first_stalled(seen, now, 3), 2);
	/* The first and the last stop: the first is named, all are remembered. */
	now[1] = 9;
	CU_ASSERT_EQUAL(dg_notify_first_stalled(seen, now, 3), 0);
	CU_ASSERT_EQUAL(seen[1], 9);
	/* A wrapped counter still moved. */
	seen[0] = UINT64_MAX, now[0] = 0, now[1] = 10, now[2] = 10;
	CU_ASSERT_EQUAL(dg_notify_first_stalled(seen, now, 3), -1);
	CU_ASSERT_EQUAL(dg_notify_first_stalled(seen, now, 0), -1);
}

DG_TEST_MAIN("notify",
	DG_TEST(test_notify_no_socket_is_off),
	DG_TEST(test_notify_path_socket_receives),
	DG_TEST(test_notify_abstract_socket_receives),
	DG_TEST(test_notify_socket_name_last_fit_and_one_past),
	DG_TEST(test_notify_bad_values),
	DG_TEST(test_notify_watchdog_pid),
	DG_TEST(test_notify_first_stalled))
