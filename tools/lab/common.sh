# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash
# shellcheck disable=SC2034 # the names are used by the scripts that source this
# Names and addresses of the e2e lab and process helpers, shared by lab.sh, the e2e suites
# (tests/e2e) and the peers benchmark (tools/bench/peers.sh). Sourced, not run; sources the
# prelude (prelude.sh: DG_ROOT, DG_LAB, DG_SHARED_DATA).
#
#   client ns                appliance ns                    resolver ns
#   cli0 ---- veth ---- dg-sub [dnsgate] dg-net ---- veth ---- res0
#   cli-direct -------------------- veth ----------------- res-direct   (baseline)
#
# cli0 and res0 share one L2 segment (198.18.0.0/24, 2001:2::/64): every frame between
# them, ARP and ND included, crosses the appliance. The direct pair (198.19.0.0/24,
# 2001:2:0:1::/64) reaches the same unbound without it, for reference answers and the
# baseline benchmark.

. "$(dirname "${BASH_SOURCE[0]}")/prelude.sh"

DG_E2E_PREFIX=${DG_E2E_PREFIX:-dge2e}

NS_CLI=${DG_E2E_PREFIX}-cli
NS_APP=${DG_E2E_PREFIX}-app
NS_RES=${DG_E2E_PREFIX}-res

IF_CLI=cli0
IF_SUB=dg-sub
IF_NET=dg-net
IF_RES=res0
IF_CLI_DIRECT=cli-direct
IF_RES_DIRECT=res-direct
IF_BRIDGE=dg-br

# Through the appliance.
RES4=198.18.0.1
CLI4=198.18.0.2
OPTOUT4=198.18.0.3
RES6=2001:2::1
CLI6=2001:2::2
OPTOUT6=2001:2::3
# Straight to unbound.
RES4_DIRECT=198.19.0.1
CLI4_DIRECT=198.19.0.2
RES6_DIRECT=2001:2:0:1::1
CLI6_DIRECT=2001:2:0:1::2

# To E2E_LOG_FD when set (run.sh keeps its real stderr there: a trap may fire while a
# function's stderr is redirected to a file), else stderr.
e2e_log()
{
	printf '%s e2e: %s\n' "$(date -u +%H:%M:%S)" "$*" >&"${E2E_LOG_FD:-2}"
}

e2e_die()
{
	e2e_log "error: $*"
	exit 1
}

# e2e_ns cli|app|res CMD... : run CMD inside that lab namespace.
e2e_ns()
{
	local ns
	case "$1" in
	cli) ns=$NS_CLI ;;
	app) ns=$NS_APP ;;
	res) ns=$NS_RES ;;
	*) e2e_die "unknown namespace '$1' (cli, app or res)" ;;
	esac
	shift
	ip netns exec "$ns" "$@"
}

# alive PID: running, not a zombie (kill -0 succeeds on a child that exited but was not
# waited for yet).
alive()
{
	local st
	st=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1)
	[ -n "$st" ] && [ "$st" != Z ]
}

# stop_pid PID: TERM, wait up to 5 s, then KILL. Returns the process's exit status when it
# was our child.
stop_pid()
{
	local pid=$1
	[ -n "$pid" ] || return 0
	kill -TERM "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null; return $?; }
	for _ in $(seq 50); do
		alive "$pid" || break
		sleep 0.1
	done
	if alive "$pid"; then
		e2e_log "pid $pid ignored SIGTERM for 5 s: killing it"
		kill -KILL "$pid" 2>/dev/null
	fi
	wait "$pid" 2>/dev/null
}

# lab_preflight TOOL...: root, and every TOOL on PATH; exit 2 (the run could not start)
# otherwise.
lab_preflight()
{
	local t
	[ "$(id -u)" = 0 ] || { e2e_log "must run as root"; exit 2; }
	for t in "$@"; do
		command -v "$t" >/dev/null || { e2e_log "$t not found: run tools/deps.sh"; exit 2; }
	done
}

# lab_teardown RC KEEP PID...: stop the PIDs, take the lab down, and remove $WORK unless
# KEEP is 1, a check failed (E2E_FAILED) or RC is not 0.
lab_teardown()
{
	local rc=$1 keep=$2 pid
	shift 2
	for pid in "$@"; do
		stop_pid "$pid"
	done
	"$DG_LAB/lab.sh" down >/dev/null 2>&1 ||
		e2e_log "lab down failed: run DG_E2E_PREFIX=$DG_E2E_PREFIX $DG_LAB/lab.sh down"
	[ -n "${WORK:-}" ] || return 0
	if [ "$keep" = 1 ] || [ "${E2E_FAILED:-0}" -gt 0 ] || [ "$rc" != 0 ]; then
		e2e_log "logs kept in $WORK"
	else
		rm -rf "$WORK"
	fi
}
