/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The reassembly table: 8-way buckets of entries, one per datagram being followed, and a
 * list in creation order for the timeout (one timeout for all: the oldest expires first).
 *
 * Each entry follows the receiving host's state for its datagram the way Linux keeps it
 * (inet_frag_queue_insert(), ip_frag_queue(), ip6_frag_queue()): the extent known so far
 * (len, and whether the last fragment came), the bytes held (meat), and the runs of
 * fragments (a run grows only when a fragment lands right at the end of the highest one).
 * A fragment inside one run is a duplicate; one that touches a run otherwise overlaps.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "dg_reasm.h"
#include "dg_wire.h"

enum {
	WAYS = 8,
	NONE = UINT32_MAX,
	IP4_MAXLEN = 65535,
	IP4_HLEN = 20,
	IP6_HLEN = 40,
	CMP_CHUNK = 64,
};

enum entry_flags {
	F_FIRST_IN = 1u << 0, /* the fragment at offset 0 came */
	F_LAST_IN = 1u << 1,  /* the last fragment came: len is the datagram's */
	F_PASS = 1u << 2,     /* not ours: nothing held, the host's state followed */
	F_BLIND = 1u << 3,    /* passed and no longer followed (runs over the bound) */
	F_SPILLED = 1u << 4,  /* passed because of an overflow: later frames count so */
};

struct frag_slot {
	void *h;
	uint16_t off, end, data;
	bool dup;
};

struct entry {
	struct dg_reasm_key key;   /* family 0: free */
	uint64_t born;
	uint32_t prev, next;       /* creation order */
	uint32_t len, meat, tail;  /* extent known, bytes in runs, end of the highest run */
	uint8_t flags;
	uint8_t n_runs, n_frags, head;
	struct dg_reasm_frag first; /* the offset-0 fragment's headers */
	uint16_t run_lo[DG_REASM_FRAGS_MAX], run_hi[DG_REASM_FRAGS_MAX];
	struct frag_slot frags[DG_REASM_FRAGS_MAX];
};

struct dg_reasm {
	uint32_t mask;             /* buckets - 1 */
	uint32_t flows, held, held_max;
	uint32_t oldest, newest;   /* creation-order list */
	uint64_t timeout, seed;
	dg_reasm_read_fn read;
	void *read_arg;
	struct entry e[];
};

int
dg_reasm_create(struct dg_reasm **out, uint32_t flows, uint32_t held_max, uint64_t timeout,
		uint64_t seed, dg_reasm_read_fn read, void *read_arg)
{
	struct dg_reasm *t;
	uint32_t buckets = 1;

	if (flows == 0 || flows > DG_REASM_FLOWS_MAX || held_max == 0 || read == NULL)
		return -EINVAL;
	while (buckets * WAYS < flows)
		buckets <<= 1;
	t = calloc(1, sizeof(*t) + (size_t)buckets * WAYS * sizeof(t->e[0]));
	if (t == NULL)
		return -ENOMEM;
	t->mask = buckets - 1;
	t->held_max = held_max;
	t->timeout = timeout;
	t->seed = seed;
	t->read = read;
	t->read_arg = read_arg;
	t->oldest = t->newest = NONE;
	*out = t;
	return 0;
}

void
dg_reasm_free(struct dg_reasm *t)
{
	free(t);
}

void
dg_reasm_usage(const struct dg_reasm *t, uint32_t *flows, uint32_t *held)
{
	*flows = t->flows;
	*held = t->held;
}

static inline uint32_t
bucket_of(const struct dg_reasm *t, const struct dg_reasm_key *k)
{
	uint64_t h = t->seed, w;

	for (size_t i = 0; i < sizeof(*k); i += sizeof(w)) {
		memcpy(&w, (const uint8_t *)k + i, sizeof(w));
		h = (h ^ w) * 0x9e3779b97f4a7c15ull;
		h ^= h >> 29;
	}
	return (uint32_t)(h >> 32) & t->mask;
}

/* The entry for @p k, or a new one born at @p now; NULL when its bucket is full. */
static struct entry *
find(struct dg_reasm *t, const struct dg_reasm_key *k, uint64_t now)
{
	struct entry *b = &t->e[(size_t)bucket_of(t, k) * WAYS], *free_e = NULL;
	uint32_t i;

	for (i = 0; i < WAYS; i++) {
		if (b[i].key.family == 0) {
			if (free_e == NULL)
				free_e = &b[i];
		} else if (memcmp(&b[i].key, k, sizeof(*k)) == 0) {
			return &b[i];
		}
	}
	if (free_e == NULL)
		return NULL;
	i = (uint32_t)(free_e - t->e);
	memset(free_e, 0, offsetof(struct entry, run_lo));
	free_e->key = *k;
	free_e->born = now;
	free_e->prev = t->newest;
	free_e->next = NONE;
	if (t->newest != NONE)
		t->e[t->newest].next = i;
	else
		t->oldest = i;
	t->newest = i;
	t->flows++;
	return free_e;
}

static void
unlink_entry(struct dg_reasm *t, struct entry *e)
{
	if (e->prev != NONE)
		t->e[e->prev].next = e->next;
	else
		t->oldest = e->next;
	if (e->next != NONE)
		t->e[e->next].prev = e->prev;
	else
		t->newest = e->prev;
	e->key.family = 0;
	t->held -= e->n_frags;
	t->flows--;
}

/* Move what @p e holds to @p out (arrival order), then the frame @p h if not NULL. */
static void
take(struct dg_reasm *t, struct entry *e, void *h, const struct dg_reasm_frag *f,
     struct dg_reasm_out *out)
{
	out->n = 0;
	for (unsigned int i = 0; i < e->n_frags; i++) {
		const struct frag_slot *s = &e->frags[i];

		out->p[out->n++] = (struct dg_reasm_piece){ s->h, s->off, s->end, s->data,
							    s->dup };
	}
	t->held -= e->n_frags;
	e->n_frags = 0;
	if (h != NULL)
		out->p[out->n++] = (struct dg_reasm_piece){ h, (uint16_t)f->off,
							    (uint16_t)f->end, f->data, false };
}

/* The host's runs: DUP (inside one run), OVERLAP (touches one otherwise), or added. */
enum ins { INS_OK, INS_DUP, INS_OVERLAP, INS_FULL };

static enum ins
insert_run(struct entry *e, uint32_t o, uint32_t end)
{
	unsigned int i;

	if (e->n_runs == 0 || end > e->tail) {
		if (e->n_runs > 0 && o < e->tail)
			return INS_OVERLAP;
		if (e->n_runs > 0 && o == e->tail) {
			e->run_hi[e->n_runs - 1] = (uint16_t)end;
		} else {
			if (e->n_runs == DG_REASM_FRAGS_MAX)
				return INS_FULL;
			e->run_lo[e->n_runs] = (uint16_t)o;
			e->run_hi[e->n_runs] = (uint16_t)end;
			e->n_runs++;
		}
		e->tail = end;
		return INS_OK;
	}
	for (i = 0; i < e->n_runs; i++) {
		if (end <= e->run_lo[i])
			break;
		if (o >= e->run_hi[i])
			continue;
		return o >= e->run_lo[i] && end <= e->run_hi[i] ? INS_DUP : INS_OVERLAP;
	}
	if (e->n_runs == DG_REASM_FRAGS_MAX)
		return INS_FULL;
	memmove(&e->run_lo[i + 1], &e->run_lo[i], (e->n_runs - i) * sizeof(e->run_lo[0]));
	memmove(&e->run_hi[i + 1], &e->run_hi[i], (e->n_runs - i) * sizeof(e->run_hi[0]));
	e->run_lo[i] = (uint16_t)o;
	e->run_hi[i] = (uint16_t)end;
	e->n_runs++;
	return INS_OK;
}

/* Does the duplicate @p f carry the bytes held for its range? */
static bool
same_bytes(const struct dg_reasm *t, const struct entry *e, const struct dg_reasm_frag *f,
	   const uint8_t *frame)
{
	uint8_t held[CMP_CHUNK];

	for (unsigned int i = 0; i < e->n_frags; i++) {
		const struct frag_slot *s = &e->frags[i];
		uint32_t lo = s->off > f->off ? s->off : f->off;
		uint32_t hi = s->end < f->end ? s->end : f->end;

		if (s->dup)
			continue;
		while (lo < hi) {
			uint32_t n = hi - lo < CMP_CHUNK ? hi - lo : CMP_CHUNK;

			if (t->read(s->h, s->data + (lo - s->off), n, held, t->read_arg) != 0 ||
			    memcmp(held, frame + f->data + (lo - f->off), n) != 0)
				return false;
			lo += n;
		}
	}
	return true;
}

/* Out of the table: held frames and @p h leave with @p why; the entry is gone. */
static enum dg_reasm_verdict
finish(struct dg_reasm *t, struct entry *e, void *h, const struct dg_reasm_frag *f,
       enum dg_reasm_verdict v, enum dg_reasm_why why, struct dg_reasm_out *out)
{
	take(t, e, h, f, out);
	out->why = why;
	unlink_entry(t, e);
	return v;
}

/*
 * The host discards the datagram (or would read it in more than one way). Held frames
 * never reached it and are dropped with @p h; a passed datagram's frames did, so @p h
 * goes on for the host to see the same. Either way later fragments start afresh.
 */
static enum dg_reasm_verdict
discard(struct dg_reasm *t, struct entry *e, void *h, const struct dg_reasm_frag *f,
	enum dg_reasm_why why, struct dg_reasm_out *out)
{
	if (e->flags & F_PASS)
		return finish(t, e, h, f, DG_REASM_FORWARD,
			      e->flags & F_SPILLED ? DG_REASM_WHY_OVERFLOW : DG_REASM_WHY_PASS,
			      out);
	return finish(t, e, h, f, DG_REASM_DISCARD, why, out);
}

/* Stop holding: what is held and @p h leave now, later fragments pass on sight. */
static enum dg_reasm_verdict
pass(struct dg_reasm *t, struct entry *e, void *h, const struct dg_reasm_frag *f,
     enum dg_reasm_why why, struct dg_reasm_out *out)
{
	take(t, e, h, f, out);
	out->why = why;
	e->flags |= F_PASS | (why == DG_REASM_WHY_OVERFLOW ? F_SPILLED : 0);
	return DG_REASM_FORWARD;
}

/* The first fragment's headers and the datagram's length, for dg_reasm_build(). */
static uint32_t
head_len(const struct dg_reasm_frag *first)
{
	return first->ver == 4 ? (uint32_t)first->hdr_len - first->l3_off :
				 (uint32_t)first->hdr_len - first->l3_off - IP6_HLEN;
}

static enum dg_reasm_verdict
complete(struct dg_reasm *t, struct entry *e, void *h, const struct dg_reasm_frag *f,
	 struct dg_reasm_out *out)
{
	/* The whole IP packet (IPv4) or payload (IPv6) must fit its 16-bit length. */
	if (head_len(&e->first) + e->len > IP4_MAXLEN)
		return discard(t, e, h, f, DG_REASM_WHY_BAD, out);
	out->first = e->first;
	out->len = e->len;
	out->head = e->head;
	return finish(t, e, NULL, f, DG_REASM_COMPLETE, DG_REASM_WHY_NONE, out);
}

static enum dg_reasm_verdict
atomic(const struct dg_reasm_frag *f, void *h, struct dg_reasm_out *out)
{
	out->why = DG_REASM_WHY_NONE;
	out->n = 1;
	out->p[0] = (struct dg_reasm_piece){ h, 0, (uint16_t)f->end, f->data, false };
	out->head = 0;
	out->first = *f;
	out->len = f->end;
	return DG_REASM_COMPLETE;
}

/* One frame straight out (@p h), the entry unchanged. */
static enum dg_reasm_verdict
one(void *h, const struct dg_reasm_frag *f, enum dg_reasm_why why, struct dg_reasm_out *out)
{
	out->n = 1;
	out->p[0] = (struct dg_reasm_piece){ h, (uint16_t)f->off, (uint16_t)f->end, f->data,
					     false };
	out->why = why;
	return DG_REASM_FORWARD;
}

static inline enum dg_reasm_why
passed_why(const struct entry *e)
{
	return e->flags & F_SPILLED ? DG_REASM_WHY_OVERFLOW : DG_REASM_WHY_PASS;
}

enum dg_reasm_verdict
dg_reasm_add(struct dg_reasm *t, const struct dg_reasm_frag *f, const uint8_t *frame, void *h,
	     uint64_t now, struct dg_reasm_out *out)
{
	struct frag_slot *s;
	struct entry *e;
	enum ins ins;
	bool done;

	out->n = 0;
	out->why = DG_REASM_WHY_NONE;
	/* RFC 6946: an atomic fragment is a datagram of its own; no queue is touched. */
	if (f->ver == 6 && f->off == 0 && !f->more)
		return atomic(f, h, out);
	e = find(t, &f->key, now);
	if (e == NULL)
		return one(h, f, DG_REASM_WHY_OVERFLOW, out);
	if (e->flags & F_BLIND)
		return one(h, f, DG_REASM_WHY_OVERFLOW, out);

	/* The host's length checks, in its order: they stand even for a duplicate. */
	if (f->end > IP4_MAXLEN - (f->ver == 4 ? IP4_HLEN : 0))
		return discard(t, e, h, f, DG_REASM_WHY_BAD, out);
	if (!f->more) {
		if (f->end < e->len || ((e->flags & F_LAST_IN) && f->end != e->len))
			return discard(t, e, h, f, DG_REASM_WHY_BAD, out);
		e->flags |= F_LAST_IN;
		e->len = f->end;
	} else if (f->end > e->len) {
		if (e->flags & F_LAST_IN)
			return discard(t, e, h, f, DG_REASM_WHY_BAD, out);
		e->len = f->end;
	}
	if (f->end <= f->off)
		return discard(t, e, h, f, DG_REASM_WHY_BAD, out);

	ins = insert_run(e, f->off, f->end);
	if (ins == INS_OVERLAP)
		return discard(t, e, h, f, DG_REASM_WHY_OVERLAP, out);
	if (ins == INS_FULL) {
		if (!(e->flags & F_PASS))
			return discard(t, e, h, f, DG_REASM_WHY_TOO_MANY, out);
		e->flags |= F_BLIND;
		return one(h, f, DG_REASM_WHY_OVERFLOW, out);
	}
	if (ins == INS_OK) {
		e->meat += f->end - f->off;
		if (f->off == 0) {
			e->flags |= F_FIRST_IN;
			e->first = *f;
		}
	}
	done = ins == INS_OK && (e->flags & (F_FIRST_IN | F_LAST_IN)) ==
		(F_FIRST_IN | F_LAST_IN) && e->meat == e->len;
	if (e->flags & F_PASS) {
		/* The host ignores a duplicate; a whole datagram ends its queue. */
		if (done)
			return finish(t, e, h, f, DG_REASM_FORWARD, passed_why(e), out);
		return one(h, f, passed_why(e), out);
	}
	/* A duplicate with other bytes: the host keeps the first, others may not. */
	if (ins == INS_DUP && !same_bytes(t, e, f, frame))
		return discard(t, e, h, f, DG_REASM_WHY_OVERLAP, out);
	if (e->n_frags == DG_REASM_FRAGS_MAX)
		return discard(t, e, h, f, DG_REASM_WHY_TOO_MANY, out);
	if (t->held >= t->held_max)
		return pass(t, e, h, f, DG_REASM_WHY_OVERFLOW, out);
	s = &e->frags[e->n_frags];
	*s = (struct frag_slot){ h, (uint16_t)f->off, (uint16_t)f->end, f->data,
				 ins == INS_DUP };
	if (ins == INS_OK && f->off == 0)
		e->head = e->n_frags;
	e->n_frags++;
	t->held++;
	if (ins == INS_OK && f->off == 0 && !f->maybe_dns)
		return pass(t, e, NULL, f, DG_REASM_WHY_PASS, out);
	if (done)
		return complete(t, e, NULL, f, out);
	return DG_REASM_HELD;
}

bool
dg_reasm_expire(struct dg_reasm *t, uint64_t now, struct dg_reasm_out *out)
{
	struct entry *e;

	if (t->oldest == NONE)
		return false;
	e = &t->e[t->oldest];
	if (now - e->born < t->timeout)
		return false;
	finish(t, e, NULL, NULL, DG_REASM_FORWARD, DG_REASM_WHY_TIMEOUT, out);
	return true;
}

bool
dg_reasm_flush(struct dg_reasm *t, struct dg_reasm_out *out)
{
	if (t->oldest == NONE)
		return false;
	finish(t, &t->e[t->oldest], NULL, NULL, DG_REASM_FORWARD, DG_REASM_WHY_TIMEOUT, out);
	return true;
}

long
dg_reasm_build(const struct dg_reasm *t, const struct dg_reasm_out *o, uint8_t *buf,
	       size_t room)
{
	const struct dg_reasm_frag *first = &o->first;
	const uint32_t hdr = first->hdr_len, total = hdr + o->len;
	uint32_t wrote, ip_len;
	uint8_t *ip = buf + first->l3_off;

	if (room > IP4_MAXLEN)
		room = IP4_MAXLEN;
	if (hdr + 8 > room)
		return -ENOSPC;
	if (t->read(o->p[o->head].h, 0, hdr, buf, t->read_arg) != 0)
		return -EIO;
	wrote = total < room ? total : (uint32_t)room;
	for (unsigned int i = 0; i < o->n; i++) {
		const struct dg_reasm_piece *p = &o->p[i];
		uint32_t hi = hdr + p->end < wrote ? p->end : wrote - hdr;

		if (p->dup || p->off >= hi)
			continue;
		if (t->read(p->h, p->data, hi - p->off, buf + hdr + p->off, t->read_arg) != 0)
			return -EIO;
	}
	/* The lengths of what was written; the fragment fields of a whole datagram. */
	ip_len = wrote - first->l3_off;
	if (first->ver == 4) {
		uint16_t c;

		dg_wire_put_u16(ip + 2, (uint16_t)ip_len);
		dg_wire_put_u16(ip + 6, 0);
		ip[10] = ip[11] = 0;
		c = dg_wire_csum_final(dg_wire_csum_add(0, ip, hdr - first->l3_off));
		memcpy(ip + 10, &c, sizeof(c));
	} else {
		dg_wire_put_u16(ip + 4, (uint16_t)(ip_len - IP6_HLEN));
		buf[first->nh_off] = first->nh;
	}
	if (first->pppoe_off != 0)
		dg_wire_put_u16(buf + first->pppoe_off + 4, (uint16_t)(ip_len + 2));
	if (total > wrote && first->nh == 17)
		dg_wire_put_u16(buf + hdr + 4, (uint16_t)(wrote - hdr));
	return total;
}
