#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Tests of the e2e checkers themselves, without a lab: check_blocked and check_passthrough
# are fed hand-written kdig answers (what a correct forged answer looks like per DESIGN.md
# section 4, and the ways it can be wrong) and must pass or fail each one as stated.
# Needs neither root nor network. Prints "N passed, N failed".
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/../../tools/lab/common.sh"
. "$here/checks.sh"

# The checkers read answers only through e2e_kdig: serve the fixtures instead.
FIX_APPLIANCE=
FIX_DIRECT=
e2e_kdig()
{
	if [ "$1" = direct ]; then
		printf '%s\n' "$FIX_DIRECT"
	else
		printf '%s\n' "$FIX_APPLIANCE"
	fi
}

ST_PASSED=0
ST_FAILED=0

# expect pass|fail DESCRIPTION CHECK ARGS...: run one checker, compare its verdict.
expect()
{
	local want=$1 desc=$2 p0=$E2E_PASSED f0=$E2E_FAILED got out
	shift 2
	out=$("$@"; echo "rc:$E2E_PASSED:$E2E_FAILED")
	# The checker ran in a command substitution: read its counters from its output.
	local tail=${out##*rc:}
	local p1=${tail%%:*} f1=${tail#*:}
	if [ "$f1" -gt "$f0" ]; then
		got=fail
	elif [ "$p1" -gt "$p0" ]; then
		got=pass
	else
		got=none
	fi
	if [ "$got" = "$want" ]; then
		ST_PASSED=$((ST_PASSED + 1))
		printf 'ok   %s (%s)\n' "$desc" "$got"
	else
		ST_FAILED=$((ST_FAILED + 1))
		printf 'FAIL %s: checker said %s, want %s\n' "$desc" "$got" "$want"
		printf '%s\n' "${out%rc:*}" | sed 's/^/     | /'
	fi
}

SINK_DO=";; ->>HEADER<<- opcode: QUERY; status: NOERROR
;; Flags: qr rd ra; QUERY: 1; ANSWER: 1; AUTHORITY: 0; ADDITIONAL: 1

;; EDNS PSEUDOSECTION:
;; Version: 0; flags: do; UDP size: 1232 B; ext-rcode: NOERROR
;; EDE: 15 (Blocked): 'IIJ-20240416-0001'

;; QUESTION SECTION:
;; BlOcKeD.example.test.		IN	A

;; ANSWER SECTION:
BlOcKeD.example.test.	300	IN	A	198.18.255.1
"

NX_PLAIN=";; ->>HEADER<<- opcode: QUERY; status: NXDOMAIN
;; Flags: qr rd ra; QUERY: 1; ANSWER: 0; AUTHORITY: 0; ADDITIONAL: 0

;; QUESTION SECTION:
;; c2.evil.example.test.		IN	A
"

NODATA_EDNS=";; ->>HEADER<<- opcode: QUERY; status: NOERROR
;; Flags: qr rd ra; QUERY: 1; ANSWER: 0; AUTHORITY: 0; ADDITIONAL: 1

;; EDNS PSEUDOSECTION:
;; Version: 0; flags: ; UDP size: 1232 B; ext-rcode: NOERROR
;; EDE: 17 (Filtered)

;; QUESTION SECTION:
;; blocked.example.test.		IN	HTTPS
"

# What unbound itself answers for the name: a passthrough, not a forged answer.
REAL=";; ->>HEADER<<- opcode: QUERY; status: NOERROR
;; Flags: qr aa rd ra; QUERY: 1; ANSWER: 1; AUTHORITY: 0; ADDITIONAL: 0

;; QUESTION SECTION:
;; blocked.example.test.   		IN	A

;; ANSWER SECTION:
blocked.example.test.   	300	IN	A	198.18.101.1
"

TIMEOUT=";; WARNING: response timeout for 198.18.0.1@53(UDP)
;; ERROR: failed to query server 198.18.0.1@53(UDP)"

FIX_APPLIANCE=$SINK_DO
expect pass "sinkhole A with DO and EDE" \
	check_blocked BlOcKeD.example.test A sinkhole:198.18.255.1 +dnssec
expect fail "sinkhole, wrong address expected" \
	check_blocked BlOcKeD.example.test A sinkhole:198.18.255.2 +dnssec
expect fail "sinkhole, question case not kept" \
	check_blocked blocked.example.test A sinkhole:198.18.255.1 +dnssec
DG_E2E_FORGED_TTL=60 expect fail "sinkhole, TTL not the configured one" \
	check_blocked BlOcKeD.example.test A sinkhole:198.18.255.1 +dnssec
expect fail "EDNS answer to a query without EDNS" \
	check_blocked BlOcKeD.example.test A sinkhole:198.18.255.1
expect fail "sinkhole answer where NXDOMAIN is expected" \
	check_blocked BlOcKeD.example.test A NXDOMAIN +dnssec

FIX_APPLIANCE=${SINK_DO/flags: do;/flags: ;}
expect fail "DO not copied" check_blocked BlOcKeD.example.test A sinkhole:198.18.255.1 +dnssec
FIX_APPLIANCE=${SINK_DO/qr rd ra/qr aa rd ra}
expect fail "AA set" check_blocked BlOcKeD.example.test A sinkhole:198.18.255.1 +dnssec
FIX_APPLIANCE=${SINK_DO/qr rd ra/qr ra}
expect fail "RD not copied" check_blocked BlOcKeD.example.test A sinkhole:198.18.255.1 +dnssec
FIX_APPLIANCE=${SINK_DO/;; EDE: 15 (Blocked): \'IIJ-20240416-0001\'$'\n'/}
expect fail "no Extended DNS Error" \
	check_blocked BlOcKeD.example.test A sinkhole:198.18.255.1 +dnssec

FIX_APPLIANCE=$NX_PLAIN
expect pass "NXDOMAIN without EDNS" check_blocked c2.evil.example.test A NXDOMAIN +noedns
expect fail "NXDOMAIN where NODATA is expected" check_blocked c2.evil.example.test A NODATA
expect fail "no OPT in the answer to an EDNS query" \
	check_blocked c2.evil.example.test A NXDOMAIN +edns

FIX_APPLIANCE=$NODATA_EDNS
expect pass "NODATA with EDE 17" check_blocked blocked.example.test HTTPS NODATA +edns
expect fail "NODATA answer where a sinkhole is expected" \
	check_blocked blocked.example.test HTTPS sinkhole:198.18.255.1 +edns

FIX_APPLIANCE=$REAL
expect fail "unbound's real answer is not a block" \
	check_blocked blocked.example.test A sinkhole:198.18.101.1
FIX_APPLIANCE=$TIMEOUT
expect fail "no answer is not a block" check_blocked blocked.example.test A NXDOMAIN

FIX_DIRECT=$REAL FIX_APPLIANCE=$REAL
expect pass "passthrough, equal answers" check_passthrough blocked.example.test A
FIX_DIRECT=$REAL FIX_APPLIANCE=${REAL/198.18.101.1/198.18.255.1}
expect fail "passthrough, other address" check_passthrough blocked.example.test A
FIX_DIRECT=$REAL FIX_APPLIANCE=$TIMEOUT
expect fail "passthrough, no answer through the appliance" check_passthrough blocked.example.test A
FIX_DIRECT=$TIMEOUT FIX_APPLIANCE=$TIMEOUT
expect fail "passthrough, two timeouts are not equal answers" \
	check_passthrough blocked.example.test A
FIX_DIRECT=$REAL FIX_APPLIANCE=$REAL
Q_ANSWERS=0 expect fail "passthrough, reference has the wrong shape" \
	check_passthrough blocked.example.test A

FIX_APPLIANCE=$TIMEOUT
expect pass "no path: a timeout" check_no_path
FIX_APPLIANCE=$REAL
expect fail "no path: but an answer came" check_no_path

# kdig keeps escaped bytes as they are: upper-case letters must become \DDD, nothing else.
got=$(e2e_case_escape WwW.a-Z9.test)
if [ "$got" = '\087w\087.a-\0909.test' ]; then
	ST_PASSED=$((ST_PASSED + 1))
	echo "ok   case escape WwW.a-Z9.test -> $got"
else
	ST_FAILED=$((ST_FAILED + 1))
	echo "FAIL case escape WwW.a-Z9.test -> $got"
fi

printf '%d passed, %d failed\n' "$ST_PASSED" "$ST_FAILED"
[ "$ST_FAILED" = 0 ]
