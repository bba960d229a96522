# SPDX-License-Identifier: BSD-3-Clause
# dnsperf runs for the e2e lab (sourced by run.sh). Every run uses the same query file and
# client settings; only the server address differs (direct veth or through the appliance).

# perf_run LABEL SERVER [extra dnsperf args]: one dnsperf run from the client namespace,
# output in $WORK/perf-LABEL.txt.
perf_run()
{
	local label=$1 server=$2 rc t0 t1 c0 c1
	shift 2
	e2e_log "dnsperf $label: $server for $PERF_SECONDS s"
	t0=$(date +%s.%N)
	c0=$(perf_app_ticks)
	# In the background so that a signal to run.sh is handled at once (bash runs traps only
	# between commands, but "wait" returns early); lab.sh down ends dnsperf then.
	e2e_ns cli "${SCHED[@]}" nice -n "$NICE" taskset -c "$LOAD_CPUS" \
		dnsperf -s "$server" -d "$WORK/queries.txt" \
		-l "$PERF_SECONDS" -c "$PERF_CLIENTS" -q "$PERF_OUTSTANDING" -T 1 -t 2 "$@" \
		>"$WORK/perf-$label.txt" 2>&1 &
	wait $!
	rc=$?
	c1=$(perf_app_ticks)
	t1=$(date +%s.%N)
	# A busy-polling worker that got less than ~100% of its core was sharing it with
	# something else, and the figures through the appliance say so.
	if [ -n "$c0" ] && [ -n "$c1" ]; then
		awk -v c="$((c1 - c0))" -v hz="$(getconf CLK_TCK)" -v t0="$t0" -v t1="$t1" \
			'BEGIN { printf "appliance CPU %.0f%%\n", c / hz / (t1 - t0) * 100 }' \
			>> "$WORK/perf-$label.txt"
	fi
	return $rc
}

# CPU time (clock ticks, all threads) the appliance process has used so far; empty when
# there is no appliance process (bridge mode).
perf_app_ticks()
{
	[ -n "${APP_PID:-}" ] && [ -r "/proc/$APP_PID/stat" ] || return 0
	# Fields after the ")" that ends the command name: utime is the 12th, stime the 13th.
	sed 's/.*) //' "/proc/$APP_PID/stat" | awk '{ print $12 + $13 }'
}

# perf_field LABEL KEY: a number from dnsperf's summary.
#   sent completed lost qps avg min max sd   (latencies in seconds)
perf_field()
{
	awk -v key="$2" '
	/Queries sent:/      { v["sent"] = $3 }
	/Queries completed:/ { v["completed"] = $3 }
	/Queries lost:/      { v["lost"] = $3 }
	/Queries per second:/ { v["qps"] = $4 }
	/Average Latency \(s\):/ { v["avg"] = $4; m = $6; sub(/,/, "", m); v["min"] = m
				  x = $8; sub(/\)/, "", x); v["max"] = x }
	/Latency StdDev \(s\):/ { v["sd"] = $4 }
	/^appliance CPU/ { v["cpu"] = $3 }
	END { if (key in v) print v[key] }' "$WORK/perf-$1.txt"
}

perf_line()
{
	local l=$1
	awk -v l="$l" -v qps="$(perf_field "$l" qps)" -v sent="$(perf_field "$l" sent)" \
		-v done="$(perf_field "$l" completed)" -v lost="$(perf_field "$l" lost)" \
		-v avg="$(perf_field "$l" avg)" -v min="$(perf_field "$l" min)" \
		-v max="$(perf_field "$l" max)" -v sd="$(perf_field "$l" sd)" \
		-v cpu="$(perf_field "$l" cpu)" 'BEGIN {
		printf "%-12s %10.0f %10d %10d %6d %9.3f %9.3f %9.3f %9.3f %8s\n", l, qps, sent, done,
			lost, avg * 1000, min * 1000, max * 1000, sd * 1000, cpu == "" ? "-" : cpu }'
}

# A dnsperf run that produced no summary is a failed check, not a zero.
perf_ok()
{
	local label=$1 qps
	qps=$(perf_field "$label" qps)
	if [ -n "$qps" ] && awk -v q="$qps" 'BEGIN { exit !(q > 0) }'; then
		e2e_pass "dnsperf $label answered ($qps qps)"
		return 0
	fi
	e2e_fail "dnsperf $label answered" "$(tail -n 20 "$WORK/perf-$label.txt")"
	return 1
}

# perf_compare FAM: DG_E2E_PERF_ROUNDS rounds of (direct, appliance), alternating so that a
# drift of the machine (CPU frequency, a neighbour's load) hits both sides alike.
perf_compare()
{
	local fam=${1:-4} r ok=1 desc srv_d srv_a labels=() l load0
	if [ "$fam" = 6 ]; then
		srv_d=("$RES6_DIRECT" -f inet6)
		srv_a=("$RES6" -f inet6)
	else
		srv_d=("$RES4_DIRECT" -f inet)
		srv_a=("$RES4" -f inet)
	fi
	# Load average around the runs: the lab shares its CPUs with whatever else runs here.
	load0=$(cut -d' ' -f1-3 /proc/loadavg)
	for r in $(seq "$PERF_ROUNDS"); do
		perf_run "direct$fam-$r" "${srv_d[@]}" || true
		perf_ok "direct$fam-$r" || ok=0
		perf_run "appliance$fam-$r" "${srv_a[@]}" || true
		perf_ok "appliance$fam-$r" || ok=0
		labels+=("direct$fam-$r" "appliance$fam-$r")
	done
	[ "$ok" = 1 ] || return 0

	case "$APPLIANCE" in
	dnsgate) desc="dnsgate, EAL -l $LCORES, worker lcore(s) $WORKERS, net_af_packet$VDEV_OPTS" ;;
	testpmd) desc="dpdk-testpmd io forwarding, EAL -l $LCORES, net_af_packet$VDEV_OPTS" ;;
	bridge) desc="Linux bridge (no DPDK)" ;;
	esac
	echo
	echo "== dnsperf $(dnsperf -h 2>&1 | sed -n 's/^Version //p'): ${PERF_SECONDS} s a run," \
		"-c $PERF_CLIENTS -q $PERF_OUTSTANDING -T 1 -t 2, UDP over IPv$fam," \
		"$(wc -l < "$WORK/queries.txt") queries ($PERF_SET names), dnsperf+unbound on CPU $LOAD_CPUS," \
		"nice $NICE"
	echo "== appliance: $desc; $(nproc) CPUs, $(uname -r)"
	echo "== load average before: $load0, after: $(cut -d' ' -f1-3 /proc/loadavg)"
	printf '%-12s %10s %10s %10s %6s %9s %9s %9s %9s %8s\n' run qps sent completed lost \
		'avg ms' 'min ms' 'max ms' 'sd ms' 'app cpu'
	for l in "${labels[@]}"; do
		perf_line "$l"
	done
	perf_no_loss "$fam"
	for l in "${labels[@]}"; do
		case "$l" in appliance*) ;; *) continue ;; esac
		awk -v l="$l" -v c="$(perf_field "$l" cpu)" -v w="$WORKERS" -v nice="$NICE" 'BEGIN {
			n = split(w, a, ","); sub(/%/, "", c)
			if (c != "" && c + 0 < 90 * n)
				printf "WARNING %s: the appliance got %s%% CPU for %s busy-polling worker(s):" \
					" it shared its core, the figures understate it%s\n", l, c, w,
					nice == 0 ? " (DG_E2E_NICE=-10 gives the lab priority)" : "" }'
	done
	for l in "${labels[@]}"; do
		printf '%s %s %s\n' "${l%%[46]-*}" "$(perf_field "$l" qps)" "$(perf_field "$l" avg)"
	done | awk -v fam="$fam" '
		{ q[$1] += $2; lat[$1] += $3; n[$1]++ }
		END {
			printf "IPv%s mean: direct %.0f qps %.3f ms, appliance %.0f qps %.3f ms\n", fam,
				q["direct"] / n["direct"], lat["direct"] / n["direct"] * 1000,
				q["appliance"] / n["appliance"], lat["appliance"] / n["appliance"] * 1000
			printf "IPv%s ratio appliance/direct: qps %.3f, average latency %.3f\n", fam,
				q["appliance"] / q["direct"], lat["appliance"] / lat["direct"]
		}'
	echo
}

# A forwarder must not lose what the resolver answers: any query lost through the appliance
# fails, unless a direct run lost some too (then the resolver or client was saturated and
# the loss says nothing about the appliance).
perf_no_loss()
{
	local fam=$1 r la=0 ld=0 sent=0
	for r in $(seq "$PERF_ROUNDS"); do
		la=$((la + $(perf_field "appliance$fam-$r" lost)))
		ld=$((ld + $(perf_field "direct$fam-$r" lost)))
		sent=$((sent + $(perf_field "appliance$fam-$r" sent)))
	done
	if [ "$ld" != 0 ]; then
		e2e_skip "no query lost through the appliance (IPv$fam)" "direct runs lost $ld: saturated"
	elif [ "$la" = 0 ]; then
		e2e_pass "no query lost through the appliance (IPv$fam, $sent queries)"
	else
		e2e_fail "no query lost through the appliance (IPv$fam)" "lost $la of $sent"
	fi
}

# dnsperf through the appliance while DG_E2E_RELOAD_CMD runs in a loop in the appliance
# namespace: every query must be answered, and every reload must succeed.
perf_reload_loop()
{
	local stop=$WORK/reload.stop n_ok=0 n_bad=0 lost loop_pid
	rm -f "$stop"
	(
		ok=0 bad=0
		while [ ! -e "$stop" ]; do
			if e2e_ns app sh -c "$DG_E2E_RELOAD_CMD" >>"$WORK/reload.log" 2>&1; then
				ok=$((ok + 1))
			else
				bad=$((bad + 1))
			fi
			sleep "${DG_E2E_RELOAD_INTERVAL:-0.2}"
		done
		echo "$ok $bad" > "$WORK/reload.count"
	) &
	loop_pid=$!
	perf_run reload "$RES4" || true
	touch "$stop"
	wait "$loop_pid"
	read -r n_ok n_bad < "$WORK/reload.count"
	perf_ok reload || return 0
	perf_line reload
	lost=$(perf_field reload lost)
	if [ "$lost" = 0 ] && [ "$n_ok" -gt 0 ] && [ "$n_bad" = 0 ]; then
		e2e_pass "no query lost during $n_ok reloads"
	else
		e2e_fail "no query lost during reloads" \
			"lost $lost, reloads ok $n_ok failed $n_bad (see $WORK/reload.log)"
	fi
}

# check_dnsperf_tcp: dnsperf over TCP through the appliance on a mix of blocked and benign
# names, one query outstanding. Every blocked answer ends its connection (answer then FIN,
# RST to unbound; the client's ACK then meets unbound's RST), so dnsperf reconnects. Its
# send thread may write the next query on that connection before its receive thread reads
# the FIN: the write succeeds (the socket is only half closed), the appliance drops it as
# bytes on an answered flow (tcp.dropped) and dnsperf counts the query lost, as it would
# against any server that closes after answering. A forged answer lost on the way shows the
# same way: the client's retransmissions of the answered query are dropped. So a lost query
# passes only when the appliance dropped at least as many late segments, and at most 1 in
# 1000 is lost; a stream left hanging loses queries with no late segment and fails.
check_dnsperf_tcp()
{
	local f="$WORK/tcp-queries.txt" label="dnsperf -m tcp through the appliance" sent done lost
	local late0 late
	printf '%s\n' "blocked.example.test A" "www.example.test A" "c2.evil.example.test AAAA" \
		"www.example.test AAAA" > "$f"
	late0=$(e2e_stat tcp.dropped)
	e2e_ns cli timeout 60 dnsperf -m tcp -s "$RES4" -d "$f" -l 3 -c 2 -q 1 -t 2 \
		>"$WORK/perf-tcp.txt" 2>&1
	late=$(($(e2e_stat tcp.dropped) - late0))
	sent=$(perf_field tcp sent)
	done=$(perf_field tcp completed)
	lost=$(perf_field tcp lost)
	if [ -n "$done" ] && [ "${done:-0}" -gt 0 ] && [ "${lost:-1}" -le "$late" ] &&
		[ "${lost:-1}" -le $((${sent:-0} / 1000)) ] && grep -q 'NXDOMAIN' "$WORK/perf-tcp.txt"; then
		e2e_pass "$label ($done of $sent answered, lost $lost, late segments dropped $late)"
	else
		e2e_fail "$label" "lost $lost, late segments dropped $late (tcp.dropped)
$(tail -n 20 "$WORK/perf-tcp.txt")"
	fi
}
