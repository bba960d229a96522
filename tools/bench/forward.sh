#!/bin/bash
# Forwarding rate: dnsgate ([filter] inspect = no: the bump in the wire alone) next to dpdk-testpmd io-forward on the same vdevs
# in the same run: net_pcap (infinite_rx=1) into net_null (no-rx=1, so the sink generates
# nothing). Rounds alternate the two so machine noise hits both; each round's figure is the
# median of its per-second samples after a warm-up.
#
#   tools/bench/forward.sh BUILD_DIR [SECONDS_PER_RUN] [ROUNDS]
set -euo pipefail
build=${1:?usage: forward.sh BUILD_DIR [SECONDS] [ROUNDS]}
secs=${2:-8}
rounds=${3:-3}
warm=2
out=$(mktemp -d /tmp/dg-fwd.XXXXXX)
trap 'rm -rf "$out"' EXIT

"$build/tools/pcapgen/dnsgate-pcapgen" --profile dns -n 4096 --seed 7 -o "$out/q.pcap" >/dev/null
size=$(tshark -r "$out/q.pcap" -T fields -e frame.len 2>/dev/null | sort -n | awk '{a[NR]=$1} END {print a[1] "-" a[NR]}')
eal="--no-huge -m 1024 --no-pci --no-shconf -l 0-1 --log-level=*:warning"
vdevs="--vdev net_pcap0,rx_pcap=$out/q.pcap,infinite_rx=1 --vdev net_null0,no-rx=1"

median() { sort -n | awk '{a[NR]=$1} END {if (NR == 0) print 0; else if (NR % 2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }

run_testpmd() {
	timeout -s INT $((secs + 5)) stdbuf -oL dpdk-testpmd $eal $vdevs -- --forward-mode=io \
		--stats-period 1 --no-lsc-interrupt >"$out/tp.log" 2>&1 || true
	# Port 0's Rx-pps lines, one per second; drop the warm-up.
	awk '/NIC statistics for port 0/ {p=1} /NIC statistics for port 1/ {p=0}
	     p && /Rx-pps:/ {print $2 / 1e6}' "$out/tp.log" | tail -n +$((warm + 2)) | median
}

run_dnsgate() {
	cat >"$out/dg.ini" <<INI
[eal]
args = $eal $vdevs
[ports]
pair = net_pcap0 net_null0
[mgmt]
stats_interval = 1
run_for = $secs
[filter]
inspect = no
INI
	"$build/app/dnsgate/dnsgate" -- --config "$out/dg.ini" >"$out/dg.log" 2>&1
	awk '/^\[ *[0-9.]+s\]/ {print $3}' "$out/dg.log" | tail -n +$((warm + 1)) | median
}

printf "frames %s bytes, %s s per run, %s rounds, 1 forwarding lcore each\n" "$size" "$secs" "$rounds"
printf "%-6s %14s %14s %8s\n" round "testpmd Mpps" "dnsgate Mpps" ratio
tps=() dgs=()
for r in $(seq 1 "$rounds"); do
	tp=$(run_testpmd)
	dg=$(run_dnsgate)
	tps+=("$tp") dgs+=("$dg")
	printf "%-6s %14.3f %14.3f %8.3f\n" "$r" "$tp" "$dg" "$(echo "$dg $tp" | awk '{print $1 / $2}')"
done
tp=$(printf "%s\n" "${tps[@]}" | median)
dg=$(printf "%s\n" "${dgs[@]}" | median)
printf "%-6s %14.3f %14.3f %8.3f\n" median "$tp" "$dg" "$(echo "$dg $tp" | awk '{print $1 / $2}')"
