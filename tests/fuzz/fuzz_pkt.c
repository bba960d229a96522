/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target over the whole-frame path: parse, decide against a tiny list, forge,
 * re-parse the answer and check its invariants. Input: a selector byte (answer kind and
 * settings), a mode byte (bit 0: trust checksums as a NIC would, so mutated frames get
 * past them; bit 1: no spare room for the answer; bit 2: 3 VLAN tags allowed), then the
 * Ethernet frame. Any broken invariant traps. Forged answers are always re-checked
 * with every checksum verified. Every frame is also parsed again by dg_pkt_parse_buf()
 * (the appliance's path: the L2-L4 fast path, then the qname folded from a larger buffer
 * with junk after the frame), which must give the same verdict and the same fields.
 */
#include <stdlib.h>
#include <string.h>

#include "dg_dns.h"
#include "dg_wire.h"

#define CHECK(c) do { if (!(c)) __builtin_trap(); } while (0)

/* The "blocklist": a couple of names compared directly (the filter is not ours). */
static const uint8_t *const list[] = {
	(const uint8_t *)"\7example\3com",
	(const uint8_t *)"\4evil\4test",
};

static int
listed(const struct dg_name *n)
{
	unsigned int i, j;

	for (i = 0; i <= n->nlabels; i++) {
		size_t len;
		const uint8_t *s = dg_name_suffix(n, i, &len);

		for (j = 0; j < sizeof(list) / sizeof(list[0]); j++)
			if (len == strlen((const char *)list[j]) + 1 && memcmp(s, list[j], len) == 0)
				return 1;
	}
	return 0;
}

static struct dg_answer_soa soa;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dg_pkt_cfg cfg = DG_PKT_CFG_DEFAULT;
	struct dg_answer_cfg acfg;
	enum dg_fwd_reason r;
	size_t len, room, alen = 0, i;
	uint8_t *frame, *orig, sel, mode;
	struct dg_pkt q, a;
	int rc;

	if (size < 2)
		return 0;
	sel = data[0];
	mode = data[1];
	len = size - 2;
	cfg.vlan_max = mode & 0x04 ? 3 : 2;
	room = len + (mode & 0x02 ? 0 : 700);
	frame = malloc(room ? room : 1);
	memcpy(frame, data + 2, len);
	memset(frame + len, 'Z', room - len);
	r = dg_pkt_parse_hint(frame, len, &cfg,
			      mode & 0x01 ? DG_PKT_HINT_IP4_CSUM_GOOD | DG_PKT_HINT_L4_CSUM_GOOD : 0,
			      &q);
	CHECK((unsigned int)r < DG_FWD__MAX);
	/* The same frame in a larger buffer with upper-case junk after it (as in an mbuf's
	 * data room), parsed with the spare bytes readable: the same verdict, the same name. */
	{
		uint8_t *big = malloc(len + 64);
		struct dg_pkt b;
		enum dg_fwd_reason rb;

		memcpy(big, frame, len);
		memset(big + len, 'Z', 64);
		rb = dg_pkt_parse_buf(big, len, len + 64, &cfg,
				      mode & 0x01 ? DG_PKT_HINT_IP4_CSUM_GOOD |
				      DG_PKT_HINT_L4_CSUM_GOOD : 0, &b);
		CHECK(rb == r);
		if (r == DG_FWD_NONE) {
			CHECK(b.qname.len == q.qname.len && b.qname.nlabels == q.qname.nlabels);
			CHECK(memcmp(b.qname.wire, q.qname.wire, q.qname.len) == 0);
			CHECK(memcmp(b.qname.label, q.qname.label, q.qname.nlabels) == 0);
			CHECK(b.l3_off == q.l3_off && b.l4_off == q.l4_off && b.ip_len == q.ip_len);
			CHECK(b.dns_off == q.dns_off && b.dns_len == q.dns_len);
			CHECK(b.vlan_n == q.vlan_n && b.ip_ver == q.ip_ver);
			CHECK(b.l4_proto == q.l4_proto && b.addr_len == q.addr_len);
			CHECK(b.src_addr - big == q.src_addr - frame);
			CHECK(b.dst_addr - big == q.dst_addr - frame);
			CHECK(b.src_port == q.src_port && b.dst_port == q.dst_port);
			CHECK(b.id == q.id && b.flags == q.flags);
			CHECK(b.qtype == q.qtype && b.qclass == q.qclass);
			CHECK(b.question_off == q.question_off && b.question_len == q.question_len);
			CHECK(b.edns == q.edns && b.edns_cookie == q.edns_cookie);
			CHECK(b.edns_udp_size == q.edns_udp_size && b.edns_flags == q.edns_flags);
		}
		free(big);
	}
	if (r != DG_FWD_NONE || (!listed(&q.qname) && !(sel & 0x01))) {
		free(frame);
		return 0;
	}
	/* Invariants of an answerable query. */
	CHECK(q.dns_off + (size_t)q.dns_len <= len);
	CHECK(q.question_off + (size_t)q.question_len <= q.dns_off + (size_t)q.dns_len);
	CHECK(q.qname.len >= 1 && q.qname.len == q.question_len - 4);
	for (i = 0; i < q.qname.len; i++)
		CHECK(q.qname.wire[i] < 'A' || q.qname.wire[i] > 'Z');
	CHECK(q.src_port >= 1024 && q.dst_port == 53);

	dg_answer_cfg_init(&acfg);
	acfg.sinkhole4_set = sel & 0x02;
	memcpy(acfg.sinkhole4, (const uint8_t[]){ 198, 18, 99, 1 }, 4);
	acfg.sinkhole6_set = sel & 0x04;
	memcpy(acfg.sinkhole6, (const uint8_t[]){ 0x20, 1, 0, 2, [15] = 1 }, 16);
	acfg.ede_code = sel & 0x08 ? DG_DNS_EDE_FILTERED : DG_DNS_EDE_BLOCKED;
	acfg.extra_text = sel & 0x10 ? "IIJ-20240416-0001" : NULL;
	if (sel & 0x20) {
		if (soa.owner.len == 0) {
			dg_name_from_text(&soa.owner, "rpz.test", 8);
			dg_name_from_text(&soa.mname, "ns.rpz.test", 11);
			dg_name_from_text(&soa.rname, "hostmaster.rpz.test", 19);
			soa.minimum = soa.ttl = 60;
		}
		acfg.soa = &soa;
	}
	/* The deferred checks say the same whether the spare room is summed in blocks or not. */
	CHECK(dg_wire_udp_csum_ok(frame, room, &q) == dg_wire_udp_csum_ok(frame, len, &q));
	CHECK(dg_wire_ip4_csum_ok(frame, &q) == (q.ip_ver == 6 ||
						 dg_pkt_parse(frame, len, &cfg, &a) !=
							 DG_FWD_IP4_BAD_CHECKSUM));
	orig = malloc(room ? room : 1);
	memcpy(orig, frame, len);
	rc = dg_dns_forge(frame, room, &q, (enum dg_answer_kind)((sel >> 1) % 3), &acfg, &alen);
	if (rc != 0) {
		CHECK(rc == -EMSGSIZE || rc == -ENOSPC);
		CHECK(memcmp(orig, frame, len) == 0); /* untouched on error */
		goto out;
	}
	CHECK(alen <= room && alen >= q.l3_off + 28u + 12u);
	/* Seen from the client, the answer is a well-formed response to its query. */
	cfg.dns_port = q.src_port;
	cfg.min_src_port = 1;
	{
		uint8_t *exact = malloc(alen);

		memcpy(exact, frame, alen);
		r = dg_pkt_parse(exact, alen, &cfg, &a);
		CHECK(r == DG_FWD_DNS_RESPONSE);
		CHECK(a.src_port == 53 && a.l4_off == a.l3_off + (a.ip_ver == 4 ? 20 : 40));
		CHECK(a.ip_ver == q.ip_ver && a.vlan_n == q.vlan_n);
		CHECK(a.dns_len <= dg_pkt_udp_max(&q));
		CHECK(a.id == q.id);
		CHECK(memcmp(exact + a.dns_off + 12, orig + q.question_off, q.question_len) == 0);
		CHECK(memcmp(exact + 12, orig + 12, q.l3_off - 12u) == 0); /* VLAN stack */
		free(exact);
	}
out:
	free(orig);
	free(frame);
	return 0;
}
