#!/bin/bash
# Passthrough: every frame offered on either side of a pair leaves by the other side,
# byte for byte, in order, none lost. Captures come from dnsgate-pcapgen: the mixed profile,
# and the carrier profile inspected against a list.
set -euo pipefail
build=${1:?usage: passthrough.sh BUILD_DIR}
out=$(mktemp -d /tmp/dg-pass.XXXXXX)
trap 'rm -rf "$out"' EXIT

gen=$build/tools/pcapgen/dnsgate-pcapgen
cmp=$build/tests/integration/dg-pcap-cmp
pass=0 fail=0
check() {
	if "$@"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAILED: $*"; fi
}

# run PROFILE SUB_FRAMES NET_FRAMES [FILTER_LINE]: both sides through dnsgate, compared.
run() {
	local profile=$1 ns=$2 nn=$3 filter=${4:-}
	"$gen" --profile "$profile" -n "$ns" --seed 1 -o "$out/sub-in.pcap" \
		${filter:+--manifest "$out/sub.man"}
	"$gen" --profile "$profile" -n "$nn" --seed 2 -o "$out/net-in.pcap"
	cat > "$out/dnsgate.ini" <<INI
[eal]
args = --no-huge -m 512 --no-pci --no-shconf -l 0-1 --log-level=*:warning
vdev = net_pcap0,rx_pcap=$out/sub-in.pcap,tx_pcap=$out/sub-out.pcap
vdev = net_pcap1,rx_pcap=$out/net-in.pcap,tx_pcap=$out/net-out.pcap
[ports]
pair = net_pcap0 net_pcap1
[mgmt]
idle_exit = 1
run_for = 60
${filter:+[filter]}
$filter
INI
	"$build/app/dnsgate/dnsgate" -- --config "$out/dnsgate.ini" | tee "$out/log"
	# Subscriber side in -> network side out, and the other way round.
	check "$cmp" "$out/sub-in.pcap" "$out/net-out.pcap"
	check "$cmp" "$out/net-in.pcap" "$out/sub-out.pcap"
	check grep -Eq "^total rx $((ns + nn)) tx $((ns + nn)) dropped 0 " "$out/log"
}

run mixed 5000 3001
# All of a link's traffic, inspected against a list none of it is for: every frame passes,
# and every DNS query of the manifest was read.
"$build/tools/bench/mklist" 1000 > "$out/list.txt"
run carrier 20000 5000 "list = domains $out/list.txt"
q=$(grep -c " query " "$out/sub.man")
check grep -Eq "^queries $q\$" "$out/log"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
