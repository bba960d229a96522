#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Peers, end to end (docs/benchmarks.md): in the e2e lab's network namespaces
# (tools/lab/lab.sh), dnsperf sends the same query files, with the same blocklist, to
#   dnsgate   net_af_packet bump in the wire in front of unbound (answers blocked names)
#   dnsdist   SuffixMatchNodeRule + SpoofAction in front of the same unbound
#   unbound   one unbound that answers blocked names itself from an RPZ zone
# and reports qps, latency percentiles (from dnsperf -v per-query lines) and the CPU seconds
# the filtering process used (/proc/PID/stat utime + stime, all threads) per million
# queries answered; for dnsgate also its worker's TSC cycles per frame.
#
#   tools/bench/peers.sh [BUILD_DIR]     (root; default build-bench)
#
# Environment: PEERS_SIZE (list entries, 100000), PEERS_SECS (10 a run), PEERS_ROUNDS (2),
# PEERS_CLIENTS/PEERS_OUTSTANDING (dnsperf -c/-q: 4, 100), PEERS_NICE (0), PEERS_VDEV_OPTS
# (extra net_af_packet devargs for dnsgate, e.g. ",qdisc_bypass=1"; none by default),
# PEERS_PREFIX (namespace names, dgpeer<pid>), PEERS_RPS (1: the client's veths steer
# their receive path to CPU 0 with RPS; 0), PEERS_PMD (dnsgate's ports: af_packet, or
# af_xdp), OUT (BUILD_DIR/bench-results: peers.md, peers.json, peers-raw.tsv,
# peers-dnsgate-tsc.tsv).
# CPUs: the filtering process gets CPU 1 (dnsgate: its worker; main lcore on 0), dnsperf
# and the backend unbound CPU 0.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export DG_E2E_PREFIX=${PEERS_PREFIX:-dgpeer$$}
. "$here/../lab/common.sh"
root=$DG_ROOT
build=${1:-build-bench}
case "$build" in /*) ;; *) build=$root/$build ;; esac
size=${PEERS_SIZE:-100000}
secs=${PEERS_SECS:-10}
rounds=${PEERS_ROUNDS:-2}
clients=${PEERS_CLIENTS:-4}
outst=${PEERS_OUTSTANDING:-100}
nice_v=${PEERS_NICE:-0}
vdev_opts=${PEERS_VDEV_OPTS-}
pmd=${PEERS_PMD:-af_packet}
case "$pmd" in af_packet | af_xdp) ;; *) echo "peers.sh: PEERS_PMD=$pmd: af_packet or af_xdp" >&2; exit 2 ;; esac
out=${OUT:-$build/bench-results}
lab=$DG_LAB/lab.sh

[ "$(id -u)" = 0 ] || { echo "peers.sh: needs root (network namespaces)" >&2; exit 2; }
dg_need dnsperf unbound unbound-checkconf dnsdist kdig taskset python3
[ -f "$build/build.ninja" ] || meson setup "$build" "$root" -Dbuildtype=release >/dev/null
ninja -C "$build" app/dnsgate/dnsgate tools/bench/mklist >/dev/null
dg=$build/app/dnsgate/dnsgate

work=$(mktemp -d /tmp/dg-peers.XXXXXX)
mkdir -p "$out"
PIDS=()
cleanup() {
	local p
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
	"$lab" down >/dev/null 2>&1 || true
	[ "${PEERS_KEEP:-0}" = 1 ] || rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
# Each server runs in its own session (so scheduler autogroup), as in tests/e2e/run.sh.
# shellcheck disable=SC2016
SCHED=(setsid sh -c 'echo "$0" > /proc/self/autogroup 2>/dev/null; exec "$@"' "$nice_v")

# ---- data: the list, its RPZ and dnsdist forms, the query files -----------------------
"$build/tools/bench/mklist" "$size" >"$work/list.txt"
"$build/tools/bench/mklist" "$size" "$((size < 4096 ? size : 4096))" >"$work/sample.txt"
{
	printf '$TTL 300\n@ SOA localhost. root.localhost. 1 3600 600 86400 300\n@ NS localhost.\n'
	# subtree, as the domain list is in dnsgate and SuffixMatchNode in dnsdist.
	awk '{ printf "%s A 198.18.255.1\n%s AAAA 2001:2:0:ff::1\n*.%s A 198.18.255.1\n*.%s AAAA 2001:2:0:ff::1\n", $1, $1, $1, $1 }' "$work/list.txt"
} >"$work/rpz.zone"
if [ -n "$(dg_names_csv)" ]; then
	awk 'FNR > 1 && /^[a-z0-9.-]+$/ && n++ < 20000' "$(dg_names_csv)" >"$work/benign.txt"
	benign_desc="Cloudflare Radar top names"
else
	awk 'BEGIN { for (i = 0; i < 20000; i++) printf "h%d.perf.example.test\n", i }' >"$work/benign.txt"
	benign_desc="synthetic hN.perf.example.test"
fi
# The backend's answers for them. Not 'local-zone: "." static' (as in tests/e2e): unbound
# answers local zones before it looks at RPZ, so it would hide the RPZ's answers.
awk 'BEGIN { print "server:" }
     { printf "\tlocal-data: \"%s. 300 IN A 198.19.%d.%d\"\n", $1, 128 + int(NR / 256) % 128, NR % 256
       printf "\tlocal-data: \"%s. 300 IN AAAA 2001:2:0:200::%x\"\n", $1, NR }' \
	"$work/benign.txt" >"$work/benign-zone.conf"
probe=$(head -n 1 "$work/benign.txt")
# Blocked queries: A for each sampled name, AAAA for every other one, and every fourth
# for a host below it (subtree match).
awk '{ print $1 " A"; if (NR % 2 == 0) print $1 " AAAA"; if (NR % 4 == 0) print "www." $1 " A" }' \
	"$work/sample.txt" >"$work/q-b100.txt"
# 1% mix: every 100th query is blocked, the rest are benign names (A, every fourth AAAA).
awk 'NR == FNR { b[n++] = $0; next }
     { q++; if (q % 100 == 0) { print b[k++ % n]; q++ } print $1 " A"; if (FNR % 4 == 0) print $1 " AAAA" }' \
	"$work/q-b100.txt" "$work/benign.txt" >"$work/q-b1.txt"

# ---- lab and servers ------------------------------------------------------------------
# dnsgate's two ports on the app namespace's veths, one PMD for both: the queue argument
# is the only devarg that differs.
vdevs() {
	local q=qpairs=1 i=0 f

	[ "$pmd" = af_xdp ] && q=start_queue=0,queue_count=1
	for f in "$IF_SUB" "$IF_NET"; do
		printf 'vdev = net_%s%d,iface=%s,%s%s\n' "$pmd" "$i" "$f" "$q" "$vdev_opts"
		i=$((i + 1))
	done
	printf '[ports]\npair = net_%s0 net_%s1\n' "$pmd" "$pmd"
}
"$lab" up >/dev/null
if [ "${PEERS_RPS:-0}" = 1 ]; then
	# The client's receive path (its UDP stack up to waking dnsperf) on CPU 0, the client's
	# own, instead of on the CPU that sent the answer (dnsgate's worker, dnsdist).
	for i in "$IF_CLI" "$IF_CLI_DIRECT"; do
		ip netns exec "$NS_CLI" sh -c "echo 1 > /sys/class/net/$i/queues/rx-0/rps_cpus"
	done
fi

unbound_conf() { # FILE WITH_RPZ(0|1)
	cat >"$1" <<-EOF
	server:
		verbosity: 0
		use-syslog: no
		logfile: "$work/unbound.log"
		pidfile: ""
		directory: "$work"
		chroot: ""
		username: ""
		interface: $RES4
		interface: $RES4_DIRECT
		port: 53
		do-ip6: no
		do-tcp: no
		access-control: 198.18.0.0/15 allow
		num-threads: 1
		so-reuseport: no
		module-config: "$([ "$2" = 1 ] && echo "respip iterator" || echo iterator)"
		ratelimit: 0
		ip-ratelimit: 0
		include: "$work/benign-zone.conf"
	remote-control:
		control-enable: no
	EOF
	if [ "$2" = 1 ]; then
		printf 'rpz:\n\tname: rpz.bench.\n\tzonefile: "%s"\n\trpz-log: no\n' "$work/rpz.zone" >>"$1"
	fi
}

wait_answer() { # SERVER PORT NAME EXPECTED-STATUS PID
	local st
	for _ in $(seq 120); do
		st=$(ip netns exec "$NS_CLI" kdig +timeout=1 +retry=0 -p "$2" "@$1" "$3" A 2>/dev/null |
			sed -n 's/.*status: \([A-Z]*\).*/\1/p' | head -n 1)
		[ "$st" = "$4" ] && return 0
		kill -0 "$5" 2>/dev/null || return 1
		sleep 0.5
	done
	return 1
}

SRV_PID=
start_unbound() { # WITH_RPZ CPU -> SRV_PID
	unbound_conf "$work/unbound.conf" "$1"
	unbound-checkconf "$work/unbound.conf" >/dev/null
	ip netns exec "$NS_RES" "${SCHED[@]}" taskset -c "$2" unbound -d -c "$work/unbound.conf" \
		</dev/null >"$work/unbound.out" 2>&1 &
	SRV_PID=$!
	PIDS+=("$SRV_PID")
	wait_answer "$RES4_DIRECT" 53 "$probe" NOERROR "$SRV_PID" ||
		{ cat "$work/unbound.out" "$work/unbound.log" >&2; echo "unbound did not start" >&2; exit 1; }
}

stop_pid() {
	kill "$1" 2>/dev/null || true
	for _ in $(seq 100); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.1; done
	kill -9 "$1" 2>/dev/null || true
}

ticks() { sed 's/.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'; }

# perf LABEL SERVER PORT QFILE PID -> one line in $work/runs.tsv
perf() {
	local l=$1 srv=$2 port=$3 q=$4 pid=$5 c0 c1 t0 t1
	c0=$(ticks "$pid")
	t0=$(date +%s.%N)
	ip netns exec "$NS_CLI" "${SCHED[@]}" taskset -c 0 dnsperf -s "$srv" -p "$port" -d "$q" \
		-l "$secs" -c "$clients" -q "$outst" -T 1 -t 2 -v >"$work/perf-$l.txt" 2>&1 || true
	t1=$(date +%s.%N)
	c1=$(ticks "$pid")
	# -v prints one line per response: "> RCODE NAME TYPE LATENCY".
	awk '/^> / && $2 != "T" && $2 != "I" { print $NF }' "$work/perf-$l.txt" | sort -g >"$work/lat"
	awk -v l="$l" -v hz="$(getconf CLK_TCK)" -v c="$((c1 - c0))" -v t="$(echo "$t1 $t0" | awk '{print $1 - $2}')" '
		FILENAME == ARGV[1] { lat[++n] = $1; next }
		/^> NOERROR / { noerr++ }
		/Queries completed:/ { done = $3 } /Queries lost:/ { lost = $3 } /Queries per second:/ { qps = $4 }
		function pc(p) { return n ? lat[int((n - 1) * p) + 1] * 1000 : -1 }
		END { printf "%s\t%.0f\t%d\t%d\t%.3f\t%.3f\t%.3f\t%.3f\t%.2f\t%.1f\t%.3f\t%.2f\n", l, qps, done, lost,
			pc(0.5), pc(0.9), pc(0.99), pc(0.999), c / hz, c / hz / t * 100, done ? c / hz / done * 1e6 : -1,
			n ? noerr / n * 100 : 0 }' \
		"$work/lat" "$work/perf-$l.txt" >>"$work/runs.tsv"
	tail -n 1 "$work/runs.tsv" | awk -F'\t' '{ printf "   %-22s %8s qps, lost %s, p50 %s ms p99 %s ms, CPU %s s (%s%%), %s CPU s per 1M answered, NOERROR %s%%\n", $1, $2, $4, $5, $7, $9, $10, $11, $12 }'
}

: >"$work/runs.tsv"
: >"$work/dg-cycles.tsv"
for r in $(seq "$rounds"); do
	# (a) dnsgate on af_packet between client and the plain unbound.
	start_unbound 0 0
	ub=$SRV_PID
	cat >"$work/dg.ini" <<-EOF
	[eal]
	args = --no-huge -m 1024 --no-pci --file-prefix $DG_E2E_PREFIX -l 0-1 --log-level=*:warning
	$(vdevs)
	[mgmt]
	stats_interval = 0
	[filter]
	list = domains $work/list.txt identifier=BENCH
	[answer]
	sinkhole_v4 = 198.18.255.1
	sinkhole_v6 = 2001:2:0:ff::1
	[guard]
	rate = 0
	EOF
	# One dnsgate process per mix, so that its summary (TSC cycles) is the mix's own.
	for m in b100 b1; do
		ip netns exec "$NS_APP" "${SCHED[@]}" "$dg" -- --config "$work/dg.ini" </dev/null >"$work/dg.log" 2>&1 &
		pid=$!
		PIDS+=("$pid")
		wait_answer "$RES4" 53 "$probe" NOERROR "$pid" ||
			{ tail -n 30 "$work/dg.log" >&2; echo "dnsgate did not forward" >&2; exit 1; }
		perf "dnsgate-$m-$r" "$RES4" 53 "$work/q-$m.txt" "$pid"
		stop_pid "$pid"
		# label rx_frames busy_cycles own_cycles tsc_ghz answered_by_dnsgate
		awk -v l="dnsgate-$m-$r" '/^total rx/ { rx = $3 } /^cycles per frame/ { b = $4; o = $8; g = $(NF - 1) }
			$1 == "answered" { a = $2 }
			END { printf "%s\t%s\t%s\t%s\t%s\t%s\n", l, rx, b, o, g, a }' "$work/dg.log" >>"$work/dg-cycles.tsv"
	done
	# (b) dnsdist (1 UDP listener on CPU 1) in front of the same unbound.
	cat >"$work/dnsdist.conf" <<-EOF
	setLocal("$RES4_DIRECT:5300")
	setACL({"198.18.0.0/15"})
	-- Forced up: its health check asks for a.root-servers.net, which this lab cannot resolve.
	newServer({address="$RES4_DIRECT:53", checkInterval=3600}):setUp()
	local smn = newSuffixMatchNode()
	for line in io.lines("$work/list.txt") do smn:add(line) end
	addAction(SuffixMatchNodeRule(smn, true), SpoofAction({"198.18.255.1", "2001:2:0:ff::1"}))
	EOF
	ip netns exec "$NS_RES" "${SCHED[@]}" taskset -c 1 dnsdist --supervised --disable-syslog \
		-C "$work/dnsdist.conf" </dev/null >"$work/dnsdist.log" 2>&1 &
	pid=$!
	PIDS+=("$pid")
	wait_answer "$RES4_DIRECT" 5300 "$probe" NOERROR "$pid" ||
		{ tail -n 30 "$work/dnsdist.log" >&2; echo "dnsdist did not answer" >&2; exit 1; }
	for m in b100 b1; do
		perf "dnsdist-$m-$r" "$RES4_DIRECT" 5300 "$work/q-$m.txt" "$pid"
	done
	stop_pid "$pid"
	stop_pid "$ub"
	# (c) unbound answering blocked names from RPZ itself, on CPU 1.
	start_unbound 1 1
	for m in b100 b1; do
		perf "unbound-rpz-$m-$r" "$RES4_DIRECT" 53 "$work/q-$m.txt" "$SRV_PID"
	done
	stop_pid "$SRV_PID"
done
cp "$work/runs.tsv" "$out/peers-raw.tsv"
cp "$work/dg-cycles.tsv" "$out/peers-dnsgate-tsc.tsv"
python3 "$here/lab/peers_report.py" --raw "$work/runs.tsv" --cycles "$work/dg-cycles.tsv" \
	--out "$out" --meta "date=$(date -u +%Y-%m-%dT%H:%M:%SZ)" --meta "size=$size" \
	--meta "pmd=$pmd" \
	--meta "setup=dnsperf $(dnsperf -h 2>&1 | sed -n 's/^Version //p') -c $clients -q $outst -T 1 -t 2, $secs s a run, $rounds rounds; benign names: $benign_desc; list: $size synthetic names (subtree); $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)" \
	--meta "versions=dnsdist $(dnsdist --version 2>/dev/null | awk 'NR == 1 {print $2}'), unbound $(unbound -V 2>/dev/null | awk 'NR == 1 {print $2}')"
