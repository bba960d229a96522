/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The dnstap output: a bounded single-producer queue from the management core to one
 * writer thread, which frames payloads with libfstrm's writer and our own transport.
 *
 * Not fstrm_iothr: it discards payloads silently while no reader is connected and after a
 * failed write, and dnsgate must count every payload it loses. Not fstrm's own Unix
 * writer: its socket blocks without limit, so a stuck collector would hold shutdown
 * forever; this transport waits at most a few seconds for the collector to read.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
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

#include <fstrm.h>

#include "dg_dnstap.h"
#include "dnstap_pvt.h"

enum {
	BATCH = 64,              /* payloads per writev */
	IDLE_WAIT_MS = 20,       /* an empty queue is looked at again after this */
	REOPEN_MS = 1000,        /* between attempts to reach the collector */
	STALL_MS = 5000,         /* a collector that takes no byte for this long is dropped */
	STALL_STOPPING_MS = 1000, /* likewise while shutting down */
};

struct entry {
	uint8_t *p;
	size_t len;
};

/* The transport under fstrm_writer: a Unix stream socket or a file, by fd. */
struct io {
	bool sock;
	int fd;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	char *file;              /* file mode: the path (no length limit) */
	bool opened;             /* file mode: opened once (reopening would truncate it) */
	const bool *stopping;
};

struct dg_dnstap {
	/* queue: head written by the producer, tail by the thread */
	struct entry *q;
	uint32_t mask;
	uint32_t head __attribute__((aligned(64)));
	uint32_t tail __attribute__((aligned(64)));
	bool stop;
	pthread_t thr;
	struct io io;
	struct fstrm_writer *w;
	char *identity, *version;
	struct dg_dnstap_stats st; /* written/lost_io/connects by the thread, the rest by the
				    * producer: relaxed atomics */
};

static void
add(uint64_t *c, uint64_t n)
{
	__atomic_fetch_add(c, n, __ATOMIC_RELAXED);
}

static uint64_t
ms_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Wait until @p fd is ready for @p ev; false after the stall limit. */
static bool
wait_fd(const struct io *io, short ev, uint64_t since)
{
	uint64_t limit = __atomic_load_n(io->stopping, __ATOMIC_RELAXED) ? STALL_STOPPING_MS :
									   STALL_MS;
	struct pollfd p = { .fd = io->fd, .events = ev };
	uint64_t now = ms_now();

	if (now - since >= limit)
		return false;
	return poll(&p, 1, (int)(limit - (now - since))) > 0 &&
	       !(p.revents & (POLLERR | POLLNVAL));
}

static fstrm_res
io_close(void *obj)
{
	struct io *io = obj;

	if (io->fd >= 0)
		close(io->fd);
	io->fd = -1;
	return fstrm_res_success;
}

static fstrm_res
io_open(void *obj)
{
	struct io *io = obj;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	io_close(io);
	if (!io->sock) {
		/* A file that failed a write is not reopened: that would truncate it. */
		if (io->opened)
			return fstrm_res_failure;
		io->fd = open(io->file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
		io->opened = io->fd >= 0;
		return io->fd < 0 ? fstrm_res_failure : fstrm_res_success;
	}
	memcpy(sa.sun_path, io->path, sizeof(io->path));
	/* Non-blocking: a collector with a full backlog is a failed attempt, not a wait. */
	io->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (io->fd < 0)
		return fstrm_res_failure;
	if (connect(io->fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		io_close(io);
		return fstrm_res_failure;
	}
	return fstrm_res_success;
}

static fstrm_res
io_write(void *obj, const struct iovec *iov_in, int iovcnt)
{
	struct io *io = obj;
	struct iovec iov[2 * BATCH + 2];
	uint64_t since = ms_now();
	int i = 0;

	if (iovcnt > (int)(sizeof(iov) / sizeof(iov[0])))
		return fstrm_res_failure;
	memcpy(iov, iov_in, sizeof(iov[0]) * (size_t)iovcnt);
	while (i < iovcnt) {
		struct msghdr mh = { .msg_iov = iov + i, .msg_iovlen = (size_t)(iovcnt - i) };
		ssize_t n = io->sock ? sendmsg(io->fd, &mh, MSG_NOSIGNAL) :
				       writev(io->fd, iov + i, iovcnt - i);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN && wait_fd(io, POLLOUT, since))
				continue;
			return fstrm_res_failure;
		}
		if (n > 0)
			since = ms_now();
		for (; i < iovcnt && (size_t)n >= iov[i].iov_len; i++)
			n -= (ssize_t)iov[i].iov_len;
		if (i < iovcnt) {
			iov[i].iov_base = (uint8_t *)iov[i].iov_base + n;
			iov[i].iov_len -= (size_t)n;
		}
	}
	return fstrm_res_success;
}

/* The collector's handshake replies (READY/ACCEPT/FINISH), sockets only. */
static fstrm_res
io_read(void *obj, void *data, size_t count)
{
	struct io *io = obj;
	uint64_t since = ms_now();
	size_t got = 0;

	while (got < count) {
		ssize_t n = recv(io->fd, (uint8_t *)data + got, count - got, 0);

		if (n > 0) {
			got += (size_t)n;
			since = ms_now();
		} else if (n == 0 || (errno != EINTR &&
				      (errno != EAGAIN || !wait_fd(io, POLLIN, since)))) {
			return fstrm_res_failure;
		}
	}
	return fstrm_res_success;
}

static fstrm_res
io_destroy(void *obj)
{
	io_close(obj);
	return fstrm_res_success;
}

static void
drop(struct entry *e, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		free(e[i].p);
}

static void *
writer_main(void *arg)
{
	struct dg_dnstap *t = arg;
	struct entry batch[BATCH];
	struct iovec iov[BATCH];
	bool open = false;
	uint64_t next_open = 0;

	for (;;) {
		uint32_t tail = t->tail;
		uint32_t head = __atomic_load_n(&t->head, __ATOMIC_ACQUIRE);
		unsigned int n = 0;

		while (tail != head && n < BATCH) {
			batch[n] = t->q[tail & t->mask];
			iov[n].iov_base = batch[n].p;
			iov[n].iov_len = batch[n].len;
			n++;
			tail++;
		}
		__atomic_store_n(&t->tail, tail, __ATOMIC_RELEASE);
		if (!open && ms_now() >= next_open) {
			open = fstrm_writer_open(t->w) == fstrm_res_success;
			if (open)
				add(&t->st.connects, 1);
			else
				next_open = ms_now() + REOPEN_MS;
		}
		if (n == 0) {
			struct timespec ts = { 0, IDLE_WAIT_MS * 1000000L };

			if (__atomic_load_n(&t->stop, __ATOMIC_ACQUIRE) &&
			    __atomic_load_n(&t->head, __ATOMIC_ACQUIRE) == tail)
				break;
			nanosleep(&ts, NULL);
			continue;
		}
		if (open && fstrm_writer_writev(t->w, iov, (int)n) == fstrm_res_success) {
			add(&t->st.written, n);
		} else {
			add(&t->st.lost_io, n);
			if (open) {
				fstrm_writer_close(t->w);
				open = false;
				next_open = ms_now() + REOPEN_MS;
			}
		}
		drop(batch, n);
	}
	if (open)
		fstrm_writer_close(t->w);
	return NULL;
}

/* A file output never overwrites a stream: a non-empty file becomes PATH.old. */
static void
set_aside(const char *path)
{
	struct stat sb;
	char old[4096];

	if (stat(path, &sb) != 0 || sb.st_size == 0 ||
	    (size_t)snprintf(old, sizeof(old), "%s.old", path) >= sizeof(old))
		return;
	rename(path, old);
}

static int
make_writer(struct dg_dnstap *t)
{
	struct fstrm_writer_options *wo = fstrm_writer_options_init();
	struct fstrm_rdwr *rw = fstrm_rdwr_init(&t->io);

	if (wo == NULL || rw == NULL)
		goto fail;
	fstrm_writer_options_add_content_type(wo, DG_DNSTAP_CONTENT_TYPE,
					      strlen(DG_DNSTAP_CONTENT_TYPE));
	fstrm_rdwr_set_open(rw, io_open);
	fstrm_rdwr_set_close(rw, io_close);
	fstrm_rdwr_set_write(rw, io_write);
	fstrm_rdwr_set_destroy(rw, io_destroy);
	if (t->io.sock) /* a read method makes fstrm do the bidirectional handshake */
		fstrm_rdwr_set_read(rw, io_read);
	t->w = fstrm_writer_init(wo, &rw); /* takes the rdwr */
	fstrm_writer_options_destroy(&wo);
	if (t->w == NULL)
		goto fail;
	return 0;
fail:
	if (rw != NULL)
		fstrm_rdwr_destroy(&rw);
	if (wo != NULL)
		fstrm_writer_options_destroy(&wo);
	return -ENOMEM;
}

static void
free_output(struct dg_dnstap *t)
{
	if (t->w != NULL)
		fstrm_writer_destroy(&t->w);
	free(t->io.file);
	free(t->identity);
	free(t->version);
	free(t->q);
	free(t);
}

int
dg_dnstap_open(struct dg_dnstap **tp, const char *spec, const char *identity,
	       const char *version, unsigned int queue, char *err, size_t len)
{
	struct dg_dnstap *t;
	uint32_t cap = 64;
	const char *path = spec + 5;
	int rc;

	*tp = NULL;
	if ((strncmp(spec, "unix:", 5) != 0 && strncmp(spec, "file:", 5) != 0) ||
	    path[0] == '\0' || (spec[0] == 'u' && strlen(path) >= sizeof(t->io.path))) {
		if (err != NULL)
			snprintf(err, len, "dnstap: expected unix:PATH (under %zu bytes) or "
				 "file:PATH, got '%s'", sizeof(t->io.path), spec);
		return -EINVAL;
	}
	while (cap < queue && cap < (1u << 30))
		cap <<= 1;
	t = calloc(1, sizeof(*t));
	if (t == NULL || (t->q = calloc(cap, sizeof(*t->q))) == NULL)
		goto nomem;
	t->mask = cap - 1;
	t->io.fd = -1;
	t->io.stopping = &t->stop;
	t->io.sock = spec[0] == 'u';
	if (t->io.sock)
		memcpy(t->io.path, path, strlen(path) + 1);
	else if ((t->io.file = strdup(path)) == NULL)
		goto nomem;
	if ((identity != NULL && (t->identity = strdup(identity)) == NULL) ||
	    (version != NULL && (t->version = strdup(version)) == NULL) || make_writer(t) < 0)
		goto nomem;
	if (!t->io.sock)
		set_aside(path);
	rc = pthread_create(&t->thr, NULL, writer_main, t);
	if (rc != 0) {
		if (err != NULL)
			snprintf(err, len, "dnstap: cannot start the writer thread: %s",
				 strerror(rc));
		free_output(t);
		return -EAGAIN;
	}
	*tp = t;
	return 0;
nomem:
	if (err != NULL)
		snprintf(err, len, "dnstap: out of memory");
	if (t != NULL)
		free_output(t);
	return -ENOMEM;
}

/* Queue one payload (ownership passes to the queue). */
static int
push(struct dg_dnstap *t, uint8_t *p, size_t len)
{
	uint32_t head = t->head;

	if (head - __atomic_load_n(&t->tail, __ATOMIC_ACQUIRE) > t->mask) {
		free(p);
		return -ENOBUFS;
	}
	t->q[head & t->mask] = (struct entry){ p, len };
	__atomic_store_n(&t->head, head + 1, __ATOMIC_RELEASE);
	return 0;
}

int
dg_dnstap_write_hit(struct dg_dnstap *t, const struct dg_hit_record *r,
		    const struct dg_hitlog_clock *c, const uint8_t *ans, size_t ans_len)
{
	unsigned int n = ans != NULL ? 2 : 1;
	uint8_t *p;
	size_t len;
	int rc;

	/* The query first: a payload that cannot go makes the rest of the record lost too. */
	for (unsigned int i = 0; i < n; i++) {
		rc = dnstap_encode(r, c, t->identity, t->version, i ? ans : NULL, ans_len, &p,
				   &len);
		if (rc == -EAFNOSUPPORT) {
			add(&t->st.bad, 1);
			return rc;
		}
		if (rc == 0)
			rc = push(t, p, len);
		if (rc < 0) {
			/* out of memory is lost like a full queue */
			add(&t->st.lost_full, n - i);
			return rc;
		}
	}
	return 0;
}

void
dg_dnstap_get_stats(const struct dg_dnstap *t, struct dg_dnstap_stats *s)
{
	s->written = __atomic_load_n(&t->st.written, __ATOMIC_RELAXED);
	s->lost_full = __atomic_load_n(&t->st.lost_full, __ATOMIC_RELAXED);
	s->lost_io = __atomic_load_n(&t->st.lost_io, __ATOMIC_RELAXED);
	s->bad = __atomic_load_n(&t->st.bad, __ATOMIC_RELAXED);
	s->connects = __atomic_load_n(&t->st.connects, __ATOMIC_RELAXED);
}

void
dg_dnstap_close(struct dg_dnstap *t, struct dg_dnstap_stats *final)
{
	if (t == NULL)
		return;
	__atomic_store_n(&t->stop, true, __ATOMIC_RELEASE);
	pthread_join(t->thr, NULL);
	if (final != NULL)
		dg_dnstap_get_stats(t, final);
	free_output(t);
}
