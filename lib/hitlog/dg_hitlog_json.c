/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * One hit record -> one JSON line. Runs on the management core, but it runs once per
 * filtered query, so it formats by hand into the caller's buffer: no stdio, no locale,
 * no gmtime (which may take the tz lock).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "dg_filter.h"
#include "dg_hitlog.h"
#include "dg_name.h"
#include "dg_pkt.h"

/* Ten cache lines, and a multiple of 4 bytes as DPDK ring elements must be. */
_Static_assert(sizeof(struct dg_hit_record) == 10 * 64, "hit record size");
/* dg_hit_cells() reads the first cell only */
_Static_assert(offsetof(struct dg_hit_record, trigger) < DG_HIT_CELL &&
	       offsetof(struct dg_hit_record, msg_len) + 2 <= DG_HIT_CELL, "first cell");

static const char *const trigger_names[DG_HIT_TRIGGER_COUNT] = {
	[DG_HIT_TRIGGER_QNAME] = "qname",
	[DG_HIT_TRIGGER_CNAME] = "cname",
	[DG_HIT_TRIGGER_RESPONSE_IP] = "response-ip",
	[DG_HIT_TRIGGER_CLIENT_IP] = "client-ip",
};

const char *
dg_hit_trigger_name(enum dg_hit_trigger t)
{
	return (unsigned int)t < DG_HIT_TRIGGER_COUNT ? trigger_names[t] : "unknown";
}

/* Append cursor with a sticky overflow flag: write everything, check once at the end. */
struct out {
	char *p;
	size_t len, off;
	bool full;
};

static void
put(struct out *o, const char *s, size_t n)
{
	if (o->full || n > o->len - o->off) {
		o->full = true;
		return;
	}
	memcpy(o->p + o->off, s, n);
	o->off += n;
}

static void
puts_(struct out *o, const char *s)
{
	put(o, s, strlen(s));
}

static void
putu(struct out *o, uint64_t v, int width)
{
	char d[24];
	int i = sizeof(d);

	do {
		d[--i] = (char)('0' + v % 10);
		v /= 10;
		width--;
	} while (v != 0 || width > 0);
	put(o, d + i, sizeof(d) - (size_t)i);
}

/* Length of the valid UTF-8 sequence at s (1..4), or 0 if it is not valid. */
static size_t
utf8_seq(const unsigned char *s, size_t n)
{
	size_t need, i;
	uint32_t cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		need = 2;
		cp = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		need = 3;
		cp = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		need = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	if (n < need)
		return 0;
	for (i = 1; i < need; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	/* Reject overlong forms, surrogates and code points past U+10FFFF. */
	if ((need == 3 && cp < 0x800) || (need == 4 && cp < 0x10000) || cp > 0x10ffff ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return need;
}

/* A JSON string literal, or null for NULL. */
static void
put_jstr(struct out *o, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *u = (const unsigned char *)s;
	size_t n, i, run, seq;

	if (s == NULL) {
		puts_(o, "null");
		return;
	}
	n = strlen(s);
	put(o, "\"", 1);
	for (i = 0; i < n;) {
		/* Copy runs of plain bytes at once: names and identifiers are mostly plain. */
		for (run = i; run < n && u[run] >= 0x20 && u[run] < 0x80 && u[run] != '"' &&
		     u[run] != '\\'; run++)
			;
		put(o, s + i, run - i);
		i = run;
		if (i == n)
			break;
		if (u[i] == '"' || u[i] == '\\') {
			char e[2] = { '\\', (char)u[i] };

			put(o, e, 2);
			i++;
		} else if (u[i] < 0x20) {
			char e[6] = { '\\', 'u', '0', '0', hex[u[i] >> 4], hex[u[i] & 15] };

			put(o, e, 6);
			i++;
		} else if ((seq = utf8_seq(u + i, n - i)) != 0) {
			put(o, s + i, seq);
			i += seq;
		} else {
			puts_(o, "\\ufffd");
			i++;
		}
	}
	put(o, "\"", 1);
}

int64_t
dg_hitlog_clock_ns(const struct dg_hitlog_clock *c, uint64_t tsc)
{
	/* 128-bit product: a TSC delta of days times 1e9 overflows 64 bits. */
	__int128 d = (__int128)tsc - (__int128)c->tsc0;

	if (c->hz != 0)
		d = d * 1000000000 / (__int128)c->hz;
	return c->unix_ns0 + (int64_t)d;
}

/* Days since 1970-01-01 -> civil date (H. Hinnant's days_from_civil inverse). */
static void
civil(int64_t z, int64_t *y, unsigned int *m, unsigned int *d)
{
	int64_t era, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	yoe = z - era * 146097;
	yoe = (yoe - yoe / 1460 + yoe / 36524 - yoe / 146096) / 365;
	doy = z - era * 146097 - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (unsigned int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (unsigned int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

/* RFC 3339 UTC with microseconds: 2024-04-16T03:04:05.123456Z */
static void
put_time(struct out *o, int64_t ns)
{
	int64_t s = ns >= 0 ? ns / 1000000000 : -((-ns + 999999999) / 1000000000);
	int64_t sub = ns - s * 1000000000, days, sod, y;
	unsigned int m, d;

	days = s >= 0 ? s / 86400 : -((-s + 86399) / 86400);
	sod = s - days * 86400;
	civil(days, &y, &m, &d);
	if (y < 0 || y > 9999)
		y = 0; /* a clock that far off is a bug upstream; keep the line valid */
	put(o, "\"", 1);
	putu(o, (uint64_t)y, 4);
	put(o, "-", 1);
	putu(o, m, 2);
	put(o, "-", 1);
	putu(o, d, 2);
	put(o, "T", 1);
	putu(o, (uint64_t)(sod / 3600), 2);
	put(o, ":", 1);
	putu(o, (uint64_t)(sod / 60 % 60), 2);
	put(o, ":", 1);
	putu(o, (uint64_t)(sod % 60), 2);
	put(o, ".", 1);
	putu(o, (uint64_t)(sub / 1000), 6);
	put(o, "Z\"", 2);
}

static const struct {
	uint16_t type;
	const char *name;
} qtypes[] = {
	{ 1, "A" }, { 2, "NS" }, { 5, "CNAME" }, { 6, "SOA" }, { 10, "NULL" },
	{ 12, "PTR" }, { 13, "HINFO" }, { 15, "MX" }, { 16, "TXT" }, { 17, "RP" },
	{ 18, "AFSDB" }, { 24, "SIG" }, { 25, "KEY" }, { 28, "AAAA" }, { 29, "LOC" },
	{ 33, "SRV" }, { 35, "NAPTR" }, { 36, "KX" }, { 37, "CERT" }, { 39, "DNAME" },
	{ 41, "OPT" }, { 42, "APL" }, { 43, "DS" }, { 44, "SSHFP" }, { 45, "IPSECKEY" },
	{ 46, "RRSIG" }, { 47, "NSEC" }, { 48, "DNSKEY" }, { 49, "DHCID" },
	{ 50, "NSEC3" }, { 51, "NSEC3PARAM" }, { 52, "TLSA" }, { 53, "SMIMEA" },
	{ 55, "HIP" }, { 59, "CDS" }, { 60, "CDNSKEY" }, { 61, "OPENPGPKEY" },
	{ 62, "CSYNC" }, { 63, "ZONEMD" }, { 64, "SVCB" }, { 65, "HTTPS" },
	{ 99, "SPF" }, { 108, "EUI48" }, { 109, "EUI64" }, { 249, "TKEY" },
	{ 250, "TSIG" }, { 251, "IXFR" }, { 252, "AXFR" }, { 255, "ANY" },
	{ 256, "URI" }, { 257, "CAA" },
};

const char *
dg_hitlog_qtype_name(uint16_t qtype, char *buf, size_t len)
{
	struct out o = { buf, len ? len - 1 : 0, 0, false };
	size_t i;

	for (i = 0; i < sizeof(qtypes) / sizeof(qtypes[0]); i++)
		if (qtypes[i].type == qtype)
			return qtypes[i].name;
	if (len == 0)
		return "";
	puts_(&o, "TYPE");
	putu(&o, qtype, 1);
	buf[o.off] = '\0';
	return buf;
}

const char *
dg_hit_identifier(const struct dg_hit_record *r)
{
	return r->meta != NULL ? r->meta->identifier : NULL;
}

const char *
dg_hit_category(const struct dg_hit_record *r)
{
	return r->meta != NULL ? r->meta->category : NULL;
}

/* An address as text; IPv4 by hand (inet_ntop() goes through snprintf: a third of a
 * line's cost). */
static int
put_addr(struct out *o, uint8_t family, const uint8_t *a)
{
	char text[INET6_ADDRSTRLEN];

	if (family == 6) {
		if (inet_ntop(AF_INET6, a, text, sizeof(text)) == NULL)
			return -EAFNOSUPPORT;
		puts_(o, text);
		return 0;
	}
	for (int i = 0; i < 4; i++) {
		putu(o, a[i], 1);
		if (i < 3)
			put(o, ".", 1);
	}
	return 0;
}

/* "vlan":[...] without the key: each tag's TPID, PCP, DEI and VID, outermost first. */
static void
put_vlan(struct out *o, const struct dg_hit_record *r)
{
	static const char hex[] = "0123456789abcdef";
	unsigned int n = r->vlan_n < DG_HIT_VLAN_MAX ? r->vlan_n : DG_HIT_VLAN_MAX;

	put(o, "[", 1);
	for (unsigned int i = 0; i < n; i++) {
		const uint8_t *t = r->vlan[i];
		char tpid[6] = { '0', 'x', hex[t[0] >> 4], hex[t[0] & 15], hex[t[1] >> 4],
				 hex[t[1] & 15] };

		puts_(o, i ? ",{\"tpid\":\"" : "{\"tpid\":\"");
		put(o, tpid, sizeof(tpid));
		puts_(o, "\",\"pcp\":");
		putu(o, t[2] >> 5, 1);
		puts_(o, ",\"dei\":");
		putu(o, (t[2] >> 4) & 1, 1);
		puts_(o, ",\"vid\":");
		putu(o, (unsigned int)(t[2] & 15) << 8 | t[3], 1);
		put(o, "}", 1);
	}
	put(o, "]", 1);
}

/* ,"match":VALUE for a trigger other than the question. */
static int
put_match(struct out *o, const struct dg_hit_record *r)
{
	char name[DG_NAME_TEXT_MAX];
	size_t len;
	int n;

	puts_(o, ",\"match\":");
	if (r->trigger == DG_HIT_TRIGGER_CNAME) {
		/* a wire name: its length is where its root label is */
		for (len = 0; len < sizeof(r->match) && r->match[len] != 0; len += 1 + r->match[len])
			;
		if (len >= sizeof(r->match))
			return -EBADMSG;
		n = dg_name_to_text(r->match, len + 1, name, sizeof(name));
		if (n < 0)
			return -EBADMSG;
		put_jstr(o, name);
		return 0;
	}
	if (r->trigger != DG_HIT_TRIGGER_RESPONSE_IP && r->trigger != DG_HIT_TRIGGER_CLIENT_IP)
		return -EBADMSG;
	if (r->match[0] > (r->flags & DG_HIT_F_MATCH6 ? 128 : 32))
		return -EBADMSG;
	put(o, "\"", 1);
	if (put_addr(o, r->flags & DG_HIT_F_MATCH6 ? 6 : 4, r->match + 1) < 0)
		return -EBADMSG;
	put(o, "/", 1);
	putu(o, r->match[0], 1);
	put(o, "\"", 1);
	return 0;
}

int
dg_hitlog_format_l2(const struct dg_hit_record *r, char *buf, size_t len)
{
	struct out o = { buf, len, 0, false };

	puts_(&o, "{\"port\":");
	putu(&o, r->port, 1);
	puts_(&o, ",\"vlan\":");
	put_vlan(&o, r);
	put(&o, "}", 1);
	if (o.full || o.off >= len)
		return -ENOSPC;
	buf[o.off] = '\0';
	return (int)o.off;
}

int
dg_hitlog_format_json(const struct dg_hit_record *r, const struct dg_hitlog_clock *c,
		      char *buf, size_t len)
{
	char name[DG_NAME_TEXT_MAX], tbuf[12];
	struct out o = { buf, len, 0, false };
	int n;

	if (r->family != 4 && r->family != 6)
		return -EAFNOSUPPORT;
	if ((size_t)DG_HIT_QNAME_OFF + r->qname_len > dg_hit_msg_kept(r))
		return -EBADMSG;
	n = dg_name_to_text(r->msg + DG_HIT_QNAME_OFF, r->qname_len, name, sizeof(name));
	if (n < 0)
		return -EBADMSG;

	puts_(&o, "{\"time\":");
	put_time(&o, dg_hitlog_clock_ns(c, r->tsc));
	puts_(&o, ",\"client\":\"");
	if (put_addr(&o, r->family, r->src_addr) < 0)
		return -EAFNOSUPPORT;
	puts_(&o, "\",\"client_port\":");
	putu(&o, r->src_port, 1);
	puts_(&o, ",\"qname\":");
	put_jstr(&o, name);
	puts_(&o, ",\"qtype\":\"");
	puts_(&o, dg_hitlog_qtype_name(r->qtype, tbuf, sizeof(tbuf)));
	puts_(&o, "\",\"identifier\":");
	put_jstr(&o, dg_hit_identifier(r));
	puts_(&o, ",\"category\":");
	put_jstr(&o, dg_hit_category(r));
	puts_(&o, ",\"action\":");
	put_jstr(&o, dg_action_name((enum dg_action)r->action));
	puts_(&o, ",\"port\":");
	putu(&o, r->port, 1);
	puts_(&o, ",\"reason\":");
	put_jstr(&o, r->reason != 0 ? dg_fwd_reason_name((enum dg_fwd_reason)r->reason) : NULL);
	puts_(&o, r->flags & DG_HIT_F_TC ? ",\"tc\":true" : ",\"tc\":false");
	puts_(&o, r->flags & DG_HIT_F_TCP ? ",\"transport\":\"tcp\"" : ",\"transport\":\"udp\"");
	puts_(&o, ",\"id\":");
	putu(&o, dg_hit_id(r), 1);
	puts_(&o, ",\"resolver\":\"");
	if (put_addr(&o, r->family, r->dst_addr) < 0)
		return -EAFNOSUPPORT;
	puts_(&o, "\",\"resolver_port\":");
	putu(&o, r->dst_port, 1);
	puts_(&o, ",\"vlan\":");
	put_vlan(&o, r);
	puts_(&o, ",\"trigger\":\"");
	puts_(&o, dg_hit_trigger_name((enum dg_hit_trigger)r->trigger));
	put(&o, "\"", 1);
	if (r->trigger != DG_HIT_TRIGGER_QNAME && put_match(&o, r) < 0)
		return -EBADMSG;
	puts_(&o, "}\n");
	/* Room for the NUL too, so callers may treat the line as a C string. */
	if (o.full || o.off >= len)
		return -ENOSPC;
	buf[o.off] = '\0';
	return (int)o.off;
}
