/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target over the reassembly table (lib/reasm) as the worker drives it: frames
 * parsed by dg_wire_parse_l2l4(), dg_reasm_parse(), dg_reasm_add(), the timeout after
 * every frame, dg_reasm_build() of every whole datagram, a flush at the end. Input: records
 * of a flags byte (bit 0 IPv6, bits 1-2 which datagram, bit 3 more fragments, bit 4 time
 * runs out, bit 5 UDP port 123, bit 6 a small build buffer), a 13-bit offset in 8-byte
 * units, a length byte and that many payload bytes. Any broken invariant traps:
 *  - every frame handed in comes out exactly once (held, then forwarded, dropped or part
 *    of a whole datagram), and the table holds what it says;
 *  - a whole datagram's pieces (duplicates aside) cover its length exactly once;
 *  - a built datagram reads back as one unfragmented IP packet of the length written.
 */
#include <stdlib.h>
#include <string.h>

#include "dg_reasm.h"
#include "dg_wire.h"

#define CHECK(c) do { if (!(c)) __builtin_trap(); } while (0)

enum { FRAMES_MAX = 256, FRAME_LEN = 14 + 40 + 8 + 256, TIMEOUT = 100 };

struct frame {
	uint8_t b[FRAME_LEN];
	size_t len;
	int state; /* 0 unused, 1 handed in, 2 out */
};

static const struct dg_pkt_cfg cfg = DG_PKT_CFG_DEFAULT;
static struct frame frames[FRAMES_MAX];
static uint8_t built[16384];

static int
read_frame(void *h, uint32_t off, uint32_t len, uint8_t *dst, void *arg)
{
	const struct frame *f = h;

	(void)arg;
	if ((size_t)off + len > f->len)
		return -1;
	memcpy(dst, f->b + off, len);
	return 0;
}

static void
put16(uint8_t *p, unsigned int v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* One fragment frame from a record; @return its length. */
static size_t
make(struct frame *f, uint8_t flags, unsigned int off8, const uint8_t *pay, size_t n)
{
	static const uint8_t src4[4] = { 198, 18, 0, 1 }, dst4[4] = { 198, 18, 0, 53 };
	static const uint8_t src6[16] = { 0x20, 0x01, 0, 2, [15] = 1 };
	static const uint8_t dst6[16] = { 0x20, 0x01, 0, 2, [15] = 0x53 };
	const unsigned int more = (flags >> 3) & 1, which = (flags >> 1) & 3;
	uint8_t *ip = f->b + 14, *p;
	uint8_t udp[8] = { 0x9c, 0x40, 0, (flags & 0x20) ? 123 : 53, 0, 0, 0, 0 };

	memset(f->b, 0, sizeof(f->b));
	memcpy(f->b, "\x02\0\0\0\0\x02\x02\0\0\0\0\x01", 12);
	if (flags & 1) {
		put16(f->b + 12, 0x86dd);
		ip[0] = 0x60;
		put16(ip + 4, (unsigned int)(8 + n));
		ip[6] = 44;
		ip[7] = 64;
		memcpy(ip + 8, src6, 16);
		memcpy(ip + 24, dst6, 16);
		ip[40] = 17;
		put16(ip + 42, (off8 << 3) | more);
		ip[47] = (uint8_t)which;
		p = ip + 48;
	} else {
		uint64_t s;
		uint16_t c;

		put16(f->b + 12, 0x0800);
		ip[0] = 0x45;
		put16(ip + 2, (unsigned int)(20 + n));
		put16(ip + 4, which);
		put16(ip + 6, (more << 13) | off8);
		ip[8] = 64;
		ip[9] = 17;
		memcpy(ip + 12, src4, 4);
		memcpy(ip + 16, dst4, 4);
		s = dg_wire_csum_add(0, ip, 20);
		c = dg_wire_csum_final(s);
		memcpy(ip + 10, &c, 2);
		p = ip + 20;
	}
	memcpy(p, pay, n);
	/* the first fragment starts with a UDP header to port 53 (or 123) */
	if (off8 == 0)
		memcpy(p, udp, n < sizeof(udp) ? n : sizeof(udp));
	f->len = (size_t)(p - f->b) + n;
	return f->len;
}

/* Every frame of @p o comes out once; a whole datagram checks out. */
static void
take(struct dg_reasm *t, enum dg_reasm_verdict v, const struct dg_reasm_out *o, size_t room)
{
	CHECK(o->n <= DG_REASM_FRAGS_MAX + 1);
	for (unsigned int i = 0; i < o->n; i++) {
		struct frame *f = o->p[i].h;

		CHECK(f->state == 1);
		f->state = 2;
	}
	if (v == DG_REASM_COMPLETE) {
		uint8_t cover[65536 / 8] = { 0 };
		uint32_t sum = 0;
		struct dg_pkt p;
		enum dg_fwd_reason r;
		long len;

		CHECK(o->head < o->n && o->p[o->head].off == 0 && !o->p[o->head].dup);
		for (unsigned int i = 0; i < o->n; i++) {
			if (o->p[i].dup)
				continue;
			CHECK(o->p[i].off < o->p[i].end && o->p[i].end <= o->len);
			for (uint32_t b = o->p[i].off; b < o->p[i].end; b++) {
				CHECK(!(cover[b / 8] & (1u << (b % 8))));
				cover[b / 8] |= (uint8_t)(1u << (b % 8));
			}
			sum += o->p[i].end - o->p[i].off;
		}
		CHECK(sum == o->len);
		len = dg_reasm_build(t, o, built, room);
		CHECK(len > 0);
		if ((size_t)len > room)
			len = (long)room;
		r = dg_wire_parse_l2l4(built, (size_t)len, &cfg, 0, &p);
		CHECK(r != DG_FWD_IP4_FRAGMENT && r != DG_FWD_IP6_FRAGMENT);
		CHECK((size_t)p.l3_off + p.ip_len == (size_t)len);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dg_reasm *t;
	struct dg_reasm_out out;
	unsigned int n_frames = 0;
	uint64_t now = 1000;
	size_t o = 0;

	CHECK(dg_reasm_create(&t, 8, 24, TIMEOUT, 42, read_frame, NULL) == 0);
	memset(frames, 0, sizeof(frames));
	while (o + 4 <= size && n_frames < FRAMES_MAX) {
		const uint8_t flags = data[o];
		const unsigned int off8 = ((unsigned int)data[o + 1] << 8 | data[o + 2]) & 0x1fff;
		size_t n = data[o + 3];
		struct frame *f = &frames[n_frames++];
		struct dg_reasm_frag rf;
		enum dg_reasm_verdict v;
		enum dg_fwd_reason r;
		struct dg_pkt p;
		uint32_t fl, h;

		o += 4;
		if (n > size - o)
			n = size - o;
		make(f, flags, off8, data + o, n);
		o += n;
		now += (flags & 0x10) ? TIMEOUT : 1;
		while (dg_reasm_expire(t, now, &out))
			take(t, DG_REASM_FORWARD, &out, 0);
		r = dg_wire_parse_l2l4(f->b, f->len, &cfg, 0, &p);
		if (r != DG_FWD_IP4_FRAGMENT && r != DG_FWD_IP6_FRAGMENT)
			continue;
		if (dg_reasm_parse(f->b, f->len, &p, &cfg, &rf) < 0)
			continue;
		f->state = 1;
		v = dg_reasm_add(t, &rf, f->b, f, now, &out);
		if (v != DG_REASM_HELD)
			take(t, v, &out, (flags & 0x40) ? 64 + n : sizeof(built));
		dg_reasm_usage(t, &fl, &h);
		CHECK(fl <= 8 && h <= 24);
	}
	while (dg_reasm_flush(t, &out))
		take(t, DG_REASM_FORWARD, &out, 0);
	for (unsigned int i = 0; i < n_frames; i++)
		CHECK(frames[i].state != 1);
	{
		uint32_t fl, h;

		dg_reasm_usage(t, &fl, &h);
		CHECK(fl == 0 && h == 0);
	}
	dg_reasm_free(t);
	return 0;
}
