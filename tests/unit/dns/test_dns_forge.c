/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Forged answers, decoded by an independent parser: ldns for the DNS message, this
 * file's own reads (and dg_vec's own RFC 1071 code) for Ethernet, IP and UDP. Expected
 * values come from the query vectors, never from lib/dns. DG_PCAP_OUT=file.pcap also
 * writes every answer there, for a third opinion from tshark (tshark_check.sh).
 */
#include <stdlib.h>
#include <string.h>

#include <ldns/ldns.h>
#include <pcap/pcap.h>

#include "dg_test.h"
#include "dg_dns.h"
#include "dg_vec.h"

/* A query vector and what the answer must echo. */
struct qspec {
	const char *what;
	const char *l2, *l3, *dns;
	size_t pad;
	const char *question; /* raw question bytes, as asked */
	uint16_t qtype;
	int edns, edns_do;
	uint16_t udp_max;     /* client's limit */
};

#define Q_WWW VEC_QNAME "00 01 00 01\n"
#define OPT_NODO "00 00 29 10 00 00 00 00 00 00 00 ; OPT 4096, no DO\n"

static const struct qspec specs[] = {
	{ "v4 A no EDNS", VEC_ETH4, VEC_IP4, VEC_DNS_A, 0, Q_WWW, 1, 0, 0, 512 },
	{ "v4 A EDNS DO, padding", VEC_ETH4, VEC_IP4, VEC_DNS_A_EDNS, 12, Q_WWW, 1, 1, 1, 1232 },
	{ "v6 AAAA cookie HBH", VEC_ETH6, VEC_IP6_NH("00") "11 00 01 04 00000000 ; HBH PadN\n",
	  "5a 5a 01 10 ; ID, RD + CD\n 0001 0000 0000 0001\n" VEC_QNAME "00 1c 00 01 ; AAAA\n"
	  "00 00 29 05 00 00 00 80 00 00 0c ; OPT 1280 DO RDLEN 12\n"
	  "00 0a 00 08 0102030405060708 ; cookie\n",
	  0, VEC_QNAME "00 1c 00 01", 28, 1, 1, 1280 },
	{ "v4 options QinQ MX", "02 00 00 00 00 02 02 00 00 00 00 01 88 a8 e0 64 81 00 20 0a 08 00",
	  "47 00 0000 1234 0000 40 11 0000 c6120001 c6120035 94 04 00 00 01 01 01 00\n",
	  "00 07 00 00 0001 0000 0000 0001 ; ID 7, RD=0\n" VEC_QNAME "00 0f 00 01 ; MX\n" OPT_NODO,
	  0, VEC_QNAME "00 0f 00 01", 15, 1, 0, 4096 },
	{ "v6 ANY 802.1Q", "02 00 00 00 00 02 02 00 00 00 00 01 81 00 00 07 86 dd", VEC_IP6,
	  "ff ff 01 00 0001 0000 0000 0000\n" VEC_QNAME "00 ff 00 01 ; ANY\n",
	  0, VEC_QNAME "00 ff 00 01", 255, 0, 0, 512 },
	{ "v4 HTTPS", VEC_ETH4, VEC_IP4,
	  "12 34 01 00 0001 0000 0000 0001\n 01 41 02 62 43 00 00 41 00 01 ; A.bC. HTTPS\n" OPT_NODO,
	  0, "01 41 02 62 43 00 00 41 00 01", 65, 1, 0, 4096 },
};

static struct dg_answer_soa soa;

/* A query header for the generated questions: ID, RD, QD=1, AR=0 or 1. */
#define VEC_DNS_HDR_TEXT(ar) ((ar) ? VEC_DNS_HDR("00 01") : VEC_DNS_HDR("00 00"))
static pcap_dumper_t *dump;
static const uint8_t sink4[4] = { 198, 18, 99, 1 };
static const uint8_t sink6[16] = { 0x20, 0x01, 0x00, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x99, 0x01 };

static void
soa_init(void)
{
	CU_ASSERT_EQUAL(dg_name_from_text(&soa.owner, "rpz.example.net", 15), 0);
	CU_ASSERT_EQUAL(dg_name_from_text(&soa.mname, "ns.example.net", 14), 0);
	CU_ASSERT_EQUAL(dg_name_from_text(&soa.rname, "hostmaster.example.net", 22), 0);
	soa.serial = 2024041601;
	soa.refresh = 3600;
	soa.retry = 600;
	soa.expire = 86400;
	soa.minimum = 60;
	soa.ttl = 3600;
}

/* What the answer must contain. */
struct expect {
	uint16_t an_type;      /* 0: no answer RR */
	const uint8_t *addr;
	int rcode;
	int soa;
	uint16_t ede_code;     /* 0: no EDE */
	const char *text;
};

static void
check_dns(const struct qspec *s, const uint8_t *m, size_t mlen, const uint8_t *query_dns,
	  const struct expect *e)
{
	uint8_t qbytes[300];
	size_t qlen = dg_test_hex(s->question, qbytes, sizeof(qbytes));
	ldns_pkt *p = NULL;
	ldns_rr *rr;
	uint16_t qflags = (uint16_t)(query_dns[2] << 8 | query_dns[3]);

	CU_ASSERT_FATAL(ldns_wire2pkt(&p, m, mlen) == LDNS_STATUS_OK);
	CU_ASSERT(mlen <= s->udp_max);
	CU_ASSERT_EQUAL(ldns_pkt_id(p), (query_dns[0] << 8 | query_dns[1]));
	CU_ASSERT(ldns_pkt_qr(p));
	CU_ASSERT_EQUAL(ldns_pkt_get_opcode(p), LDNS_PACKET_QUERY);
	CU_ASSERT(!ldns_pkt_aa(p));
	CU_ASSERT(!ldns_pkt_tc(p));
	CU_ASSERT_EQUAL(ldns_pkt_rd(p), !!(qflags & 0x0100));
	CU_ASSERT(ldns_pkt_ra(p));
	CU_ASSERT(!ldns_pkt_ad(p));
	CU_ASSERT_EQUAL(ldns_pkt_cd(p), !!(qflags & 0x0010));
	CU_ASSERT_EQUAL((int)ldns_pkt_get_rcode(p), e->rcode);
	CU_ASSERT_EQUAL((m[2] & 0x78), 0); /* opcode 0, Z 0 on the wire */
	CU_ASSERT_EQUAL((m[3] & 0x40), 0);
	/* Question byte for byte (0x20 case kept). */
	CU_ASSERT_EQUAL(ldns_pkt_qdcount(p), 1);
	CU_ASSERT_EQUAL(memcmp(m + 12, qbytes, qlen), 0);
	rr = ldns_rr_list_rr(ldns_pkt_question(p), 0);
	CU_ASSERT_FATAL(rr != NULL);
	CU_ASSERT_EQUAL(ldns_rr_get_type(rr), s->qtype);

	CU_ASSERT_EQUAL(ldns_pkt_ancount(p), e->an_type ? 1 : 0);
	if (e->an_type) {
		ldns_rr *a = ldns_rr_list_rr(ldns_pkt_answer(p), 0);
		ldns_rdf *rd = ldns_rr_rdf(a, 0);
		size_t alen = e->an_type == 1 ? 4 : 16;

		CU_ASSERT_EQUAL(ldns_rr_get_type(a), e->an_type);
		CU_ASSERT_EQUAL(ldns_rr_get_class(a), LDNS_RR_CLASS_IN);
		CU_ASSERT_EQUAL(ldns_rr_ttl(a), 300);
		CU_ASSERT_EQUAL(ldns_dname_compare(ldns_rr_owner(a), ldns_rr_owner(rr)), 0);
		CU_ASSERT_EQUAL(ldns_rdf_size(rd), alen);
		CU_ASSERT_EQUAL(memcmp(ldns_rdf_data(rd), e->addr, alen), 0);
		/* Owner compressed to the question (2 bytes right after it). */
		CU_ASSERT_EQUAL(m[12 + qlen], 0xc0);
		CU_ASSERT_EQUAL(m[12 + qlen + 1], 12);
	}
	CU_ASSERT_EQUAL(ldns_pkt_nscount(p), e->soa ? 1 : 0);
	if (e->soa) {
		ldns_rr *a = ldns_rr_list_rr(ldns_pkt_authority(p), 0);
		ldns_rdf *owner = ldns_dname_new_frm_str("rpz.example.net.");
		ldns_rdf *mname = ldns_dname_new_frm_str("ns.example.net.");

		CU_ASSERT_EQUAL(ldns_rr_get_type(a), LDNS_RR_TYPE_SOA);
		CU_ASSERT_EQUAL(ldns_dname_compare(ldns_rr_owner(a), owner), 0);
		CU_ASSERT_EQUAL(ldns_dname_compare(ldns_rr_rdf(a, 0), mname), 0);
		CU_ASSERT_EQUAL(ldns_rr_ttl(a), 60); /* min(TTL, minimum) */
		CU_ASSERT_EQUAL(ldns_rdf2native_int32(ldns_rr_rdf(a, 2)), 2024041601u);
		CU_ASSERT_EQUAL(ldns_rdf2native_int32(ldns_rr_rdf(a, 6)), 60);
		ldns_rdf_deep_free(owner);
		ldns_rdf_deep_free(mname);
	}
	CU_ASSERT_EQUAL(ldns_pkt_edns(p), s->edns);
	if (s->edns) {
		ldns_edns_option_list *ol = ldns_pkt_edns_get_option_list(p);
		size_t tl = e->text ? strlen(e->text) : 0;

		CU_ASSERT_EQUAL(ldns_pkt_edns_udp_size(p), 1232);
		CU_ASSERT_EQUAL(ldns_pkt_edns_version(p), 0);
		CU_ASSERT_EQUAL(ldns_pkt_edns_extended_rcode(p), 0);
		CU_ASSERT_EQUAL(ldns_pkt_edns_do(p), s->edns_do);
		CU_ASSERT_EQUAL(ldns_pkt_edns_z(p) & 0x7fff, 0);
		if (e->ede_code) {
			ldns_edns_option *o;

			CU_ASSERT_FATAL(ol != NULL);
			CU_ASSERT_EQUAL(ldns_edns_option_list_get_count(ol), 1);
			o = ldns_edns_option_list_get_option(ol, 0);
			CU_ASSERT_EQUAL(ldns_edns_get_code(o), LDNS_EDNS_EDE);
			CU_ASSERT_EQUAL_FATAL(ldns_edns_get_size(o), 2 + tl);
			CU_ASSERT_EQUAL(ldns_edns_get_data(o)[0] << 8 | ldns_edns_get_data(o)[1],
					e->ede_code);
			if (tl) {
				CU_ASSERT_EQUAL(memcmp(ldns_edns_get_data(o) + 2, e->text, tl), 0);
			}
		} else {
			CU_ASSERT(ol == NULL || ldns_edns_option_list_get_count(ol) == 0);
		}
		/* ol belongs to the packet (ldns caches it there). */
	} else {
		CU_ASSERT_EQUAL(ldns_pkt_arcount(p), 0);
	}
	ldns_pkt_free(p);
}

/* Find our layers in the answer the hard way, and check L2-L4 field by field. */
static void
check_frame(const struct qspec *s, const uint8_t *q, const uint8_t *a, size_t alen,
	    const struct expect *e, const uint8_t *query_dns)
{
	static const uint8_t mac_q_dst[6] = { 2, 0, 0, 0, 0, 2 }, mac_q_src[6] = { 2, 0, 0, 0, 0, 1 };
	static const uint8_t c4[4] = { 198, 18, 0, 1 }, r4[4] = { 198, 18, 0, 0x35 };
	static const uint8_t c6[16] = { 0x20, 1, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 };
	static const uint8_t r6[16] = { 0x20, 1, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x53 };
	size_t l3 = 12, ulen, l4;
	const uint8_t *ip;

	CU_ASSERT_EQUAL(memcmp(a, mac_q_src, 6), 0);
	CU_ASSERT_EQUAL(memcmp(a + 6, mac_q_dst, 6), 0);
	while (a[l3] == 0x81 || a[l3] == 0x88 || a[l3] == 0x91)
		l3 += 4;
	l3 += 2;
	CU_ASSERT_EQUAL(memcmp(a + 12, q + 12, l3 - 12), 0); /* tag stack, PCP/DEI, ethertype */
	ip = a + l3;
	if ((ip[0] >> 4) == 4) {
		CU_ASSERT_EQUAL(ip[0], 0x45);
		CU_ASSERT_EQUAL(l3 + (size_t)(ip[2] << 8 | ip[3]), alen);
		CU_ASSERT_EQUAL(ip[6] & 0xe0, 0x40); /* DF */
		CU_ASSERT_EQUAL(ip[8], 64);
		CU_ASSERT_EQUAL(ip[9], 17);
		CU_ASSERT_EQUAL((ip[10] << 8 | ip[11]), vec_ip4_csum(ip, 20));
		CU_ASSERT_EQUAL(memcmp(ip + 12, r4, 4), 0);
		CU_ASSERT_EQUAL(memcmp(ip + 16, c4, 4), 0);
		l4 = l3 + 20;
	} else {
		CU_ASSERT_EQUAL_FATAL(ip[0] >> 4, 6);
		CU_ASSERT_EQUAL(l3 + 40 + (size_t)(ip[4] << 8 | ip[5]), alen);
		CU_ASSERT_EQUAL(ip[6], 17); /* no extension headers */
		CU_ASSERT_EQUAL(ip[7], 64);
		CU_ASSERT_EQUAL(memcmp(ip + 8, r6, 16), 0);
		CU_ASSERT_EQUAL(memcmp(ip + 24, c6, 16), 0);
		l4 = l3 + 40;
	}
	ulen = alen - l4;
	CU_ASSERT_EQUAL((a[l4] << 8 | a[l4 + 1]), 53);
	CU_ASSERT_EQUAL((a[l4 + 2] << 8 | a[l4 + 3]), 40000);
	CU_ASSERT_EQUAL((size_t)(a[l4 + 4] << 8 | a[l4 + 5]), ulen);
	CU_ASSERT((a[l4 + 6] | a[l4 + 7]) != 0);
	if ((ip[0] >> 4) == 4) {
		CU_ASSERT(vec_udp_csum_ok(ip + 12, ip + 16, 4, a + l4, ulen));
	} else {
		CU_ASSERT(vec_udp_csum_ok(ip + 8, ip + 24, 16, a + l4, ulen));
	}
	check_dns(s, a + l4 + 8, ulen - 8, query_dns, e);
}

/* Forge one answer for spec @p s and check it. */
static void
run(const struct qspec *s, enum dg_answer_kind kind, const struct dg_answer_cfg *cfg,
    const struct dg_answer_ovr *ovr, const struct expect *e)
{
	const struct dg_pkt_cfg pcfg = DG_PKT_CFG_DEFAULT;
	uint8_t q[1600], a[1600], qdns[1600];
	size_t n = vec_build(q, sizeof(q), s->l2, s->l3, VEC_UDP, s->dns, s->pad, VEC_FIX_ALL);
	size_t room = n + 200, alen = 0;
	uint8_t *buf = malloc(room);
	struct dg_pkt pkt;
	int rc;

	dg_test_hex(s->dns, qdns, sizeof(qdns));
	memcpy(buf, q, n);
	CU_ASSERT_EQUAL_FATAL(dg_pkt_parse(buf, n, &pcfg, &pkt), DG_FWD_NONE);
	rc = dg_dns_forge_ovr(buf, room, &pkt, kind, cfg, ovr, &alen);
	CU_ASSERT_EQUAL(rc, 0);
	if (rc != 0) {
		fprintf(stderr, "forge %s: %d\n", s->what, rc);
		free(buf);
		return;
	}
	memcpy(a, buf, alen);
	if (dump != NULL) {
		struct pcap_pkthdr ph = { .caplen = (bpf_u_int32)alen, .len = (bpf_u_int32)alen };

		pcap_dump((u_char *)dump, &ph, a);
	}
	check_frame(s, q, a, alen, e, qdns);
	/* Seen from the client's port, the answer passes L2-L4 and is a response (QR=1). */
	{
		struct dg_pkt_cfg back = DG_PKT_CFG_DEFAULT;

		back.dns_port = 40000;
		back.min_src_port = 53;
		CU_ASSERT_EQUAL(dg_pkt_parse(buf, alen, &back, &pkt), DG_FWD_DNS_RESPONSE);
	}
	free(buf);
}

static void
test_dns_forge_sinkhole_all_specs(void)
{
	struct dg_answer_cfg cfg;
	size_t i;

	dg_answer_cfg_init(&cfg);
	cfg.sinkhole4_set = cfg.sinkhole6_set = true;
	memcpy(cfg.sinkhole4, sink4, 4);
	memcpy(cfg.sinkhole6, sink6, 16);
	for (i = 0; i < sizeof(specs) / sizeof(specs[0]); i++) {
		const struct qspec *s = &specs[i];
		struct expect e = { .rcode = 0, .ede_code = 15 };

		if (s->qtype == 1 || s->qtype == 255) {
			e.an_type = 1;
			e.addr = sink4;
		} else if (s->qtype == 28) {
			e.an_type = 28;
			e.addr = sink6;
		}
		run(s, DG_ANSWER_SINKHOLE, &cfg, NULL, &e);
	}
}

static void
test_dns_forge_nxdomain_soa_text(void)
{
	struct dg_answer_cfg cfg;
	size_t i;

	soa_init();
	dg_answer_cfg_init(&cfg);
	cfg.soa = &soa;
	cfg.extra_text = "IIJ-20240416-0001";
	for (i = 0; i < sizeof(specs) / sizeof(specs[0]); i++) {
		struct expect e = { .rcode = 3, .soa = 1, .ede_code = 15, .text = cfg.extra_text };

		run(&specs[i], DG_ANSWER_NXDOMAIN, &cfg, NULL, &e);
	}
}

static void
test_dns_forge_nodata_and_type_consistency(void)
{
	struct dg_answer_cfg cfg;
	struct expect e = { .rcode = 0, .ede_code = 15 };
	size_t i;

	dg_answer_cfg_init(&cfg);
	for (i = 0; i < sizeof(specs) / sizeof(specs[0]); i++)
		run(&specs[i], DG_ANSWER_NODATA, &cfg, NULL, &e);
	/* Sinkhole with only IPv4 set: AAAA gets NODATA, not a leak to the resolver. */
	cfg.sinkhole4_set = true;
	memcpy(cfg.sinkhole4, sink4, 4);
	cfg.ede = false;
	e.ede_code = 0;
	run(&specs[2], DG_ANSWER_SINKHOLE, &cfg, NULL, &e);
	run(&specs[3], DG_ANSWER_SINKHOLE, &cfg, NULL, &e); /* MX */
	run(&specs[5], DG_ANSWER_SINKHOLE, &cfg, NULL, &e); /* HTTPS */
}

static void
test_dns_forge_per_entry_override(void)
{
	static const uint8_t other4[4] = { 198, 19, 1, 2 };
	struct dg_answer_ovr ovr = { .sinkhole4 = other4, .extra_text = "IIJ-20240101-0042",
				     .ede_code = 17 };
	struct expect e = { .an_type = 1, .addr = other4, .ede_code = 17,
			    .text = "IIJ-20240101-0042" };
	struct dg_answer_cfg cfg;

	dg_answer_cfg_init(&cfg);
	cfg.sinkhole4_set = true;
	memcpy(cfg.sinkhole4, sink4, 4);
	run(&specs[1], DG_ANSWER_SINKHOLE, &cfg, &ovr, &e);
}

/* Answers that do not fit: optional parts go first, then the frame is left alone. */
static void
test_dns_forge_size_limits(void)
{
	static char dns[2048], qhex[1200];
	const struct dg_pkt_cfg pcfg = DG_PKT_CFG_DEFAULT;
	struct dg_answer_soa big;
	struct dg_answer_cfg cfg;
	uint8_t f[1600], keep[1600];
	struct dg_pkt pkt;
	size_t n, alen, i;
	char text[256];
	char *p = qhex;

	/* qname of 255 bytes: 3 x 63 + 61. */
	for (i = 0; i < 4; i++) {
		unsigned int l = i < 3 ? 63 : 61, j;

		p += sprintf(p, "%02x", l);
		for (j = 0; j < l; j++)
			p += sprintf(p, "61");
	}
	sprintf(p, "00 00 01 00 01");
	snprintf(dns, sizeof(dns), "0001 0100 0001 0000 0000 0001 %s %s", qhex,
		 "00 00 29 02 00 00 00 00 00 00 00 ; OPT size 512\n");
	n = vec_build(f, sizeof(f), VEC_ETH4, VEC_IP4, VEC_UDP, dns, 0, VEC_FIX_ALL);
	CU_ASSERT_EQUAL_FATAL(dg_pkt_parse(f, n, &pcfg, &pkt), DG_FWD_NONE);
	memset(&big, 0, sizeof(big));
	CU_ASSERT_EQUAL(dg_name_from_wire(&big.owner, pkt.qname.wire, pkt.qname.len, NULL), 0);
	big.mname = big.owner;
	big.rname = big.owner;
	memset(text, 'x', 255);
	text[255] = '\0';
	dg_answer_cfg_init(&cfg);
	cfg.soa = &big;
	cfg.extra_text = text;
	/*
	 * Over TCP (a message from a stream: no 512 limit) everything fits: the whole
	 * message, 12 + 259 + SOA (255 + 10 + 255 + 255 + 20) + OPT 11 + EDE 6 + 255 text.
	 */
	memcpy(keep, f, n);
	pkt.transport = DG_PKT_TCP;
	{
		uint8_t m[2048];

		CU_ASSERT_EQUAL(dg_dns_forge_msg(f, &pkt, DG_ANSWER_NXDOMAIN, &cfg, NULL, m,
						 sizeof(m), &alen), 0);
		CU_ASSERT_EQUAL(alen, 12 + 259 + 795 + 11 + 6 + 255);
		CU_ASSERT_EQUAL(m[9], 1);        /* NSCOUNT 1 */
		CU_ASSERT_EQUAL(m[2] & 0x02, 0); /* TC clear */
		CU_ASSERT_EQUAL(memcmp(f, keep, n), 0); /* the query untouched */
		/* the room's last byte, and one short of it: the text goes first, then the
		 * records (TC) */
		CU_ASSERT_EQUAL(dg_dns_forge_msg(f, &pkt, DG_ANSWER_NXDOMAIN, &cfg, NULL, m,
						 alen, &alen), 0);
		CU_ASSERT_EQUAL(alen, 12 + 259 + 795 + 11 + 6 + 255);
		CU_ASSERT_EQUAL(dg_dns_forge_msg(f, &pkt, DG_ANSWER_NXDOMAIN, &cfg, NULL, m,
						 alen - 1, &alen), 0);
		CU_ASSERT_EQUAL(alen, 12 + 259 + 795 + 11 + 6);
		CU_ASSERT_EQUAL(m[9], 1);
		CU_ASSERT_EQUAL(m[2] & 0x02, 0);
		CU_ASSERT_EQUAL(dg_dns_forge_msg(f, &pkt, DG_ANSWER_NXDOMAIN, &cfg, NULL, m,
						 alen - 1, &alen), 0);
		CU_ASSERT_EQUAL(m[2] & 0x02, 0x02);
		CU_ASSERT_EQUAL(m[9], 0);
		CU_ASSERT_EQUAL(alen, 12 + 259 + 11 + 6);
	}
	pkt.transport = DG_PKT_UDP;
	/* 12 + 259 + 11 + 6 + 255 text > 512: text dropped; SOA 807 bytes: TC=1, no records. */
	CU_ASSERT_EQUAL(dg_dns_forge(f, sizeof(f), &pkt, DG_ANSWER_NXDOMAIN, &cfg, &alen), 0);
	CU_ASSERT_EQUAL(alen, 14 + 20 + 8 + 12 + 259 + 11 + 6);
	CU_ASSERT_EQUAL(f[14 + 20 + 8 + 9], 0); /* NSCOUNT 0 */
	CU_ASSERT_EQUAL(f[14 + 20 + 8 + 2] & 0x02, 0x02); /* TC */
	/* Room too small: -ENOSPC and the frame untouched. */
	memcpy(f, keep, n);
	CU_ASSERT_EQUAL(dg_pkt_parse(f, n, &pcfg, &pkt), DG_FWD_NONE);
	CU_ASSERT_EQUAL(dg_dns_forge(f, n, &pkt, DG_ANSWER_NXDOMAIN, &cfg, &alen), -ENOSPC);
	CU_ASSERT_EQUAL(memcmp(f, keep, n), 0);
	/* Bad EDE code: -EINVAL, untouched. */
	cfg.ede_code = 16;
	CU_ASSERT_EQUAL(dg_dns_forge(f, sizeof(f), &pkt, DG_ANSWER_NXDOMAIN, &cfg, &alen), -EINVAL);
	CU_ASSERT_EQUAL(dg_dns_forge(f, sizeof(f), &pkt, (enum dg_answer_kind)7, &cfg, &alen),
			-EINVAL);
	CU_ASSERT_EQUAL(memcmp(f, keep, n), 0);
}

static void
test_dns_forge_answer_is_not_a_query(void)
{
	const struct dg_pkt_cfg pcfg = DG_PKT_CFG_DEFAULT;
	struct dg_answer_cfg cfg;
	uint8_t f[512];
	struct dg_pkt pkt;
	size_t n, alen;

	dg_answer_cfg_init(&cfg);
	n = vec_build(f, sizeof(f), VEC_ETH4, VEC_IP4, VEC_UDP, VEC_DNS_A_EDNS, 0, VEC_FIX_ALL);
	CU_ASSERT_EQUAL_FATAL(dg_pkt_parse(f, n, &pcfg, &pkt), DG_FWD_NONE);
	CU_ASSERT_EQUAL_FATAL(dg_dns_forge(f, sizeof(f), &pkt, DG_ANSWER_NODATA, &cfg, &alen), 0);
	/* From port 53 to the client's port: not for us; and it is a response anyway. */
	CU_ASSERT_EQUAL(dg_pkt_parse(f, alen, &pcfg, &pkt), DG_FWD_NOT_DNS_PORT);
}

/*
 * The answer's UDP checksum is summed from the values written, each at the parity of its
 * offset: check it for questions of odd and even length, over IPv4 and IPv6, with and
 * without EDNS, extra-texts of 0..5 and 16..17 bytes, and every kind with an SOA whose
 * length is odd or even. The reference is dg_vec's own RFC 1071 code.
 */
static void
test_dns_forge_checksum_every_parity(void)
{
	const struct dg_pkt_cfg pcfg = DG_PKT_CFG_DEFAULT;
	static const char *const texts[] = { NULL, "I", "IJ", "IIJ", "IIJ-", "IIJ-2",
					     "IIJ-20240416-000", "IIJ-20240416-0001" };
	static const char *const owners[] = { "rpz.example.net", "rpz.example.org1" };
	struct dg_answer_soa so;
	struct dg_answer_cfg cfg;
	unsigned int bad = 0, runs = 0;

	dg_answer_cfg_init(&cfg);
	cfg.sinkhole4_set = cfg.sinkhole6_set = true;
	memcpy(cfg.sinkhole4, sink4, 4);
	memcpy(cfg.sinkhole6, sink6, 16);
	soa_init();
	so = soa;
	CU_ASSERT_EQUAL_FATAL(dg_name_from_text(&so.mname, "ns.example.net", 14), 0);
	CU_ASSERT_EQUAL_FATAL(dg_name_from_text(&so.rname, "hostmaster.example.net", 22), 0);
	for (unsigned int v6 = 0; v6 < 2; v6++)
	for (unsigned int ll = 1; ll <= 4; ll++)
	for (unsigned int edns = 0; edns < 2; edns++)
	for (unsigned int qt = 0; qt < 3; qt++)
	for (unsigned int ti = 0; ti < sizeof(texts) / sizeof(texts[0]); ti++)
	for (unsigned int oi = 0; oi < 3; oi++) {
		static const uint16_t qtypes[3] = { 1, 28, 16 };
		char dns[512], lab[16];
		uint8_t f[600];
		struct dg_pkt pkt;
		size_t n, alen = 0, l4, ulen;
		const uint8_t *ip;

		/* label of ll bytes: the question is 5 + ll + 4 + 4 bytes long */
		for (unsigned int i = 0; i < ll; i++)
			snprintf(lab + 3 * i, sizeof(lab) - 3 * i, "61 ");
		snprintf(dns, sizeof(dns), "%s %02x %s 04 74 65 73 74 00 00 %02x 00 01 %s",
			 VEC_DNS_HDR_TEXT(edns), ll, lab, qtypes[qt], edns ? VEC_OPT_DO : "");
		n = vec_build(f, sizeof(f), v6 ? VEC_ETH6 : VEC_ETH4, v6 ? VEC_IP6 : VEC_IP4,
			      VEC_UDP, dns, 0, VEC_FIX_ALL);
		CU_ASSERT_EQUAL_FATAL(dg_pkt_parse(f, n, &pcfg, &pkt), DG_FWD_NONE);
		cfg.extra_text = texts[ti];
		cfg.soa = NULL;
		if (oi > 0) {
			CU_ASSERT_EQUAL_FATAL(dg_name_from_text(&so.owner, owners[oi - 1],
								strlen(owners[oi - 1])), 0);
			cfg.soa = &so;
		}
		if (dg_dns_forge(f, sizeof(f), &pkt, oi == 2 ? DG_ANSWER_NXDOMAIN :
				 DG_ANSWER_SINKHOLE, &cfg, &alen) != 0) {
			bad++;
			continue;
		}
		runs++;
		ip = f + 14;
		l4 = 14 + (v6 ? 40 : 20);
		ulen = alen - l4;
		bad += !(v6 ? vec_udp_csum_ok(ip + 8, ip + 24, 16, f + l4, ulen) :
			      vec_udp_csum_ok(ip + 12, ip + 16, 4, f + l4, ulen));
		bad += !v6 && (ip[10] << 8 | ip[11]) != vec_ip4_csum(ip, 20);
	}
	CU_ASSERT_EQUAL(runs, 2 * 4 * 2 * 3 * 8 * 3);
	CU_ASSERT_EQUAL(bad, 0);
}

int
main(void)
{
	static const struct dg_test_case t[] = {
		DG_TEST(test_dns_forge_sinkhole_all_specs),
		DG_TEST(test_dns_forge_nxdomain_soa_text),
		DG_TEST(test_dns_forge_nodata_and_type_consistency),
		DG_TEST(test_dns_forge_per_entry_override),
		DG_TEST(test_dns_forge_size_limits),
		DG_TEST(test_dns_forge_answer_is_not_a_query),
		DG_TEST(test_dns_forge_checksum_every_parity),
	};
	const char *out = getenv("DG_PCAP_OUT");
	pcap_t *dead = NULL;
	int fails;

	if (out != NULL) {
		dead = pcap_open_dead(DLT_EN10MB, 65535);
		dump = pcap_dump_open(dead, out);
		if (dump == NULL) {
			fprintf(stderr, "%s: %s\n", out, pcap_geterr(dead));
			return 1;
		}
	}
	fails = dg_test_run("dns_forge", t, sizeof(t) / sizeof(t[0]));
	if (dump != NULL)
		pcap_dump_close(dump);
	if (dead != NULL)
		pcap_close(dead);
	return fails ? 1 : 0;
}
