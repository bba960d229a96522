#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Second opinion on forged TCP segments: tshark (Wireshark's dissectors) decodes every
# answer and RST that test_tcp_forge writes, and must read the same fields the test
# expects (addresses, ports, raw sequence numbers, flags, window, VLAN IDs, timestamps,
# the DNS answer), with good IPv4 and TCP checksums and nothing malformed.
# Usage: tshark_check.sh TEST_TCP_FORGE
set -eu
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

DG_PCAP_OUT=$tmp/forge.pcap DG_TSHARK_EXPECT=$tmp/expect "$1" > "$tmp/forge.log" ||
	{ cat "$tmp/forge.log"; exit 1; }
opts="-o tcp.analyze_sequence_numbers:FALSE -o tcp.relative_sequence_numbers:FALSE
	-o ip.check_checksum:TRUE -o tcp.check_checksum:TRUE"
# shellcheck disable=SC2086
tshark -r "$tmp/forge.pcap" $opts -T fields -E separator=/t \
	-e ip.src -e ipv6.src -e ip.dst -e ipv6.dst -e tcp.srcport -e tcp.dstport \
	-e tcp.seq_raw -e tcp.ack_raw -e tcp.flags -e tcp.window_size_value \
	-e ieee8021ad.id -e vlan.id -e tcp.options.timestamp.tsval \
	-e tcp.options.timestamp.tsecr -e dns.id -e dns.a -e tcp.checksum.status \
	-e ip.checksum.status > "$tmp/got" 2>/dev/null
# shellcheck disable=SC2086
bad=$(tshark -r "$tmp/forge.pcap" $opts \
	-Y '_ws.malformed || tcp.checksum.status != 1 || (ip && ip.checksum.status != 1) || (tcp.flags.fin == 1 && !(dns.flags.response == 1 && dns.count.answers == 1))' \
	2>/dev/null | wc -l)
total=$(wc -l < "$tmp/got")
want=$(wc -l < "$tmp/expect")
echo "forged segments: $total decoded by tshark, $want expected, $bad bad"
if [ "$total" -eq 0 ] || [ "$total" -ne "$want" ] || [ "$bad" -ne 0 ] ||
	! diff "$tmp/expect" "$tmp/got"; then
	echo "tshark disagrees with test_tcp_forge" >&2
	exit 1
fi
