/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The flow table and the client stream. Flows live in 8-way buckets picked by a seeded
 * hash of the addresses and ports; a bucket is the whole search, so every segment costs
 * one bucket scan. A new SYN takes a free slot, else an idle one, else the least recently
 * seen flow that is not being followed (closed, lost, half-open, answered); a bucket of
 * eight live flows refuses it (DG_TCP_UNTRACKED_TABLE_FULL): flows already followed are
 * never pushed out by new ones.
 *
 * The client stream is read as its server reads it: bytes already seen are trimmed, a
 * FIN ends it, a RST counts at the exact next sequence only (RFC 5961 3.2). Everything
 * that would make us read other bytes than the server (a gap, urgent data) stops the
 * following of that flow.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "tcp_pvt.h"

static const char *const untracked_names[DG_TCP_UNTRACKED__MAX] = {
	[DG_TCP_UNTRACKED_NO_HANDSHAKE] = "no_handshake",
	[DG_TCP_UNTRACKED_TABLE_FULL] = "table_full",
	[DG_TCP_UNTRACKED_OUT_OF_ORDER] = "out_of_order",
	[DG_TCP_UNTRACKED_OTHER] = "other",
};

const char *
dg_tcp_untracked_name(enum dg_tcp_untracked r)
{
	if ((unsigned int)r >= DG_TCP_UNTRACKED__MAX)
		return "unknown";
	return untracked_names[r];
}

static const char *const unread_names[DG_TCP_UNREAD__MAX] = {
	[DG_TCP_UNREAD_UNTRACKED] = "untracked",
	[DG_TCP_UNREAD_SPLIT] = "split",
	[DG_TCP_UNREAD_OUT_OF_ORDER] = "out_of_order",
	[DG_TCP_UNREAD_RETRANSMIT] = "retransmitted",
	[DG_TCP_UNREAD_BAD_SEGMENT] = "bad_segment",
	[DG_TCP_UNREAD_OTHER] = "other",
};

const char *
dg_tcp_unread_name(enum dg_tcp_unread r)
{
	if ((unsigned int)r >= DG_TCP_UNREAD__MAX)
		return "unknown";
	return unread_names[r];
}

void
dg_tcp_unread_count(struct dg_tcp_table *t, enum dg_tcp_unread why)
{
	if (t != NULL && (unsigned int)why < DG_TCP_UNREAD__MAX)
		t->st.resp_unread[why]++;
}

int
dg_tcp_create(struct dg_tcp_table **out, uint32_t flows, uint64_t idle_timeout)
{
	struct dg_tcp_table *t;
	uint32_t nb = 1;

	if (out == NULL || flows == 0 || flows > DG_TCP_FLOWS_MAX || idle_timeout == 0)
		return -EINVAL;
	while (nb * BUCKET_WAYS < flows)
		nb <<= 1;
	t = calloc(1, sizeof(*t));
	if (t == NULL)
		return -ENOMEM;
	t->sig = calloc((size_t)nb * BUCKET_WAYS, sizeof(t->sig[0]));
	t->flow = calloc((size_t)nb * BUCKET_WAYS, sizeof(t->flow[0]));
	if (t->sig == NULL || t->flow == NULL) {
		dg_tcp_free(t);
		return -ENOMEM;
	}
	t->mask = nb - 1;
	t->idle = idle_timeout;
	/* Not on the data path: a system call is fine here. */
	if (getrandom(&t->seed, sizeof(t->seed), GRND_NONBLOCK) != sizeof(t->seed))
		t->seed = (uint64_t)time(NULL) ^ (uint64_t)(uintptr_t)t;
	*out = t;
	return 0;
}

void
dg_tcp_free(struct dg_tcp_table *t)
{
	if (t == NULL)
		return;
	free(t->sig);
	free(t->flow);
	free(t);
}

const struct dg_tcp_stats *
dg_tcp_stats(const struct dg_tcp_table *t)
{
	return &t->st;
}

uint32_t
dg_tcp_count(const struct dg_tcp_table *t)
{
	uint32_t i, n = 0;

	for (i = 0; i < (t->mask + 1) * BUCKET_WAYS; i++)
		n += t->sig[i] != 0;
	return n;
}

/* The flow's key from a packet; @p from_client: the client is the packet's source. */
static void
make_key(struct flow_key *k, const struct dg_pkt *p, bool from_client)
{
	memset(k, 0, sizeof(*k));
	k->family = p->ip_ver;
	if (from_client) {
		k->cport = p->src_port;
		k->sport = p->dst_port;
		memcpy(k->caddr, p->src_addr, p->addr_len);
		memcpy(k->saddr, p->dst_addr, p->addr_len);
	} else {
		k->cport = p->dst_port;
		k->sport = p->src_port;
		memcpy(k->caddr, p->dst_addr, p->addr_len);
		memcpy(k->saddr, p->src_addr, p->addr_len);
	}
}

/* Multiply-xorshift over the key's five 64-bit words. */
static uint64_t
hash_key(const struct flow_key *k, uint64_t seed)
{
	uint64_t h = seed, w;
	size_t i;

	for (i = 0; i < sizeof(*k); i += sizeof(w)) {
		memcpy(&w, (const uint8_t *)k + i, sizeof(w));
		h = (h ^ w) * 0x9e3779b97f4a7c15ull;
		h ^= h >> 29;
	}
	return h;
}

static void
flow_free(struct dg_tcp_table *t, struct dg_tcp_flow *f)
{
	t->sig[f - t->flow] = 0;
	f->state = FLOW_FREE;
}

static bool
idle(const struct dg_tcp_table *t, const struct dg_tcp_flow *f, uint64_t now)
{
	return now > f->last_seen && now - f->last_seen > t->idle;
}

/* The flow of @p k, or NULL; an idle one found on the way is removed. */
static struct dg_tcp_flow *
lookup(struct dg_tcp_table *t, const struct flow_key *k, uint64_t h, uint64_t now)
{
	const uint32_t sig = (uint32_t)(h >> 32) | 1;
	const size_t base = (size_t)(h & t->mask) * BUCKET_WAYS;
	size_t i;

	for (i = base; i < base + BUCKET_WAYS; i++) {
		struct dg_tcp_flow *f = &t->flow[i];

		if (t->sig[i] != sig || memcmp(&f->key, k, sizeof(*k)) != 0)
			continue;
		if (idle(t, f, now)) {
			flow_free(t, f);
			t->st.evicted_idle++;
			return NULL;
		}
		return f;
	}
	return NULL;
}

/* How willingly a slot is given to a new flow: lower first; -1 never. */
static int
reuse_rank(const struct dg_tcp_table *t, const struct dg_tcp_flow *f, uint64_t now)
{
	if (f->state == FLOW_FREE)
		return 0;
	if (idle(t, f, now))
		return 1;
	if (f->state == FLOW_CLOSED || (f->flags & (FF_LOST | FF_REFUSED)))
		return 2;
	if (f->state == FLOW_SYN_SENT)
		return 3;
	if (f->flags & FF_ANSWERED)
		return 4; /* last: its DROP keeps the client off the reset server */
	return -1;
}

static struct dg_tcp_flow *
alloc(struct dg_tcp_table *t, const struct flow_key *k, uint64_t h, uint64_t now)
{
	const size_t base = (size_t)(h & t->mask) * BUCKET_WAYS;
	struct dg_tcp_flow *best = NULL;
	int best_rank = 5;
	size_t i;

	for (i = base; i < base + BUCKET_WAYS; i++) {
		struct dg_tcp_flow *f = &t->flow[i];
		int r = t->sig[i] == 0 ? 0 : reuse_rank(t, f, now);

		if (r < 0)
			continue;
		if (r < best_rank || (r == best_rank && f->last_seen < best->last_seen)) {
			best = f;
			best_rank = r;
		}
	}
	if (best == NULL)
		return NULL;
	if (best_rank == 1)
		t->st.evicted_idle++;
	t->sig[best - t->flow] = (uint32_t)(h >> 32) | 1;
	best->key = *k;
	return best;
}

/* A connection starts (again) at the client's SYN @p s. */
static void
flow_start(struct dg_tcp_table *t, struct dg_tcp_flow *f, const struct dg_tcp_seg *s,
	   uint64_t now)
{
	const struct flow_key k = f->key;

	memset(f, 0, offsetof(struct dg_tcp_flow, buf));
	f->key = k;
	f->last_seen = now;
	f->state = FLOW_SYN_SENT;
	f->c_isn = s->seq;
	f->c_nxt = s->seq + 1;
	f->c_new = f->c_nxt;
	f->syn_len = s->payload_len;
	if (s->has_ts) {
		f->flags |= FF_SYN_TS;
		f->c_tsval = s->tsval;
	}
	t->st.flows++;
}

static void
stream_rewind(struct dg_tcp_flow *f, uint32_t seq)
{
	f->c_nxt = seq;
	f->c_new = seq;
	f->pre = 0;
	f->msg_len = 0;
	f->msg_got = 0;
	f->buf_n = 0;
}

static void
lose(struct dg_tcp_table *t, struct dg_tcp_flow *f, enum dg_tcp_untracked why)
{
	f->flags |= FF_LOST;
	f->lost_reason = (uint8_t)why;
	t->st.untracked[why]++;
}

/* One complete message: counted, and listed when it can hold a question. */
static int
report(struct dg_tcp_table *t, struct dg_tcp_msgs *out, const uint8_t *data, uint16_t avail,
       uint16_t len)
{
	t->st.messages++;
	if (len < DG_TCP_MSG_MIN)
		return 0;
	if (out->n == DG_TCP_MSGS_MAX)
		return -ENOBUFS;
	out->msg[out->n].data = data;
	out->msg[out->n].avail = avail;
	out->msg[out->n].len = len;
	out->n++;
	return 0;
}

/*
 * Read @p n new stream bytes at @p d: length prefixes (split anywhere) and messages.
 * A message wholly inside the segment is reported in place; one that began earlier
 * collects its first DG_TCP_KEEP bytes in f->buf. Only the first message of a segment
 * can have begun earlier, so at most one report points into f->buf; if a message then
 * starts filling f->buf again, that report moves to the table's scratch first.
 */
static int
feed(struct dg_tcp_table *t, struct dg_tcp_flow *f, const uint8_t *d, uint32_t n,
     struct dg_tcp_msgs *out)
{
	int buf_report = -1;

	f->c_nxt += n;
	while (n > 0) {
		uint32_t need, take;

		if (f->pre < 2) {
			f->msg_len = (uint16_t)(f->msg_len << 8 | *d++);
			n--;
			if (++f->pre == 2 && f->msg_len == 0) {
				if (report(t, out, d, 0, 0) != 0)
					return -ENOBUFS;
				f->pre = 0;
			}
			continue;
		}
		need = (uint32_t)f->msg_len - f->msg_got;
		take = need < n ? need : n;
		if (f->msg_got == 0 && take == need) {
			if (report(t, out, d, f->msg_len, f->msg_len) != 0)
				return -ENOBUFS;
		} else {
			uint32_t keep = DG_TCP_KEEP - f->buf_n;

			if (buf_report >= 0) {
				memcpy(t->scratch, out->msg[buf_report].data,
				       out->msg[buf_report].avail);
				out->msg[buf_report].data = t->scratch;
				buf_report = -1;
			}
			keep = take < keep ? take : keep;
			memcpy(f->buf + f->buf_n, d, keep);
			f->buf_n = (uint16_t)(f->buf_n + keep);
			f->msg_got = (uint16_t)(f->msg_got + take);
			if (f->msg_got == f->msg_len) {
				unsigned int before = out->n;

				if (report(t, out, f->buf, f->buf_n, f->msg_len) != 0)
					return -ENOBUFS;
				if (out->n > before)
					buf_report = (int)before;
			}
		}
		d += take;
		n -= take;
		if (take == need) {
			f->pre = 0;
			f->msg_len = 0;
			f->msg_got = 0;
			f->buf_n = 0;
		}
	}
	return 0;
}

/* The bytes of client segment @p s (its data from @p seq) new to the stream, and its FIN. */
static enum dg_tcp_verdict
client_stream(struct dg_tcp_table *t, struct dg_tcp_flow *f, const uint8_t *frame,
	      const struct dg_tcp_seg *s, uint32_t seq, struct dg_tcp_msgs *out)
{
	const bool fin = s->flags & DG_TCP_F_FIN;
	const uint8_t *d = frame + s->payload_off;
	uint32_t n = s->payload_len, skip;
	int32_t gap;

	if (s->has_ts)
		f->c_tsval = s->tsval;
	if ((n == 0 && !fin) || (f->flags & FF_C_FIN))
		return DG_TCP_FORWARD; /* a bare ACK, or past the end: nothing to read */
	gap = seq_diff(seq, f->c_nxt);
	if (gap > 0) {
		lose(t, f, DG_TCP_UNTRACKED_OUT_OF_ORDER);
		return DG_TCP_FORWARD;
	}
	skip = (uint32_t)-gap;
	if (skip > n)
		return DG_TCP_FORWARD; /* all seen before, FIN included */
	f->c_new = f->c_nxt;
	if (feed(t, f, d + skip, n - skip, out) != 0) {
		lose(t, f, DG_TCP_UNTRACKED_OTHER);
		out->n = 0;
		return DG_TCP_FORWARD;
	}
	if (fin) {
		f->flags |= FF_C_FIN;
		f->c_nxt++;
		if (f->flags & FF_S_FIN)
			f->state = FLOW_CLOSED;
	}
	if (out->n == 0)
		return DG_TCP_FORWARD;
	out->flow = f;
	return DG_TCP_MESSAGES;
}

enum dg_tcp_verdict
dg_tcp_client(struct dg_tcp_table *t, const uint8_t *frame, const struct dg_pkt *p,
	      const struct dg_tcp_seg *s, uint64_t now, struct dg_tcp_msgs *out)
{
	const uint8_t fl = s->flags;
	const bool syn = (fl & (DG_TCP_F_SYN | DG_TCP_F_ACK | DG_TCP_F_RST)) == DG_TCP_F_SYN;
	struct dg_tcp_flow *f;
	struct flow_key k;
	uint64_t h;

	out->n = 0;
	out->flow = NULL;
	make_key(&k, p, true);
	h = hash_key(&k, t->seed);
	f = lookup(t, &k, h, now);
	if (f == NULL) {
		if (!syn) {
			t->st.untracked[DG_TCP_UNTRACKED_NO_HANDSHAKE]++;
			return DG_TCP_FORWARD;
		}
		if (fl & DG_TCP_F_FIN) { /* SYN+FIN: no stack opens a connection on it */
			t->st.untracked[DG_TCP_UNTRACKED_OTHER]++;
			return DG_TCP_FORWARD;
		}
		f = alloc(t, &k, h, now);
		if (f == NULL) {
			t->st.untracked[DG_TCP_UNTRACKED_TABLE_FULL]++;
			return DG_TCP_FORWARD;
		}
		flow_start(t, f, s, now);
		return client_stream(t, f, frame, s, s->seq + 1, out);
	}
	f->last_seen = now;
	if (fl & DG_TCP_F_SYN) {
		if (syn && !(fl & DG_TCP_F_FIN) && s->seq != f->c_isn &&
		    (f->state != FLOW_ESTABLISHED ||
		     (f->flags & (FF_ANSWERED | FF_LOST | FF_REFUSED)))) {
			/* a new connection on the same ports */
			flow_start(t, f, s, now);
			return client_stream(t, f, frame, s, s->seq + 1, out);
		}
		/* A retransmitted SYN, or one a live connection ignores (RFC 5961 4.2):
		 * its data is not the stream's. */
		if (f->flags & (FF_ANSWERED | FF_REFUSED)) {
			t->st.dropped++;
			return DG_TCP_DROP;
		}
		return DG_TCP_FORWARD;
	}
	if (f->flags & (FF_ANSWERED | FF_REFUSED)) {
		/* No byte of the stream gets through; the client's bare ACK, FIN or RST may,
		 * so that the server's stack (its half reset) answers with a RST and the
		 * client's socket closes at once instead of retransmitting its FIN. */
		if (s->payload_len == 0 && !(fl & DG_TCP_F_SYN))
			return DG_TCP_FORWARD;
		t->st.dropped++;
		return DG_TCP_DROP;
	}
	if (f->flags & FF_LOST) {
		t->st.untracked[f->lost_reason]++;
		return DG_TCP_FORWARD;
	}
	if (fl & DG_TCP_F_RST) {
		if (s->seq == f->c_nxt)
			flow_free(t, f);
		else
			t->st.bad_rst++;
		return DG_TCP_FORWARD;
	}
	if ((fl & DG_TCP_F_URG) && s->payload_len > 0) {
		/* The server's socket takes the urgent byte out of the stream (no resolver
		 * sets SO_OOBINLINE): we would read other bytes than it does. No DNS client
		 * sends urgent data, so the flow is refused rather than let through. */
		f->flags |= FF_REFUSED;
		t->st.dropped++;
		return DG_TCP_DROP;
	}
	return client_stream(t, f, frame, s, s->seq, out);
}

/* The SYN-ACK: the server's sequence space, and whether it took the SYN's data. */
static void
server_synack(struct dg_tcp_flow *f, const struct dg_tcp_seg *s)
{
	const uint32_t acked = s->ack - (f->c_isn + 1);

	if (f->state != FLOW_SYN_SENT || acked > f->syn_len || (acked != 0 && acked != f->syn_len))
		return; /* a retransmission, or not an answer to this SYN */
	f->state = FLOW_ESTABLISHED;
	f->s_nxt = s->seq + 1;
	f->s_rd = f->s_nxt;
	f->s_win = s->win;
	if ((f->flags & FF_SYN_TS) && s->has_ts) {
		f->flags |= FF_TS;
		f->s_tsval = s->tsval;
	}
	/* Fast Open data declined: the client sends it again after the SYN. */
	if (acked == 0 && f->syn_len > 0 && !(f->flags & FF_ANSWERED))
		stream_rewind(f, f->c_isn + 1);
}

/* The server-side flow of @p p, its last_seen moved to @p now; NULL: not tracked. */
static struct dg_tcp_flow *
server_flow(struct dg_tcp_table *t, const struct dg_pkt *p, uint64_t now)
{
	struct dg_tcp_flow *f;
	struct flow_key k;

	make_key(&k, p, false);
	f = lookup(t, &k, hash_key(&k, t->seed), now);
	if (f != NULL)
		f->last_seen = now;
	return f;
}

/* What a server segment tells about the flow (dg_tcp_server()). */
static void
server_update(struct dg_tcp_table *t, struct dg_tcp_flow *f, const struct dg_tcp_seg *s)
{
	const uint8_t fl = s->flags;
	uint32_t end;
	if ((fl & (DG_TCP_F_SYN | DG_TCP_F_ACK | DG_TCP_F_RST)) == (DG_TCP_F_SYN | DG_TCP_F_ACK)) {
		server_synack(f, s);
		return;
	}
	if (f->state == FLOW_SYN_SENT) {
		/* connection refused: a RST that acknowledges the SYN */
		if ((fl & DG_TCP_F_RST) && (fl & DG_TCP_F_ACK) && s->ack == f->c_isn + 1 + f->syn_len)
			flow_free(t, f);
		return;
	}
	if (fl & DG_TCP_F_RST) {
		/* the client takes it at its next sequence only (RFC 5961 3.2) */
		if (s->seq == f->s_nxt)
			flow_free(t, f);
		else
			t->st.bad_rst++;
		return;
	}
	end = s->seq + s->payload_len + ((fl & DG_TCP_F_FIN) ? 1 : 0);
	if (seq_diff(end, f->s_nxt) > 0)
		f->s_nxt = end;
	f->s_win = s->win;
	if ((f->flags & FF_TS) && s->has_ts && seq_diff(s->tsval, f->s_tsval) > 0)
		f->s_tsval = s->tsval;
	if (fl & DG_TCP_F_FIN) {
		f->flags |= FF_S_FIN;
		if (f->flags & FF_C_FIN)
			f->state = FLOW_CLOSED;
	}
}

void
dg_tcp_server(struct dg_tcp_table *t, const uint8_t *frame, const struct dg_pkt *p,
	      const struct dg_tcp_seg *s, uint64_t now)
{
	struct dg_tcp_flow *f = server_flow(t, p, now);

	(void)frame;
	if (f != NULL)
		server_update(t, f, s);
}

static void
unread(struct dg_tcp_table *t, enum dg_tcp_unread why)
{
	t->st.resp_unread[why]++;
}

static void
desync(struct dg_tcp_table *t, struct dg_tcp_flow *f, enum dg_tcp_unread why)
{
	f->flags |= FF_S_DESYNC;
	unread(t, why);
}

/*
 * Walk the length prefixes of an in-order server segment (@p n bytes at @p d, stream
 * position @p seq), from the one the framing expects: complete messages are listed, one
 * that continues past the segment is skipped (the framing jumps its body). A prefix cut
 * by the segment's end loses the framing: what the client does with the rest is not
 * followed byte by byte here.
 */
static void
server_msgs(struct dg_tcp_table *t, struct dg_tcp_flow *f, const uint8_t *d, uint32_t n,
	    uint32_t seq, struct dg_tcp_msgs *out)
{
	int32_t off = seq_diff(f->s_rd, seq);
	uint32_t i;

	if (off < 0) {
		desync(t, f, DG_TCP_UNREAD_OTHER); /* not reached: s_rd never lags s_nxt */
		return;
	}
	if ((uint32_t)off >= n) {
		unread(t, DG_TCP_UNREAD_SPLIT); /* inside a message that began earlier */
		return;
	}
	i = (uint32_t)off;
	while (i < n) {
		uint32_t len;

		if (n - i < 2) {
			desync(t, f, DG_TCP_UNREAD_SPLIT);
			return;
		}
		len = (uint32_t)d[i] << 8 | d[i + 1];
		if (n - i - 2 < len) {
			/* its end is further on: the next prefix is after it */
			f->s_rd = seq + i + 2 + len;
			unread(t, DG_TCP_UNREAD_SPLIT);
			return;
		}
		if (len > 0) {
			if (out->n == DG_TCP_MSGS_MAX) {
				out->n = 0;
				desync(t, f, DG_TCP_UNREAD_OTHER);
				return;
			}
			out->msg[out->n].data = d + i + 2;
			out->msg[out->n].avail = (uint16_t)len;
			out->msg[out->n].len = (uint16_t)len;
			out->n++;
			t->st.responses++;
		}
		i += 2 + len;
	}
	f->s_rd = seq + n;
}

enum dg_tcp_verdict
dg_tcp_server_read(struct dg_tcp_table *t, const uint8_t *frame, const struct dg_pkt *p,
		   const struct dg_tcp_seg *s, uint64_t now, struct dg_tcp_msgs *out)
{
	const uint8_t fl = s->flags;
	struct dg_tcp_flow *f = server_flow(t, p, now);
	const uint32_t n = s->payload_len;
	int32_t gap;

	out->n = 0;
	out->flow = NULL;
	if (f == NULL) {
		if (n > 0)
			unread(t, DG_TCP_UNREAD_UNTRACKED);
		return DG_TCP_FORWARD;
	}
	if (n == 0 || f->state != FLOW_ESTABLISHED || (fl & (DG_TCP_F_SYN | DG_TCP_F_RST))) {
		if (n > 0)
			unread(t, DG_TCP_UNREAD_UNTRACKED);
		server_update(t, f, s);
		return DG_TCP_FORWARD;
	}
	if (f->flags & FF_ANSWERED) {
		/* the client has our answer and FIN at these sequence numbers */
		t->st.resp_dropped++;
		return DG_TCP_DROP;
	}
	gap = seq_diff(s->seq, f->s_nxt);
	if (f->flags & (FF_LOST | FF_REFUSED))
		unread(t, DG_TCP_UNREAD_UNTRACKED); /* the RST to the server needs c_nxt */
	else if (f->flags & FF_S_DESYNC)
		unread(t, DG_TCP_UNREAD_OUT_OF_ORDER);
	else if (fl & DG_TCP_F_URG)
		desync(t, f, DG_TCP_UNREAD_OTHER);
	else if (gap > 0)
		desync(t, f, DG_TCP_UNREAD_OUT_OF_ORDER);
	else if (gap < 0 && seq_diff(s->seq + n, f->s_nxt) <= 0)
		unread(t, DG_TCP_UNREAD_RETRANSMIT);
	else if (gap < 0)
		desync(t, f, DG_TCP_UNREAD_OUT_OF_ORDER); /* old and new bytes: not guessed */
	else
		server_msgs(t, f, frame + s->payload_off, n, s->seq, out);
	server_update(t, f, s);
	if (out->n == 0)
		return DG_TCP_FORWARD;
	out->flow = f;
	return DG_TCP_MESSAGES;
}

void
dg_tcp_answered(struct dg_tcp_table *t, struct dg_tcp_flow *f)
{
	if (f == NULL || (f->flags & FF_ANSWERED))
		return;
	f->flags |= FF_ANSWERED;
	t->st.answered++;
}
