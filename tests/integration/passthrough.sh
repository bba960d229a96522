#!/bin/bash
# Passthrough: every frame offered on either side of a pair leaves by the other side,
# byte for byte, in order, none lost. Captures come from dnsgate-pcapgen (mixed profile).
set -euo pipefail
build=${1:?usage: passthrough.sh BUILD_DIR}
out=$(mktemp -d /tmp/dg-pass.XXXXXX)
trap 'rm -rf "$out"' EXIT

gen=$build/tools/pcapgen/dnsgate-pcapgen
"$gen" --profile mixed -n 5000 --seed 1 -o "$out/sub-in.pcap"
"$gen" --profile mixed -n 3001 --seed 2 -o "$out/net-in.pcap"

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
INI
"$build/app/dnsgate/dnsgate" -- --config "$out/dnsgate.ini" | tee "$out/log"

cmp=$build/tests/integration/dg-pcap-cmp
pass=0 fail=0
check() {
	if "$@"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAILED: $*"; fi
}
# Subscriber side in -> network side out, and the other way round.
check "$cmp" "$out/sub-in.pcap" "$out/net-out.pcap"
check "$cmp" "$out/net-in.pcap" "$out/sub-out.pcap"
check grep -Eq "^total rx 8001 tx 8001 dropped 0 " "$out/log"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
