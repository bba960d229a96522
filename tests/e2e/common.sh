# SPDX-License-Identifier: BSD-3-Clause
# shellcheck disable=SC2034 # the names are used by the scripts that source this
# Names and addresses of the e2e lab, shared by lab.sh and run.sh. Sourced, not run.
#
#   client ns                appliance ns                    resolver ns
#   cli0 ---- veth ---- dg-sub [dnsgate] dg-net ---- veth ---- res0
#   cli-direct -------------------- veth ----------------- res-direct   (baseline)
#
# cli0 and res0 share one L2 segment (198.18.0.0/24, 2001:2::/64): every frame between
# them, ARP and ND included, crosses the appliance. The direct pair (198.19.0.0/24,
# 2001:2:0:1::/64) reaches the same unbound without it, for reference answers and the
# baseline benchmark.

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
