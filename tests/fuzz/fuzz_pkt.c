/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target over the whole-frame path the worker runs: dg_decide_burst() (parse,
 * opt-out, lookup in a real lib/filter snapshot, the fail-closed decision, the reflection
 * guard, the forge), then the answer re-parsed and checked. Input: a selector byte
 * (answer settings), a mode byte (bit 0: the NIC vouched for the checksums; bit 1: no
 * spare room after the frame; bit 2: 3 VLAN tags allowed; bit 3: a reflection guard that
 * refuses every answer; bit 4: 198.18.0.0/15 and 2001:2::/32 opted out; bit 5: encrypted DNS
 * (DoT, DoQ, DoH) looked at and the canary entries in the list; bit 6: encrypted DNS
 * blocked, not only counted), then the Ethernet frame. Any broken invariant traps:
 *  - dg_pkt_parse_buf() (the appliance's fast paths) and dg_pkt_parse_hint() (the
 *    reference) agree on the reason, the blocked disposition and every field;
 *  - a forwarded frame is byte for byte the input;
 *  - fail closed: a frame whose name was read, that the independent model below says is
 *    blocked, whose checksums hold and whose client did not opt out, is never forwarded;
 *  - nothing is answered or dropped that the model does not block;
 *  - an answer is a well-formed response to the query (ID, question bytes, VLAN stack,
 *    size within the client's limit, OPT only when the query's OPT was usable);
 *  - encrypted DNS is refused only when blocked and only on its ports (TCP 853/443 reset,
 *    UDP 853 dropped), and the resets forged from the frame parse back with good
 *    checksums, RST|ACK and the sequence numbers the frame gives.
 * The same frame then goes through the network-side path, dg_decide_net_burst()
 * (response policy), on a fresh copy:
 *  - a forwarded frame is byte for byte the input;
 *  - a frame is rewritten or dropped only when it is UDP from port 53 whose DNS message
 *    the response walker reads whole (on an exact-size copy), with a target or an address
 *    (the response-IP list: 198.18.7.0/24, 2001:2::/48 but 2001:2::1);
 *  - a rewritten frame keeps its MACs and goes the same way (source port 53), within the
 *    room, and is a response the walker reads whole with the input's ID and question;
 *  - and, as a message of a TCP stream (dg_decide_resp_msg()), the frame is unchanged
 *    and an answer is written only as above, a response with the input's ID and question.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dg_decide.h"
#include "dg_tcp.h"
#include "dg_wire.h"

#define CHECK(c) do { if (!(c)) __builtin_trap(); } while (0)

/* The list, as entries for lib/filter and as the independent model of what is blocked. */
static const struct {
	const char *name;
	enum dg_action action;
	enum dg_match_mode mode;
} entries[] = {
	{ "example.com", DG_ACTION_SINKHOLE, DG_MATCH_SUBTREE },
	{ "ok.example.com", DG_ACTION_ALLOW, DG_MATCH_SUBTREE },
	{ "evil.test", DG_ACTION_NXDOMAIN, DG_MATCH_SUBTREE },
	{ "drop.test", DG_ACTION_DROP, DG_MATCH_EXACT },
	{ "log.test", DG_ACTION_LOG_ONLY, DG_MATCH_EXACT },
	{ "nodata.test", DG_ACTION_NODATA, DG_MATCH_SUBTREE },
};

static struct dg_filter *filter, *filter_canary;
static struct dg_optout *optout;
/* Quarantine (mode 0x80): 198.18.0.0/16 and 2001:2::/48, ok.quar.test allowed. */
static struct dg_optout *quar_pfx;
static struct dg_quarantine *quar;
static struct dg_respip *respip; /* 198.18.7.0/24, 2001:2::/48 but 2001:2::1 */
static struct dg_encdns *encdns[2]; /* count, block */
static struct dg_answer_soa soa;

static void
setup(void)
{
	struct dg_filter_builder *b;
	struct dg_optout_prefix p[2];

	CHECK(dg_filter_builder_create(&b, 8) == 0);
	for (size_t i = 0; i < sizeof(entries) / sizeof(entries[0]); i++) {
		struct dg_entry_meta m = { .identifier = "FUZZ-0001", .category = "backdoor",
					   .action = entries[i].action, .mode = entries[i].mode,
					   .end_day = DG_FILTER_DAY_OPEN_END };
		struct dg_name n;

		CHECK(dg_name_from_text(&n, entries[i].name, strlen(entries[i].name)) == 0);
		CHECK(dg_filter_builder_add(b, &n, &m) >= 0);
	}
	CHECK(dg_filter_build(b, &filter) == 0);
	CHECK(dg_encdns_canary_add(b) == 0);
	CHECK(dg_filter_build(b, &filter_canary) == 0);
	dg_filter_builder_free(b);
	for (int i = 0; i < 2; i++) {
		static const char *const doh[] = { "doh.example.net", "dns.example.org" };
		const uint8_t m = i ? DG_ENCDNS_BLOCK : DG_ENCDNS_COUNT;
		const uint8_t modes[DG_ENCDNS__PROTO] = { m, m, m };
		struct dg_optout_prefix a[2];

		CHECK(dg_optout_prefix_parse("198.18.0.53", &a[0], NULL) == 0);
		CHECK(dg_optout_prefix_parse("2001:2::/64", &a[1], NULL) == 0);
		CHECK(dg_encdns_create(&encdns[i], modes, doh, 2, a, 2) == 0);
	}
	CHECK(dg_optout_prefix_parse("198.18.0.0/15", &p[0], NULL) == 0);
	CHECK(dg_optout_prefix_parse("2001:2::/32", &p[1], NULL) == 0);
	CHECK(dg_optout_build(p, 2, &optout) == 0);
	{
		const struct dg_entry_meta allow = { .action = DG_ACTION_ALLOW,
						     .mode = DG_MATCH_SUBTREE,
						     .end_day = DG_FILTER_DAY_OPEN_END };
		struct dg_quarantine_cfg qc = { .action = DG_ACTION_SINKHOLE, .n_qtypes = 2,
						.qtypes = { 1, 28 }, .has_addr4 = true,
						.addr4 = { 198, 18, 254, 1 } };
		struct dg_filter *al;
		struct dg_name n;

		CHECK(dg_optout_prefix_parse("198.18.0.0/16", &p[0], NULL) == 0);
		CHECK(dg_optout_prefix_parse("2001:2::/48", &p[1], NULL) == 0);
		CHECK(dg_optout_build(p, 2, &quar_pfx) == 0);
		CHECK(dg_filter_builder_create(&b, 1) == 0);
		CHECK(dg_name_from_text(&n, "ok.quar.test", 12) == 0);
		CHECK(dg_filter_builder_add(b, &n, &allow) == 0);
		CHECK(dg_filter_build(b, &al) == 0);
		dg_filter_builder_free(b);
		CHECK(dg_quarantine_build(&qc, al, &quar) == 0);
	}
	{
		static const char ips[] = "198.18.7.0/24\n2001:2::/48\n"
					  "128.1.zz.2.2001.rpz-ip CNAME rpz-passthru.\n";
		const struct dg_entry_meta d = { .identifier = "FUZZ-IP", .end_day = UINT32_MAX };
		FILE *f = fmemopen((void *)(uintptr_t)ips, sizeof(ips) - 1, "r");

		CHECK(f != NULL && dg_respip_load_stream(f, "ips", &d, &respip, NULL, NULL, 0) == 0);
		fclose(f);
	}
	dg_name_from_text(&soa.owner, "rpz.test", 8);
	dg_name_from_text(&soa.mname, "ns.rpz.test", 11);
	dg_name_from_text(&soa.rname, "hostmaster.rpz.test", 19);
	soa.minimum = soa.ttl = 60;
}

/* The model: the most specific listed suffix decides; is it a blocking action? */
static int
model_action(const struct dg_name *n, bool canary)
{
	for (size_t j = 0; canary && j < 3; j++) {
		struct dg_name e;
		const char *c = dg_encdns_canary_names[j];

		dg_name_from_text(&e, c, strlen(c));
		if (e.len == n->len && memcmp(e.wire, n->wire, n->len) == 0)
			return DG_ACTION_NXDOMAIN;
	}
	for (unsigned int i = 0; i <= n->nlabels; i++) {
		size_t len;
		const uint8_t *s = dg_name_suffix(n, i, &len);

		for (size_t j = 0; j < sizeof(entries) / sizeof(entries[0]); j++) {
			struct dg_name e;

			dg_name_from_text(&e, entries[j].name, strlen(entries[j].name));
			if (e.len != len || memcmp(e.wire, s, len) != 0)
				continue;
			if (i > 0 && entries[j].mode == DG_MATCH_EXACT)
				continue;
			return (int)entries[j].action;
		}
	}
	return -1;
}

static bool
blocking(int action)
{
	return action >= 0 && action != DG_ACTION_ALLOW && action != DG_ACTION_LOG_ONLY;
}

/* Under quarantine, a name the lists do not block: the walled garden for A and AAAA,
 * unless ok.quar.test or below (the allow list). */
static int
model_quarantine(const struct dg_name *n, uint16_t qtype, int action)
{
	static const uint8_t ok[] = "\2ok\4quar\4test";
	size_t len;

	if (blocking(action) || (qtype != 1 && qtype != 28))
		return action;
	for (unsigned int i = 0; i <= n->nlabels; i++)
		if (dg_name_suffix(n, i, &len) != NULL && len == sizeof(ok) &&
		    memcmp(dg_name_suffix(n, i, &len), ok, sizeof(ok)) == 0)
			return action;
	return DG_ACTION_SINKHOLE;
}

static void
same_parse(const struct dg_pkt *a, const uint8_t *fa, const struct dg_pkt *b,
	   const uint8_t *fb, enum dg_fwd_reason ra, enum dg_fwd_reason rb)
{
	CHECK(ra == rb && a->blk == b->blk);
	if (a->blk == DG_PKT_BLK_DROP)
		CHECK(a->blk_reason == b->blk_reason);
	if (a->blk == DG_PKT_BLK_FORWARD)
		return;
	CHECK(b->qname.len == a->qname.len && b->qname.nlabels == a->qname.nlabels);
	CHECK(memcmp(b->qname.wire, a->qname.wire, a->qname.len) == 0);
	CHECK(memcmp(b->qname.label, a->qname.label, a->qname.nlabels) == 0);
	CHECK(b->l3_off == a->l3_off && b->l4_off == a->l4_off && b->ip_len == a->ip_len);
	CHECK(b->dns_off == a->dns_off && b->dns_len == a->dns_len);
	CHECK(b->vlan_n == a->vlan_n && b->ip_ver == a->ip_ver);
	CHECK(b->encap == a->encap && b->encap_off == a->encap_off);
	CHECK(b->l4_proto == a->l4_proto && b->addr_len == a->addr_len);
	CHECK(b->src_addr - fb == a->src_addr - fa);
	CHECK(b->dst_addr - fb == a->dst_addr - fa);
	CHECK(b->src_port == a->src_port && b->dst_port == a->dst_port);
	CHECK(b->id == a->id && b->flags == a->flags);
	CHECK(b->qtype == a->qtype && b->qclass == a->qclass);
	CHECK(b->question_off == a->question_off && b->question_len == a->question_len);
	CHECK(b->edns == a->edns && b->edns_cookie == a->edns_cookie);
	CHECK(b->edns_udp_size == a->edns_udp_size && b->edns_flags == a->edns_flags);
}

/* May encrypted DNS over @p proto be refused here: blocked, on its ports, not a query? */
static bool
encdns_refused(const struct dg_decide_cfg *c, enum dg_fwd_reason r, const struct dg_pkt *p,
	       uint8_t proto)
{
	if (c->encdns == NULL || r != DG_FWD_NOT_DNS_PORT || p->l4_proto != proto)
		return false;
	if (proto == 17)
		return p->dst_port == 853 && c->encdns->mode[DG_ENCDNS_DOQ] == DG_ENCDNS_BLOCK;
	return (p->dst_port == 853 && c->encdns->mode[DG_ENCDNS_DOT] == DG_ENCDNS_BLOCK) ||
	       (p->dst_port == 443 && c->encdns->mode[DG_ENCDNS_DOH] == DG_ENCDNS_BLOCK);
}

/* One forged reset read back: checksums verified, then its fields. */
static void
check_reset(const uint8_t *out, size_t n, const struct dg_pkt *q, bool to_client,
	    uint32_t seq, uint32_t ack)
{
	struct dg_pkt_cfg cfg = DG_PKT_CFG_DEFAULT;
	uint8_t *exact = malloc(n);
	struct dg_tcp_seg s;
	struct dg_pkt p;

	memcpy(exact, out, n);
	cfg.dns_port = to_client ? q->src_port : q->dst_port;
	cfg.min_src_port = 0;
	CHECK(dg_wire_parse_l2l4(exact, n, &cfg, 0, &p) == DG_FWD_TCP_DNS);
	CHECK(dg_tcp_seg_parse(exact, n, &p, 0, &s) == 0);
	CHECK(s.flags == (DG_TCP_F_RST | DG_TCP_F_ACK) && s.payload_len == 0 && s.win == 0);
	CHECK(s.seq == seq && s.ack == ack);
	CHECK(p.src_port == (to_client ? q->dst_port : q->src_port));
	CHECK(p.ip_ver == q->ip_ver && p.vlan_n == q->vlan_n && p.encap == q->encap);
	free(exact);
}

/* The resets the worker forges for a refused segment (in @p frame, parsed into @p q). */
static void
check_resets(const uint8_t *frame, size_t len, const struct dg_pkt *q, unsigned int hints)
{
	static uint8_t out[70000];
	struct dg_tcp_seg s;
	size_t n;
	uint32_t end;

	CHECK(dg_tcp_seg_parse(frame, len, q, hints, &s) == 0);
	end = s.seq + s.payload_len + (s.flags & DG_TCP_F_FIN ? 1 : 0);
	CHECK(dg_tcp_forge_reset(frame, q, &s, DG_TCP_RESET_CLIENT, out, sizeof(out), &n) == 0);
	if (s.flags & DG_TCP_F_SYN) {
		check_reset(out, n, q, true, 0, s.seq + 1);
		CHECK(dg_tcp_forge_reset(frame, q, &s, DG_TCP_RESET_SERVER, out, sizeof(out),
					 &n) == -EINVAL);
		return;
	}
	check_reset(out, n, q, true, s.ack, end);
	CHECK(dg_tcp_forge_reset(frame, q, &s, DG_TCP_RESET_SERVER, out, sizeof(out), &n) == 0);
	check_reset(out, n, q, false, s.seq, s.ack);
}

/* The response walker on an exact-size copy of the frame's UDP payload, if from port 53. */
static bool
resp_read(const uint8_t *frame, size_t len, struct dg_pkt *p, struct dg_dns_resp *rs)
{
	struct dg_pkt_cfg pc = DG_PKT_CFG_DEFAULT;
	uint8_t *m;
	bool ok;

	p->src_port = 0;
	dg_wire_parse_l2l4(frame, len, &pc, 3, p);
	if (p->l4_proto != 17 || p->src_port != 53)
		return false;
	pc.dns_port = p->dst_port;
	pc.min_src_port = 0;
	dg_wire_parse_l2l4(frame, len, &pc, 3, p);
	if (p->blk == DG_PKT_BLK_FORWARD)
		return false;
	m = malloc(p->dns_len ? p->dns_len : 1);
	memcpy(m, frame + p->dns_off, p->dns_len);
	ok = dg_dns_resp_parse(m, p->dns_len, rs) == DG_RESP_OK;
	free(m);
	return ok;
}

static void
net_side(struct dg_decide *dec, const struct dg_decide_policy *pol, uint8_t *frame,
	 const uint8_t *orig, size_t len, size_t room, uint16_t hints)
{
	struct dg_frame fr = { .data = frame, .len = (uint32_t)len, .room = (uint32_t)room,
			       .hints = hints };
	struct dg_dns_resp rs, rs2;
	struct dg_pkt p, p2;
	uint8_t disp;

	dg_decide_net_burst(dec, pol, 1, &fr, 1, &disp);
	CHECK(dec->n_hits <= 1);
	if (disp == DG_DISP_FORWARD) {
		CHECK(memcmp(frame, orig, room) == 0 && fr.len == len);
		return;
	}
	CHECK(disp == DG_DISP_REWRITE || disp == DG_DISP_DROP);
	CHECK(resp_read(orig, len, &p, &rs) && (rs.n_targets > 0 || rs.n_addrs > 0));
	if (disp == DG_DISP_DROP)
		return;
	CHECK(fr.len <= room && memcmp(frame, orig, 12) == 0);
	CHECK(resp_read(frame, fr.len, &p2, &rs2));
	CHECK(rs2.id == rs.id && rs2.question_len == rs.question_len);
	CHECK(memcmp(frame + p2.dns_off + 12, orig + p.dns_off + 12, rs.question_len) == 0);
	CHECK(p2.dst_port == p.dst_port && p2.addr_len == p.addr_len);
	CHECK(memcmp(p2.dst_addr, p.dst_addr, p.addr_len) == 0);
}

/*
 * The same response as a message of a TCP stream (dg_decide_resp_msg()): the frame is
 * never changed; an answer is written only for a response the walker reads whole with a
 * target or an address, and parses back with its ID and question.
 */
static void
net_side_tcp(struct dg_decide *dec, const struct dg_decide_policy *pol, uint8_t *frame,
	     const uint8_t *orig, size_t len, size_t room)
{
	struct dg_frame fr = { .data = frame, .len = (uint32_t)len, .room = (uint32_t)len };
	struct dg_dns_resp rs, rs2;
	uint8_t ans[1024];
	struct dg_pkt p;
	size_t alen = 1;
	enum dg_disp d;
	bool ok;

	ok = resp_read(orig, len, &p, &rs);
	if (p.l4_proto != 17 || p.src_port != 53 || p.blk == DG_PKT_BLK_FORWARD)
		return; /* no DNS message located */
	CHECK(p.dns_off <= len && p.dns_len <= len - p.dns_off);
	dec->n_hits = 0;
	d = dg_decide_resp_msg(dec, pol, 1, &fr, &p, frame + p.dns_off, p.dns_len, ans,
			       sizeof(ans), &alen);
	CHECK(memcmp(frame, orig, room) == 0 && dec->n_hits <= 1);
	if (d == DG_DISP_FORWARD) {
		CHECK(alen == 0);
		return;
	}
	CHECK(ok && (rs.n_targets > 0 || rs.n_addrs > 0));
	CHECK(d == DG_DISP_DROP ? alen == 0 : d == DG_DISP_REWRITE && alen <= sizeof(ans));
	if (d == DG_DISP_DROP)
		return;
	CHECK(dg_dns_resp_parse(ans, alen, &rs2) == DG_RESP_OK);
	CHECK(rs2.id == rs.id && rs2.question_len == rs.question_len);
	CHECK(memcmp(ans + 12, orig + p.dns_off + 12, rs.question_len) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct dg_decide_counters cnt;
	static struct dg_encdns_counters ecnt;
	static struct dg_hit_record hits[DG_DECIDE_BURST_MAX];
	static uint64_t ident_hits[8], ep_hits[8];
	struct dg_decide_cfg dcfg = { .log = true, .ede_text = true };
	struct dg_decide dec = { .cfg = &dcfg, .cnt = &cnt, .hits = hits, .ecnt = &ecnt,
				 .ep_hits = ep_hits };
	struct dg_decide_policy pol = { .ident_hits = ident_hits };
	struct dg_guard *guard = NULL;
	struct dg_frame fr;
	struct dg_pkt q, ref, a;
	enum dg_fwd_reason r, rref;
	uint8_t *frame, *orig, *copy, sel, mode, disp;
	size_t len, room;
	int action;
	bool readable, csum_ok;

	if (filter == NULL)
		setup();
	if (size < 2)
		return 0;
	sel = data[0];
	mode = data[1];
	len = size - 2;
	dg_pkt_cfg_init(&dcfg.pkt);
	dcfg.pkt.vlan_max = mode & 0x04 ? 3 : 2;
	dg_answer_cfg_init(&dcfg.answer);
	dcfg.answer.sinkhole4_set = sel & 0x02;
	memcpy(dcfg.answer.sinkhole4, (const uint8_t[]){ 198, 18, 99, 1 }, 4);
	dcfg.answer.sinkhole6_set = sel & 0x04;
	memcpy(dcfg.answer.sinkhole6, (const uint8_t[]){ 0x20, 1, 0, 2, [15] = 1 }, 16);
	dcfg.answer.ede_code = sel & 0x08 ? DG_DNS_EDE_FILTERED : DG_DNS_EDE_BLOCKED;
	dcfg.ede_text = sel & 0x10;
	dcfg.answer.soa = sel & 0x20 ? &soa : NULL;
	if (mode & 0x08) {
		CHECK(dg_guard_create(&guard, 1, 1, 1, 1000) == 0);
		CHECK(dg_guard_allow(guard, (const uint8_t *)"\0\0\0\0", 4, 0)); /* use it up */
		dec.guard = guard;
	}
	pol.filter = mode & 0x20 ? filter_canary : filter;
	pol.optout = mode & 0x10 ? optout : NULL;
	if (mode & 0x80) {
		pol.quar_prefixes = quar_pfx;
		pol.quarantine = quar;
	}
	pol.respip = respip;
	if (mode & 0x20) {
		dcfg.encdns = encdns[mode & 0x40 ? 1 : 0];
		dcfg.encdns_log = true;
		dcfg.canary = true;
	}

	/* Spare room filled with junk, as in an mbuf's data room. */
	room = len + (mode & 0x02 ? 0 : 700);
	frame = malloc(room ? room : 1);
	orig = malloc(room ? room : 1);
	memcpy(frame, data + 2, len);
	memset(frame + len, 'Z', room - len);
	memcpy(orig, frame, room);

	/* The reference parser on an exact-size copy, checksums as the NIC hints say. */
	copy = malloc(len ? len : 1);
	{
		uint8_t *exact = copy;
		unsigned int hints = mode & 0x01 ? DG_PKT_HINT_IP4_CSUM_GOOD |
						   DG_PKT_HINT_L4_CSUM_GOOD : 0;
		struct dg_pkt fast;
		enum dg_fwd_reason rf;

		memcpy(exact, frame, len);
		rref = dg_pkt_parse_hint(exact, len, &dcfg.pkt, hints, &ref);
		rf = dg_pkt_parse_buf(frame, len, room, &dcfg.pkt, hints, &fast);
		same_parse(&ref, exact, &fast, frame, rref, rf);
		/* with every checksum verified: does the frame's receiver keep it? */
		r = dg_pkt_parse(exact, len, &dcfg.pkt, &a);
		csum_ok = a.blk != DG_PKT_BLK_FORWARD || (r != DG_FWD_IP4_BAD_CHECKSUM &&
							  r != DG_FWD_UDP_BAD_CHECKSUM);
	}

	fr = (struct dg_frame){ .data = frame, .len = (uint32_t)len, .room = (uint32_t)room,
				.hints = mode & 0x01 ? DG_PKT_HINT_IP4_CSUM_GOOD |
						       DG_PKT_HINT_L4_CSUM_GOOD : 0 };
	dg_decide_burst(&dec, &pol, 1, &fr, 1, &q, &disp);
	CHECK(dec.n_hits <= 1);
	readable = ref.blk != DG_PKT_BLK_FORWARD;
	action = readable ? model_action(&ref.qname, mode & 0x20) : -1;
	if (readable && pol.optout != NULL &&
	    (ref.ip_ver == 4 ? dg_optout_lookup_v4(optout, ref.src_addr) :
			       dg_optout_lookup_v6(optout, ref.src_addr)))
		action = -1;
	else if (readable && pol.quar_prefixes != NULL &&
		 (ref.ip_ver == 4 ? dg_optout_lookup_v4(quar_pfx, ref.src_addr) :
				    dg_optout_lookup_v6(quar_pfx, ref.src_addr)))
		action = model_quarantine(&ref.qname, ref.qtype, action);

	switch (disp) {
	case DG_DISP_FORWARD:
	case DG_DISP_FRAGMENT:
	case DG_DISP_TCP:
		CHECK(memcmp(frame, orig, room) == 0);
		/* fail closed: a read, blocked, deliverable query never goes on */
		CHECK(!(blocking(action) && (csum_ok || (mode & 0x01))));
		break;
	case DG_DISP_DROP:
		if (encdns_refused(&dcfg, rref, &ref, 17)) {
			CHECK(memcmp(frame, orig, room) == 0);
			break;
		}
		CHECK(blocking(action) && dec.n_hits == 1);
		CHECK(ref.blk == DG_PKT_BLK_DROP || action == DG_ACTION_DROP || guard != NULL ||
		      hits[0].reason == DG_FWD_ANSWER_NO_ROOM);
		break;
	case DG_DISP_ANSWER: {
		struct dg_pkt_cfg ccfg = dcfg.pkt;
		uint8_t *exact;
		bool opt = ref.edns && ref.blk == DG_PKT_BLK_ANSWER;
		size_t limit = opt && ref.edns_udp_size > 512 ? ref.edns_udp_size : 512;

		CHECK(blocking(action) && action != DG_ACTION_DROP && guard == NULL);
		CHECK(dec.n_hits == 1 && hits[0].action == action);
		CHECK((hits[0].trigger == DG_HIT_TRIGGER_CLIENT_IP) ==
		      dg_quarantine_is_meta(quar, hits[0].meta));
		CHECK(ref.blk == DG_PKT_BLK_ANSWER || ref.blk == DG_PKT_BLK_ANSWER_NO_OPT);
		CHECK(fr.len <= room && fr.len >= ref.l3_off + 28u + 12u);
		/* Seen from the client, a well-formed response to its query. */
		ccfg.dns_port = ref.src_port;
		ccfg.min_src_port = 1;
		exact = malloc(fr.len);
		memcpy(exact, frame, fr.len);
		r = dg_pkt_parse(exact, fr.len, &ccfg, &a);
		CHECK(r == DG_FWD_DNS_RESPONSE);
		CHECK(a.src_port == 53 && a.l4_off == a.l3_off + (a.ip_ver == 4 ? 20 : 40));
		CHECK(a.ip_ver == ref.ip_ver && a.vlan_n == ref.vlan_n && a.encap == ref.encap);
		CHECK(a.dns_len <= limit);
		CHECK(a.id == ref.id);
		CHECK(memcmp(exact + a.dns_off + 12, orig + ref.question_off, ref.question_len) == 0);
		/* the L2 stack kept, a PPPoE length fixed up */
		if (ref.encap == DG_PKT_ENCAP_PPPOE) {
			CHECK(memcmp(exact + 12, orig + 12, ref.encap_off + 4u - 12u) == 0);
			CHECK(memcmp(exact + ref.encap_off + 6, orig + ref.encap_off + 6,
				     ref.l3_off - ref.encap_off - 6u) == 0);
			CHECK(dg_wire_get_u16(exact + ref.encap_off + 4) == fr.len - ref.l3_off + 2);
		} else {
			CHECK(memcmp(exact + 12, orig + 12, ref.l3_off - 12u) == 0);
		}
		/* ARCOUNT: our OPT only, and only when the query's was usable */
		CHECK(dg_wire_get_u16(exact + a.dns_off + 10) == (opt ? 1 : 0));
		/* The record: the query as received, its resolver, and the answer built again
		 * from it alone is the answer sent (dnstap), byte for byte. */
		{
			static uint8_t again[65536];
			size_t alen = 0;
			size_t kept = ref.dns_len < DG_HIT_MSG_MAX ? ref.dns_len : DG_HIT_MSG_MAX;

			CHECK(memcmp(hits[0].msg, orig + ref.dns_off, kept) == 0);
			CHECK(memcmp(hits[0].dst_addr, ref.dst_addr, ref.addr_len) == 0);
			CHECK(hits[0].vlan_n == ref.vlan_n &&
			      memcmp(hits[0].vlan, orig + 12, 4u * ref.vlan_n) == 0);
			CHECK(hits[0].ans_len == a.dns_len);
			CHECK(dg_decide_reforge(&dcfg, &hits[0], again, sizeof(again), &alen) == 0);
			CHECK(alen == a.dns_len && memcmp(again, exact + a.dns_off, alen) == 0);
		}
		free(exact);
		break;
	}
	case DG_DISP_RESET:
		CHECK(encdns_refused(&dcfg, rref, &ref, 6));
		CHECK(memcmp(frame, orig, room) == 0);
		check_resets(copy, len, &ref, fr.hints);
		break;
	default:
		CHECK(0);
	}
	dcfg.responses = true;
	memcpy(frame, orig, room);
	net_side(&dec, &pol, frame, orig, len, room, fr.hints);
	memcpy(frame, orig, room);
	net_side_tcp(&dec, &pol, frame, orig, len, room);
	dg_guard_free(guard);
	free(copy);
	free(orig);
	free(frame);
	return 0;
}
