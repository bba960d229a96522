/* SPDX-License-Identifier: BSD-3-Clause */
#include "dg_pkt.h"

/* Stable ids: counters and logs are keyed on these strings, not on enum values. */
static const char *const reason_names[DG_FWD__MAX] = {
	[DG_FWD_NONE] = "answerable",
	[DG_FWD_NOT_ETHERNET] = "not_ethernet",
	[DG_FWD_MULTI_SEGMENT] = "multi_segment",
	[DG_FWD_RATE_LIMITED] = "rate_limited",
	[DG_FWD_ANSWER_TOO_BIG] = "answer_too_big",
	[DG_FWD_L2_TRUNCATED] = "l2_truncated",
	[DG_FWD_SRC_MAC_GROUP] = "src_mac_group",
	[DG_FWD_DST_MAC_GROUP] = "dst_mac_group",
	[DG_FWD_VLAN_TOO_DEEP] = "vlan_too_deep",
	[DG_FWD_NOT_IP] = "not_ip",
	[DG_FWD_IP_BAD_VERSION] = "ip_bad_version",
	[DG_FWD_IP4_TRUNCATED] = "ip4_truncated",
	[DG_FWD_IP4_BAD_IHL] = "ip4_bad_ihl",
	[DG_FWD_IP4_BAD_LENGTH] = "ip4_bad_length",
	[DG_FWD_IP4_BAD_CHECKSUM] = "ip4_bad_checksum",
	[DG_FWD_IP4_FRAGMENT] = "ip4_fragment",
	[DG_FWD_IP4_SOURCE_ROUTE] = "ip4_source_route",
	[DG_FWD_IP4_BAD_OPTIONS] = "ip4_bad_options",
	[DG_FWD_IP6_TRUNCATED] = "ip6_truncated",
	[DG_FWD_IP6_BAD_LENGTH] = "ip6_bad_length",
	[DG_FWD_IP6_FRAGMENT] = "ip6_fragment",
	[DG_FWD_IP6_ROUTING] = "ip6_routing",
	[DG_FWD_IP6_ESP] = "ip6_esp",
	[DG_FWD_IP6_UNSUPPORTED_EXT] = "ip6_unsupported_ext",
	[DG_FWD_IP6_BAD_EXT] = "ip6_bad_ext",
	[DG_FWD_IP_BAD_SOURCE] = "ip_bad_source",
	[DG_FWD_IP_BAD_DESTINATION] = "ip_bad_destination",
	[DG_FWD_NOT_UDP] = "not_udp",
	[DG_FWD_TCP_DNS] = "tcp_dns",
	[DG_FWD_NOT_DNS_PORT] = "not_dns_port",
	[DG_FWD_NOT_RESOLVER] = "not_resolver",
	[DG_FWD_UDP_TRUNCATED] = "udp_truncated",
	[DG_FWD_UDP_BAD_LENGTH] = "udp_bad_length",
	[DG_FWD_UDP6_ZERO_CHECKSUM] = "udp6_zero_checksum",
	[DG_FWD_UDP_BAD_CHECKSUM] = "udp_bad_checksum",
	[DG_FWD_SRC_PORT_LOW] = "src_port_low",
	[DG_FWD_TCP_TRUNCATED] = "tcp_truncated",
	[DG_FWD_DNS_SHORT] = "dns_short",
	[DG_FWD_DNS_RESPONSE] = "dns_response",
	[DG_FWD_DNS_OPCODE] = "dns_opcode",
	[DG_FWD_DNS_TC] = "dns_tc",
	[DG_FWD_DNS_QDCOUNT] = "dns_qdcount",
	[DG_FWD_DNS_AN_NS_COUNT] = "dns_an_ns_count",
	[DG_FWD_QNAME_POINTER] = "qname_pointer",
	[DG_FWD_QNAME_BAD_LABEL] = "qname_bad_label",
	[DG_FWD_QNAME_TOO_LONG] = "qname_too_long",
	[DG_FWD_QNAME_TRUNCATED] = "qname_truncated",
	[DG_FWD_QUESTION_TRUNCATED] = "question_truncated",
	[DG_FWD_QCLASS_NOT_IN] = "qclass_not_in",
	[DG_FWD_QTYPE_REFUSED] = "qtype_refused",
	[DG_FWD_EDNS_MISSING] = "edns_missing",
	[DG_FWD_EDNS_TRUNCATED] = "edns_truncated",
	[DG_FWD_EDNS_DUPLICATE] = "edns_duplicate",
	[DG_FWD_EDNS_OWNER_NOT_ROOT] = "edns_owner_not_root",
	[DG_FWD_EDNS_BAD_VERSION] = "edns_bad_version",
	[DG_FWD_EDNS_BAD_OPTION] = "edns_bad_option",
	[DG_FWD_EDNS_BAD_COOKIE] = "edns_bad_cookie",
	[DG_FWD_DNS_SIGNED] = "dns_signed",
	[DG_FWD_DNS_ADDITIONAL] = "dns_additional",
	[DG_FWD_DNS_TRAILING] = "dns_trailing",
};

const char *
dg_fwd_reason_name(enum dg_fwd_reason r)
{
	if ((unsigned int)r >= DG_FWD__MAX || reason_names[r] == NULL)
		return "unknown";
	return reason_names[r];
}
