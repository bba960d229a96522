/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The feed client's thread: timers, NOTIFY sockets, checks and transfers one feed at a
 * time, and the queue of results the caller drains.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dg_err.h"
#include "feed_pvt.h"

enum {
	FEED_DEFAULT_REFRESH = 3600, /* s, without an override or an SOA */
	FEED_DEFAULT_RETRY = 30,
	FEED_NOTIFY_BATCH = 64,      /* datagrams read per wake-up */
};

static double
now_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int
dg_feed_zone_path(const struct dg_config_feed *f, char *buf, size_t size)
{
	size_t zl = strlen(f->zone);
	int n;

	if (zl > 1 && f->zone[zl - 1] == '.')
		zl--;
	n = snprintf(buf, size, "%s/%.*s.rpz", f->state_dir, (int)zl, f->zone);
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

void
dg_feed_list_opts(const struct dg_config_feed *f, struct dg_list_opts *o)
{
	dg_list_opts_init(o);
	o->defaults.identifier = f->identifier[0] != '\0' ? f->identifier : NULL;
	o->defaults.category = f->category[0] != '\0' ? f->category : NULL;
	o->rpz_action = strcmp(f->action, "given") == 0 ? -1 :
			dg_action_parse(f->action, strlen(f->action));
	o->report = NULL;
}

static unsigned int
refresh_s(const struct feed *f)
{
	uint32_t soa = f->zone != NULL ? fz_soa_timer(f->zone, 3) : 0;

	return f->cfg->refresh ? f->cfg->refresh : soa ? soa : FEED_DEFAULT_REFRESH;
}

static unsigned int
retry_s(const struct feed *f)
{
	uint32_t soa = f->zone != NULL ? fz_soa_timer(f->zone, 4) : 0;

	return f->cfg->retry ? f->cfg->retry : soa ? soa : FEED_DEFAULT_RETRY;
}

static void
logf_(struct dg_feed_client *c, const struct feed *f, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
logf_(struct dg_feed_client *c, const struct feed *f, const char *fmt, ...)
{
	char text[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	fprintf(c->log, "dnsgate: feed %s: %s\n", f->cfg->zone, text);
	fflush(c->log);
}

/*
 * A failed check or transfer: counted, reason kept, retried later. Logged when the reason
 * changes, and once a minute while it stays (a primary down for hours is one line a minute).
 */
static void
fail(struct dg_feed_client *c, struct feed *f, const char *what, const char *why)
{
	char text[sizeof(f->st.last_error)];
	time_t now = time(NULL);
	int same;

	snprintf(text, sizeof(text), "%s: %s", what, why);
	pthread_mutex_lock(&c->lock);
	same = f->st.failing && strcmp(f->st.last_error, text) == 0;
	f->st.failing = 1;
	f->st.failures++;
	f->st.last_failure = now;
	memcpy(f->st.last_error, text, sizeof(text));
	pthread_mutex_unlock(&c->lock);
	f->next_check = now_mono() + retry_s(f);
	if (c->stop || (same && now - f->logged_at < 60))
		return; /* a transfer cut short by the shutdown is no news either */
	f->logged_at = now;
	logf_(c, f, "%s failed: %s (the current data keeps serving; retry in %u s)", what, why,
	      retry_s(f));
}

static void
succeed(struct dg_feed_client *c, struct feed *f)
{
	pthread_mutex_lock(&c->lock);
	f->st.failing = 0;
	f->st.last_ok = time(NULL);
	f->st.has_zone = f->zone != NULL;
	f->st.serial = f->zone != NULL ? fz_serial(f->zone) : 0;
	f->st.records = f->zone != NULL ? f->zone->records : 0;
	f->st.policies = f->zone != NULL ? f->zone->policies : 0;
	pthread_mutex_unlock(&c->lock);
	f->next_check = now_mono() + refresh_s(f);
}

/* A configured address and port as a socket address. */
static socklen_t
to_sockaddr(const struct dg_config_endpoint *e, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (e->a.family == 4) {
		struct sockaddr_in *s = (struct sockaddr_in *)ss;

		s->sin_family = AF_INET;
		s->sin_port = htons(e->port);
		memcpy(&s->sin_addr, e->a.addr, 4);
		return sizeof(*s);
	}
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

	s6->sin6_family = AF_INET6;
	s6->sin6_port = htons(e->port);
	memcpy(&s6->sin6_addr, e->a.addr, 16);
	return sizeof(*s6);
}

static int
tcp_connect(struct feed *f, char *err, size_t len)
{
	struct sockaddr_storage ss;
	socklen_t sl = to_sockaddr(&f->cfg->primary, &ss);
	struct pollfd pf;
	int fd, rc, e = 0, left = (int)f->cfg->timeout * 1000;
	socklen_t el = sizeof(e);

	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return dg_errf(err, len, -errno, "socket: %s", strerror(errno));
	if (connect(fd, (struct sockaddr *)&ss, sl) == 0)
		return fd;
	rc = -errno;
	pf.fd = fd;
	pf.events = POLLOUT;
	while (rc == -EINPROGRESS && left > 0 && !*f->stop) {
		int n = poll(&pf, 1, left < 200 ? left : 200);

		left -= 200;
		if (n > 0) {
			rc = getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &el) == 0 ? -e : -errno;
			break;
		}
	}
	if (rc == -EINPROGRESS)
		rc = *f->stop ? -ECANCELED : -ETIMEDOUT;
	if (rc == 0)
		return fd;
	close(fd);
	return dg_errf(err, len, rc, "connecting to the primary: %s", strerror(-rc));
}

static int
open_primary(struct dg_feed_client *c, struct feed *f, char *err, size_t len)
{
	int fd;

	if (c->connect == NULL)
		return tcp_connect(f, err, len);
	fd = c->connect(c->connect_arg, f->cfg);
	return fd >= 0 ? fd : dg_errf(err, len, fd, "connecting to the primary: %s", strerror(-fd));
}

static void
push(struct dg_feed_client *c, struct dg_feed_result *r)
{
	pthread_mutex_lock(&c->lock);
	if (c->tail != NULL)
		c->tail->next = r;
	else
		c->head = r;
	c->tail = r;
	pthread_mutex_unlock(&c->lock);
}

/* The zone file is the last good copy again (after an IXFR that failed half-way). */
static void
restore(struct dg_feed_client *c, struct feed *f)
{
	char err[256];

	fz_zone_free(f->zone);
	f->zone = NULL;
	if (fz_load(f, f->path, &f->zone, err, sizeof(err)) < 0)
		logf_(c, f, "reading the zone back: %s (next: AXFR)", err);
}

static void transfer(struct dg_feed_client *c, struct feed *f, int ixfr);

static void
applied(struct dg_feed_client *c, struct feed *f, const char *kind, uint32_t from,
	struct dg_feed_result *r, const char *save_err)
{
	pthread_mutex_lock(&c->lock);
	if (kind[0] == 'a')
		f->st.axfr++;
	else
		f->st.ixfr++;
	snprintf(f->st.last_kind, sizeof(f->st.last_kind), "%s", kind);
	f->st.last_from = from;
	f->st.last_transfer = time(NULL);
	pthread_mutex_unlock(&c->lock);
	succeed(c, f);
	push(c, r);
	if (save_err[0] != '\0')
		fail(c, f, "writing the zone file", save_err);
}

static void
transfer(struct dg_feed_client *c, struct feed *f, int ixfr)
{
	const char *what = ixfr ? "IXFR" : "AXFR";
	struct dg_feed_result *r;
	struct xfr_result res;
	char err[256] = "", serr[256] = "";
	uint32_t from = f->zone != NULL ? fz_serial(f->zone) : 0;
	int dirty = 0, fd = open_primary(c, f, err, sizeof(err)), rc = fd;

	if (fd >= 0) {
		rc = xfr_transfer(f, fd, ixfr, &res, &dirty, err, sizeof(err));
		close(fd);
	}
	if (rc < 0 && dirty)
		restore(c, f);
	if (rc == -ESTALE || (rc == 0 && res.outcome == XFR_FALLBACK)) {
		logf_(c, f, "%s%s%s: falling back to AXFR", what, rc ? ": " : " not possible",
		      rc ? err : "");
		transfer(c, f, 0);
		return;
	}
	if (rc < 0) {
		fail(c, f, what, err);
		return;
	}
	if (res.outcome == XFR_UPTODATE) {
		succeed(c, f);
		return;
	}
	r = calloc(1, sizeof(*r));
	if (r == NULL) {
		fz_zone_free(res.full);
		free(res.ops);
		if (res.outcome == XFR_DELTA)
			restore(c, f);
		fail(c, f, what, "out of memory");
		return;
	}
	r->feed = f->index;
	r->started = f->check_start;
	r->from_serial = from;
	r->serial = res.serial;
	if (res.outcome == XFR_FULL) {
		/* Written before it is queued: the caller reloads the file. */
		if (fz_save(res.full, f->path, err, sizeof(err)) < 0) {
			fz_zone_free(res.full);
			free(r);
			fail(c, f, "writing the zone file", err);
			return;
		}
		fz_zone_free(f->zone);
		f->zone = res.full;
		r->kind = DG_FEED_FULL;
		logf_(c, f, "%s serial %u: %" PRIu64 " records, %" PRIu64 " entries (%.1f ms)", what,
		      res.serial, f->zone->records, f->zone->policies,
		      (now_mono() - f->check_start) * 1000);
		applied(c, f, "axfr", from, r, "");
		return;
	}
	r->kind = DG_FEED_DELTA;
	r->ops = res.ops;
	r->n_ops = res.n_ops;
	fz_save(f->zone, f->path, serr, sizeof(serr));
	logf_(c, f, "IXFR serial %u -> %u: %zu entry changes (%.1f ms from the SOA check)", from,
	      res.serial, res.n_ops, (now_mono() - f->check_start) * 1000);
	applied(c, f, "ixfr", from, r, serr);
}

static void
check(struct dg_feed_client *c, struct feed *f)
{
	char err[256] = "";
	uint32_t serial = 0, ours;
	int fd, rc;

	f->check_start = now_mono();
	if (f->zone == NULL) {
		transfer(c, f, 0);
		return;
	}
	fd = open_primary(c, f, err, sizeof(err));
	rc = fd;
	if (fd >= 0) {
		rc = xfr_soa(f, fd, &serial, err, sizeof(err));
		close(fd);
	}
	if (rc < 0) {
		fail(c, f, "SOA query", err);
		return;
	}
	pthread_mutex_lock(&c->lock);
	f->st.checks++;
	pthread_mutex_unlock(&c->lock);
	ours = fz_serial(f->zone);
	if (serial == ours) {
		succeed(c, f);
	} else if (xfr_serial_newer(ours, serial)) {
		snprintf(err, sizeof(err), "SOA serial went backwards (ours %u, primary %u)", ours,
			 serial);
		fail(c, f, "SOA check", err);
	} else {
		transfer(c, f, 1);
	}
}

static void
read_notifies(struct dg_feed_client *c, int fd)
{
	uint8_t msg[FEED_MSG_MAX], resp[FEED_MSG_MAX];

	for (int k = 0; k < FEED_NOTIFY_BATCH; k++) {
		struct sockaddr_storage from;
		socklen_t fl = sizeof(from);
		ssize_t n = recvfrom(fd, msg, sizeof(msg), MSG_DONTWAIT, (struct sockaddr *)&from,
				     &fl);
		size_t rlen = 0;
		int i;

		if (n < 0)
			return;
		i = notify_handle(c, msg, (size_t)n, (struct sockaddr *)&from, resp, &rlen);
		if (rlen > 0)
			sendto(fd, resp, rlen, MSG_DONTWAIT, (struct sockaddr *)&from, fl);
		if (i >= 0)
			c->feeds[i].next_check = 0; /* now */
	}
}

/* Exactly @p n bytes before @p deadline (monotonic s). 0, or -1 on EOF, error or time out. */
static int
read_by(int fd, uint8_t *p, size_t n, double deadline)
{
	struct pollfd pf = { .fd = fd, .events = POLLIN };

	while (n > 0) {
		ssize_t r = recv(fd, p, n, MSG_DONTWAIT);
		double left = deadline - now_mono();

		if (r > 0) {
			p += r;
			n -= (size_t)r;
			continue;
		}
		if (r == 0 || (errno != EAGAIN && errno != EINTR) || left <= 0 ||
		    poll(&pf, 1, (int)(left * 1000) + 1) < 0)
			return -1;
	}
	return 0;
}

/*
 * NOTIFY over TCP (RFC 1996 allows it; Knot sends it so): the messages of one connection,
 * for FEED_NOTIFY_TCP_MS at most, then it is closed.
 */
static void
serve_notify_tcp(struct dg_feed_client *c, int lfd)
{
	uint8_t msg[FEED_MSG_MAX + 2], resp[FEED_MSG_MAX + 2];
	struct sockaddr_storage from;
	socklen_t fl = sizeof(from);
	double deadline = now_mono() + FEED_NOTIFY_TCP_MS / 1000.0;
	int fd = accept4(lfd, (struct sockaddr *)&from, &fl, SOCK_NONBLOCK | SOCK_CLOEXEC);

	if (fd < 0)
		return;
	for (int k = 0; k < FEED_NOTIFY_BATCH; k++) {
		size_t len, rlen = 0;
		int i;

		if (read_by(fd, msg, 2, deadline) < 0)
			break;
		len = (size_t)msg[0] << 8 | msg[1];
		if (read_by(fd, msg, len, deadline) < 0)
			break;
		i = notify_handle(c, msg, len, (struct sockaddr *)&from, resp + 2, &rlen);
		if (rlen > 0) {
			resp[0] = (uint8_t)(rlen >> 8);
			resp[1] = (uint8_t)rlen;
			if (send(fd, resp, rlen + 2, MSG_NOSIGNAL | MSG_DONTWAIT) != (ssize_t)(rlen + 2))
				break;
		}
		if (i >= 0)
			c->feeds[i].next_check = 0;
	}
	close(fd);
}

static void *
run(void *arg)
{
	struct dg_feed_client *c = arg;
	struct pollfd pf[2 * FEED_MAX_NOTIFY + 1];
	unsigned int nn;

	while (!c->stop) {
		double now = now_mono(), next = now + 1.0;
		int refresh, timeout;
		char b[64];

		pthread_mutex_lock(&c->lock);
		refresh = c->refresh_all;
		c->refresh_all = 0;
		pthread_mutex_unlock(&c->lock);
		for (unsigned int i = 0; i < c->n && !c->stop; i++) {
			struct feed *f = &c->feeds[i];

			if (refresh || f->next_check <= now)
				check(c, f);
			now = now_mono();
			if (f->next_check < next)
				next = f->next_check;
			pthread_mutex_lock(&c->lock);
			f->st.next_check = f->next_check > now ? (uint32_t)(f->next_check - now) : 0;
			pthread_mutex_unlock(&c->lock);
		}
		nn = c->n_notify;
		for (unsigned int i = 0; i < nn; i++) {
			pf[i] = (struct pollfd){ .fd = c->notify_fd[i], .events = POLLIN };
			pf[nn + i] = (struct pollfd){ .fd = c->notify_tcp[i], .events = POLLIN };
		}
		pf[2 * nn] = (struct pollfd){ .fd = c->wake[0], .events = POLLIN };
		timeout = next > now ? (int)((next - now) * 1000) + 1 : 0;
		if (poll(pf, 2 * nn + 1, timeout > 1000 ? 1000 : timeout) <= 0)
			continue;
		for (unsigned int i = 0; i < nn; i++) {
			if (pf[i].revents & POLLIN)
				read_notifies(c, c->notify_fd[i]);
			if (pf[nn + i].revents & POLLIN)
				serve_notify_tcp(c, c->notify_tcp[i]);
		}
		while (read(c->wake[0], b, sizeof(b)) > 0)
			;
	}
	return NULL;
}

static int
same_endpoint(const struct dg_config_endpoint *a, const struct dg_config_endpoint *b)
{
	return a->port == b->port && a->a.family == b->a.family &&
	       memcmp(a->a.addr, b->a.addr, a->a.family == 4 ? 4 : 16) == 0;
}

static int
open_notify(struct dg_feed_client *c, const struct dg_config_feed *f, char *err, size_t len)
{
	const struct dg_config_endpoint *e = &f->notify;
	struct sockaddr_storage ss;
	socklen_t sl;
	int fd, one = 1;

	for (unsigned int i = 0; i < c->n; i++)
		if (&c->feeds[i].cfg->notify != e && c->feeds[i].cfg->notify.set &&
		    c->feeds[i].cfg < f && same_endpoint(&c->feeds[i].cfg->notify, e))
			return 0; /* one socket for the feeds that share an address */
	if (c->n_notify >= FEED_MAX_NOTIFY)
		return dg_errf(err, len, -E2BIG, "more than %d NOTIFY addresses", FEED_MAX_NOTIFY);
	sl = to_sockaddr(e, &ss);
	for (int tcp = 0; tcp < 2; tcp++) {
		fd = socket(ss.ss_family, (tcp ? SOCK_STREAM : SOCK_DGRAM) | SOCK_NONBLOCK |
			    SOCK_CLOEXEC, 0);
		if (fd < 0)
			return dg_errf(err, len, -errno, "feed %s: notify socket: %s", f->zone,
				       strerror(errno));
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(fd, (struct sockaddr *)&ss, sl) < 0 || (tcp && listen(fd, 8) < 0)) {
			int e2 = errno;

			close(fd);
			if (tcp)
				close(c->notify_fd[c->n_notify]);
			return dg_errf(err, len, -e2, "feed %s: notify: cannot listen on %s port %u: %s",
				       f->zone, tcp ? "TCP" : "UDP", e->port, strerror(e2));
		}
		if (tcp)
			c->notify_tcp[c->n_notify++] = fd;
		else
			c->notify_fd[c->n_notify] = fd;
	}
	return 0;
}

/* The key signs a query: it is usable (ldns knows the algorithm, the secret decodes). */
static int
key_usable(const struct feed *f)
{
	ldns_pkt *q = ldns_pkt_query_new(ldns_dname_new_frm_data(f->origin.len, f->origin.wire),
					 LDNS_RR_TYPE_SOA, LDNS_RR_CLASS_IN, 0);
	int rc = q != NULL ? feed_tsig_sign(f, q, NULL) : -ENOMEM;

	ldns_pkt_free(q);
	return rc;
}

static int
feed_init(struct dg_feed_client *c, struct feed *f, const struct dg_config_feed *cfg,
	  unsigned int i, char *err, size_t len)
{
	char why[256];
	int rc;

	f->cfg = cfg;
	f->index = i;
	f->stop = &c->stop;
	if (dg_name_from_text(&f->origin, cfg->zone, strlen(cfg->zone)) < 0)
		return dg_errf(err, len, -EINVAL, "feed %s: bad zone name", cfg->zone);
	dg_feed_list_opts(cfg, &f->lopts);
	if (dg_feed_zone_path(cfg, f->path, sizeof(f->path)) < 0)
		return dg_errf(err, len, -ENAMETOOLONG, "feed %s: state_dir too long", cfg->zone);
	if (cfg->tsig_name[0] != '\0') {
		snprintf(f->tsig_alg, sizeof(f->tsig_alg), "%s.", cfg->tsig_algorithm);
		if (key_usable(f) < 0)
			return dg_errf(err, len, -EINVAL, "feed %s: TSIG key %s cannot sign", cfg->zone,
				       cfg->tsig_name);
	}
	if (mkdir(cfg->state_dir, 0750) < 0 && errno != EEXIST)
		return dg_errf(err, len, -errno, "feed %s: state_dir %s: %s", cfg->zone,
			       cfg->state_dir, strerror(errno));
	rc = fz_load(f, f->path, &f->zone, why, sizeof(why));
	if (rc < 0 && rc != -ENOENT)
		logf_(c, f, "ignoring the zone file: %s (next: AXFR)", why);
	if (f->zone != NULL) {
		f->st.has_zone = 1;
		f->st.serial = fz_serial(f->zone);
		f->st.records = f->zone->records;
		f->st.policies = f->zone->policies;
	}
	return cfg->notify.set ? open_notify(c, cfg, err, len) : 0;
}

int
dg_feed_client_create(struct dg_feed_client **out, const struct dg_config_feed *feeds,
		      unsigned int n, const struct dg_feed_opts *opts, char *err, size_t len)
{
	struct dg_feed_client *c = calloc(1, sizeof(*c));
	int rc = 0;

	if (c == NULL || (c->feeds = calloc(n ? n : 1, sizeof(*c->feeds))) == NULL) {
		free(c);
		return dg_errf(err, len, -ENOMEM, "out of memory");
	}
	c->log = opts != NULL && opts->log != NULL ? opts->log : stderr;
	c->connect = opts != NULL ? opts->connect : NULL;
	c->connect_arg = opts != NULL ? opts->connect_arg : NULL;
	c->wake[0] = c->wake[1] = -1;
	pthread_mutex_init(&c->lock, NULL);
	if (pipe2(c->wake, O_NONBLOCK | O_CLOEXEC) < 0)
		rc = dg_errf(err, len, -errno, "pipe: %s", strerror(errno));
	for (unsigned int i = 0; rc == 0 && i < n; i++) {
		rc = feed_init(c, &c->feeds[i], &feeds[i], i, err, len);
		c->n = i + 1;
	}
	if (rc < 0) {
		dg_feed_client_free(c);
		return rc;
	}
	*out = c;
	return 0;
}

int
dg_feed_client_start(struct dg_feed_client *c)
{
	int rc = pthread_create(&c->thread, NULL, run, c);

	if (rc != 0)
		return -rc;
	c->started = 1;
	return 0;
}

static void
wake(struct dg_feed_client *c)
{
	ssize_t w = write(c->wake[1], "w", 1);

	(void)w; /* a full pipe already wakes the thread */
}

void
dg_feed_client_refresh(struct dg_feed_client *c)
{
	pthread_mutex_lock(&c->lock);
	c->refresh_all = 1;
	pthread_mutex_unlock(&c->lock);
	wake(c);
}

void
dg_feed_result_free(struct dg_feed_result *r)
{
	if (r == NULL)
		return;
	free(r->ops);
	free(r);
}

void
dg_feed_client_free(struct dg_feed_client *c)
{
	struct dg_feed_result *r;

	if (c == NULL)
		return;
	c->stop = 1;
	if (c->started) {
		wake(c);
		pthread_join(c->thread, NULL);
	}
	for (unsigned int i = 0; i < c->n_notify; i++) {
		close(c->notify_fd[i]);
		close(c->notify_tcp[i]);
	}
	for (int i = 0; i < 2; i++)
		if (c->wake[i] >= 0)
			close(c->wake[i]);
	for (unsigned int i = 0; i < c->n; i++)
		fz_zone_free(c->feeds[i].zone);
	while ((r = c->head) != NULL) {
		c->head = r->next;
		dg_feed_result_free(r);
	}
	pthread_mutex_destroy(&c->lock);
	free(c->feeds);
	free(c);
}

struct dg_feed_result *
dg_feed_client_poll(struct dg_feed_client *c)
{
	struct dg_feed_result *r;

	pthread_mutex_lock(&c->lock);
	r = c->head;
	if (r != NULL) {
		c->head = r->next;
		if (c->head == NULL)
			c->tail = NULL;
		r->next = NULL;
	}
	pthread_mutex_unlock(&c->lock);
	return r;
}

int
dg_feed_client_status(struct dg_feed_client *c, unsigned int i, struct dg_feed_status *st)
{
	if (i >= c->n)
		return -ENOENT;
	pthread_mutex_lock(&c->lock);
	*st = c->feeds[i].st;
	pthread_mutex_unlock(&c->lock);
	return 0;
}
