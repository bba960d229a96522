#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# End-to-end run: lab up, unbound in the resolver namespace, the appliance between client and
# resolver on net_af_packet, kdig checks over IPv4 and IPv6 against unbound's direct answers,
# then dnsperf straight to unbound and through the appliance (same query file, same client
# settings, same run). Tears everything down on exit. Prints "N passed, N failed"; exits 1 if
# any check failed, 2 if the run could not start.
#
#   tests/e2e/run.sh [PATH/TO/dnsgate]          (root; see docs/e2e.md)
#
# Environment (defaults in brackets):
#   DG_E2E_DNSGATE        appliance binary [build/app/dnsgate/dnsgate]; the first argument wins
#   DG_E2E_APPLIANCE      dnsgate | testpmd (dpdk-testpmd io forwarding on the same vdevs) |
#                         bridge (Linux bridge, no DPDK) [dnsgate]
#   DG_E2E_PERF_SECONDS   length of each dnsperf run, 0 = no benchmark [10]
#   DG_E2E_PERF_ROUNDS    rounds of (direct, appliance) runs, alternating [2]
#   DG_E2E_PERF_V6=1      also benchmark over IPv6 [0]
#   DG_E2E_PERF_CLIENTS   dnsperf -c [4]        DG_E2E_PERF_OUTSTANDING  dnsperf -q [100]
#   DG_E2E_PERF_SET       synthetic | radar (names from $DG_SHARED_DATA) [synthetic]
#   DG_E2E_PERF_NAMES     names in the perf zone [10000]
#   DG_E2E_LCORES         EAL -l for the appliance [0-1]   DG_E2E_WORKERS  [1]
#   DG_E2E_LOAD_CPUS      CPUs for unbound and dnsperf (taskset) [0]
#   DG_E2E_VDEV_OPTS      extra net_af_packet devargs, e.g. ,qdisc_bypass=1 []
#   DG_E2E_NICE           nice value for unbound, dnsperf and the appliance alike, e.g. -10
#                         on a machine shared with other CPU-bound work [0]
#   DG_E2E_FILTER=1       run the filtering checks with filter.ini.in (filter.list, optout.txt),
#                         or with DG_E2E_FILTER_INI (appended to the generated dnsgate config;
#                         then set DG_E2E_SINK4/DG_E2E_SINK6 to its sinkhole addresses)
#   DG_E2E_EXTRA_LIST     "FORMAT PATH [opts]" of one more list loaded before filter.list
#                         (DG_E2E_FILTER=1), e.g. a real blocklist from $DG_SHARED_DATA, so
#                         the benchmark runs against a realistic snapshot
#   DG_E2E_RELOAD_CMD     command run in a loop (in the appliance namespace) during an extra
#                         dnsperf run through the appliance; the run must lose no query.
#                         DG_E2E_FILTER=1 defaults it to "dnsgatectl -s SOCKET reload"
#   DG_E2E_DNSGATECTL     [tools/dnsgatectl/dnsgatectl next to the dnsgate binary]
#   DG_E2E_KEEP=1         keep the work directory (always kept when a check failed)
#   DG_E2E_PREFIX         namespace name prefix [dge2e<pid>]
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
export DG_E2E_PREFIX=${DG_E2E_PREFIX:-dge2e$$}
. "$repo/tools/lab/common.sh"
. "$here/checks.sh"

APPLIANCE=${DG_E2E_APPLIANCE:-dnsgate}
DNSGATE=${1:-${DG_E2E_DNSGATE:-$repo/build/app/dnsgate/dnsgate}}
PERF_SECONDS=${DG_E2E_PERF_SECONDS:-10}
PERF_CLIENTS=${DG_E2E_PERF_CLIENTS:-4}
PERF_OUTSTANDING=${DG_E2E_PERF_OUTSTANDING:-100}
PERF_ROUNDS=${DG_E2E_PERF_ROUNDS:-2}
PERF_V6=${DG_E2E_PERF_V6:-0}
PERF_SET=${DG_E2E_PERF_SET:-synthetic}
PERF_NAMES=${DG_E2E_PERF_NAMES:-10000}
LCORES=${DG_E2E_LCORES:-0-1}
WORKERS=${DG_E2E_WORKERS:-1}
LOAD_CPUS=${DG_E2E_LOAD_CPUS:-0}
VDEV_OPTS=${DG_E2E_VDEV_OPTS:-}
NICE=${DG_E2E_NICE:-0}
EXTRA_LIST=${DG_E2E_EXTRA_LIST:-}
# Each of unbound, dnsperf and the appliance runs in a session (so a scheduler autogroup) of
# its own, at autogroup nice $NICE. With autogroups, CFS splits one group's weight over the
# CPUs in proportion to its load there: kept in the script's group, a busy dnsperf+unbound on
# CPU 0 would leave the appliance's worker a small weight on CPU 1 against any other work on
# the machine (measured: 17% of its core). Its own group gives it a full share.
# shellcheck disable=SC2016 # expanded by that sh, not here
SCHED=(setsid sh -c 'echo "$0" > /proc/self/autogroup 2>/dev/null; exec "$@"' "$NICE")
FILTER=${DG_E2E_FILTER:-0}
if [ "$FILTER" = 1 ] && [ -z "${DG_E2E_FILTER_INI:-}" ]; then
	# What filter.ini.in configures.
	export DG_E2E_SINK4=${DG_E2E_SINK4:-198.18.255.1}
	export DG_E2E_SINK6=${DG_E2E_SINK6:-2001:2:0:ff::1}
fi
DNSGATECTL=${DG_E2E_DNSGATECTL:-$(dirname "$DNSGATE")/../../tools/dnsgatectl/dnsgatectl}

WORK=
UNBOUND_PID=
APP_PID=

preflight()
{
	lab_preflight ip ethtool unbound unbound-checkconf kdig dnsperf taskset
	case "$APPLIANCE" in
	dnsgate) [ -x "$DNSGATE" ] || { e2e_log "no appliance binary at '$DNSGATE' (build it, or pass its path)"; exit 2; } ;;
	testpmd) command -v dpdk-testpmd >/dev/null || { e2e_log "dpdk-testpmd not found (apt-get install dpdk)"; exit 2; } ;;
	bridge) ;;
	*) e2e_log "DG_E2E_APPLIANCE must be dnsgate, testpmd or bridge"; exit 2 ;;
	esac
	if [ "$FILTER" = 1 ] && [ -n "${DG_E2E_FILTER_INI:-}" ] && [ ! -r "$DG_E2E_FILTER_INI" ]; then
		e2e_log "DG_E2E_FILTER_INI '$DG_E2E_FILTER_INI' cannot be read"
		exit 2
	fi
	if [ -n "$EXTRA_LIST" ] && { [ "$FILTER" != 1 ] || [ -n "${DG_E2E_FILTER_INI:-}" ]; }; then
		e2e_log "DG_E2E_EXTRA_LIST needs DG_E2E_FILTER=1 with the built-in filter.ini.in"
		exit 2
	fi
	if [ "$FILTER" = 1 ] && [ "$APPLIANCE" != dnsgate ]; then
		e2e_log "DG_E2E_FILTER=1 needs DG_E2E_APPLIANCE=dnsgate"
		exit 2
	fi
	if [ "$PERF_SET" = radar ] && [ ! -r "$(radar_file)" ]; then
		e2e_log "DG_E2E_PERF_SET=radar needs DG_SHARED_DATA (names/cloudflare-radar-*.csv)"
		exit 2
	fi
}

radar_file()
{
	local f
	for f in "${DG_SHARED_DATA:-/nonexistent}"/names/cloudflare-radar-top100k.*.csv; do
		[ -r "$f" ] && { printf '%s\n' "$f"; return; }
	done
}

cleanup()
{
	local rc=$?
	trap - EXIT INT TERM
	lab_teardown "$rc" "${DG_E2E_KEEP:-0}" "$APP_PID" "$UNBOUND_PID"
	exit "$rc"
}

# The perf zone and the query file for dnsperf, both from one list of names so every query
# has a real answer. Synthetic names by default; real resolver-traffic names on request.
gen_perf_data()
{
	local zone=$WORK/perf-zone.conf queries=$WORK/queries.txt
	if [ "$PERF_SET" = radar ]; then
		tail -n +2 "$(radar_file)" | grep -E '^[a-z0-9.-]+$' |
			awk 'BEGIN { srand(1) } { print rand() "\t" $0 }' |
			sort -k1,1 | cut -f2 | head -n "$PERF_NAMES" > "$WORK/perf-names.txt"
	else
		awk -v n="$PERF_NAMES" 'BEGIN { for (i = 0; i < n; i++) printf "h%d.perf.example.test\n", i }' \
			> "$WORK/perf-names.txt"
	fi
	# Addresses in 198.19.128.0/17 and 2001:2:0:200::/64; every fourth name is also
	# queried for AAAA, as in real traffic where A dominates.
	awk 'BEGIN { print "server:" }
	     { printf "\tlocal-data: \"%s. 300 IN A 198.19.%d.%d\"\n", $1, 128 + int(NR / 256) % 128, NR % 256
	       printf "\tlocal-data: \"%s. 300 IN AAAA 2001:2:0:200::%x\"\n", $1, NR }' \
		"$WORK/perf-names.txt" > "$zone"
	awk '{ print $1 " A"; if (NR % 4 == 0) print $1 " AAAA" }' "$WORK/perf-names.txt" > "$queries"
}

start_unbound()
{
	local i st
	sed -e "s#@WORKDIR@#$WORK#g" -e "s#@ZONE@#$here/zone/example.test.conf#g" \
		"$here/unbound.conf.in" > "$WORK/unbound.conf"
	unbound-checkconf "$WORK/unbound.conf" >"$WORK/unbound-checkconf.log" 2>&1 || {
		cat "$WORK/unbound-checkconf.log" >&2
		e2e_log "unbound config rejected"
		exit 2
	}
	# Not through e2e_ns: a backgrounded function is a subshell, and $! must be unbound.
	ip netns exec "$NS_RES" "${SCHED[@]}" nice -n "$NICE" taskset -c "$LOAD_CPUS" \
		unbound -d -c "$WORK/unbound.conf" </dev/null >"$WORK/unbound.stdout" 2>&1 &
	UNBOUND_PID=$!
	for i in $(seq 100); do
		st=$(E2E_QUERY_TIMEOUT=1 e2e_kdig direct www.example.test A)
		[ "$(e2e_status "$st")" = NOERROR ] && { e2e_log "unbound up (pid $UNBOUND_PID)"; return 0; }
		alive "$UNBOUND_PID" || break
		sleep 0.2
	done
	cat "$WORK/unbound.stdout" "$WORK/unbound.log" >&2 2>/dev/null
	e2e_log "unbound did not answer"
	exit 2
}

write_dnsgate_ini()
{
	cat > "$WORK/dnsgate.ini" <<-EOF
	; generated by tests/e2e/run.sh
	[eal]
	args = --no-huge -m 1024 --no-pci --no-shconf --file-prefix $DG_E2E_PREFIX -l $LCORES
	vdev = net_af_packet0,iface=$IF_SUB,qpairs=1$VDEV_OPTS
	vdev = net_af_packet1,iface=$IF_NET,qpairs=1$VDEV_OPTS

	[ports]
	pair = net_af_packet0 net_af_packet1

	[workers]
	lcores = $WORKERS
	burst = 32

	[mgmt]
	stats_interval = 0
	run_for = 0
	idle_exit = 0
	EOF
	if [ "$FILTER" = 1 ]; then
		local ini=${DG_E2E_FILTER_INI:-$here/filter.ini.in}
		printf '\n; from %s\n' "$ini" >> "$WORK/dnsgate.ini"
		# An extra list goes first: lists loaded later take precedence, and the
		# checks' own entries must win.
		sed -e "s#@WORKDIR@#$WORK#g" -e "s#@HERE@#$here#g" \
			-e "${EXTRA_LIST:+/^list = /i list = $EXTRA_LIST}" "$ini" >> "$WORK/dnsgate.ini"
	fi
}

start_appliance()
{
	local i st
	case "$APPLIANCE" in
	dnsgate)
		write_dnsgate_ini
		ip netns exec "$NS_APP" "${SCHED[@]}" nice -n "$NICE" \
			"$DNSGATE" -- --config "$WORK/dnsgate.ini" </dev/null >"$WORK/appliance.log" 2>&1 &
		APP_PID=$!
		;;
	testpmd)
		# io forwarding between the two ports: the same af_packet path dnsgate uses,
		# with nothing looked at. --stats-period keeps it running without a terminal.
		ip netns exec "$NS_APP" "${SCHED[@]}" nice -n "$NICE" \
			dpdk-testpmd -l "$LCORES" --no-huge -m 1024 --no-pci --no-shconf \
			--file-prefix "$DG_E2E_PREFIX" \
			--vdev "net_af_packet0,iface=$IF_SUB,qpairs=1$VDEV_OPTS" \
			--vdev "net_af_packet1,iface=$IF_NET,qpairs=1$VDEV_OPTS" -- \
			--forward-mode=io --auto-start --nb-cores=1 --stats-period 60 \
			</dev/null >"$WORK/appliance.log" 2>&1 &
		APP_PID=$!
		;;
	bridge) return 0 ;;
	esac
	for i in $(seq 60); do
		st=$(E2E_QUERY_TIMEOUT=1 e2e_kdig appliance www.example.test A)
		[ "$(e2e_status "$st")" = NOERROR ] && { e2e_log "$APPLIANCE forwarding (pid $APP_PID)"; return 0; }
		alive "$APP_PID" || break
		sleep 0.5
	done
	tail -n 40 "$WORK/appliance.log" >&2
	e2e_log "$APPLIANCE did not forward a query within 30 s"
	e2e_fail "appliance forwards" "see $WORK/appliance.log"
	exit 1
}

# The appliance must stop on SIGTERM with status 0 (dnsgate prints its per-port summary).
stop_appliance()
{
	local rc
	[ -n "$APP_PID" ] || return 0
	stop_pid "$APP_PID"
	rc=$?
	APP_PID=
	echo "---- $APPLIANCE output (last 30 lines) ----"
	tail -n 30 "$WORK/appliance.log"
	echo "----"
	if [ "$APPLIANCE" = dnsgate ]; then
		if [ "$rc" = 0 ]; then
			e2e_pass "dnsgate exits 0 on SIGTERM"
		else
			e2e_fail "dnsgate exits 0 on SIGTERM" "exit status $rc"
		fi
	fi
}

passthrough_checks()
{
	local fam src
	for fam in 4 6; do
		export Q_FAM=$fam
		check_passthrough www.example.test A
		check_passthrough www.example.test AAAA
		check_passthrough www.example.test HTTPS
		check_passthrough www.example.test TXT
		check_passthrough www.example.test A +edns
		check_passthrough www.example.test AAAA +dnssec
		check_passthrough www.example.test HTTPS +dnssec +bufsize=1232
		check_passthrough www.example.test A +noedns
		check_passthrough alias.example.test A +edns
		check_passthrough example.test MX
		check_case WwW.ExAmPlE.TeSt A
		check_case WWW.example.TEST HTTPS +dnssec
		Q_ANSWERS=0 check_passthrough v4only.example.test AAAA
		Q_STATUS=NXDOMAIN Q_ANSWERS=0 check_passthrough nope.example.test A +edns
		Q_STATUS=NXDOMAIN Q_ANSWERS=0 check_passthrough not-in-any-zone.invalid A
		# ~3 KB answer: crosses the appliance as IP fragments. net_af_packet joins its
		# sockets to a PACKET_FANOUT group with PACKET_FANOUT_FLAG_DEFRAG, so the kernel
		# reassembles IPv4 fragments before the PMD sees them and the 3 KB datagram no
		# longer fits a 2 KB ring frame: IPv4 fragments cannot cross an af_packet port.
		if [ "$fam" = 4 ] && [ "$APPLIANCE" != bridge ] && [ "${DG_E2E_V4FRAG:-0}" != 1 ]; then
			e2e_skip "passthrough v4 big.example.test TXT +bufsize=4096 (IPv4 fragments)" \
				"net_af_packet defragments IPv4 (PACKET_FANOUT_FLAG_DEFRAG); DG_E2E_V4FRAG=1 runs it"
		else
			Q_ANSWERS=4 check_passthrough big.example.test TXT +bufsize=4096 +ignore
		fi
		check_passthrough www.example.test A +tcp
		Q_ANSWERS=4 check_passthrough big.example.test TXT +tcp
		unset Q_FAM
	done
	# The perf zone answers too (a query file that only produced errors would still run).
	if [ -z "$EXTRA_LIST" ]; then
		check_passthrough "$(head -n 1 "$WORK/perf-names.txt")" A
	else
		e2e_skip "passthrough of a perf name" "DG_E2E_EXTRA_LIST may block it"
	fi
}

# Names the filtering checks expect on the list that DG_E2E_FILTER_INI loads:
#   blocked.example.test        exact    sinkhole ($DG_E2E_SINK4 / $DG_E2E_SINK6)
#   evil.example.test           subtree  nxdomain
#   allowed.evil.example.test   exact    allow
#   opt-out client: $OPTOUT4 and $OPTOUT6
filter_checks()
{
	local s4=${DG_E2E_SINK4:?DG_E2E_SINK4 must name the sinkhole IPv4}
	local s6=${DG_E2E_SINK6:-}
	local fam
	check_dnsperf_tcp
	for fam in 4 6; do
		export Q_FAM=$fam
		check_blocked blocked.example.test A "sinkhole:$s4"
		check_blocked BlOcKeD.example.test A "sinkhole:$s4" +dnssec
		if [ -n "$s6" ]; then
			check_blocked blocked.example.test AAAA "sinkhole:$s6" +edns
		else
			check_blocked blocked.example.test AAAA NODATA +edns
		fi
		check_blocked blocked.example.test HTTPS NODATA +noedns
		check_blocked blocked.example.test TXT NODATA +dnssec
		check_passthrough sub.blocked.example.test A
		check_blocked evil.example.test A NXDOMAIN
		check_blocked c2.evil.example.test AAAA NXDOMAIN +dnssec
		check_blocked DeEp.C2.evil.example.test A NXDOMAIN +edns
		check_passthrough allowed.evil.example.test A
		# Over TCP the answer comes in the stream (kdig and dig, which must not hang).
		check_blocked blocked.example.test A "sinkhole:$s4" +tcp
		check_blocked c2.evil.example.test AAAA NXDOMAIN +tcp +dnssec
		check_passthrough www.example.test A +tcp
		check_passthrough allowed.evil.example.test A +tcp
		check_dig_tcp blocked.example.test A "$s4"
		check_dig_tcp www.example.test A ""
		# The opted-out client gets unbound's real answers for the same names.
		export Q_SRC=$OPTOUT6
		[ "$fam" = 4 ] && export Q_SRC=$OPTOUT4
		check_passthrough blocked.example.test A
		check_passthrough c2.evil.example.test AAAA +dnssec
		unset Q_FAM Q_SRC
	done
}

# Without filtering the blocklist's names pass like any other, from both clients.
unfiltered_checks()
{
	local fam
	for fam in 4 6; do
		export Q_FAM=$fam
		check_passthrough blocked.example.test A
		check_passthrough c2.evil.example.test AAAA +dnssec
		export Q_SRC=$OPTOUT6
		[ "$fam" = 4 ] && export Q_SRC=$OPTOUT4
		check_passthrough blocked.example.test A
		check_passthrough www.example.test HTTPS +edns
		unset Q_FAM Q_SRC
	done
}

. "$here/perf.sh"

main()
{
	preflight
	exec 9>&2
	E2E_LOG_FD=9
	WORK=$(mktemp -d /tmp/dge2e.XXXXXX)
	trap cleanup EXIT
	trap 'e2e_log interrupted; exit 130' INT TERM
	e2e_log "work dir $WORK, appliance $APPLIANCE, namespaces $DG_E2E_PREFIX-*"
	# With the built-in filter config, reload its lists over the control socket.
	if [ "$FILTER" = 1 ] && [ -z "${DG_E2E_RELOAD_CMD:-}" ] && [ -z "${DG_E2E_FILTER_INI:-}" ]; then
		[ -x "$DNSGATECTL" ] || { e2e_log "no dnsgatectl at $DNSGATECTL (DG_E2E_DNSGATECTL)"; exit 2; }
		DG_E2E_RELOAD_CMD="'$DNSGATECTL' -s '$WORK/dnsgate.sock' reload"
	fi

	# The checkers must be able to fail before their passes mean anything.
	if "$here/selftest.sh" >"$WORK/selftest.log" 2>&1; then
		e2e_pass "checker self-test ($(grep -c '^ok' "$WORK/selftest.log") cases)"
	else
		e2e_fail "checker self-test" "$(grep -v '^ok' "$WORK/selftest.log")"
	fi
	if [ "$APPLIANCE" = bridge ]; then
		"$DG_LAB/lab.sh" up --bridge || exit 2
	else
		"$DG_LAB/lab.sh" up || exit 2
	fi
	gen_perf_data
	start_unbound
	if [ "$APPLIANCE" != bridge ]; then
		Q_FAM=4 check_no_path
		Q_FAM=6 check_no_path
	fi
	start_appliance

	passthrough_checks
	check_frames_unchanged "$WORK"
	if [ "$FILTER" = 1 ]; then
		filter_checks
	else
		unfiltered_checks
	fi

	if [ "$PERF_SECONDS" -gt 0 ]; then
		perf_compare 4
		[ "$PERF_V6" = 1 ] && perf_compare 6
		[ -n "${DG_E2E_RELOAD_CMD:-}" ] && perf_reload_loop
	fi
	# Still forwarding after the load.
	Q_FAM=4 check_passthrough www.example.test A
	stop_appliance

	if [ "$E2E_FAILED" -gt 0 ]; then
		printf 'failed: %s\n' "${E2E_FAILED_NAMES[@]}"
	fi
	printf '%d passed, %d failed, %d skipped\n' "$E2E_PASSED" "$E2E_FAILED" "$E2E_SKIPPED"
	[ "$E2E_FAILED" = 0 ]
}

main "$@"
