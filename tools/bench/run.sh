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
# the spread (min-max). Then network-side responses (pcapgen --profile responses) with the
# response policy off and on. Then the carrier mix (pcapgen --profile carrier: IMIX TCP/UDP/QUIC,
# ~3% DNS blocked one in a million) through testpmd and dnsgate with CARRIER_SIZES entries:
# Mpps, bytes a second and the ratio to testpmd. Then two workers on two queues against one,
# and testpmd with two cores against one (oversubscribed where the machine has under three
# CPUs). Then what the replay device costs against the time between bursts
# (tools/bench/rxgap). Then the swap-under-load run (tools/bench/lab/swap.py).
# Then live lists (tools/bench/lab/lists.py): start cold and from the image, add/del latency,
# status during a reload, steady and peak memory, per size.
# Then, as root with dnsperf, dnsdist and unbound installed, the peers run (tools/bench/peers.sh).
# Writes OUT/results.json, OUT/results.md, OUT/device.txt, OUT/throughput.png, OUT/swap.png (and peers.md,
# peers.json).
#
# Environment: STAGES (which runs, default "replay carrier responses workers hitlog device swap
# lists peers"),
# CARRIER_SIZES ("1000000 10000000"), stage hitlog: the cost of a hit log record, SECS (per run, 8), ROUNDS (3), WARM (warm-up seconds dropped, 2), FRAMES
# (per capture, 32768), SIZES ("1000 1000000 10000000"), OUT (BUILD_DIR/bench-results),
# SWAP_SECS (20, 0 = skip), SWAP_PAUSE (seconds between reloads, 1), SWAP_SIZE (1000000),
# LISTS_SIZES (the live-lists sizes, default SIZES),
# PEERS (auto, 1, 0; its own PEERS_* variables are in peers.sh), DG_BEFORE (another
# dnsgate binary, e.g. the previous commit's, run beside this one in every round on every
# mix and size: configuration before-N), DG_INI_EXTRA (a file appended to this build's
# filtering configurations, not DG_BEFORE's: e.g. an [intercept] section, to measure what
# it costs against the binary before it), MIX_OPTS (pcapgen
# options added to every capture, e.g. "--edns 80 --ipv6 30"), DG_SHARED_DATA
# (names from $DG_SHARED_DATA/names/*.csv; tools/lab/prelude.sh finds it beside the
# repository when unset; else pcapgen's synthetic names). Needs: meson, ninja, cc, dpdk-testpmd, python3, gnuplot.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/../lab/prelude.sh"
root=$DG_ROOT
build=${1:-build-bench}
case "$build" in /*) ;; *) build=$root/$build ;; esac
secs=${SECS:-8}
rounds=${ROUNDS:-3}
warm=${WARM:-2}
frames=${FRAMES:-32768}
sizes=${SIZES:-"1000 1000000 10000000"}
out=${OUT:-$build/bench-results}
mixes="benign b1 b100"
stages=${STAGES:-"replay carrier responses workers hitlog device swap lists peers"}
carrier_sizes=${CARRIER_SIZES:-"1000000 10000000"}
lists_sizes=${LISTS_SIZES:-$sizes}
want() { case " $stages " in *" $1 "*) return 0 ;; esac; return 1; }

dg_need meson ninja cc dpdk-testpmd python3 gnuplot tshark
if [ ! -f "$build/build.ninja" ]; then
	meson setup "$build" "$root" -Dbuildtype=release >/dev/null
fi
ninja -C "$build" app/dnsgate/dnsgate tools/pcapgen/dnsgate-pcapgen \
	tools/dnsgatectl/dnsgatectl tools/bench/rxgap/bench_rxgap tools/bench/mklist \
	tools/bench/burst/bench_burst >/dev/null
dg=$build/app/dnsgate/dnsgate
pcapgen=$build/tools/pcapgen/dnsgate-pcapgen

work=$(mktemp -d /tmp/dg-bench.XXXXXX)
tag=dgb$$
trap 'rm -rf "$work"' EXIT
mkdir -p "$out"
mklist=$build/tools/bench/mklist

names_opt=()
names_desc="pcapgen synthetic names (hostN.exampleM.test)"
nf=$(dg_names_csv)
if [ -n "$nf" ]; then
	names_opt=(--names "$nf")
	names_desc="$(basename "$nf") (Cloudflare Radar), Zipf 1.0"
fi

echo "== preparing lists and captures in $work"
for n in $(echo $sizes $lists_sizes $carrier_sizes | tr ' ' '\n' | sort -nu); do
	t0=$(date +%s.%N)
	"$mklist" "$n" >"$work/list-$n.txt"
	# Blocked queries of the mixes: names spread over the whole list (all of a small one).
	s=$((n < 4096 ? n : 4096))
	"$mklist" "$n" "$s" >"$work/sample-$n.txt"
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
# The carrier mix (pcapgen --profile carrier): a link's traffic with ~3% DNS, its queries
# blocked one in a million from the list of each size.
if want carrier; then
	for n in $(echo $carrier_sizes $base_n | tr ' ' '\n' | sort -nu); do
		"$pcapgen" --profile carrier -n "$frames" --seed 7 "${names_opt[@]}" --zipf 1.0 \
			--blocked "$work/sample-$n.txt" -o "$work/carrier-$n.pcap" >/dev/null
	done
fi
pcap_of() { # MIX SIZE
	case $1 in
	benign) echo "$work/benign.pcap" ;;
	w*) echo "$work/benign.pcap" ;;
	hl) echo "$work/b100-$2.pcap" ;;
	resp) echo "$work/resp.pcap" ;;
	*) echo "$work/$1-$2.pcap" ;;
	esac
}
mean_len() { # PCAP: mean frame length in bytes
	tshark -r "$1" -T fields -e frame.len 2>/dev/null | awk '{s += $1} END {if (NR) print s / NR}'
}
flen=$(tshark -r "$work/benign.pcap" -T fields -e frame.len 2>/dev/null |
	awk '{s += $1; if (min == "" || $1 < min) min = $1; if ($1 > max) max = $1}
	     END {if (NR) printf "%d-%d bytes, mean %.1f", min, max, s / NR}') || true

eal_mem="--no-huge -m 2048 --no-pci --log-level=*:warning"
# NQ workers (and the main lcore): one CPU each where the machine has them, else NQ+1
# lcores over its CPUs (oversubscribed: a correctness run, not a scaling figure).
ncpu=$(nproc)
eal_for() { # NQ
	if [ "$ncpu" -gt "$1" ]; then
		echo "$eal_mem -l 0-$1"
	else
		local l=0@0 i
		for i in $(seq 1 "$1"); do l="$l,$i@$((i % ncpu))"; done
		echo "$eal_mem --lcores $l"
	fi
}
rx_of() { # PCAP NQ: the net_pcap arguments of NQ queues replaying PCAP
	local a="" i
	for i in $(seq 1 "$2"); do a="${a}rx_pcap=$1,"; done
	echo "${a}infinite_rx=1"
}
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
run_testpmd() { # ROUND MIX [NQ: queues and forwarding cores, 1]
	local pcap log=$work/tp.log nq=${3:-1} label=testpmd
	pcap=$(pcap_of "$2" "$base_n")
	[ "$nq" -gt 1 ] && label=testpmd-$nq
	# shellcheck disable=SC2046 # the EAL arguments, split on spaces
	timeout -s INT $((secs + 6)) stdbuf -oL dpdk-testpmd $(eal_for "$nq") \
		--file-prefix "${tag}tp" --vdev "net_pcap0,$(rx_of "$pcap" "$nq")" \
		--vdev net_null0,no-rx=1 -- --forward-mode=io --stats-period 1 --no-lsc-interrupt \
		--record-core-cycles --rxq="$nq" --txq="$nq" --nb-cores="$nq" \
		--total-num-mbufs=$((frames * (nq + 1) + 16384)) >"$log" 2>&1 || true
	awk '/NIC statistics for port 0/ {p=1} /NIC statistics for port 1/ {p=0}
	     p && /Rx-pps:/ {print $2 / 1e6}' "$log" | awk '$1 > 0' | tail -n +$((warm + 1)) >"$work/samples"
	local med lo hi cyc rx tx
	med=$(median <"$work/samples")
	read -r lo hi < <(minmax <"$work/samples")
	cyc=$(sed -n 's/.*CPU cycles\/packet=\([0-9.]*\).*/\1/p' "$log" | tail -n 1)
	rx=$(awk '/Accumulated forward statistics/ {a=1} a && /RX-packets:/ {print $2; exit}' "$log")
	tx=$(awk '/Accumulated forward statistics/ {a=1} a && /TX-packets:/ {print $2; exit}' "$log")
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t-\t%s\t%s\t0\t0\t-\n' "$1" "$2" "$label" "$med" "$lo" "$hi" \
		"${cyc:--}" "${rx:-0}" "${tx:-0}" >>"$work/raw.tsv"
}

run_dnsgate() { # ROUND MIX CONFIG(off|SIZE) [BINARY LABEL [NQ: queues and workers, 1]]
	local pcap filter log=$work/dg.log pid bin=${4:-$dg} label=${5:-$3} nq=${6:-1}
	if [ "$3" = off ]; then
		pcap=$(pcap_of "$2" "$base_n")
		filter="inspect = no"
	else
		pcap=$(pcap_of "$2" "$3")
		filter="list = domains $work/list-$3.txt identifier=BENCH"
	fi
	cat >"$work/dg.ini" <<-INI
	[eal]
	args = $(eal_for "$nq") --file-prefix ${tag}dg
	vdev = net_pcap0,$(rx_of "$pcap" "$nq")
	vdev = net_null0,no-rx=1
	[ports]
	pair = ${dg_pair:-net_pcap0 net_null0}
	mbufs = $((frames * (nq + 1) + 16384))
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
	if [ -n "${DG_INI_EXTRA:-}" ] && [ -z "${4:-}" ] && [ "$3" != off ]; then
		cat "$DG_INI_EXTRA" >>"$work/dg.ini"
	fi
	[ -n "${dg_extra:-}" ] && cat "$dg_extra" >>"$work/dg.ini"
	"$bin" -- --config "$work/dg.ini" >"$log" 2>&1 &
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
	ans=$(awk '$1 == "answered" {print $2}' "$log")
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$label" "$med" "$lo" \
		"$hi" "${busy:--}" "${own:--}" "${rx:-0}" "${tx:-0}" "${drop:-0}" "${ans:-0}" \
		"$(cat "$work/rss")" >>"$work/raw.tsv"
}

# This build with SIZE entries and, with DG_BEFORE, the other binary beside it; the order
# alternates round by round, so that whatever the slot costs falls on both alike.
run_pair() { # ROUND MIX SIZE
	local first=$(($1 % 2 == 0))
	[ -n "${DG_BEFORE:-}" ] && [ "$first" = 1 ] && run_dnsgate "$@" "$DG_BEFORE" "before-$3"
	run_dnsgate "$@"
	if [ -n "${DG_BEFORE:-}" ] && [ "$first" = 0 ]; then
		run_dnsgate "$@" "$DG_BEFORE" "before-$3"
	fi
}

load0=$(cut -d' ' -f1-3 /proc/loadavg)
start=$(date -u +%Y-%m-%dT%H:%M:%SZ)
: >"$work/raw.tsv"
want replay && echo "== $rounds rounds x 3 mixes x (testpmd, off, $sizes), $secs s a run, median after $warm s warm-up"
want replay && for r in $(seq 1 "$rounds"); do
	for m in $mixes; do
		run_testpmd "$r" "$m"
		run_dnsgate "$r" "$m" off
		for n in $sizes; do
			run_pair "$r" "$m" "$n"
		done
		awk -v r="$r" -v m="$m" '$1 == r && $2 == m {printf "   round %s %-6s %-9s %7.3f Mpps\n", r, m, $3, $4}' \
			"$work/raw.tsv"
	done
done

# A hit lookup, per list size: bench_burst's lookup cycles a frame on the 100%-blocked
# capture (every query listed), best of its passes; the report sets it against testpmd's.
if want replay; then
	: >"$out/hitlookup.tsv"
	for n in $sizes; do
		"$build/tools/bench/burst/bench_burst" "$work/b100-$n.pcap" "$work/list-$n.txt" |
			awk -v n="$n" '/listed/ {for (i = 1; i <= NF; i++) if ($i == "listed") l = $(i + 1)
			    gsub(/[%,]/, "", l)}
			    /^TSC cycles per frame/ {gsub(",", ""); print n "\t" $8 "\t" l}' \
			>>"$out/hitlookup.tsv"
	done
	awk -F'\t' '{printf "   hit lookup, %s entries: %s cycles (listed %s%%)\n", $1, $2, $3}' \
		"$out/hitlookup.tsv"
fi

# One MIX's configurations: the median Mpps over rounds that ran (a run with no sample counts
# 0 and is left out), and the median over rounds of the per-round ratio to BASE-LABEL.
ratios() { # MIX BASE-LABEL MEAN-FRAME-BYTES
	awk -F'\t' -v m="$1" -v b="$2" -v len="$3" '
		$2 == m {v[$1, $3] = $4; if (!($3 in seen)) {seen[$3] = 1; cfg[++nc] = $3}; r[$1] = 1}
		END {
			for (i = 1; i <= nc; i++) {
				c = cfg[i]; n = 0; ny = 0; delete x; delete y
				for (k in r) {
					if ((k, c) in v && v[k, c] > 0) y[++ny] = v[k, c]
					if ((k, c) in v && (k, b) in v && v[k, c] > 0 && v[k, b] > 0)
						x[++n] = v[k, c] / v[k, b]
				}
				if (n == 0 || ny == 0) continue
				asort(x); asort(y)
				xm = n % 2 ? x[(n + 1) / 2] : (x[n / 2] + x[n / 2 + 1]) / 2
				ym = ny % 2 ? y[(ny + 1) / 2] : (y[ny / 2] + y[ny / 2 + 1]) / 2
				printf "   %-12s %7.3f Mpps %6.2f Gbit/s (%5.0f MB/s)  ratio %.3f (%d rounds)\n", \
					c, ym, ym * len * 8 / 1000, ym * len, xm, n
			}
		}' "$work/raw.tsv"
}

# The all-traffic mix: testpmd io-forward against dnsgate filtering with each list size.
if want carrier; then
	clen=$(mean_len "$work/carrier-$base_n.pcap")
	echo "== carrier mix: $rounds rounds x (testpmd, $carrier_sizes), $secs s a run," \
		"mean frame $clen bytes"
	for r in $(seq 1 "$rounds"); do
		run_testpmd "$r" carrier
		for n in $carrier_sizes; do
			run_pair "$r" carrier "$n"
		done
	done
	ratios carrier testpmd "$clen" | tee "$out/carrier.txt"
fi

# The network side: DNS responses (pcapgen --profile responses: with and without CNAME
# chains, none listed) replayed into the network port of the pair, through testpmd and
# through dnsgate with the middle list size, response policy off and on (and DG_BEFORE,
# which predates it): what reading every response costs.
if want responses; then
	"$pcapgen" --profile responses -n "$frames" --seed 7 "${names_opt[@]}" \
		-o "$work/resp.pcap" >/dev/null
	rlen=$(mean_len "$work/resp.pcap")
	printf '[intercept]\nresponses = no\n' >"$work/resp-off.ini"
	printf '[intercept]\nresponses = yes\n' >"$work/resp-on.ini"
	echo "== responses: $rounds rounds x (testpmd, dnsgate response policy off and on" \
		"${DG_BEFORE:+, before}), $base_n entries, mean frame $rlen bytes"
	for r in $(seq 1 "$rounds"); do
		run_testpmd "$r" resp
		dg_pair="net_null0 net_pcap0" dg_extra=$work/resp-off.ini \
			run_dnsgate "$r" resp "$base_n" "$dg" resp-off
		dg_pair="net_null0 net_pcap0" dg_extra=$work/resp-on.ini \
			run_dnsgate "$r" resp "$base_n" "$dg" resp-on
		if [ -n "${DG_BEFORE:-}" ]; then
			dg_pair="net_null0 net_pcap0" run_dnsgate "$r" resp "$base_n" "$DG_BEFORE" \
				before-resp
		fi
	done
	{
		ratios resp testpmd "$rlen"
		echo "   against response policy off:"
		ratios resp resp-off "$rlen" | grep -v ' resp-off '
	} | tee "$out/responses.txt"
fi

# Two workers on two queues against one (benign mix, the middle list size), and testpmd
# with as many forwarding cores. On a machine with fewer CPUs than lcores the runs are
# oversubscribed and the figure says so: the method is the same on a bigger machine.
if want workers; then
	wlen=$(mean_len "$work/benign.pcap")
	over=""
	[ "$ncpu" -gt 2 ] || over=" (oversubscribed: $ncpu CPUs for 3 lcores, no scaling figure)"
	echo "== workers: $rounds rounds x (testpmd 1 and 2 cores, dnsgate 1 and 2 workers," \
		"$base_n entries)$over"
	for r in $(seq 1 "$rounds"); do
		run_testpmd "$r" w 1
		run_testpmd "$r" w 2
		run_dnsgate "$r" w "$base_n" "$dg" "w1-$base_n" 1
		run_dnsgate "$r" w "$base_n" "$dg" "w2-$base_n" 2
	done
	{
		echo "   against testpmd, 1 core:"
		ratios w testpmd "$wlen"
		echo "   against testpmd, 2 cores:"
		ratios w testpmd-2 "$wlen"
		echo "   dnsgate 2 workers against 1 (scaling):"
		ratios w "w1-$base_n" "$wlen" | grep "w2-"
	} | tee "$out/workers.txt"
fi
# What a hit log record costs a worker: the 100%-blocked mix with and without [log] file
# (the JSON to /dev/null); the difference of dnsgate's own cycles per frame is the cost of
# filling one record and pushing it into the lcore's ring.
if want hitlog; then
	echo "== hit log: $rounds rounds x 100%-blocked mix, $base_n entries, [log] off and on"
	printf '[log]\nfile = /dev/null\nring = 65536\n' >"$work/log.ini"
	for r in $(seq 1 "$rounds"); do
		run_dnsgate "$r" hl "$base_n" "$dg" log-off
		dg_extra=$work/log.ini run_dnsgate "$r" hl "$base_n" "$dg" log-on
		[ -n "${DG_BEFORE:-}" ] && run_dnsgate "$r" hl "$base_n" "$DG_BEFORE" before-log-off &&
			dg_extra=$work/log.ini run_dnsgate "$r" hl "$base_n" "$DG_BEFORE" before-log-on
	done
	for who in "" ${DG_BEFORE:+before-}; do
		awk -F'\t' -v w="$who" '$2 == "hl" {c[$1, $3] = $8; r[$1] = 1}
			END {n = 0; for (k in r) if ((k, w "log-on") in c)
				d[++n] = c[k, w "log-on"] - c[k, w "log-off"]; asort(d)
			     printf "   %sown cycles a record: %.1f (median of %d rounds)\n", \
				w == "" ? "" : "previous build (DG_BEFORE): ",
				n % 2 ? d[(n + 1) / 2] : (d[n / 2] + d[n / 2 + 1]) / 2, n}' "$work/raw.tsv"
	done | tee "$out/hitlog.txt"
fi
cp "$work/raw.tsv" "$out/raw-all.tsv"
awk -F'\t' '$2 == "benign" || $2 == "b1" || $2 == "b100"' "$work/raw.tsv" >"$out/raw.tsv"

# What the replay device costs beside our code, against the time spent between bursts.
if want device; then
	echo "== replay device: rx and tx cycles a frame against the gap between bursts (bench_rxgap)"
	"$build/tools/bench/rxgap/bench_rxgap" "$work/benign.pcap" 1.5 3 2>/dev/null >"$out/device.txt" ||
		{ echo "bench_rxgap failed" >&2; exit 1; }
fi

if want swap && [ "${SWAP_SECS:-20}" != 0 ]; then
	echo "== swap under load: ${SWAP_SECS:-20} s, reloading a ${SWAP_SIZE:-1000000}-entry list"
	swap_n=${SWAP_SIZE:-1000000}
	[ -f "$work/list-$swap_n.txt" ] || "$mklist" "$swap_n" >"$work/list-$swap_n.txt"
	python3 "$here/lab/swap.py" --dnsgate "$dg" --ctl "$build/tools/dnsgatectl/dnsgatectl" \
		--pcap "$work/benign.pcap" --list "$work/list-$swap_n.txt" --frames "$frames" \
		--seconds "${SWAP_SECS:-20}" --pause "${SWAP_PAUSE:-1}" --prefix "${tag}sw" \
		--work "$work" --out "$out/swap.json"
fi

if want lists; then
	echo "== live lists: ${lists_sizes} entries${DG_BEFORE:+, and $DG_BEFORE}"
	python3 "$here/lab/lists.py" --dnsgate "$dg" --before "${DG_BEFORE:-}" \
		--pcap "$work/benign.pcap" --frames "$frames" --work "$work" --sizes "$lists_sizes" \
		--out "$out/lists.json"
fi

# The peers run (netns lab, root, dnsperf/dnsdist/unbound): PEERS=1 always, 0 never, auto
# when those are there.
peers=${PEERS:-auto}
want peers || peers=0
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

want replay || exit 0
cpu=$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)
python3 "$here/lab/report.py" --raw "$out/raw.tsv" --out "$out" --swap "$out/swap.json" \
	--device "$out/device.txt" --hitlookup "$out/hitlookup.tsv" \
	--meta "date=$start" --meta "machine=$(nproc) CPUs, $cpu, $(uname -r)" \
	--meta "load=$load0 before, $(cut -d' ' -f1-3 /proc/loadavg) after" \
	--meta "frames=$frames frames a capture, $flen${MIX_OPTS:+, pcapgen $MIX_OPTS}" \
	--meta "names=$names_desc" \
	--meta "secs=$secs" --meta "rounds=$rounds" --meta "warm=$warm" \
	--meta "dnsgate=$(git -C "$root" describe --always --dirty 2>/dev/null || echo unknown)" \
	--meta "testpmd=$(dpkg-query -W -f='${Version}' dpdk 2>/dev/null || echo unknown)"
