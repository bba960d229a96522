#!/bin/bash
# What the hit log costs a worker per record: the same 100%-blocked replay with and
# without [log] file, alternating rounds; the difference of the worker's cycles per frame
# spent in dnsgate's own code (TSC around parse + lookup + forge + log push) is the cost of
# filling one record and pushing it into the lcore's ring. The management core writes the
# JSON on the other lcore.
#   tools/bench/hitlog-cost.sh BUILD_DIR [SECONDS] [ROUNDS]
set -euo pipefail
build=${1:?usage: hitlog-cost.sh BUILD_DIR [SECONDS] [ROUNDS]}
secs=${2:-5}
rounds=${3:-3}
out=$(mktemp -d /tmp/dg-hlc.XXXXXX)
trap 'rm -rf "$out"' EXIT
for i in $(seq 1 200); do echo "blocked$i.bench.test"; done >"$out/blocked.txt"
"$build/tools/pcapgen/dnsgate-pcapgen" --profile dns -n 4096 --seed 9 --blocked "$out/blocked.txt" \
	--blocked-pct 100 -o "$out/q.pcap" >/dev/null

run() { # LOG(yes|no) -> "cycles_own Mpps records"
	local log=""
	[ "$1" = yes ] && log="[log]
file = /dev/null
ring = 65536"
	rm -f "$out/hits.jsonl"
	cat >"$out/dg.ini" <<INI
[eal]
args = --no-huge -m 1024 --no-pci --no-shconf -l 0-1 --log-level=*:warning
vdev = net_pcap0,rx_pcap=$out/q.pcap,infinite_rx=1
vdev = net_null0,no-rx=1
[ports]
pair = net_pcap0 net_null0
[mgmt]
stats_interval = 0
run_for = $secs
[filter]
list = domains $out/blocked.txt identifier=BENCH
[answer]
sinkhole_v4 = 198.18.255.1
[guard]
rate = 0
$log
INI
	"$build/app/dnsgate/dnsgate" -- --config "$out/dg.ini" >"$out/log" 2>&1
	own=$(awk '/^cycles per frame/ {print $8}' "$out/log")
	mpps=$(awk '/^total rx/ {gsub(/\(/, "", $8); print $8}' "$out/log")
	# Records the worker pushed = filtered - not queued (the JSON goes to /dev/null).
	recs=$(awk '/^dns queries/ {gsub(/,/, ""); print $8}' "$out/log")
	echo "$own $mpps $recs"
}

printf "%-6s %28s %28s %8s %12s\n" round "own cycles/frame, log off" "own cycles/frame, log on" "diff" "filtered"
diffs=()
for r in $(seq 1 "$rounds"); do
	read -r off moff _ < <(run no)
	read -r on mon recs < <(run yes)
	d=$(echo "$on $off" | awk '{printf "%.1f", $1 - $2}')
	diffs+=("$d")
	printf "%-6s %15s (%6s Mpps) %15s (%6s Mpps) %8s %12s\n" "$r" "$off" "$moff" "$on" "$mon" "$d" "$recs"
done
printf "median cost per record: %s cycles\n" "$(printf "%s\n" "${diffs[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')"
