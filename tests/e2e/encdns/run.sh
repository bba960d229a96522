#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Encrypted DNS and the canary with real clients (docs/encrypted-dns.md, docs/e2e.md): in the
# e2e lab's namespaces, unbound answers DNS on 53, DoT on 853 and DoH on 443 (a self-signed
# certificate for doh.lab.test) behind dnsgate on net_af_packet; kdig +tls, kdig +https,
# curl --doh-url and a QUIC Initial to UDP/853 are the clients. Three runs of dnsgate:
#   off    (nothing configured): the clients work, the canary names get unbound's answer;
#   count  (canary = yes; dot, doq, doh = count): the clients still work, every connection
#          is counted (per DoH endpoint too) and logged, the canary names get NXDOMAIN;
#   block  (dot, doq, doh = block): kdig +tls is refused (a RST from the server's
#          address, no SYN reaches the server), curl's DoH connection is reset both ways
#          (the client sees the RST, the server's socket is gone at once), the QUIC
#          datagram never arrives, port 53 still answers.
#
#   tests/e2e/encdns/run.sh [PATH/TO/dnsgate]        (root)
#
# Ends with "N passed, N failed"; exit 1 if a check failed, 2 if the lab could not start.
# Environment: DG_ENCDNS_DNSGATE (binary; the first argument wins), DG_ENCDNS_DNSGATECTL,
# DG_ENCDNS_KEEP=1 (keep the work directory), DG_ENCDNS_PREFIX (namespaces, dgenc<pid>).
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
e2e=$(cd "$here/.." && pwd)
repo=$(cd "$here/../../.." && pwd)
export DG_E2E_PREFIX=${DG_ENCDNS_PREFIX:-dgenc$$}
. "$repo/tools/lab/common.sh"
. "$e2e/checks.sh"

DNSGATE=${1:-${DG_ENCDNS_DNSGATE:-$repo/build/app/dnsgate/dnsgate}}
DNSGATECTL=${DG_ENCDNS_DNSGATECTL:-$(dirname "$DNSGATE")/../../tools/dnsgatectl/dnsgatectl}
DOH_NAME=doh.lab.test
WEB_PORT=8080

WORK=
APP_PID=
UNBOUND_PID=
WEB_PID=
CAP_PIDS=()

preflight()
{
	lab_preflight ip ethtool unbound unbound-checkconf kdig curl openssl tshark python3 ss
	[ -x "$DNSGATE" ] || { e2e_log "no dnsgate binary at '$DNSGATE'"; exit 2; }
	[ -x "$DNSGATECTL" ] || { e2e_log "no dnsgatectl at '$DNSGATECTL'"; exit 2; }
}

cleanup()
{
	local rc=$?
	trap - EXIT INT TERM
	lab_teardown "$rc" "${DG_ENCDNS_KEEP:-0}" "$APP_PID" "${CAP_PIDS[@]}" "$WEB_PID" \
		"$UNBOUND_PID"
	exit "$rc"
}

# unbound on 53, 853 (DoT) and 443 (DoH) behind the appliance, 53 on the direct link.
start_unbound()
{
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
		-keyout "$WORK/key.pem" -out "$WORK/cert.pem" -subj "/CN=$DOH_NAME" \
		-addext "subjectAltName=DNS:$DOH_NAME,IP:$RES4,IP:$RES6" >"$WORK/openssl.log" 2>&1 ||
		e2e_die "openssl could not make the certificate: $(cat "$WORK/openssl.log")"
	e2e_start_unbound "$here/unbound.conf.in"
}

# A web server for curl to reach once DoH has resolved web.lab.test.
start_web()
{
	ip netns exec "$NS_RES" python3 -m http.server --bind "$RES4" "$WEB_PORT" \
		--directory "$WORK" </dev/null >"$WORK/http.log" 2>&1 &
	WEB_PID=$!
	for _ in $(seq 50); do
		ip netns exec "$NS_RES" ss -ltn | grep -q ":$WEB_PORT " && return 0
		sleep 0.1
	done
	e2e_die "the web server did not start"
}

# write_ini MODE CANARY: dnsgate between the client and the resolver.
write_ini()
{
	e2e_ini_lab "$1" > "$WORK/dnsgate.ini"
	cat >> "$WORK/dnsgate.ini" <<-EOF
	[intercept]
	canary = $2
	EOF
	if [ "$1" != off ]; then
		cat >> "$WORK/dnsgate.ini" <<-EOF
		dot = $1
		doq = $1
		doh = $1
		doh_names = $WORK/doh-names.txt
		doh_addresses = $WORK/doh-addresses.txt
		encrypted_log = yes
		EOF
	fi
}

start_dnsgate()
{
	write_ini "$1" "$2"
	e2e_start_dnsgate "$1" "$WORK/dnsgate.ini"
}

# Clients. Each prints what it got; the checks read it.
kdig_tls() { # FAMILY
	local s=$RES4
	[ "$1" = 6 ] && s=$RES6
	e2e_ns cli kdig -"$1" @"$s" +tls +timeout=3 +retry=0 web.lab.test A 2>&1
}
kdig_https_addr() { # DoH to an address: no SNI, told by the address list
	e2e_ns cli kdig -6 @"$RES6" +https +timeout=3 +retry=0 web.lab.test A 2>&1
}
curl_doh() {
	e2e_ns cli curl -sS -v --max-time 8 --doh-url "https://$DOH_NAME/dns-query" --doh-insecure \
		--resolve "$DOH_NAME:443:$RES4" -o /dev/null -w 'http %{http_code}\n' \
		"http://web.lab.test:$WEB_PORT/" 2>&1
}
send_doq() { # FAMILY: one QUIC v1 Initial-shaped datagram to UDP/853
	local s=$RES4 fam=AF_INET
	[ "$1" = 6 ] && { s=$RES6; fam=AF_INET6; }
	e2e_ns cli python3 -c '
import socket, sys
s = socket.socket(getattr(socket, sys.argv[2]), socket.SOCK_DGRAM)
s.sendto(b"\xc3\x00\x00\x00\x01\x08" + b"\x11" * 8 + b"\x00" + b"\x00" * 1185, (sys.argv[1], 853))
' "$s" "$fam"
}

# capture NAME NS IFACE: TCP 443, TCP and UDP 853 into $WORK/NAME.pcap until stop_captures.
capture()
{
	ip netns exec "$2" tshark -q -i "$3" -f "tcp port 443 or port 853" -w "$WORK/$1.pcap" \
		</dev/null >"$WORK/$1.capture.log" 2>&1 &
	CAP_PIDS+=("$!")
	for _ in $(seq 50); do
		grep -q "Capturing on" "$WORK/$1.capture.log" 2>/dev/null && return 0
		sleep 0.1
	done
	e2e_die "tshark did not start capturing on $3"
}

stop_captures()
{
	local p
	sleep 0.5
	for p in "${CAP_PIDS[@]}"; do stop_pid "$p"; done
	CAP_PIDS=()
}

# pcap_count NAME FILTER: frames of the capture the display filter keeps.
pcap_count() { tshark -r "$WORK/$1.pcap" -Y "$2" 2>/dev/null | wc -l; }

canary_checks() # WANT (NXDOMAIN or NOERROR)
{
	local name n fam t st
	for name in use-application-dns.net:4:A mask.icloud.com:4:A mask-h2.icloud.com:6:AAAA; do
		IFS=: read -r n fam t <<<"$name"
		st=$(e2e_status "$(Q_FAM=$fam e2e_kdig appliance "$n" "$t")")
		[ "$st" = "$1" ] && e2e_pass "canary $n $t over IPv$fam: $st" ||
			e2e_fail "canary $n $t over IPv$fam: $st, want $1"
	done
}

run_off()
{
	start_dnsgate off no
	canary_checks NOERROR
	kdig_tls 4 | grep -q "status: NOERROR" && e2e_pass "off: kdig +tls answered" ||
		e2e_fail "off: kdig +tls answered" "$(kdig_tls 4 | tail -n 5)"
	curl_doh | grep -q "^http 200" && e2e_pass "off: curl --doh-url resolved and fetched" ||
		e2e_fail "off: curl --doh-url resolved and fetched" "$(curl_doh | tail -n 5)"
	e2e_stop_dnsgate off
}

run_count()
{
	local out
	start_dnsgate count yes
	capture count-res "$NS_RES" "$IF_RES"
	canary_checks NXDOMAIN
	e2e_expect_stat count encdns.canary -eq 3
	for fam in 4 6; do
		out=$(kdig_tls "$fam")
		grep -q "status: NOERROR" <<<"$out" && e2e_pass "count: kdig +tls over IPv$fam answered" ||
			e2e_fail "count: kdig +tls over IPv$fam answered" "$(tail -n 5 <<<"$out")"
	done
	out=$(curl_doh)
	grep -q "^http 200" <<<"$out" && e2e_pass "count: curl --doh-url resolved and fetched" ||
		e2e_fail "count: curl --doh-url resolved and fetched" "$(tail -n 8 <<<"$out")"
	out=$(kdig_https_addr)
	grep -q "status: NOERROR" <<<"$out" && e2e_pass "count: kdig +https to $RES6 answered" ||
		e2e_fail "count: kdig +https to $RES6 answered" "$(tail -n 5 <<<"$out")"
	send_doq 4
	stop_captures
	out=$(pcap_count count-res "udp.dstport == 853 && ip.src == $CLI4")
	[ "$out" = 1 ] && e2e_pass "count: the QUIC Initial reached the server's UDP/853" ||
		e2e_fail "count: the QUIC Initial reached the server's UDP/853 ($out)"
	e2e_expect_stat count encdns.dot_syn -ge 2
	e2e_expect_stat count encdns.dot_reset -eq 0
	e2e_expect_stat count encdns.doh_sni -ge 1
	e2e_expect_stat count encdns.doh_address -ge 1
	e2e_expect_stat count encdns.doh_reset -eq 0
	e2e_expect_stat count encdns.doq_initial -eq 1
	e2e_expect_stat count encdns.doq_dropped -eq 0
	e2e_expect_stat count "doh_endpoint.$DOH_NAME" -ge 1
	e2e_expect_stat count "doh_endpoint.$RES6/128" -ge 1
	e2e_expect_stat count filtered -eq 0
	e2e_stop_dnsgate count
	grep -q '"qname":"doh.lab.test.".*"identifier":"doh.lab.test","category":"encrypted-dns:doh","action":"log-only"' \
		"$WORK/hits-count.jsonl" && e2e_pass "count: the DoH connection in the hit log" ||
		e2e_fail "count: the DoH connection in the hit log" "$(head -n 5 "$WORK/hits-count.jsonl")"
	[ "$(grep -c '"category":"encrypted-dns:dot"' "$WORK/hits-count.jsonl")" -ge 2 ] &&
		e2e_pass "count: the DoT connections in the hit log" ||
		e2e_fail "count: the DoT connections in the hit log"
}

run_block()
{
	local out n
	start_dnsgate block yes
	capture cli "$NS_CLI" "$IF_CLI"
	capture res "$NS_RES" "$IF_RES"
	out=$(kdig_tls 4)
	! grep -q "status: NOERROR" <<<"$out" && e2e_pass "block: kdig +tls got no answer" ||
		e2e_fail "block: kdig +tls got no answer" "$(tail -n 5 <<<"$out")"
	out=$(curl_doh)
	! grep -q "^http 200" <<<"$out" && e2e_pass "block: curl --doh-url could not resolve" ||
		e2e_fail "block: curl --doh-url could not resolve" "$(tail -n 8 <<<"$out")"
	grep -qiE "reset by peer|connection reset|SSL_ERROR_SYSCALL" <<<"$out" &&
		e2e_pass "block: curl saw its DoH connection reset" ||
		e2e_fail "block: curl saw its DoH connection reset" "$(grep -iE 'doh|ssl|reset|error' <<<"$out" | tail -n 6)"
	# the server's socket is gone at once (without the reset it would wait for the hello)
	n=$(ip netns exec "$NS_RES" ss -Htn state established "( sport = :443 )" | wc -l)
	[ "$n" = 0 ] && e2e_pass "block: no DoH connection left open at the server" ||
		e2e_fail "block: no DoH connection left open at the server" \
			"$(ip netns exec "$NS_RES" ss -tn "( sport = :443 )")"
	out=$(kdig_https_addr)
	! grep -q "status: NOERROR" <<<"$out" && e2e_pass "block: kdig +https to $RES6 got no answer" ||
		e2e_fail "block: kdig +https to $RES6 got no answer" "$(tail -n 5 <<<"$out")"
	send_doq 6
	# the fallback: port 53 answers as ever
	[ "$(e2e_status "$(e2e_kdig appliance web.lab.test A)")" = NOERROR ] &&
		e2e_pass "block: port 53 still answers" || e2e_fail "block: port 53 still answers"
	canary_checks NXDOMAIN
	stop_captures
	n=$(pcap_count cli "tcp.flags.reset == 1 && ip.src == $RES4 && tcp.srcport == 853")
	[ "$n" -ge 1 ] && e2e_pass "block: the DoT client got a RST from $RES4:853 ($n)" ||
		e2e_fail "block: the DoT client got a RST from $RES4:853"
	n=$(pcap_count res "tcp.dstport == 853")
	[ "$n" = 0 ] && e2e_pass "block: nothing of DoT reached the server" ||
		e2e_fail "block: nothing of DoT reached the server ($n frames)"
	n=$(pcap_count cli "tcp.flags.reset == 1 && ip.src == $RES4 && tcp.srcport == 443")
	[ "$n" -ge 1 ] && e2e_pass "block: the DoH client got a RST from $RES4:443 ($n)" ||
		e2e_fail "block: the DoH client got a RST from $RES4:443"
	n=$(pcap_count res "tcp.flags.reset == 1 && ip.dst == $RES4 && tcp.dstport == 443")
	[ "$n" -ge 1 ] && e2e_pass "block: the DoH server got a RST from the client's address ($n)" ||
		e2e_fail "block: the DoH server got a RST from the client's address"
	n=$(pcap_count res "udp.dstport == 853")
	[ "$n" = 0 ] && e2e_pass "block: the QUIC Initial never reached the server" ||
		e2e_fail "block: the QUIC Initial never reached the server ($n)"
	n=$(pcap_count res "tls.handshake.type == 1")
	[ "$n" = 0 ] && e2e_pass "block: no ClientHello reached the server" ||
		e2e_fail "block: no ClientHello reached the server ($n)"
	e2e_expect_stat block encdns.dot_reset -ge 1
	e2e_expect_stat block encdns.doh_reset -ge 2
	e2e_expect_stat block encdns.doq_dropped -eq 1
	e2e_expect_stat block encdns.canary -eq 3
	e2e_expect_stat block encdns.reset_failed -eq 0
	e2e_stop_dnsgate block
	grep -q '"category":"encrypted-dns:doh","action":"drop"' "$WORK/hits-block.jsonl" &&
		e2e_pass "block: the refused DoH connection in the hit log" ||
		e2e_fail "block: the refused DoH connection in the hit log"
}

main()
{
	preflight
	WORK=$(mktemp -d /tmp/dgenc.XXXXXX)
	trap cleanup EXIT
	trap 'e2e_log interrupted; exit 130' INT TERM
	e2e_log "work dir $WORK, namespaces $DG_E2E_PREFIX-*"
	printf '%s\n' "$DOH_NAME" > "$WORK/doh-names.txt"
	printf '%s\n' "$RES6" > "$WORK/doh-addresses.txt"
	"$DG_LAB/lab.sh" up || exit 2
	start_unbound
	start_web
	run_off
	run_count
	run_block
	if [ "$E2E_FAILED" -gt 0 ]; then
		printf 'failed: %s\n' "${E2E_FAILED_NAMES[@]}"
	fi
	printf '%d passed, %d failed\n' "$E2E_PASSED" "$E2E_FAILED"
	[ "$E2E_FAILED" = 0 ]
}

main "$@"
