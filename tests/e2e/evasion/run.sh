#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Evasion suite: crafted query shapes for a blocked and a benign name, through dnsgate to each
# resolver Debian packages (unbound, BIND 9, Knot Resolver, PowerDNS Recursor), compared with
# the same shapes sent straight to the same resolver. See docs/evasion.md.
#
#   tests/e2e/evasion/run.sh [PATH/TO/dnsgate]        (root)
#
# Fails (exit 1) when any blocked shape gets the resolver's real answer through dnsgate, or
# any benign shape gets a different answer through dnsgate than straight. Exit 2: could not
# start (missing tool or binary, a resolver that does not answer).
#
# Environment:
#   DG_EV_DNSGATE   appliance binary [build/app/dnsgate/dnsgate]; the first argument wins
#   DG_EV_OUT       also write the matrix as Markdown to this file []
#   DG_EV_ONLY      comma-separated shape names (or prefixes ending in *) to run [all]
#   DG_EV_TIMEOUT   seconds to wait for an answer [1.5]
#   DG_EV_DNSGATECTL  [tools/dnsgatectl/dnsgatectl next to the dnsgate binary]
#   DG_EV_KEEP=1    keep the work directory (always kept on failure)
#   DG_EV_PREFIX    namespace prefix [dgev<pid>]
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
e2e=$(cd "$here/.." && pwd)
repo=$(cd "$here/../../.." && pwd)
export DG_E2E_PREFIX=${DG_EV_PREFIX:-dgev$$}
. "$repo/tools/lab/common.sh"
. "$here/addrs.sh"

DNSGATE=${1:-${DG_EV_DNSGATE:-$repo/build/app/dnsgate/dnsgate}}
DNSGATECTL=${DG_EV_DNSGATECTL:-$(dirname "$DNSGATE")/../../tools/dnsgatectl/dnsgatectl}
OUT=${DG_EV_OUT:-}
WORK=
PIDS=()
APP_PID=
FRAG_PID=

preflight()
{
	local t
	[ "$(id -u)" = 0 ] || { e2e_log "must run as root"; exit 2; }
	for t in ip ethtool python3 knotd unbound named kresd pdns_recursor; do
		command -v "$t" >/dev/null || {
			e2e_log "$t not found: run tools/deps.sh (knot unbound bind9 knot-resolver pdns-recursor)"
			exit 2
		}
	done
	[ -x "$DNSGATE" ] || {
		e2e_log "no dnsgate binary at '$DNSGATE' (build it, or pass its path)"
		exit 2
	}
}

cleanup()
{
	local rc=$? pid
	trap - EXIT INT TERM
	stop_pid "$FRAG_PID"
	stop_pid "$APP_PID"
	for pid in "${PIDS[@]}"; do
		stop_pid "$pid"
	done
	"$DG_LAB/lab.sh" down >/dev/null 2>&1 ||
		e2e_log "lab down failed: run DG_E2E_PREFIX=$DG_E2E_PREFIX $DG_LAB/lab.sh down"
	if [ -n "$WORK" ]; then
		if [ "${DG_EV_KEEP:-0}" = 1 ] || [ "$rc" != 0 ]; then
			e2e_log "logs kept in $WORK"
		else
			rm -rf "$WORK"
		fi
	fi
	exit "$rc"
}

# subst IN OUT RESOLVER: a config template with this run's paths and RESOLVER's addresses.
subst()
{
	local r=$3
	sed -e "s#@WORKDIR@#$WORK#g" -e "s#@HERE@#$here#g" \
		-e "s#@T4@#$(ev_addr "$r" t4)#g" -e "s#@T6@#$(ev_addr "$r" t6)#g" \
		-e "s#@D4@#$(ev_addr "$r" d4)#g" -e "s#@D6@#$(ev_addr "$r" d6)#g" "$1" > "$2"
}

# The resolvers' addresses (through dnsgate on res0, direct on res-direct) and the
# authoritative server's on the resolver namespace's loopback.
lab_addresses()
{
	local r
	ip -n "$NS_RES" addr add "$EV_AUTH4/32" dev lo
	for r in $EV_RESOLVERS; do
		ip -n "$NS_RES" addr add "$(ev_addr "$r" t4)/24" dev "$IF_RES"
		ip -n "$NS_RES" addr add "$(ev_addr "$r" t6)/64" dev "$IF_RES" nodad
		ip -n "$NS_RES" addr add "$(ev_addr "$r" d4)/24" dev "$IF_RES_DIRECT"
		ip -n "$NS_RES" addr add "$(ev_addr "$r" d6)/64" dev "$IF_RES_DIRECT" nodad
	done
}

# spawn NAME CMD...: run CMD in the resolver namespace, in the background, logging to WORK.
spawn()
{
	local name=$1
	shift
	ip netns exec "$NS_RES" "$@" </dev/null >"$WORK/$name.out" 2>&1 &
	PIDS+=("$!")
}

start_servers()
{
	mkdir -p "$WORK/knot" "$WORK/named" "$WORK/kresd" "$WORK/pdns"
	subst "$here/knot.conf.in" "$WORK/knot.conf" unbound
	spawn knotd knotd -c "$WORK/knot.conf"
	subst "$here/unbound.conf.in" "$WORK/unbound.conf" unbound
	spawn unbound unbound -d -c "$WORK/unbound.conf"
	subst "$here/named.conf.in" "$WORK/named.conf" bind
	spawn named named -g -n 1 -c "$WORK/named.conf"
	subst "$here/kresd.conf.in" "$WORK/kresd/kresd.conf" kresd
	spawn kresd kresd -n -q -c "$WORK/kresd/kresd.conf" "$WORK/kresd"
	subst "$here/recursor.conf.in" "$WORK/pdns/recursor.conf" pdns
	spawn pdns pdns_recursor --config-dir="$WORK/pdns" --daemon=no
}

# The far end of the encapsulated clients: encapgw.py on a tun device, with routes back to
# their addresses through it.
start_encapgw()
{
	local i
	spawn encapgw python3 "$here/encapgw.py" "$EV_TUN" "$IF_RES" "$IF_RES_DIRECT"
	for i in $(seq 50); do
		grep -q '^ready' "$WORK/encapgw.out" 2>/dev/null && break
		[ "$i" = 50 ] && { cat "$WORK/encapgw.out" >&2; e2e_die "encapgw.py did not start"; }
		sleep 0.1
	done
	ip -n "$NS_RES" link set "$EV_TUN" up
	ip -n "$NS_RES" route add "$EV_ENCAP_T4/32" dev "$EV_TUN"
	ip -n "$NS_RES" route add "$EV_ENCAP_D4/32" dev "$EV_TUN"
	ip -n "$NS_RES" -6 route add "$EV_ENCAP_T6/128" dev "$EV_TUN"
	ip -n "$NS_RES" -6 route add "$EV_ENCAP_D6/128" dev "$EV_TUN"
}

# dnsgate on net_tap: a tap device stands for each port, joined by a Linux bridge to the
# veth towards the client or the resolvers. Unlike net_af_packet (whose fanout group makes
# the kernel reassemble IPv4 fragments), this hands dnsgate every fragment as it was sent.
# The appliance namespace runs no netfilter on bridged frames, so nothing reassembles there.
write_dnsgate_ini()
{
	cat > "$WORK/dnsgate.ini" <<-EOF
	; generated by tests/e2e/evasion/run.sh
	[eal]
	args = --no-huge -m 1024 --no-pci --no-shconf --file-prefix $DG_E2E_PREFIX -l 0-1
	args = --log-level=pmd.net.tap:error
	vdev = net_tap0,iface=$EV_TAP_SUB
	vdev = net_tap1,iface=$EV_TAP_NET

	[ports]
	pair = net_tap0 net_tap1

	[workers]
	lcores = 1

	[mgmt]
	stats_interval = 0

	[filter]
	list = native $here/filter.list
	strict = yes

	[answer]
	sinkhole_v4 = $EV_SINK4
	sinkhole_v6 = $EV_SINK6

	; The suite tests what each shape gets, not the per-source rate guard: several hundred
	; blocked queries from one client in a few seconds would otherwise meet it.
	[guard]
	rate = 0

	[ctl]
	socket = $WORK/dnsgate.sock
	EOF
}

start_dnsgate()
{
	local i dev
	ip netns exec "$NS_APP" sysctl -qw net.bridge.bridge-nf-call-iptables=0 \
		net.bridge.bridge-nf-call-ip6tables=0 net.bridge.bridge-nf-call-arptables=0 ||
		e2e_die "cannot turn off bridge netfilter in $NS_APP"
	write_dnsgate_ini
	ip netns exec "$NS_APP" "$DNSGATE" -- --config "$WORK/dnsgate.ini" \
		</dev/null >"$WORK/dnsgate.log" 2>&1 &
	APP_PID=$!
	for i in $(seq 101); do
		ip -n "$NS_APP" link show "$EV_TAP_NET" >/dev/null 2>&1 && break
		if [ "$i" = 101 ] || ! alive "$APP_PID"; then
			tail -n 20 "$WORK/dnsgate.log" >&2
			e2e_die "dnsgate did not create its tap devices"
		fi
		sleep 0.1
	done
	for dev in "sub $EV_TAP_SUB $IF_SUB" "net $EV_TAP_NET $IF_NET"; do
		local br tap veth
		read -r br tap veth <<<"$dev"
		br=ev-br-$br
		ip -n "$NS_APP" link add "$br" type bridge stp_state 0 forward_delay 0
		ip -n "$NS_APP" link set "$veth" master "$br"
		ip -n "$NS_APP" link set "$tap" master "$br"
		ip -n "$NS_APP" link set "$br" up
	done
}

# wait_ready: every resolver answers the benign name on both paths, both families.
wait_ready()
{
	local i f
	for i in $(seq 60); do
		if ip netns exec "$NS_CLI" python3 "$here/shapes.py" --ready "$WORK/lab.json" \
			>"$WORK/ready.log" 2>&1; then
			e2e_log "resolvers and dnsgate answer ($(cat "$WORK/ready.log"))"
			return 0
		fi
		sleep 0.5
	done
	cat "$WORK/ready.log" >&2
	for f in knotd unbound named kresd pdns dnsgate; do
		echo "---- $f" >&2
		tail -n 15 "$WORK/$f.out" "$WORK/$f.log" 2>/dev/null >&2
	done
	e2e_die "not every resolver answered within 30 s"
}

# What was measured, for the Markdown: dnsgate's version line and the commit of the tree the
# binary was built in, when it is in one.
dnsgate_label()
{
	local commit
	commit=$(git -C "$(dirname "$DNSGATE")" describe --always --dirty 2>/dev/null)
	printf 'dnsgate %s' "$(grep -m1 -o '^dnsgate [^:]*' "$WORK/dnsgate.log" | cut -d' ' -f2)"
	[ -n "$commit" ] && printf ' (commit %s)' "$commit"
}

# The fragment rows are only real if dnsgate gets fragments: count what enters its
# subscriber tap while the shapes run.
start_fragcount()
{
	ip netns exec "$NS_APP" python3 "$here/fragcount.py" "$EV_TAP_SUB" "$WORK/fragments" \
		</dev/null >"$WORK/fragcount.out" 2>&1 &
	FRAG_PID=$!
	for _ in $(seq 50); do
		[ -e "$WORK/fragments.ready" ] && return 0
		sleep 0.1
	done
	e2e_die "fragment counter did not start"
}

# stop_fragcount: fails when the fragment shapes ran and dnsgate saw no fragments.
stop_fragcount()
{
	local n4 n6
	stop_pid "$FRAG_PID"
	FRAG_PID=
	read -r _ n4 _ n6 < "$WORK/fragments" || { e2e_log "fragment counter wrote nothing"; return 1; }
	e2e_log "fragments received by dnsgate unreassembled: IPv4 $n4, IPv6 $n6"
	if grep -q '^frag-' "$WORK/shapes.txt" && { [ "$n4" = 0 ] || [ "$n6" = 0 ]; }; then
		e2e_log "error: fragment shapes ran but dnsgate received no fragments of one family"
		return 1
	fi
}

main()
{
	local rc
	preflight
	WORK=$(mktemp -d /tmp/dgev.XXXXXX)
	trap cleanup EXIT
	trap 'e2e_log interrupted; exit 130' INT TERM
	e2e_log "work dir $WORK, dnsgate $DNSGATE, namespaces $DG_E2E_PREFIX-*"
	if python3 "$here/selftest.py" >"$WORK/selftest.log" 2>&1; then
		e2e_log "classifier self-test: $(tail -n 1 "$WORK/selftest.log")"
	else
		cat "$WORK/selftest.log" >&2
		e2e_log "classifier self-test failed"
		exit 1
	fi
	"$DG_LAB/lab.sh" up >/dev/null || exit 2
	lab_addresses
	ev_lab_json > "$WORK/lab.json"
	start_servers
	start_encapgw
	start_dnsgate
	wait_ready
	start_fragcount
	ip netns exec "$NS_CLI" python3 "$here/shapes.py" ${OUT:+--markdown "$OUT"} \
		--label "$(dnsgate_label)" "$WORK/lab.json" | tee "$WORK/shapes.txt"
	rc=${PIPESTATUS[0]}
	stop_fragcount || rc=1
	if [ -x "$DNSGATECTL" ]; then
		"$DNSGATECTL" -s "$WORK/dnsgate.sock" stats > "$WORK/dnsgate.stats" 2>&1 ||
			e2e_log "dnsgatectl stats failed (see $WORK/dnsgate.stats)"
	fi
	stop_pid "$APP_PID"
	APP_PID=
	case "$rc" in
	0) echo "1 passed, 0 failed" ;;
	1) echo "0 passed, 1 failed" ;;
	*) e2e_log "the suite could not run (status $rc)"; rc=2 ;;
	esac
	return "$rc"
}

main "$@"
