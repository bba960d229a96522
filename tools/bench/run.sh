#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# The lab replay benchmark, one command (docs/benchmarks.md):
#
#   tools/bench/run.sh [BUILD_DIR]        (default build-bench; configured and built if absent)
#
# On the same vdevs (net_pcap rx_pcap=Q,infinite_rx=1 into net_null no-rx=1), one worker,
# the same seconds per run, in one run: dpdk-testpmd io-forward (the ceiling), dnsgate with
# [filter] inspect = no, and dnsgate filtering with 1k, 1M and 10M synthetic entries
# (tools/bench/mklist.c), each on a benign mix, a 1%-blocked and a 100%-blocked mix. Rounds
# interleave every configuration so machine noise hits all alike; a run's figure is the median
# of its per-second samples after the warm-up; the table gives the median over rounds and
# the spread (min-max). Then what the replay device costs against the time between bursts
# (tools/bench/rxgap). Then the swap-under-load run (tools/bench/lab/swap.py).
# Then, as root with dnsperf, dnsdist and unbound installed, the peers run (tools/bench/peers.sh).
# Writes OUT/results.json, OUT/results.md, OUT/device.txt, OUT/throughput.png, OUT/swap.png (and peers.md,
# peers.json).
#
# Environment: SECS (per run, 8), ROUNDS (3), WARM (warm-up seconds dropped, 2), FRAMES
# (per capture, 32768), SIZES ("1000 1000000 10000000"), OUT (BUILD_DIR/bench-results),
# SWAP_SECS (20, 0 = skip), SWAP_PAUSE (seconds between reloads, 1), SWAP_SIZE (1000000),
# PEERS (auto, 1, 0; its own PEERS_* variables are in peers.sh), MIX_OPTS (pcapgen
# options added to every capture, e.g. "--edns 80 --ipv6 30"), DG_SHARED_DATA
# (names from $DG_SHARED_DATA/names/*.csv when set, else /work/shared/data if present,
# else pcapgen's synthetic names). Needs: meson, ninja, cc, dpdk-testpmd, python3, gnuplot.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
build=${1:-build-bench}
case "$build" in /*) ;; *) build=$root/$build ;; esac
secs=${SECS:-8}
rounds=${ROUNDS:-3}
warm=${WARM:-2}
frames=${FRAMES:-32768}
sizes=${SIZES:-"1000 1000000 10000000"}
out=${OUT:-$build/bench-results}
mixes="benign b1 b100"

for t in meson ninja cc dpdk-testpmd python3 gnuplot; do
	command -v "$t" >/dev/null || { echo "run.sh: $t not found (docs/benchmarks.md)" >&2; exit 2; }
done
if [ ! -f "$build/build.ninja" ]; then
	meson setup "$build" "$root" -Dbuildtype=release >/dev/null
fi
ninja -C "$build" app/dnsgate/dnsgate tools/pcapgen/dnsgate-pcapgen \
	tools/dnsgatectl/dnsgatectl tools/bench/rxgap/bench_rxgap >/dev/null
dg=$build/app/dnsgate/dnsgate
pcapgen=$build/tools/pcapgen/dnsgate-pcapgen

work=$(mktemp -d /tmp/dg-bench.XXXXXX)
tag=dgb$$
trap 'rm -rf "$work"' EXIT
mkdir -p "$out"
cc -O2 -std=gnu11 -o "$work/mklist" "$here/mklist.c"

shared=${DG_SHARED_DATA:-}
[ -z "$shared" ] && [ -d /work/shared/data/names ] && shared=/work/shared/data
names_opt=()
names_desc="pcapgen synthetic names (hostN.exampleM.test)"
if [ -n "$shared" ] && ls "$shared"/names/*.csv >/dev/null 2>&1; then
	nf=$(ls "$shared"/names/*.csv | head -n 1)
	names_opt=(--names "$nf")
	names_desc="$(basename "$nf") (Cloudflare Radar), Zipf 1.0"
fi

echo "== preparing lists and captures in $work"
for n in $sizes; do
	t0=$(date +%s.%N)
	"$work/mklist" "$n" >"$work/list-$n.txt"
	# Blocked queries of the mixes: names spread over the whole list (all of a small one).
	s=$((n < 4096 ? n : 4096))
	"$work/mklist" "$n" "$s" >"$work/sample-$n.txt"
	printf '   list %9s names: %s s\n' "$n" "$(echo "$(date +%s.%N) $t0" | awk '{printf "%.2f", $1 - $2}')"
done
gen() { # OUT [pcapgen options]
	local o=$1
	shift
	# shellcheck disable=SC2086 # MIX_OPTS: pcapgen options, split on spaces
	"$pcapgen" --profile dns -n "$frames" --seed 7 "${names_opt[@]}" --zipf 1.0 ${MIX_OPTS:-} \
		-o "$o" "$@" >/dev/null
}
gen "$work/benign.pcap"
for n in $sizes; do
	gen "$work/b1-$n.pcap" --blocked "$work/sample-$n.txt" --blocked-pct 1
	gen "$work/b100-$n.pcap" --blocked "$work/sample-$n.txt" --blocked-pct 100
done
# The baselines (testpmd, inspect off) replay the capture of the middle size.
set -- $sizes
base_n=${2:-$1}
pcap_of() { # MIX SIZE
	if [ "$1" = benign ]; then echo "$work/benign.pcap"; else echo "$work/$1-$2.pcap"; fi
}
flen=$(tshark -r "$work/benign.pcap" -T fields -e frame.len 2>/dev/null |
	awk '{s += $1; if (min == "" || $1 < min) min = $1; if ($1 > max) max = $1}
	     END {if (NR) printf "%d-%d bytes, mean %.1f", min, max, s / NR}') || true

eal_base="--no-huge -m 2048 --no-pci -l 0-1 --log-level=*:warning"
median() { sort -g | awk '{a[NR]=$1} END {if (NR == 0) print 0; else if (NR % 2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }
minmax() { sort -g | awk 'NR == 1 {lo = $1} {hi = $1} END {print lo + 0, hi + 0}'; }

# Highest RSS (kB) of PID while it runs, written to FILE when it exits.
rss_watch() {
	local pid=$1 f=$2 m=0 r
	while kill -0 "$pid" 2>/dev/null; do
		r=$(awk '/^VmRSS/ {print $2}' "/proc/$pid/status" 2>/dev/null || true)
		[ -n "$r" ] && [ "$r" -gt "$m" ] && m=$r
		sleep 0.5
	done
	echo "$m" >"$f"
}

# Each run appends one line to raw.tsv:
# round mix config mpps(median of seconds) lo hi busy_cyc own_cyc rx tx dropped answered rss_kB
run_testpmd() { # ROUND MIX
	local pcap log=$work/tp.log
	pcap=$(pcap_of "$2" "$base_n")
	timeout -s INT $((secs + 6)) stdbuf -oL dpdk-testpmd $eal_base --file-prefix "${tag}tp" \
		--vdev "net_pcap0,rx_pcap=$pcap,infinite_rx=1" --vdev net_null0,no-rx=1 -- \
		--forward-mode=io --stats-period 1 --no-lsc-interrupt --record-core-cycles \
		--total-num-mbufs=$((frames * 2 + 16384)) >"$log" 2>&1 || true
	awk '/NIC statistics for port 0/ {p=1} /NIC statistics for port 1/ {p=0}
	     p && /Rx-pps:/ {print $2 / 1e6}' "$log" | awk '$1 > 0' | tail -n +$((warm + 1)) >"$work/samples"
	local med lo hi cyc rx tx
	med=$(median <"$work/samples")
	read -r lo hi < <(minmax <"$work/samples")
	cyc=$(sed -n 's/.*CPU cycles\/packet=\([0-9.]*\).*/\1/p' "$log" | tail -n 1)
	rx=$(awk '/Accumulated forward statistics/ {a=1} a && /RX-packets:/ {print $2; exit}' "$log")
	tx=$(awk '/Accumulated forward statistics/ {a=1} a && /TX-packets:/ {print $2; exit}' "$log")
	printf '%s\t%s\ttestpmd\t%s\t%s\t%s\t%s\t-\t%s\t%s\t0\t0\t-\n' "$1" "$2" "$med" "$lo" "$hi" \
		"${cyc:--}" "${rx:-0}" "${tx:-0}" >>"$work/raw.tsv"
}

run_dnsgate() { # ROUND MIX CONFIG(off|SIZE)
	local pcap filter log=$work/dg.log pid
	if [ "$3" = off ]; then
		pcap=$(pcap_of "$2" "$base_n")
		filter="inspect = no"
	else
		pcap=$(pcap_of "$2" "$3")
		filter="list = domains $work/list-$3.txt identifier=BENCH"
	fi
	cat >"$work/dg.ini" <<-INI
	[eal]
	args = $eal_base --file-prefix ${tag}dg
	vdev = net_pcap0,rx_pcap=$pcap,infinite_rx=1
	vdev = net_null0,no-rx=1
	[ports]
	pair = net_pcap0 net_null0
	mbufs = $((frames * 2 + 16384))
	[mgmt]
	stats_interval = 1
	run_for = $secs
	[filter]
	$filter
	[answer]
	sinkhole_v4 = 198.18.255.1
	sinkhole_v6 = 2001:2:0:ff::1
	[guard]
	rate = 0
	INI
	"$dg" -- --config "$work/dg.ini" >"$log" 2>&1 &
	pid=$!
	rss_watch "$pid" "$work/rss" &
	wait "$pid" || { echo "dnsgate failed ($2 $3):" >&2; tail -n 20 "$log" >&2; return 1; }
	wait
	awk '/^\[ *[0-9.]+s\]/ {print $3}' "$log" | tail -n +$((warm + 1)) >"$work/samples"
	local med lo hi busy own rx tx drop ans
	med=$(median <"$work/samples")
	read -r lo hi < <(minmax <"$work/samples")
	read -r busy own < <(awk '/^cycles per frame/ {print $4, $8}' "$log")
	read -r rx tx drop < <(awk '/^total rx/ {print $3, $5, $7}' "$log")
	ans=$(awk '/^dns queries/ {gsub(/,/, ""); for (i = 1; i < NF; i++) if ($i == "answered") print $(i+1)}' "$log")
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$med" "$lo" \
		"$hi" "${busy:--}" "${own:--}" "${rx:-0}" "${tx:-0}" "${drop:-0}" "${ans:-0}" \
		"$(cat "$work/rss")" >>"$work/raw.tsv"
}

load0=$(cut -d' ' -f1-3 /proc/loadavg)
start=$(date -u +%Y-%m-%dT%H:%M:%SZ)
echo "== $rounds rounds x 3 mixes x (testpmd, off, $sizes), $secs s a run, median after $warm s warm-up"
: >"$work/raw.tsv"
for r in $(seq 1 "$rounds"); do
	for m in $mixes; do
		run_testpmd "$r" "$m"
		run_dnsgate "$r" "$m" off
		for n in $sizes; do
			run_dnsgate "$r" "$m" "$n"
		done
		awk -v r="$r" -v m="$m" '$1 == r && $2 == m {printf "   round %s %-6s %-9s %7.3f Mpps\n", r, m, $3, $4}' \
			"$work/raw.tsv"
	done
done
cp "$work/raw.tsv" "$out/raw.tsv"

# What the replay device costs beside our code, against the time spent between bursts.
echo "== replay device: rx and tx cycles a frame against the gap between bursts (bench_rxgap)"
"$build/tools/bench/rxgap/bench_rxgap" "$work/benign.pcap" 1.5 3 2>/dev/null >"$out/device.txt" ||
	{ echo "bench_rxgap failed" >&2; exit 1; }

if [ "${SWAP_SECS:-20}" != 0 ]; then
	echo "== swap under load: ${SWAP_SECS:-20} s, reloading a ${SWAP_SIZE:-1000000}-entry list"
	swap_n=${SWAP_SIZE:-1000000}
	[ -f "$work/list-$swap_n.txt" ] || "$work/mklist" "$swap_n" >"$work/list-$swap_n.txt"
	python3 "$here/lab/swap.py" --dnsgate "$dg" --ctl "$build/tools/dnsgatectl/dnsgatectl" \
		--pcap "$work/benign.pcap" --list "$work/list-$swap_n.txt" --frames "$frames" \
		--seconds "${SWAP_SECS:-20}" --pause "${SWAP_PAUSE:-1}" --prefix "${tag}sw" \
		--work "$work" --out "$out/swap.json"
fi

# The peers run (netns lab, root, dnsperf/dnsdist/unbound): PEERS=1 always, 0 never, auto
# when those are there.
peers=${PEERS:-auto}
if [ "$peers" = auto ]; then
	peers=0
	[ "$(id -u)" = 0 ] && command -v dnsperf >/dev/null && command -v dnsdist >/dev/null &&
		command -v unbound >/dev/null && command -v kdig >/dev/null && peers=1
	[ "$peers" = 1 ] || echo "== peers: skipped (needs root, dnsperf, dnsdist, unbound, kdig)"
fi
if [ "$peers" = 1 ]; then
	echo "== peers: dnsgate vs dnsdist vs unbound RPZ in network namespaces (tools/bench/peers.sh)"
	OUT=$out "$here/peers.sh" "$build"
fi

cpu=$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)
python3 "$here/lab/report.py" --raw "$out/raw.tsv" --out "$out" --swap "$out/swap.json" \
	--device "$out/device.txt" \
	--meta "date=$start" --meta "machine=$(nproc) CPUs, $cpu, $(uname -r)" \
	--meta "load=$load0 before, $(cut -d' ' -f1-3 /proc/loadavg) after" \
	--meta "frames=$frames frames a capture, $flen${MIX_OPTS:+, pcapgen $MIX_OPTS}" \
	--meta "names=$names_desc" \
	--meta "secs=$secs" --meta "rounds=$rounds" --meta "warm=$warm" \
	--meta "dnsgate=$(git -C "$root" describe --always --dirty 2>/dev/null || echo unknown)" \
	--meta "testpmd=$(dpkg-query -W -f='${Version}' dpdk 2>/dev/null || echo unknown)"
