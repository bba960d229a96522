#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# The e2e lab: three network namespaces and the veth pairs between them (see common.sh).
#
#   lab.sh up [--bridge]   create it; --bridge joins dg-sub and dg-net with a Linux bridge
#                          (a stand-in appliance that needs no DPDK)
#   lab.sh down            delete it (ends any process still running inside it)
#   lab.sh exec cli|app|res CMD...
#   lab.sh status          addresses, links and neighbours in each namespace
#
# DG_E2E_PREFIX (default dge2e) prefixes the namespace names, so two labs can coexist.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/common.sh"

need_root()
{
	[ "$(id -u)" = 0 ] || e2e_die "must run as root (network namespaces)"
	command -v ip >/dev/null || e2e_die "ip not found (apt-get install iproute2)"
	command -v ethtool >/dev/null || e2e_die "ethtool not found (apt-get install ethtool)"
}

ns_exists()
{
	ip netns list | awk '{print $1}' | grep -qx "$1"
}

# Quiet IPv6: no router solicitations or RAs, no DAD wait. Set on "default" before any
# link is made, so the veths created in the namespace inherit it.
ns_sysctl_v6()
{
	local ns=$1 key
	for key in all default; do
		ip netns exec "$ns" sysctl -qw \
			net.ipv6.conf.$key.accept_ra=0 \
			net.ipv6.conf.$key.router_solicitations=0 \
			net.ipv6.conf.$key.accept_dad=0 \
			net.ipv6.conf.$key.dad_transmits=0
	done
}

# veth TX checksum offload leaves CHECKSUM_PARTIAL packets whose checksum field af_packet
# hands over unfinished; a forwarder that copies frames would then send bad checksums.
# Segmentation/GRO offloads would hand af_packet frames larger than the MTU.
no_offload()
{
	ip netns exec "$1" ethtool -K "$2" tx off rx off gro off gso off tso off \
		>/dev/null 2>&1 || ip netns exec "$1" ethtool -K "$2" tx off rx off gso off tso off
}

lab_up()
{
	local bridge=0 ns
	[ "${1:-}" = --bridge ] && bridge=1
	need_root
	for ns in "$NS_CLI" "$NS_APP" "$NS_RES"; do
		ns_exists "$ns" && e2e_die "namespace $ns exists: run '$0 down' first"
	done
	for ns in "$NS_CLI" "$NS_APP" "$NS_RES"; do
		ip netns add "$ns"
		ip -n "$ns" link set lo up
	done
	ns_sysctl_v6 "$NS_CLI"
	ns_sysctl_v6 "$NS_RES"
	# The appliance side has no addresses: it must not emit frames of its own.
	ip netns exec "$NS_APP" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
		net.ipv6.conf.default.disable_ipv6=1

	# Created straight into their namespaces: nothing appears in the root namespace.
	ip link add "$IF_CLI" netns "$NS_CLI" type veth peer name "$IF_SUB" netns "$NS_APP"
	ip link add "$IF_NET" netns "$NS_APP" type veth peer name "$IF_RES" netns "$NS_RES"
	ip link add "$IF_CLI_DIRECT" netns "$NS_CLI" type veth \
		peer name "$IF_RES_DIRECT" netns "$NS_RES"

	no_offload "$NS_CLI" "$IF_CLI"
	no_offload "$NS_APP" "$IF_SUB"
	no_offload "$NS_APP" "$IF_NET"
	no_offload "$NS_RES" "$IF_RES"
	no_offload "$NS_CLI" "$IF_CLI_DIRECT"
	no_offload "$NS_RES" "$IF_RES_DIRECT"

	ip -n "$NS_CLI" addr add "$CLI4/24" dev "$IF_CLI"
	ip -n "$NS_CLI" addr add "$OPTOUT4/24" dev "$IF_CLI"
	ip -n "$NS_CLI" addr add "$CLI6/64" dev "$IF_CLI" nodad
	ip -n "$NS_CLI" addr add "$OPTOUT6/64" dev "$IF_CLI" nodad
	ip -n "$NS_CLI" addr add "$CLI4_DIRECT/24" dev "$IF_CLI_DIRECT"
	ip -n "$NS_CLI" addr add "$CLI6_DIRECT/64" dev "$IF_CLI_DIRECT" nodad
	ip -n "$NS_RES" addr add "$RES4/24" dev "$IF_RES"
	ip -n "$NS_RES" addr add "$RES6/64" dev "$IF_RES" nodad
	ip -n "$NS_RES" addr add "$RES4_DIRECT/24" dev "$IF_RES_DIRECT"
	ip -n "$NS_RES" addr add "$RES6_DIRECT/64" dev "$IF_RES_DIRECT" nodad

	# af_packet sees every frame on a veth anyway; promisc keeps it so if the PMD or a
	# bridge ever relies on the kernel's address filter.
	ip -n "$NS_APP" link set "$IF_SUB" promisc on
	ip -n "$NS_APP" link set "$IF_NET" promisc on
	if [ "$bridge" = 1 ]; then
		ip -n "$NS_APP" link add "$IF_BRIDGE" type bridge stp_state 0 forward_delay 0
		ip -n "$NS_APP" link set "$IF_SUB" master "$IF_BRIDGE"
		ip -n "$NS_APP" link set "$IF_NET" master "$IF_BRIDGE"
		ip -n "$NS_APP" link set "$IF_BRIDGE" up
	fi
	ip -n "$NS_APP" link set "$IF_SUB" up
	ip -n "$NS_APP" link set "$IF_NET" up
	ip -n "$NS_CLI" link set "$IF_CLI" up
	ip -n "$NS_CLI" link set "$IF_CLI_DIRECT" up
	ip -n "$NS_RES" link set "$IF_RES" up
	ip -n "$NS_RES" link set "$IF_RES_DIRECT" up
	wait_carrier
	e2e_log "lab up: $NS_CLI $NS_APP $NS_RES$([ "$bridge" = 1 ] && echo ' (bridge)')"
}

# A veth reports carrier only once both ends are up; wait so the first query is not lost.
wait_carrier()
{
	local ns ifc ns_if state
	for _ in $(seq 50); do
		state=ok
		for ns_if in "$NS_CLI:$IF_CLI" "$NS_CLI:$IF_CLI_DIRECT" "$NS_APP:$IF_SUB" \
				"$NS_APP:$IF_NET" "$NS_RES:$IF_RES" "$NS_RES:$IF_RES_DIRECT"; do
			ns=${ns_if%%:*}
			ifc=${ns_if#*:}
			if [ "$(ip netns exec "$ns" cat "/sys/class/net/$ifc/operstate")" != up ]; then
				state='wait'
			fi
		done
		[ "$state" = ok ] && return 0
		sleep 0.1
	done
	e2e_die "links did not come up"
}

lab_down()
{
	local ns pid
	for ns in "$NS_CLI" "$NS_APP" "$NS_RES"; do
		ns_exists "$ns" || continue
		# Anything still inside was started by the lab (unbound, dnsgate, a client).
		for pid in $(ip netns pids "$ns"); do
			kill "$pid" 2>/dev/null || true
		done
		for _ in 1 2 3 4 5 6 7 8 9 10; do
			[ -z "$(ip netns pids "$ns")" ] && break
			sleep 0.2
		done
		for pid in $(ip netns pids "$ns"); do
			kill -9 "$pid" 2>/dev/null || true
		done
		ip netns del "$ns"
	done
	e2e_log "lab down"
}

lab_status()
{
	local ns
	for ns in "$NS_CLI" "$NS_APP" "$NS_RES"; do
		ns_exists "$ns" || { echo "== $ns: absent"; continue; }
		echo "== $ns"
		ip -n "$ns" -br link
		ip -n "$ns" -br addr
		ip -n "$ns" neigh
	done
}

case "${1:-}" in
up) shift; lab_up "$@" ;;
down) need_root; lab_down ;;
exec) shift; [ $# -ge 2 ] || e2e_die "usage: $0 exec cli|app|res CMD..."; e2e_ns "$@" ;;
status) lab_status ;;
*) echo "usage: $0 up [--bridge] | down | exec cli|app|res CMD... | status" >&2; exit 2 ;;
esac
