/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Control socket server: every socket is non-blocking and poll(2) runs with a zero
 * timeout, so one call does only the work that is ready and returns.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "dg_err.h"
#include "dg_ctl_audit.h"
#include "dg_ctl_server.h"

/* Connections admitted per poll call, so a connect storm cannot starve the loop. */
#define ACCEPT_BURST 8
/* Pipelined requests served per client per poll call, for fairness. */
#define REQ_BURST 8

struct client {
	int fd;
	bool eof;                       /* peer shut its write side */
	bool closing;                   /* close once the output is flushed */
	pid_t pid;
	uid_t uid;
	gid_t gid;
	uint64_t deadline;              /* monotonic ms */
	size_t in_len;
	char in[DG_CTL_REQUEST_MAX + 1];  /* +1: a '\n' may be put after an EOF line */
	char head[DG_CTL_REASON_MAX + 32];  /* "OK <len>\n" or "ERR <reason>\n" */
	size_t head_len;
	size_t head_off;
	struct dg_ctl_buf body;
	size_t body_off;
	uint64_t pending;               /* token of a request waiting for its answer, 0 = none */
	char pending_line[DG_CTL_REQUEST_MAX + 1]; /* its words, for the audit record */
	size_t pending_len;
};

struct dg_ctl_server {
	int fd;
	struct dg_ctl_server_conf conf;
	char *path;
	dev_t dev;                      /* identity of our socket file, for unlink */
	ino_t ino;
	unsigned int nclients;
	struct client **clients;        /* conf.max_clients slots, NULL = free */
	struct pollfd *pfd;             /* listener + one per slot */
	struct dg_ctl_server_stats st;
	uint64_t next_token;
	unsigned int npending;
};

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}


void
dg_ctl_server_conf_init(struct dg_ctl_server_conf *conf)
{
	memset(conf, 0, sizeof(*conf));
	conf->mode = 0660;
	conf->uid = (uid_t)DG_CTL_ID_NONE;
	conf->gid = (gid_t)DG_CTL_ID_NONE;
	conf->max_clients = 16;
	conf->timeout_ms = 5000;
	conf->max_body = DG_CTL_BODY_MAX_DEFAULT;
}

/* A socket file is stale when nobody accepts on it any more. */
static int
clear_stale(const char *path, const struct sockaddr_un *sa, char *err, size_t errlen)
{
	struct stat sb;
	int fd, r;

	if (lstat(path, &sb) != 0)
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISSOCK(sb.st_mode)) {
		dg_errf(err, errlen, 0, "%s: exists and is not a socket", path);
		return -EEXIST;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	r = connect(fd, (const struct sockaddr *)sa, sizeof(*sa));
	if (r == 0 || errno == EAGAIN) {
		close(fd);
		dg_errf(err, errlen, 0, "%s: another process is listening on it", path);
		return -EADDRINUSE;
	}
	close(fd);
	if (unlink(path) != 0 && errno != ENOENT) {
		r = -errno;
		dg_errf(err, errlen, 0, "%s: cannot remove stale socket: %s", path, strerror(-r));
		return r;
	}
	return 0;
}

int
dg_ctl_server_open(const struct dg_ctl_server_conf *conf, struct dg_ctl_server **out,
	char *err, size_t errlen)
{
	struct sockaddr_un sa;
	struct dg_ctl_server *s;
	struct stat sb;
	const char *what;
	int ret;

	if (conf == NULL || out == NULL || conf->path == NULL || conf->path[0] == '\0' ||
			conf->max_clients == 0 || conf->timeout_ms == 0) {
		dg_errf(err, errlen, 0, "control socket: missing path or zero limit");
		return -EINVAL;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	if (strlen(conf->path) >= sizeof(sa.sun_path)) {
		dg_errf(err, errlen, 0, "%s: path longer than %zu bytes", conf->path,
			sizeof(sa.sun_path) - 1);
		return -ENAMETOOLONG;
	}
	strcpy(sa.sun_path, conf->path);

	s = calloc(1, sizeof(*s));
	if (s == NULL)
		goto nomem;
	s->fd = -1;
	s->conf = *conf;
	if (s->conf.max_body == 0)
		s->conf.max_body = DG_CTL_BODY_MAX_DEFAULT;
	s->path = strdup(conf->path);
	s->clients = calloc(conf->max_clients, sizeof(*s->clients));
	s->pfd = calloc(conf->max_clients + 1, sizeof(*s->pfd));
	if (s->path == NULL || s->clients == NULL || s->pfd == NULL)
		goto nomem;
	s->conf.path = s->path;

	ret = clear_stale(conf->path, &sa, err, errlen);
	if (ret < 0) {
		if (err != NULL && err[0] == '\0')
			dg_errf(err, errlen, 0, "%s: %s", conf->path, strerror(-ret));
		goto fail;
	}
	what = "socket";
	s->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->fd < 0)
		goto sys;
	what = "bind";
	if (bind(s->fd, (struct sockaddr *)&sa, sizeof(sa)) != 0)
		goto sys;
	/* Owner, group and mode are set before listen(): until then connect() is refused. */
	what = "chown";
	if (conf->gid != (gid_t)DG_CTL_ID_NONE && chown(s->path, (uid_t)-1, conf->gid) != 0)
		goto sys_unlink;
	what = "chmod";
	if (chmod(s->path, conf->mode) != 0)
		goto sys_unlink;
	what = "stat";
	if (stat(s->path, &sb) != 0)
		goto sys_unlink;
	s->dev = sb.st_dev;
	s->ino = sb.st_ino;
	what = "listen";
	if (listen(s->fd, 64) != 0)
		goto sys_unlink;
	*out = s;
	return 0;

sys_unlink:
	ret = -errno;
	unlink(s->path);
	dg_errf(err, errlen, 0, "%s: %s: %s", conf->path, what, strerror(-ret));
	goto fail;
sys:
	ret = -errno;
	dg_errf(err, errlen, 0, "%s: %s: %s", conf->path, what, strerror(-ret));
	goto fail;
nomem:
	ret = -ENOMEM;
	dg_errf(err, errlen, 0, "control socket: out of memory");
fail:
	if (s != NULL) {
		if (s->fd >= 0)
			close(s->fd);
		free(s->path);
		free(s->clients);
		free(s->pfd);
		free(s);
	}
	return ret;
}

static bool
peer_allowed(const struct dg_ctl_server *s, int fd, const struct ucred *cr)
{
	gid_t small[256], *g = small;
	socklen_t len = sizeof(small);
	bool ok = false;
	unsigned int i;

	if (cr->uid == 0)
		return true;
	if (s->conf.uid != (uid_t)DG_CTL_ID_NONE && cr->uid == s->conf.uid)
		return true;
	if (s->conf.gid == (gid_t)DG_CTL_ID_NONE)
		return false;
	if (cr->gid == s->conf.gid)
		return true;
#ifdef SO_PEERGROUPS
	/* Supplementary groups as of connect(); no NSS lookup, nothing that can block. */
	if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, g, &len) != 0) {
		if (errno != ERANGE)
			return false;
		g = malloc(len);
		if (g == NULL || getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, g, &len) != 0) {
			free(g);
			return false;
		}
	}
	for (i = 0; i < len / sizeof(gid_t); i++)
		if (g[i] == s->conf.gid)
			ok = true;
	if (g != small)
		free(g);
#else
	(void)fd; (void)len; (void)g; (void)i;
#endif
	return ok;
}

/* One best-effort line to a socket we are about to close; its buffer is empty. */
static void
say_and_close(int fd, const char *line)
{
	ssize_t r = send(fd, line, strlen(line), MSG_DONTWAIT | MSG_NOSIGNAL);

	(void)r;
	close(fd);
}

static void
client_free(struct dg_ctl_server *s, unsigned int slot)
{
	struct client *c = s->clients[slot];

	if (c->pending != 0)
		s->npending--;
	close(c->fd);
	dg_ctl_buf_fini(&c->body);
	free(c);
	s->clients[slot] = NULL;
	s->nclients--;
}

static void
accept_some(struct dg_ctl_server *s, uint64_t now)
{
	struct ucred cr;
	socklen_t len;
	unsigned int i, slot;
	struct client *c;
	int fd;

	for (i = 0; i < ACCEPT_BURST; i++) {
		fd = accept4(s->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			return;   /* EAGAIN, or EMFILE & co: try again next call */
		len = sizeof(cr);
		if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) != 0 ||
				!peer_allowed(s, fd, &cr)) {
			s->st.denied++;
			say_and_close(fd, "ERR permission denied\n");
			continue;
		}
		if (s->nclients == s->conf.max_clients) {
			s->st.full++;
			say_and_close(fd, "ERR too many clients\n");
			continue;
		}
		c = calloc(1, sizeof(*c));
		if (c == NULL) {
			say_and_close(fd, "ERR out of memory\n");
			continue;
		}
		c->fd = fd;
		c->pid = cr.pid;
		c->uid = cr.uid;
		c->gid = cr.gid;
		c->deadline = now + s->conf.timeout_ms;
		dg_ctl_buf_init(&c->body, s->conf.max_body);
		for (slot = 0; s->clients[slot] != NULL; slot++)
			;
		s->clients[slot] = c;
		s->nclients++;
		s->st.accepted++;
	}
}

static bool
output_pending(const struct client *c)
{
	return c->head_off < c->head_len || c->body_off < c->body.len;
}

/* Queue a status line with no body. */
static void
queue_err(struct client *c, const char *reason)
{
	int n = snprintf(c->head, sizeof(c->head), "ERR %s\n", reason);

	/* A cut reason still ends its line. */
	if (n < 0 || (size_t)n >= sizeof(c->head))
		n = (int)sizeof(c->head) - 1;
	c->head[n - 1] = '\n';
	c->head_len = (size_t)n;
	c->head_off = 0;
	dg_ctl_buf_reset(&c->body);
	c->body_off = 0;
}

/* Reasons go on one status line: no control bytes, bounded length. */
static void
clean_reason(char *r)
{
	r[DG_CTL_REASON_MAX - 1] = '\0';
	for (; *r != '\0'; r++)
		if ((unsigned char)*r < 0x20 || *r == 0x7f)
			*r = ' ';
}

/* A change is recorded with the answer it gets, before that answer is queued. */
static void
audit(struct dg_ctl_server *s, struct client *c, int argc, char **argv, int ret,
	const char *reason)
{
	struct dg_ctl_audit_record r = {
		.pid = c->pid, .uid = c->uid, .gid = c->gid, .argc = argc, .argv = argv,
		.rc = ret, .reason = reason,
	};
	int rc;

	clock_gettime(CLOCK_REALTIME, &r.time);
	rc = dg_ctl_audit_write(s->conf.audit, &r);
	if (rc < 0 && ret == 0)
		dg_ctl_buf_printf(&c->body, "warning: not recorded in the audit log: %s\n",
			strerror(-rc));
}

static bool
is_change(int argc, char **argv)
{
	const struct dg_ctl_cmd *cmd;
	char r[8];

	return dg_ctl_cmd_check(argc, argv, &cmd, NULL, NULL, r, sizeof(r)) == 0 &&
		(cmd->flags & DG_CTL_CMD_F_CHANGE);
}

static void
serve_line(struct dg_ctl_server *s, struct client *c, size_t linelen,
	dg_ctl_handler_t fn, void *ctx)
{
	char *argv[DG_CTL_ARGS_MAX + 1];
	char reason[DG_CTL_REASON_MAX];
	struct dg_ctl_request req;
	const char *why;
	bool change;
	int argc, ret;

	s->st.requests++;
	dg_ctl_buf_reset(&c->body);
	c->body_off = 0;
	/* kept as received (the parse splits it in place), for a pending request's audit */
	memcpy(c->pending_line, c->in, linelen);
	c->pending_len = linelen;
	if (dg_ctl_parse(c->in, linelen, argv, DG_CTL_ARGS_MAX, &argc, &why) != 0) {
		queue_err(c, why);
		return;
	}
	argv[argc] = NULL;
	req.argc = argc;
	req.argv = argv;
	req.pid = c->pid;
	req.uid = c->uid;
	req.gid = c->gid;
	req.token = ++s->next_token;
	reason[0] = '\0';
	/* checked on the words as received, before the handler sees them */
	change = s->conf.audit != NULL && is_change(argc, argv);
	ret = fn(ctx, &req, &c->body, reason, sizeof(reason));
	if (ret == DG_CTL_PENDING) {
		/* the answer comes with dg_ctl_server_complete(); no time limit meanwhile */
		c->pending = req.token;
		s->npending++;
		dg_ctl_buf_reset(&c->body);
		return;
	}
	if (ret >= 0 && dg_ctl_buf_error(&c->body) != 0) {
		ret = dg_ctl_buf_error(&c->body);
		snprintf(reason, sizeof(reason), "%s", ret == -ENOBUFS ?
			"response too large" : "out of memory");
	}
	if (ret < 0) {
		if (reason[0] == '\0')
			snprintf(reason, sizeof(reason), "%s", strerror(-ret));
		clean_reason(reason);
	}
	if (change)
		audit(s, c, argc, argv, ret < 0 ? ret : 0, reason);
	if (ret < 0) {
		queue_err(c, reason);
		return;
	}
	c->head_len = (size_t)snprintf(c->head, sizeof(c->head), "OK %zu\n", c->body.len);
	c->head_off = 0;
}

/* @return false when the connection broke. */
static bool
flush_out(struct client *c)
{
	struct iovec iov[2];
	struct msghdr mh;
	ssize_t n;
	size_t h;

	while (output_pending(c)) {
		memset(&mh, 0, sizeof(mh));
		mh.msg_iov = iov;
		iov[0].iov_base = c->head + c->head_off;
		iov[0].iov_len = c->head_len - c->head_off;
		mh.msg_iovlen = 1;
		/* An ERR has no body, and maybe no body storage yet (data NULL). */
		if (c->body_off < c->body.len) {
			iov[1].iov_base = c->body.data + c->body_off;
			iov[1].iov_len = c->body.len - c->body_off;
			mh.msg_iovlen = 2;
		}
		n = sendmsg(c->fd, &mh, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n < 0)
			return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
		h = (size_t)n < iov[0].iov_len ? (size_t)n : iov[0].iov_len;
		c->head_off += h;
		c->body_off += (size_t)n - h;
	}
	return true;
}

/* @return false when the connection broke. */
static bool
read_in(struct client *c)
{
	ssize_t n;

	while (c->in_len < DG_CTL_REQUEST_MAX) {
		n = recv(c->fd, c->in + c->in_len, DG_CTL_REQUEST_MAX - c->in_len,
			MSG_DONTWAIT);
		if (n == 0) {
			c->eof = true;
			return true;
		}
		if (n < 0)
			return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
		c->in_len += (size_t)n;
	}
	return true;
}

/*
 * Serve what is complete, flush, repeat. *served counts the requests handled, also when
 * the client is then dropped. @return 0, or -1 to drop the client.
 */
static int
client_step(struct dg_ctl_server *s, struct client *c, uint64_t now, bool readable,
	dg_ctl_handler_t fn, void *ctx, int *served)
{
	char *nl;
	size_t linelen;

	*served = 0;
	for (;;) {
		if (!flush_out(c))
			return -1;
		if (output_pending(c) || c->pending != 0)
			break;
		if (c->closing)
			return -1;
		if (*served > 0 || c->head_len > 0) {
			/* The previous response is fully read: the clock restarts. */
			c->deadline = now + s->conf.timeout_ms;
			c->head_len = c->head_off = 0;
			c->body_off = 0;
			dg_ctl_buf_reset(&c->body);
			/* Do not keep a big answer's storage for an idle connection. */
			if (c->body.cap > 65536)
				dg_ctl_buf_fini(&c->body);
		}
		if (*served == REQ_BURST)
			break;
		if (readable && !c->eof && !read_in(c))
			return -1;
		nl = memchr(c->in, '\n', c->in_len);
		if (nl == NULL && c->eof && c->in_len > 0) {
			/* A last request without '\n' before the peer's shutdown. */
			nl = c->in + c->in_len;
			*nl = '\n';
			c->in_len++;
		}
		if (nl == NULL) {
			if (c->in_len >= DG_CTL_REQUEST_MAX) {
				s->st.too_long++;
				s->st.requests++;
				queue_err(c, "request too long");
				c->closing = true;
				continue;
			}
			if (c->eof)
				return -1;
			break;
		}
		linelen = (size_t)(nl - c->in);
		serve_line(s, c, linelen, fn, ctx);
		(*served)++;
		c->in_len -= linelen + 1;
		memmove(c->in, nl + 1, c->in_len);
	}
	if (c->pending != 0) {
		/* waiting for work to finish: no deadline; a client that left is dropped */
		if (readable && !read_in(c))
			return -1;
		c->deadline = now + s->conf.timeout_ms;
		return 0;
	}
	if (now >= c->deadline) {
		s->st.timeouts++;
		/* Say why unless a response is half-sent: never corrupt a framed body. */
		if (c->head_off == 0) {
			ssize_t w = send(c->fd, "ERR timeout\n", 12, MSG_DONTWAIT | MSG_NOSIGNAL);

			(void)w;
		}
		return -1;
	}
	return 0;
}

/* The listening socket and each client's wanted event; @return clients connected. */
static unsigned int
fill_pfd(struct dg_ctl_server *s)
{
	unsigned int i, n = 0;

	s->pfd[0].fd = s->fd;
	s->pfd[0].events = POLLIN;
	for (i = 0; i < s->conf.max_clients; i++) {
		struct client *c = s->clients[i];

		s->pfd[i + 1].fd = c != NULL ? c->fd : -1;
		s->pfd[i + 1].events = 0;
		s->pfd[i + 1].revents = 0;
		if (c == NULL)
			continue;
		n++;
		if (output_pending(c))
			s->pfd[i + 1].events = POLLOUT;
		else if (!c->eof)
			s->pfd[i + 1].events = POLLIN;
	}
	return n;
}

int
dg_ctl_server_wait(struct dg_ctl_server *s, int timeout_ms)
{
	int r;

	if (s == NULL || timeout_ms < 0)
		return -EINVAL;
	fill_pfd(s);
	r = poll(s->pfd, s->conf.max_clients + 1, timeout_ms);
	if (r < 0)
		return errno == EINTR ? 0 : -errno;
	return r;
}

int
dg_ctl_server_poll(struct dg_ctl_server *s, dg_ctl_handler_t fn, void *ctx)
{
	unsigned int i;
	uint64_t now;
	int total = 0, r, served;

	if (s == NULL || fn == NULL)
		return -EINVAL;
	fill_pfd(s);
	r = poll(s->pfd, s->conf.max_clients + 1, 0);
	if (r < 0)
		return errno == EINTR ? 0 : -errno;
	now = now_ms();

	for (i = 0; i < s->conf.max_clients; i++) {
		struct client *c = s->clients[i];

		if (c == NULL)
			continue;
		/* Clients with no event still run: their deadline may have passed. */
		r = client_step(s, c, now,
			(s->pfd[i + 1].revents & (POLLIN | POLLHUP | POLLERR)) != 0, fn, ctx,
			&served);
		total += served;
		if (r < 0)
			client_free(s, i);
	}
	if (s->pfd[0].revents & POLLIN)
		accept_some(s, now);
	return total;
}

unsigned int
dg_ctl_server_clients(const struct dg_ctl_server *s)
{
	return s->nclients;
}

void
dg_ctl_server_get_stats(const struct dg_ctl_server *s, struct dg_ctl_server_stats *st)
{
	*st = s->st;
}

void
dg_ctl_server_close(struct dg_ctl_server *s)
{
	struct stat sb;
	unsigned int i;

	if (s == NULL)
		return;
	for (i = 0; i < s->conf.max_clients; i++)
		if (s->clients[i] != NULL)
			client_free(s, i);
	close(s->fd);
	/* Do not remove a socket another instance has put in our place since. */
	if (lstat(s->path, &sb) == 0 && sb.st_dev == s->dev && sb.st_ino == s->ino)
		unlink(s->path);
	free(s->path);
	free(s->clients);
	free(s->pfd);
	free(s);
}

int
dg_ctl_server_complete(struct dg_ctl_server *s, uint64_t token, int ret,
	const struct dg_ctl_buf *body, const char *reason)
{
	char *argv[DG_CTL_ARGS_MAX + 1], why[DG_CTL_REASON_MAX];
	const char *perr;
	struct client *c = NULL;
	int argc;

	for (unsigned int i = 0; s != NULL && i < s->conf.max_clients && c == NULL; i++)
		if (s->clients[i] != NULL && s->clients[i]->pending == token && token != 0)
			c = s->clients[i];
	if (c == NULL)
		return -ENOENT;
	c->pending = 0;
	s->npending--;
	dg_ctl_buf_reset(&c->body);
	c->body_off = 0;
	why[0] = '\0';
	if (ret == 0 && body != NULL && body->len > 0)
		dg_ctl_buf_append(&c->body, body->data, body->len);
	if (ret == 0 && dg_ctl_buf_error(&c->body) != 0) {
		ret = dg_ctl_buf_error(&c->body);
		snprintf(why, sizeof(why), "%s", ret == -ENOBUFS ? "response too large" :
			 "out of memory");
	}
	if (ret < 0 && why[0] == '\0')
		snprintf(why, sizeof(why), "%s", reason != NULL && reason[0] != '\0' ? reason :
			 strerror(-ret));
	if (ret < 0)
		clean_reason(why);
	/* the audit record names the request as it came (its words, parsed again) */
	if (s->conf.audit != NULL &&
	    dg_ctl_parse(c->pending_line, c->pending_len, argv, DG_CTL_ARGS_MAX, &argc,
			 &perr) == 0 && (argv[argc] = NULL, is_change(argc, argv)))
		audit(s, c, argc, argv, ret < 0 ? ret : 0, why);
	if (ret < 0) {
		queue_err(c, why);
		return 0;
	}
	c->head_len = (size_t)snprintf(c->head, sizeof(c->head), "OK %zu\n", c->body.len);
	c->head_off = 0;
	return 0;
}

unsigned int
dg_ctl_server_pending(const struct dg_ctl_server *s)
{
	return s != NULL ? s->npending : 0;
}
