#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Response policy and quarantine with real software (docs/response-policy.md,
# docs/quarantine.md, docs/e2e.md): in the e2e lab's namespaces, unbound serves the zone
# test. (test.zone, an auth-zone) behind dnsgate on net_af_packet; kdig and dig are the
# clients. Three runs of dnsgate, the name list filter.list loaded in each:
#   off    ([intercept] responses = no): CNAME chains to listed names and listed addresses
#          come through byte for byte, as unbound sent them;
#   plain  (responses on, [filter] response_ip = the plain list, [quarantine]): cloaked
#          names get the forged answer of their own question (sinkhole, NXDOMAIN per the
#          target's entry), listed addresses the sinkhole, benign chains pass byte for byte;
#          then quarantine add / optout add / optout del / quarantine del for the client;
#   rpz    (the same list converted to rpz-ip triggers, CNAME . = NXDOMAIN, plus one
#          passthru /32): listed addresses get NXDOMAIN, the passthru one resolves.
# When the shared data is there (DG_SHARED_DATA, else ../shared/data beside the repo), the
# public threat-intelligence address list (hagezi-tif, GPL-3.0: never copied into the repo)
# is loaded whole in the plain and rpz runs, and one of its addresses, served as the A
# record of tif.lab.test (never contacted), must be blocked in both.
#
#   tests/e2e/policy/run.sh [PATH/TO/dnsgate]        (root)
#
# Ends with "N passed, N failed"; exit 1 if a check failed, 2 if the lab could not start.
# Environment: DG_POLICY_DNSGATE (binary; the first argument wins), DG_POLICY_DNSGATECTL,
# DG_POLICY_KEEP=1 (keep the work directory), DG_POLICY_PREFIX (namespaces, dgpol<pid>).
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
e2e=$(cd "$here/.." && pwd)
repo=$(cd "$here/../../.." && pwd)
export DG_E2E_PREFIX=${DG_POLICY_PREFIX:-dgpol$$}
. "$repo/tools/lab/common.sh"
. "$e2e/checks.sh"

DNSGATE=${1:-${DG_POLICY_DNSGATE:-$repo/build/app/dnsgate/dnsgate}}
DNSGATECTL=${DG_POLICY_DNSGATECTL:-$(dirname "$DNSGATE")/../../tools/dnsgatectl/dnsgatectl}
SINK4=198.18.255.1
SINK6=2001:2:0:ff::1
GARDEN4=198.18.254.1
GARDEN6=2001:2:0:fe::1
TIF_FILE=hagezi-tif.ips.2026-08-15.txt
TIF=             # the shared list, when there
TIF_ADDR=        # one of its addresses, the A record of tif.lab.test
TIFN=0           # 1 when the shared list is loaded: its checks add to the counters
export DG_E2E_FORGED_TTL=300

WORK=
APP_PID=
UNBOUND_PID=

preflight()
{
	lab_preflight ip ethtool unbound unbound-checkconf kdig dig python3
	[ -x "$DNSGATE" ] || { e2e_log "no dnsgate binary at '$DNSGATE'"; exit 2; }
	[ -x "$DNSGATECTL" ] || { e2e_log "no dnsgatectl at '$DNSGATECTL'"; exit 2; }
}

cleanup()
{
	local rc=$?
	trap - EXIT INT TERM
	lab_teardown "$rc" "${DG_POLICY_KEEP:-0}" "$APP_PID" "$UNBOUND_PID"
	exit "$rc"
}

# The shared threat-intelligence list, and the address of it the zone serves.
find_tif()
{
	if [ -z "$DG_SHARED_DATA" ] || [ ! -r "$DG_SHARED_DATA/blocklists/$TIF_FILE" ]; then
		e2e_log "no $TIF_FILE under DG_SHARED_DATA: the synthetic list only"
		return 0
	fi
	TIF=$DG_SHARED_DATA/blocklists/$TIF_FILE
	TIFN=1
	# a line from the middle of the list, whatever its length
	TIF_ADDR=$(awk '/^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$/ { a[n++] = $1 }
		END { print a[int(n / 2)] }' "$TIF")
	[ -n "$TIF_ADDR" ] || e2e_die "no IPv4 address in $TIF"
	e2e_log "threat-intelligence list $TIF ($(grep -c . "$TIF") lines), tif.lab.test A $TIF_ADDR"
}

# to_rpz: plain prefixes or addresses on stdin, rpz-ip triggers (CNAME . = NXDOMAIN) out.
to_rpz()
{
	python3 -c '
import ipaddress, sys
for line in sys.stdin:
    line = line.split("#")[0].strip()
    if not line:
        continue
    n = ipaddress.ip_network(line)
    if n.version == 4:
        labels = str(n.network_address).split(".")[::-1]
    else:
        words = ["%x" % int(w, 16) for w in n.network_address.exploded.split(":")][::-1]
        best, at, run = 0, -1, 0
        for i, w in enumerate(words):
            run = run + 1 if w == "0" else 0
            if run > best:
                best, at = run, i - run + 1
        if best >= 2:
            words[at:at + best] = ["zz"]
        labels = words
    print("%d.%s.rpz-ip CNAME ." % (n.prefixlen, ".".join(labels)))
'
}

# The lists of the plain and rpz runs, the zone (with tif.lab.test when the list is there).
write_data()
{
	cp "$here/test.zone" "$WORK/test.zone"
	grep -v '^#' "$here/response-ip.txt" > "$WORK/rip-plain.txt"
	{
		printf '$ORIGIN rpz.lab.test.\n$TTL 300\n'
		printf '@ SOA ns.lab.test. hostmaster.lab.test. 1 3600 900 604800 60\n@ NS ns.lab.test.\n'
		to_rpz < "$here/response-ip.txt"
		printf '32.200.77.18.198.rpz-ip CNAME rpz-passthru.\n'
	} > "$WORK/rip.rpz" || e2e_die "rpz conversion failed"
	if [ -n "$TIF" ]; then
		printf 'tif.lab A %s\n' "$TIF_ADDR" >> "$WORK/test.zone"
		grep -E '^[0-9.]+$' "$TIF" >> "$WORK/rip-plain.txt"
		grep -E '^[0-9.]+$' "$TIF" | to_rpz >> "$WORK/rip.rpz" || e2e_die "rpz conversion failed"
	fi
	e2e_log "response-IP lists: $(grep -c . "$WORK/rip-plain.txt") plain lines," \
		"$(grep -c rpz-ip "$WORK/rip.rpz") rpz-ip triggers"
}

# write_ini RUN: off, plain or rpz.
write_ini()
{
	local responses=yes rip=
	case "$1" in
	off) responses=no rip=$WORK/rip-plain.txt ;;
	plain) rip=$WORK/rip-plain.txt ;;
	rpz) rip=$WORK/rip.rpz ;;
	esac
	e2e_ini_lab "$1" > "$WORK/dnsgate-$1.ini"
	cat >> "$WORK/dnsgate-$1.ini" <<-EOF
	[filter]
	list = native $here/filter.list
	strict = yes
	response_ip = $rip identifier=DG-POL-RIP category=c2
	[answer]
	sinkhole_v4 = $SINK4
	sinkhole_v6 = $SINK6
	ttl = $DG_E2E_FORGED_TTL
	ede = yes
	[intercept]
	responses = $responses
	[quarantine]
	allow = $here/quarantine-allow.txt
	address_v4 = $GARDEN4
	address_v6 = $GARDEN6
	EOF
}

start_dnsgate()
{
	write_ini "$1"
	e2e_start_dnsgate "$1" "$WORK/dnsgate-$1.ini"
}

ctl() { ip netns exec "$NS_APP" "$DNSGATECTL" -s "$WORK/dnsgate.sock" "$@" 2>&1; }

# expect_loaded RUN FILE N: dnsgate's start-up line says the response-IP list has N prefixes.
expect_loaded()
{
	local line
	line=$(grep -F "response-IP list $2: " "$WORK/dnsgate-$1.log")
	if [[ $line == *": $3 prefixes "* ]]; then
		e2e_pass "$1: response-IP list loaded, $3 prefixes"
	else
		e2e_fail "$1: response-IP list loaded, $3 prefixes" "${line:-no start-up line}"
	fi
}

# expect_ctl WHAT CMD...: dnsgatectl answers with exit status 0.
expect_ctl()
{
	local what=$1 out
	shift
	if out=$(ctl "$@"); then
		e2e_pass "$what: dnsgatectl $*"
	else
		e2e_fail "$what: dnsgatectl $*" "$out"
	fi
}

# expect_hit WHAT RUN PATTERN...: one hit-log line of RUN holds every PATTERN (fixed strings).
expect_hit()
{
	local what=$1 log=$WORK/hits-$2.jsonl lines p
	shift 2
	lines=$(cat "$log" 2>/dev/null)
	for p in "$@"; do
		lines=$(grep -F -- "$p" <<<"$lines")
	done
	if [ -n "$lines" ]; then
		e2e_pass "$what: hit log $*"
	else
		e2e_fail "$what: hit log $*" "$(tail -n 5 "$log" 2>/dev/null)"
	fi
}

# dig_short NAME TYPE WANT: dig (not kdig) through the appliance prints exactly WANT.
dig_short()
{
	local got
	got=$(e2e_ns cli dig -4 -b "$CLI4" @"$RES4" +tries=1 +time=3 +short "$1" "$2" 2>&1)
	if [ "$got" = "$3" ]; then
		e2e_pass "dig $1 $2 -> $3"
	else
		e2e_fail "dig $1 $2 -> $3" "got: $got"
	fi
}

# same_id NAME TYPE: dig +qr prints the query it sent and the answer it took; the answer
# (forged from the response) carries the query's ID.
same_id()
{
	local out ids
	out=$(e2e_ns cli dig -4 -b "$CLI4" @"$RES4" +qr +tries=1 +time=3 "$1" "$2" 2>&1)
	ids=$(sed -nE 's/^;; ->>HEADER<<- .*id: ([0-9]+)$/\1/p' <<<"$out" | tr '\n' ' ')
	if [[ $ids =~ ^([0-9]+)\ ([0-9]+)\ $ ]] && [ "${BASH_REMATCH[1]}" = "${BASH_REMATCH[2]}" ] &&
		grep -q "^$1\.[[:space:]].*$2[[:space:]]*$SINK4$" <<<"$out"; then
		e2e_pass "same ID in the query and the forged answer for $1 $2 ($ids)"
	else
		e2e_fail "same ID in the query and the forged answer for $1 $2" "$out"
	fi
}

# The chain reaches the client as unbound sent it: the listed target is in it.
expect_chain()
{
	local got
	got=$(e2e_kdig appliance "$1" A)
	if grep -qE "^$1\.[[:space:]].*CNAME[[:space:]]+$2\." <<<"$got"; then
		e2e_pass "off: $1 answered with its CNAME to $2"
	else
		e2e_fail "off: $1 answered with its CNAME to $2" "$got"
	fi
}

run_off()
{
	start_dnsgate off
	check_passthrough cloak.lab.test A
	expect_chain cloak.lab.test tracker.evil.test
	Q_FAM=6 check_passthrough cloak.lab.test AAAA +dnssec
	check_passthrough deep.lab.test A
	check_passthrough rip.lab.test A
	Q_FAM=6 check_passthrough rip6.lab.test AAAA
	[ -n "$TIF" ] && check_passthrough tif.lab.test A
	# the list is loaded: the listed name asked for itself is blocked on the query side
	check_blocked tracker.evil.test A "sinkhole:$SINK4"
	e2e_expect_stat off response.inspected -eq 0
	e2e_expect_stat off response.rewritten -eq 0
	e2e_stop_dnsgate off
}

run_plain()
{
	start_dnsgate plain
	expect_loaded plain "$WORK/rip-plain.txt" "$(grep -c . "$WORK/rip-plain.txt")"
	# CNAME cloaking: the answer to the client's own question, not to the target's
	check_blocked cloak.lab.test A "sinkhole:$SINK4"
	check_blocked cloak.lab.test A "sinkhole:$SINK4" +dnssec
	Q_FAM=6 check_blocked cloak.lab.test AAAA "sinkhole:$SINK6" +edns
	check_blocked deep.lab.test A NXDOMAIN
	dig_short cloak.lab.test A "$SINK4"
	same_id cloak.lab.test A
	# benign chains and a listed target behind an allowed question: byte for byte
	check_passthrough shop.lab.test A
	Q_FAM=6 check_passthrough shop.lab.test AAAA +dnssec
	check_passthrough shielded.lab.test A
	# response IPs
	check_blocked rip.lab.test A "sinkhole:$SINK4"
	Q_FAM=6 check_blocked rip6.lab.test AAAA "sinkhole:$SINK6"
	check_blocked riphost.lab.test A "sinkhole:$SINK4" +dnssec
	check_passthrough ripnext.lab.test A
	same_id rip.lab.test A
	[ -n "$TIF" ] && check_blocked tif.lab.test A "sinkhole:$SINK4"
	[ -n "$TIF" ] && dig_short tif.lab.test A "$SINK4"
	e2e_expect_stat plain response.listed.cname -eq 6
	e2e_expect_stat plain response.listed.response-ip -eq "$((4 + 2 * TIFN))"
	e2e_expect_stat plain response.verdict.allow -eq 1
	e2e_expect_stat plain response.rewritten -eq "$((10 + 2 * TIFN))"
	e2e_expect_stat plain response.optout -eq 0
	quarantine_checks
	e2e_stop_dnsgate plain
	expect_hit plain plain '"qname":"cloak.lab.test."' '"trigger":"cname"' \
		'"match":"tracker.evil.test."' '"identifier":"DG-POL-0001"' '"action":"sinkhole"'
	expect_hit plain plain '"qname":"deep.lab.test."' '"trigger":"cname"' \
		'"match":"c2.bad.test."' '"action":"nxdomain"'
	expect_hit plain plain '"qname":"rip.lab.test."' '"trigger":"response-ip"' \
		'"match":"198.18.77.9/24"' '"identifier":"DG-POL-RIP"'
	expect_hit plain plain '"qname":"rip6.lab.test."' '"trigger":"response-ip"' \
		'"match":"2001:2:0:77::9/64"'
	[ -n "$TIF" ] && expect_hit plain plain '"qname":"tif.lab.test."' \
		'"trigger":"response-ip"' "\"match\":\"$TIF_ADDR/32\""
	expect_hit plain plain '"qname":"web.lab.test."' '"trigger":"client-ip"' \
		'"match":"198.18.0.2/32"' '"category":"quarantine"'
}

# Quarantine of the client 198.18.0.2 (and 2001:2::2 with its own action), opt-out over it.
quarantine_checks()
{
	local l
	check_passthrough web.lab.test A
	expect_ctl quarantine quarantine add "$CLI4/32"
	expect_ctl quarantine quarantine add "$CLI6/128" action=nxdomain
	l=$(ctl quarantine list)
	grep -qx "$CLI4/32" <<<"$l" && grep -qx "$CLI6/128 action=nxdomain" <<<"$l" &&
		e2e_pass "quarantine: list shows both prefixes" ||
		e2e_fail "quarantine: list shows both prefixes" "$l"
	check_blocked web.lab.test A "sinkhole:$GARDEN4"
	check_blocked web.lab.test A "sinkhole:$GARDEN4" +dnssec
	check_blocked web.lab.test AAAA "sinkhole:$GARDEN6"
	Q_FAM=6 check_blocked web.lab.test AAAA NXDOMAIN
	# the allow list, another subscriber, a listed name (the list's answer wins)
	check_passthrough support.lab.test A
	check_passthrough www.support.lab.test A
	Q_SRC=$OPTOUT4 check_passthrough web.lab.test A
	check_blocked tracker.evil.test A "sinkhole:$SINK4"
	e2e_expect_stat quarantine quarantined -eq 4
	e2e_expect_stat quarantine quarantine_allowed -eq 2
	# opt-out wins over quarantine, and over response policy
	expect_ctl optout optout add "$CLI4/32"
	check_passthrough web.lab.test A
	check_passthrough cloak.lab.test A
	e2e_expect_stat optout response.optout -eq 1
	expect_ctl optout optout del "$CLI4/32"
	check_blocked web.lab.test A "sinkhole:$GARDEN4"
	expect_ctl quarantine quarantine del "$CLI4/32"
	expect_ctl quarantine quarantine del "$CLI6/128"
	check_passthrough web.lab.test A
	Q_FAM=6 check_passthrough web.lab.test AAAA
	l=$(ctl quarantine list)
	[ -z "$l" ] && e2e_pass "quarantine: list empty after del" ||
		e2e_fail "quarantine: list empty after del" "$l"
}

run_rpz()
{
	start_dnsgate rpz
	expect_loaded rpz "$WORK/rip.rpz" "$(grep -c '\.rpz-ip ' "$WORK/rip.rpz")"
	check_blocked rip.lab.test A NXDOMAIN
	Q_FAM=6 check_blocked rip6.lab.test AAAA NXDOMAIN +dnssec
	check_blocked riphost.lab.test A NXDOMAIN
	check_passthrough ripok.lab.test A
	check_passthrough ripnext.lab.test A
	[ -n "$TIF" ] && check_blocked tif.lab.test A NXDOMAIN
	check_blocked cloak.lab.test A "sinkhole:$SINK4"
	e2e_expect_stat rpz response.listed.response-ip -eq "$((3 + TIFN))"
	e2e_expect_stat rpz response.verdict.nxdomain -eq "$((3 + TIFN))"
	e2e_stop_dnsgate rpz
	[ -n "$TIF" ] && expect_hit rpz rpz '"qname":"tif.lab.test."' \
		'"trigger":"response-ip"' "\"match\":\"$TIF_ADDR/32\"" '"action":"nxdomain"'
	expect_hit rpz rpz '"qname":"rip6.lab.test."' '"trigger":"response-ip"' \
		'"action":"nxdomain"'
}

main()
{
	local t0=$SECONDS
	preflight
	WORK=$(mktemp -d /tmp/dgpol.XXXXXX)
	trap cleanup EXIT
	trap 'e2e_log interrupted; exit 130' INT TERM
	e2e_log "work dir $WORK, namespaces $DG_E2E_PREFIX-*"
	find_tif
	write_data
	"$DG_LAB/lab.sh" up || exit 2
	e2e_start_unbound "$here/unbound.conf.in"
	run_off
	run_plain
	run_rpz
	e2e_log "done in $((SECONDS - t0)) s"
	if [ "$E2E_FAILED" -gt 0 ]; then
		printf 'failed: %s\n' "${E2E_FAILED_NAMES[@]}"
	fi
	printf '%d passed, %d failed\n' "$E2E_PASSED" "$E2E_FAILED"
	[ "$E2E_FAILED" = 0 ]
}

main "$@"
