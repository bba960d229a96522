/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Hit records to dnstap payloads (protobuf-c code generated from dnstap.proto). Runs on
 * the management core, once or twice per filtered query.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dg_dnstap.h"
#include "dg_filter.h"
#include "dnstap.pb-c.h"
#include "dnstap_pvt.h"

enum { EXTRA_MAX = 128 + 64 * DG_HIT_VLAN_MAX };

enum dg_dnstap_action
dg_dnstap_action(const struct dg_hit_record *r)
{
	if (r->ans_len != 0 && (r->flags & DG_HIT_F_TC))
		return DG_DNSTAP_TRUNCATE;
	switch (r->action) {
	case DG_ACTION_SINKHOLE: return DG_DNSTAP_LOCAL_DATA;
	case DG_ACTION_NXDOMAIN: return DG_DNSTAP_NXDOMAIN;
	case DG_ACTION_NODATA: return DG_DNSTAP_NODATA;
	case DG_ACTION_DROP: return DG_DNSTAP_DROP;
	default: return DG_DNSTAP_PASS; /* log-only, allow: forwarded unchanged */
	}
}

static ProtobufCBinaryData
bytes(const void *p, size_t n)
{
	return (ProtobufCBinaryData){ .len = n, .data = (uint8_t *)(uintptr_t)p };
}

int
dnstap_encode(const struct dg_hit_record *r, const struct dg_hitlog_clock *c,
	      const char *identity, const char *version, const uint8_t *ans, size_t ans_len,
	      uint8_t **out, size_t *len)
{
	Dnstap__Dnstap d = DNSTAP__DNSTAP__INIT;
	Dnstap__Message m = DNSTAP__MESSAGE__INIT;
	Dnstap__Policy pol = DNSTAP__POLICY__INIT;
	size_t alen = r->family == 4 ? 4 : 16;
	int64_t ns = dg_hitlog_clock_ns(c, r->tsc);
	char extra[EXTRA_MAX];
	const char *ident;
	int n;

	*out = NULL;
	if (r->family != 4 && r->family != 6)
		return -EAFNOSUPPORT;
	if (identity != NULL) {
		d.has_identity = 1;
		d.identity = bytes(identity, strlen(identity));
	}
	if (version != NULL) {
		d.has_version = 1;
		d.version = bytes(version, strlen(version));
	}
	n = dg_hitlog_format_l2(r, extra, sizeof(extra));
	if (n > 0) {
		d.has_extra = 1;
		d.extra = bytes(extra, (size_t)n);
	}
	d.type = DNSTAP__DNSTAP__TYPE__MESSAGE;
	d.message = &m;

	m.has_socket_family = m.has_socket_protocol = 1;
	m.socket_family = r->family == 4 ? DNSTAP__SOCKET_FAMILY__INET :
					  DNSTAP__SOCKET_FAMILY__INET6;
	m.socket_protocol = r->flags & DG_HIT_F_TCP ? DNSTAP__SOCKET_PROTOCOL__TCP :
						     DNSTAP__SOCKET_PROTOCOL__UDP;
	m.has_query_address = m.has_response_address = 1;
	m.query_address = bytes(r->src_addr, alen);
	m.response_address = bytes(r->dst_addr, alen);
	m.has_query_port = m.has_response_port = 1;
	m.query_port = r->src_port;
	m.response_port = r->dst_port;
	/* The answer leaves in the same burst: one time for both. */
	m.has_query_time_sec = m.has_query_time_nsec = 1;
	m.query_time_sec = (uint64_t)(ns / 1000000000);
	m.query_time_nsec = (uint32_t)(ns % 1000000000);
	if (ans != NULL) {
		m.type = DNSTAP__MESSAGE__TYPE__CLIENT_RESPONSE;
		m.has_response_time_sec = m.has_response_time_nsec = 1;
		m.response_time_sec = m.query_time_sec;
		m.response_time_nsec = m.query_time_nsec;
		m.has_response_message = 1;
		m.response_message = bytes(ans, ans_len);
	} else {
		m.type = DNSTAP__MESSAGE__TYPE__CLIENT_QUERY;
		m.has_query_message = 1;
		m.query_message = bytes(r->msg, dg_hit_msg_kept(r));
	}
	if (!(r->flags & DG_HIT_F_SAMPLE)) {
		pol.type = (char *)(uintptr_t)"dnsgate";
		ident = dg_hit_identifier(r);
		if (ident != NULL) {
			pol.has_rule = 1;
			pol.rule = bytes(ident, strlen(ident));
		}
		pol.has_action = pol.has_match = pol.has_value = 1;
		pol.action = (Dnstap__Policy__Action)dg_dnstap_action(r);
		pol.match = DNSTAP__POLICY__MATCH__QNAME;
		pol.value = bytes(r->msg + DG_HIT_QNAME_OFF, r->qname_len);
		m.policy = &pol;
	}
	*len = dnstap__dnstap__get_packed_size(&d);
	*out = malloc(*len);
	if (*out == NULL)
		return -ENOMEM;
	dnstap__dnstap__pack(&d, *out);
	return 0;
}
