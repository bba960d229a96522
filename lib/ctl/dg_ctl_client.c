/* SPDX-License-Identifier: BSD-3-Clause */
/* One-shot blocking client. Timeouts come from SO_SNDTIMEO / SO_RCVTIMEO. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "dg_ctl_client.h"

int
dg_ctl_status_parse(const char *line, size_t *body_len, const char **reason)
{
	const char *p;
	size_t v = 0;

	if (strncmp(line, "ERR", 3) == 0 && (line[3] == ' ' || line[3] == '\0')) {
		*reason = line[3] == ' ' ? line + 4 : line + 3;
		return 1;
	}
	if (strncmp(line, "OK ", 3) != 0)
		return -EPROTO;
	p = line + 3;
	if (*p < '0' || *p > '9' || (p[0] == '0' && p[1] != '\0'))
		return -EPROTO;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (v > (SIZE_MAX / 2 - 9) / 10)
			return -EPROTO;
		v = v * 10 + (size_t)(*p - '0');
	}
	if (*p != '\0')
		return -EPROTO;
	*body_len = v;
	return 0;
}

static int
fail(char *reason, size_t rlen, int ret, const char *fmt, const char *arg)
{
	char what[256];

	snprintf(what, sizeof(what), fmt, arg);
	snprintf(reason, rlen, "%s: %s", what, strerror(-ret));
	return ret;
}

int
dg_ctl_client_call(const char *path, int argc, char *const argv[],
	unsigned int timeout_ms, struct dg_ctl_buf *body, char *reason, size_t rlen)
{
	char req[DG_CTL_REQUEST_MAX + 1];
	char buf[65536];
	char status[DG_CTL_REASON_MAX + 64];
	size_t slen = 0, need = 0, off;
	bool have_status = false;
	struct sockaddr_un sa;
	struct timeval tv;
	const char *why;
	ssize_t n;
	int fd, len, ret;

	reason[0] = '\0';
	len = dg_ctl_encode(argc, argv, req, sizeof(req));
	if (len < 0) {
		snprintf(reason, rlen, "%s", len == -EMSGSIZE ?
			"request too long" : "request cannot be encoded (control characters?)");
		return len;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa.sun_path))
		return fail(reason, rlen, -ENAMETOOLONG, "cannot connect to %s", path);
	strcpy(sa.sun_path, path);

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return fail(reason, rlen, -errno, "socket%s", "");
	if (timeout_ms > 0) {
		tv.tv_sec = timeout_ms / 1000;
		tv.tv_usec = (timeout_ms % 1000) * 1000;
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	}
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		ret = fail(reason, rlen, errno == EAGAIN ? -ETIMEDOUT : -errno,
			"cannot connect to %s", path);
		goto out;
	}
	for (off = 0; off < (size_t)len; off += (size_t)n) {
		n = send(fd, req + off, (size_t)len - off, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR) {
			n = 0;
			continue;
		}
		if (n < 0) {
			ret = fail(reason, rlen, errno == EAGAIN ? -ETIMEDOUT : -errno,
				"cannot send to %s", path);
			goto out;
		}
	}

	for (;;) {
		n = recv(fd, buf, sizeof(buf), 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			/* The server may answer and close before reading all we sent. */
			ret = fail(reason, rlen, errno == EAGAIN ? -ETIMEDOUT : -errno,
				"no answer from %s", path);
			goto out;
		}
		if (n == 0) {
			snprintf(reason, rlen, "%s: connection closed before the answer was complete",
				path);
			ret = -EPROTO;
			goto out;
		}
		off = 0;
		if (!have_status) {
			while (off < (size_t)n && buf[off] != '\n' && slen < sizeof(status) - 1)
				status[slen++] = buf[off++];
			if (off == (size_t)n)
				continue;
			if (buf[off] != '\n') {
				snprintf(reason, rlen, "%s: malformed answer (status line too long)",
					path);
				ret = -EPROTO;
				goto out;
			}
			off++;
			status[slen] = '\0';
			ret = dg_ctl_status_parse(status, &need, &why);
			if (ret == 1) {
				snprintf(reason, rlen, "%s", why);
				goto out;
			}
			if (ret < 0) {
				snprintf(reason, rlen, "%s: malformed answer '%.64s'", path, status);
				goto out;
			}
			have_status = true;
		}
		if ((size_t)n - off > need) {
			snprintf(reason, rlen, "%s: malformed answer (body longer than announced)",
				path);
			ret = -EPROTO;
			goto out;
		}
		if (dg_ctl_buf_append(body, buf + off, (size_t)n - off) != 0) {
			snprintf(reason, rlen, "answer body too large or out of memory");
			ret = dg_ctl_buf_error(body);
			goto out;
		}
		need -= (size_t)n - off;
		if (need == 0) {
			ret = 0;
			goto out;
		}
	}
out:
	close(fd);
	return ret;
}
