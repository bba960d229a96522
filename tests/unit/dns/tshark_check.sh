#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Third opinion on forged answers: tshark (Wireshark's dissectors) must find every IPv4
# header and UDP checksum good, every frame a DNS response, and nothing malformed.
# Answers come from test_dns_forge (all unit vectors) and, when DG_SHARED_DATA is set,
# test_dns_pcaps (every answerable query in the shared captures).
# Usage: tshark_check.sh TEST_DNS_FORGE TEST_DNS_PCAPS
set -eu
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

DG_PCAP_OUT=$tmp/forge.pcap "$1" > "$tmp/forge.log" || { cat "$tmp/forge.log"; exit 1; }
files=$tmp/forge.pcap
set +e
DG_PCAP_OUT=$tmp/pcaps.pcap "$2" > "$tmp/pcaps.log"
rc=$?
set -e
if [ $rc -eq 0 ]; then
	files="$files $tmp/pcaps.pcap"
elif [ $rc -ne 77 ]; then
	cat "$tmp/pcaps.log"
	exit 1
fi

fail=0
for f in $files; do
	total=$(tshark -r "$f" 2>/dev/null | wc -l)
	good=$(tshark -r "$f" -o ip.check_checksum:TRUE -o udp.check_checksum:TRUE \
		-Y '(ip.checksum.status == 1 || ipv6) && udp.checksum.status == 1 && dns.flags.response == 1 && !_ws.malformed && !_ws.expert.severity >= "warning"' \
		2>/dev/null | wc -l)
	echo "$(basename "$f"): $good of $total answers clean per tshark"
	if [ "$total" -eq 0 ] || [ "$good" -ne "$total" ]; then
		tshark -r "$f" -o ip.check_checksum:TRUE -o udp.check_checksum:TRUE \
			-Y '!(ip.checksum.status == 1 || ipv6) || udp.checksum.status != 1 || _ws.malformed || _ws.expert.severity >= "warning"' \
			-V 2>/dev/null | head -80
		fail=1
	fi
done
exit $fail
