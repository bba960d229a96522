#!/bin/bash
# A two-namespace lab for drivers-config/af-packet-veth.ini:
#   client ns (198.18.0.2, 2001:2::2) -- veth -- [dg-sub | dnsgate | dg-net] -- veth -- resolver ns
# (198.18.0.1, 2001:2::1). dnsgate opens dg-sub and dg-net in the root namespace with
# net_af_packet. Only benchmarking addresses (198.18.0.0/15, 2001:2::/48). Run as root.
#   af-packet-veth.sh up | down
set -euo pipefail
case ${1:-} in
up)
	ip netns add dgl-cli
	ip netns add dgl-res
	ip link add dg-sub type veth peer name cli0 netns dgl-cli
	ip link add dg-net type veth peer name res0 netns dgl-res
	ip netns exec dgl-cli ip addr add 198.18.0.2/24 dev cli0
	ip netns exec dgl-cli ip addr add 2001:2::2/64 dev cli0 nodad
	ip netns exec dgl-res ip addr add 198.18.0.1/24 dev res0
	ip netns exec dgl-res ip addr add 2001:2::1/64 dev res0 nodad
	for l in dg-sub dg-net; do
		ip link set "$l" up promisc on
		# af_packet sees frames before the kernel fills in offloaded checksums: turn them off.
		ethtool -K "$l" tx off rx off gro off gso off tso off >/dev/null 2>&1 || true
		sysctl -qw "net.ipv6.conf.$l.disable_ipv6=1"
	done
	for ns in dgl-cli:cli0 dgl-res:res0; do
		ip netns exec "${ns%%:*}" ip link set lo up
		ip netns exec "${ns%%:*}" ip link set "${ns#*:}" up
		ip netns exec "${ns%%:*}" ethtool -K "${ns#*:}" tx off rx off >/dev/null 2>&1 || true
	done
	;;
down)
	ip link del dg-sub 2>/dev/null || true
	ip link del dg-net 2>/dev/null || true
	ip netns del dgl-cli 2>/dev/null || true
	ip netns del dgl-res 2>/dev/null || true
	;;
*)
	echo "usage: $0 up|down" >&2
	exit 2
	;;
esac
