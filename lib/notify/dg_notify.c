/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sd_notify(3) without libsystemd: a datagram to $NOTIFY_SOCKET. systemd reads the
 * sender's credentials from the socket (SO_PASSCRED on its side), so a plain sendto()
 * from any thread of the main process is accepted under NotifyAccess=main.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dg_err.h"
#include "dg_notify.h"

static int
parse_positive(const char *s, unsigned long long *out)
{
	char *end;

	if (s == NULL || !isdigit((unsigned char)s[0]))
		return -EINVAL;
	errno = 0;
	*out = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || *out == 0)
		return -EINVAL;
	return 0;
}

int
dg_notify_open(struct dg_notify *n, const char *socket_name, const char *wd_usec,
	       const char *wd_pid, char *err, size_t len)
{
	unsigned long long usec = 0, pid;
	size_t nlen;

	memset(n, 0, sizeof(*n));
	n->fd = -1;
	if (socket_name == NULL || socket_name[0] == '\0')
		return 0;
	nlen = strlen(socket_name);
	if (socket_name[0] != '/' && socket_name[0] != '@')
		return dg_errf(err, len, -EINVAL, "NOTIFY_SOCKET '%s': expected an absolute "
			       "path or '@name'", socket_name);
	/* A path needs its NUL; an abstract name has none but starts with a NUL byte. */
	if (nlen < 2 || nlen + (socket_name[0] == '/') > sizeof(n->addr.sun_path))
		return dg_errf(err, len, -EINVAL, "NOTIFY_SOCKET: a name of %zu bytes does "
			       "not fit a unix socket address", nlen);
	if (wd_usec != NULL && parse_positive(wd_usec, &usec) < 0)
		return dg_errf(err, len, -EINVAL, "WATCHDOG_USEC '%s': expected a positive number",
			       wd_usec);
	if (wd_pid != NULL) {
		if (parse_positive(wd_pid, &pid) < 0)
			return dg_errf(err, len, -EINVAL,
				       "WATCHDOG_PID '%s': expected a positive number", wd_pid);
		if (pid != (unsigned long long)getpid())
			usec = 0; /* meant for another process */
	}
	n->addr.sun_family = AF_UNIX;
	memcpy(n->addr.sun_path, socket_name, nlen);
	if (socket_name[0] == '@')
		n->addr.sun_path[0] = '\0';
	n->addrlen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + nlen +
				 (socket_name[0] == '/'));
	n->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (n->fd < 0) {
		int e = errno;

		return dg_errf(err, len, -e, "NOTIFY_SOCKET: socket: %s", strerror(e));
	}
	n->watchdog_usec = usec;
	return 0;
}

int
dg_notify_send(const struct dg_notify *n, const char *msg)
{
	if (n->fd < 0)
		return 0;
	if (sendto(n->fd, msg, strlen(msg), MSG_DONTWAIT | MSG_NOSIGNAL,
		   (const struct sockaddr *)&n->addr, n->addrlen) < 0)
		return -errno;
	return 0;
}

void
dg_notify_close(struct dg_notify *n)
{
	if (n->fd >= 0)
		close(n->fd);
	n->fd = -1;
	n->watchdog_usec = 0;
}

int
dg_notify_first_stalled(uint64_t *seen, const uint64_t *now, unsigned int count)
{
	int first = -1;

	for (unsigned int i = 0; i < count; i++) {
		if (now[i] == seen[i] && first < 0)
			first = (int)i;
		seen[i] = now[i];
	}
	return first;
}
