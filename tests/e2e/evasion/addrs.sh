# SPDX-License-Identifier: BSD-3-Clause
# shellcheck disable=SC2034 # the names are used by run.sh
# Addresses of the evasion lab, on top of the e2e lab's (common.sh). Sourced, not run.
#
#   client ns: cli0 198.18.0.2 / 2001:2::2 ----[dnsgate]---- res0: each resolver's "t" address
#              cli-direct 198.19.0.2 / 2001:2:0:1::2 ------- res-direct: its "d" address
#   resolver ns loopback: 198.18.53.53, knotd (the lab's root and example.test)
#   encapsulated clients (VLAN, PPPoE, MPLS frames built by shapes.py, ended by encapgw.py
#   on a tun device in the resolver namespace): 198.18.8.2 / 2001:2:0:8::2 through dnsgate,
#   198.19.8.2 / 2001:2:0:9::2 direct

EV_RESOLVERS="unbound bind kresd pdns"
EV_AUTH4=198.18.53.53
EV_SINK4=198.18.255.1
EV_SINK6=2001:2:0:ff::1
# dnsgate's net_tap devices in the appliance namespace.
EV_TAP_SUB=dgt-sub
EV_TAP_NET=dgt-net
EV_TUN=ev-encap
EV_ENCAP_T4=198.18.8.2
EV_ENCAP_T6=2001:2:0:8::2
EV_ENCAP_D4=198.19.8.2
EV_ENCAP_D6=2001:2:0:9::2

# ev_addr RESOLVER t4|t6|d4|d6: t = through dnsgate, d = direct.
ev_addr()
{
	local n
	case "$1" in
	unbound) n=11 ;;
	bind) n=12 ;;
	kresd) n=13 ;;
	pdns) n=14 ;;
	*) e2e_die "unknown resolver '$1'" ;;
	esac
	case "$2" in
	t4) echo "198.18.0.$n" ;;
	t6) echo "2001:2::$n" ;;
	d4) echo "198.19.0.$n" ;;
	d6) echo "2001:2:0:1::$n" ;;
	*) e2e_die "unknown address kind '$2'" ;;
	esac
}

# ev_version RESOLVER: its Debian package version.
ev_version()
{
	local pkg
	case "$1" in
	unbound) pkg=unbound ;;
	bind) pkg=bind9 ;;
	kresd) pkg=knot-resolver ;;
	pdns) pkg=pdns-recursor ;;
	esac
	dpkg-query -W -f '${Version}' "$pkg" 2>/dev/null
}

# ev_mac NS IFACE
ev_mac()
{
	ip netns exec "$1" cat "/sys/class/net/$2/address"
}

# ev_lab_json: what shapes.py needs to know about the lab (addresses, MACs, interfaces).
ev_lab_json()
{
	local r sep=''
	printf '{\n "sink4": "%s", "sink6": "%s",\n' "$EV_SINK4" "$EV_SINK6"
	printf ' "through": {"if": "%s", "src4": "%s", "src6": "%s", "encap4": "%s", "encap6": "%s",\n' \
		"$IF_CLI" "$CLI4" "$CLI6" "$EV_ENCAP_T4" "$EV_ENCAP_T6"
	printf '   "mac": "%s", "peer_mac": "%s"},\n' \
		"$(ev_mac "$NS_CLI" "$IF_CLI")" "$(ev_mac "$NS_RES" "$IF_RES")"
	printf ' "direct": {"if": "%s", "src4": "%s", "src6": "%s", "encap4": "%s", "encap6": "%s",\n' \
		"$IF_CLI_DIRECT" "$CLI4_DIRECT" "$CLI6_DIRECT" "$EV_ENCAP_D4" "$EV_ENCAP_D6"
	printf '   "mac": "%s", "peer_mac": "%s"},\n' \
		"$(ev_mac "$NS_CLI" "$IF_CLI_DIRECT")" "$(ev_mac "$NS_RES" "$IF_RES_DIRECT")"
	printf ' "resolvers": ['
	for r in $EV_RESOLVERS; do
		printf '%s\n  {"name": "%s", "version": "%s",' "$sep" "$r" "$(ev_version "$r")"
		printf '\n   "t4": "%s", "t6": "%s", "d4": "%s", "d6": "%s"}' "$(ev_addr "$r" t4)" \
			"$(ev_addr "$r" t6)" "$(ev_addr "$r" d4)" "$(ev_addr "$r" d6)"
		sep=,
	done
	printf '\n ]\n}\n'
}
