# SPDX-License-Identifier: BSD-3-Clause
# Query checks for the e2e lab (sourced by run.sh after common.sh). Every check runs kdig
# in the client namespace and counts one pass or one fail.
#
# Each check reads these (set them as prefixes: Q_FAM=6 check_passthrough ...):
#   Q_FAM     4 or 6: transport family (default 4)
#   Q_SRC     client source address (default $CLI4 / $CLI6; $OPTOUT4 / $OPTOUT6 is the
#             opted-out client)
#   Q_STATUS  rcode the reference answer must have (default NOERROR)
#   Q_ANSWERS ANSWER count the reference answer must have (default: at least 1; a number
#             means exactly that many)
# Extra arguments after NAME TYPE go to kdig as they are (+dnssec, +noedns, +tcp, ...).

E2E_PASSED=0
E2E_FAILED=0
E2E_FAILED_NAMES=()
E2E_SKIPPED=0
E2E_QUERY_TIMEOUT=${DG_E2E_QUERY_TIMEOUT:-2}

e2e_pass()
{
	E2E_PASSED=$((E2E_PASSED + 1))
	printf 'PASS %s\n' "$1"
}

# e2e_skip NAME REASON: a check that cannot mean anything in this setup (said why).
e2e_skip()
{
	E2E_SKIPPED=$((E2E_SKIPPED + 1))
	printf 'SKIP %s (%s)\n' "$1" "$2"
}

# e2e_fail NAME [DETAIL LINE...]
e2e_fail()
{
	local name=$1
	shift
	E2E_FAILED=$((E2E_FAILED + 1))
	E2E_FAILED_NAMES+=("$name")
	printf 'FAIL %s\n' "$name"
	[ $# -gt 0 ] && printf '%s\n' "$@" | sed 's/^/     | /'
	return 0
}

# Upper-case ASCII letters as \DDD: kdig lower-cases the letters of a name it parses but
# keeps escaped bytes, so this is how a mixed-case (0x20) question reaches the wire.
e2e_case_escape()
{
	local in=$1 out='' c i
	for ((i = 0; i < ${#in}; i++)); do
		c=${in:i:1}
		case "$c" in
		[ABCDEFGHIJKLMNOPQRSTUVWXYZ]) out+=$(printf '\\%03d' "'$c") ;;
		*) out+=$c ;;
		esac
	done
	printf '%s' "$out"
}

# e2e_start_unbound TEMPLATE: unbound in the resolver namespace with TEMPLATE's @WORKDIR@,
# @RES4@, @RES6@, @DIRECT4@, @DIRECT6@ filled in ($WORK/unbound.conf), its pid in
# UNBOUND_PID; returns once it answers web.lab.test A on the direct link, dies otherwise.
e2e_start_unbound()
{
	sed -e "s#@WORKDIR@#$WORK#g" -e "s#@RES4@#$RES4#g" -e "s#@RES6@#$RES6#g" \
		-e "s#@DIRECT4@#$RES4_DIRECT#g" -e "s#@DIRECT6@#$RES6_DIRECT#g" \
		"$1" > "$WORK/unbound.conf"
	unbound-checkconf "$WORK/unbound.conf" >"$WORK/unbound-checkconf.log" 2>&1 ||
		e2e_die "unbound config rejected: $(cat "$WORK/unbound-checkconf.log")"
	ip netns exec "$NS_RES" unbound -d -c "$WORK/unbound.conf" </dev/null \
		>"$WORK/unbound.stdout" 2>&1 &
	UNBOUND_PID=$!
	for _ in $(seq 100); do
		[ "$(e2e_status "$(E2E_QUERY_TIMEOUT=1 e2e_kdig direct web.lab.test A)")" = NOERROR ] &&
			return 0
		alive "$UNBOUND_PID" || break
		sleep 0.2
	done
	e2e_die "unbound did not answer: $(tail -n 5 "$WORK/unbound.log" 2>/dev/null)"
}

# e2e_ini_lab RUN: the start of a dnsgate configuration for the lab scripts: one worker
# forwarding between dg-sub and dg-net (net_af_packet), the control socket
# $WORK/dnsgate.sock, the hit log $WORK/hits-RUN.jsonl. The caller appends its sections.
e2e_ini_lab()
{
	cat <<-EOF
	[eal]
	args = --no-huge -m 1024 --no-pci --no-shconf --file-prefix $DG_E2E_PREFIX -l 0-1
	vdev = net_af_packet0,iface=$IF_SUB,qpairs=1
	vdev = net_af_packet1,iface=$IF_NET,qpairs=1
	[ports]
	pair = net_af_packet0 net_af_packet1
	[workers]
	lcores = 1
	[mgmt]
	stats_interval = 0
	[ctl]
	socket = $WORK/dnsgate.sock
	[log]
	file = $WORK/hits-$1.jsonl
	EOF
}

# e2e_start_dnsgate RUN INI: $DNSGATE with that configuration in the appliance namespace,
# its output in $WORK/dnsgate-RUN.log, its pid in APP_PID; returns once it forwards a query
# for web.lab.test A (a name the lab scripts' unbound serves), dies otherwise.
e2e_start_dnsgate()
{
	ip netns exec "$NS_APP" "$DNSGATE" -- --config "$2" </dev/null \
		>"$WORK/dnsgate-$1.log" 2>&1 &
	APP_PID=$!
	for _ in $(seq 60); do
		[ "$(e2e_status "$(E2E_QUERY_TIMEOUT=1 e2e_kdig appliance web.lab.test A)")" = NOERROR ] &&
			return 0
		alive "$APP_PID" || break
		sleep 0.5
	done
	tail -n 30 "$WORK/dnsgate-$1.log" >&2
	e2e_die "dnsgate ($1) did not forward a query"
}

# e2e_stop_dnsgate RUN: SIGTERM to APP_PID, which must exit 0 (a check).
e2e_stop_dnsgate()
{
	if stop_pid "$APP_PID"; then
		e2e_pass "$1: dnsgate exits 0 on SIGTERM"
	else
		e2e_fail "$1: dnsgate exits 0 on SIGTERM" "$(tail -n 20 "$WORK/dnsgate-$1.log")"
	fi
	APP_PID=
}

# e2e_stat NAME -> the value of `dnsgatectl stats` line NAME (0 if absent), asking the
# dnsgate of the lab scripts: $DNSGATECTL on $WORK/dnsgate.sock in the appliance namespace.
e2e_stat()
{
	ip netns exec "$NS_APP" "$DNSGATECTL" -s "$WORK/dnsgate.sock" stats 2>/dev/null |
		awk -v k="$1" '$1 == k {print $2; f = 1} END {if (!f) print 0}'
}

# e2e_expect_stat WHAT NAME OP VALUE: a counter compared with test(1)'s -ge, -eq, ...
e2e_expect_stat()
{
	local v
	v=$(e2e_stat "$2")
	if test "$v" "$3" "$4"; then
		e2e_pass "$1: $2 = $v"
	else
		e2e_fail "$1: $2 = $v, want $3 $4"
	fi
}

# e2e_kdig VIA NAME TYPE [kdig args...] -> stdout: kdig's answer minus what differs between
# two identical answers (message ID, timestamps, server address, timing).
# VIA: appliance (the server address behind dnsgate) or direct (the baseline veth).
e2e_kdig()
{
	local via=$1 name=$2 type=$3 fam=${Q_FAM:-4} server src
	shift 3
	if [ "$fam" = 6 ]; then
		src=${Q_SRC:-$CLI6}
		server=$RES6
		[ "$via" = direct ] && { server=$RES6_DIRECT; src=$CLI6_DIRECT; }
	else
		src=${Q_SRC:-$CLI4}
		server=$RES4
		[ "$via" = direct ] && { server=$RES4_DIRECT; src=$CLI4_DIRECT; }
	fi
	e2e_ns cli kdig -"$fam" -b "$src" @"$server" +timeout="$E2E_QUERY_TIMEOUT" +retry=0 \
		"$@" "$(e2e_case_escape "$name")" "$type" 2>&1 |
		sed -E -e 's/; id: [0-9]+$//' -e '/^;; (Received|Time|From) /d'
}

# Fields of a normalised kdig answer.
e2e_status()  { sed -nE 's/^;; ->>HEADER<<- .*status: ([A-Z]+).*/\1/p' <<<"$1"; }
e2e_ancount() { sed -nE 's/^;; Flags: .*ANSWER: ([0-9]+);.*/\1/p' <<<"$1"; }
e2e_flags()   { sed -nE 's/^;; Flags: ([a-z ]*);.*/\1/p' <<<"$1"; }
e2e_qname()   { awk '/^;; QUESTION SECTION:/ { getline; print $2; exit }' <<<"$1"; }
# Answer records as "owner TTL TYPE RDATA", one a line.
e2e_answers()
{
	awk '/^;; ANSWER SECTION:/ { on = 1; next } /^$/ { on = 0 }
	     on && !/^;;/ { printf "%s %s %s", $1, $2, $4; for (i = 5; i <= NF; i++) printf " %s", $i; print "" }' <<<"$1"
}
e2e_has_opt() { grep -q '^;; EDNS PSEUDOSECTION:' <<<"$1"; }

# The reference (direct) answer must be a real answer of the expected shape, or the
# comparison below proves nothing (two timeouts compare equal).
e2e_reference_ok()
{
	local ref=$1 want_status=${Q_STATUS:-NOERROR} want_an=${Q_ANSWERS:-} an
	[ "$(e2e_status "$ref")" = "$want_status" ] || return 1
	an=$(e2e_ancount "$ref")
	[ -n "$an" ] || return 1
	if [ -n "$want_an" ]; then
		[ "$an" = "$want_an" ]
	else
		[ "$an" -ge 1 ]
	fi
}

# Who asks, for labels: the source address a check uses.
e2e_src()
{
	if [ "${Q_FAM:-4}" = 6 ]; then
		printf '%s' "${Q_SRC:-$CLI6}"
	else
		printf '%s' "${Q_SRC:-$CLI4}"
	fi
}

# check_passthrough NAME TYPE [kdig args...]
# The answer through the appliance equals unbound's answer over the direct veth, header
# flags, EDNS, question case and every record included.
check_passthrough()
{
	local name=$1 type=$2 label ref got
	shift 2
	label="passthrough $(e2e_src) $name $type${*:+ $*}"
	ref=$(e2e_kdig direct "$name" "$type" "$@")
	if ! e2e_reference_ok "$ref"; then
		e2e_fail "$label" "reference answer straight from unbound is not" \
			"${Q_STATUS:-NOERROR} with ${Q_ANSWERS:-1+} answers:" "$ref"
		return
	fi
	got=$(e2e_kdig appliance "$name" "$type" "$@")
	if [ "$got" = "$ref" ]; then
		e2e_pass "$label"
	else
		e2e_fail "$label" "through the appliance:" "$got" "straight from unbound:" "$ref"
	fi
}

# check_case NAME TYPE: a mixed-case question comes back with its case intact (0x20), through
# the appliance, and equal to the direct answer.
check_case()
{
	local name=$1 type=$2 got
	shift 2
	check_passthrough "$name" "$type" "$@"
	got=$(e2e_kdig appliance "$name" "$type" "$@")
	if [ "$(e2e_qname "$got")" = "$name." ]; then
		e2e_pass "case kept $(e2e_src) $name $type"
	else
		e2e_fail "case kept $(e2e_src) $name $type" "question came back as '$(e2e_qname "$got")'"
	fi
}

# check_no_path: with no forwarder between dg-sub and dg-net, a query to the resolver's
# address behind the appliance must go unanswered. Proves the checks above measure the
# appliance and not some other route.
check_no_path()
{
	local got
	got=$(E2E_QUERY_TIMEOUT=1 e2e_kdig appliance www.example.test A)
	if [ -z "$(e2e_status "$got")" ]; then
		e2e_pass "no path to the resolver without the appliance (v${Q_FAM:-4})"
	else
		e2e_fail "no path to the resolver without the appliance (v${Q_FAM:-4})" "$got"
	fi
}

# check_blocked NAME TYPE EXPECTED [kdig args...]
# EXPECTED: sinkhole:ADDR (one answer record of TYPE with that address), NXDOMAIN or NODATA.
# Checks the forged answer's shape (DESIGN.md section 4): QR RA set, AA clear, RD copied,
# question case kept, answer owner = question, OPT present iff the query had one and DO
# copied, Extended DNS Error 15 or 17 when EDNS. The TTL must be $DG_E2E_FORGED_TTL.
check_blocked()
{
	local name=$1 type=$2 want=$3 label got st an flags ans err=()
	shift 3
	label="blocked $(e2e_src) $name $type -> $want${*:+ $*}"
	got=$(e2e_kdig "${Q_VIA:-appliance}" "$name" "$type" "$@")
	st=$(e2e_status "$got")
	an=$(e2e_ancount "$got")
	flags=" $(e2e_flags "$got") "
	ans=$(e2e_answers "$got")
	case "$want" in
	sinkhole:*)
		[ "$st" = NOERROR ] || err+=("status $st, want NOERROR")
		[ "$an" = 1 ] || err+=("ANSWER $an, want 1")
		[ "$ans" = "$name. ${DG_E2E_FORGED_TTL:-300} $type ${want#sinkhole:}" ] ||
			err+=("answer '$ans', want '$name. ${DG_E2E_FORGED_TTL:-300} $type ${want#sinkhole:}'")
		;;
	NXDOMAIN)
		[ "$st" = NXDOMAIN ] || err+=("status $st, want NXDOMAIN")
		[ "$an" = 0 ] || err+=("ANSWER $an, want 0")
		;;
	NODATA)
		[ "$st" = NOERROR ] || err+=("status $st, want NOERROR")
		[ "$an" = 0 ] || err+=("ANSWER $an, want 0")
		;;
	*) e2e_die "check_blocked: bad EXPECTED '$want'" ;;
	esac
	[ -n "$st" ] || err+=("no answer")
	[[ $flags == *" qr "* && $flags == *" ra "* ]] || err+=("flags '$flags' lack qr or ra")
	[[ $flags == *" aa "* ]] && err+=("aa set in a forged answer")
	[[ $flags == *" rd "* ]] || [[ " $* " == *" +norecurse "* ]] ||
		err+=("rd not copied")
	[ "$(e2e_qname "$got")" = "$name." ] || err+=("question '$(e2e_qname "$got")' != '$name.'")
	if [[ " $* " == *" +dnssec "* || " $* " == *" +edns"* || " $* " == *" +bufsize"* ]]; then
		e2e_has_opt "$got" || err+=("query had EDNS, answer has no OPT")
		if [[ " $* " == *" +dnssec "* ]]; then
			grep -q '^;; Version: 0; flags: do;' <<<"$got" || err+=("DO not copied")
		fi
		[ -z "${Q_NO_EDE:-}" ] && ! grep -qE 'EDE: 1[57] ' <<<"$got" &&
			err+=("no Extended DNS Error 15/17")
	else
		e2e_has_opt "$got" && err+=("OPT in the answer to a query without EDNS")
	fi
	if [ ${#err[@]} = 0 ]; then
		e2e_pass "$label"
	else
		e2e_fail "$label" "${err[@]}" "answer:" "$got"
	fi
}

# e2e_pcap_frames FILE: every frame of a capture as one hex line, sorted.
e2e_pcap_frames()
{
	tshark -r "$1" -T json -x 2>/dev/null |
		awk '/"frame_raw": \[/ { getline; gsub(/[ ",]/, ""); print }' | sort
}

# check_frames_unchanged WORKDIR: capture on cli0 and on res0 while a few queries cross the
# appliance; every DNS frame must appear on the far side byte for byte (MACs, IP and UDP
# checksums, EDNS, letter case), in both directions. Only names no list blocks, plus the
# opted-out client asking for a blocked one: all of it must pass untouched.
check_frames_unchanged()
{
	local dir=$1 label="frames cross the appliance byte for byte" a b n i pid_c pid_r
	if ! command -v dumpcap >/dev/null || ! command -v tshark >/dev/null; then
		e2e_skip "$label" "no dumpcap/tshark (apt-get install tshark)"
		return
	fi
	ip netns exec "$NS_CLI" dumpcap -q -i "$IF_CLI" -f "port 53" -w "$dir/cli0.pcap" \
		>"$dir/dumpcap-cli.log" 2>&1 &
	pid_c=$!
	ip netns exec "$NS_RES" dumpcap -q -i "$IF_RES" -f "port 53" -w "$dir/res0.pcap" \
		>"$dir/dumpcap-res.log" 2>&1 &
	pid_r=$!
	# dumpcap has its filter in place once the file exists.
	for i in $(seq 50); do
		[ -s "$dir/cli0.pcap" ] && [ -s "$dir/res0.pcap" ] && break
		sleep 0.1
	done
	sleep 0.3
	Q_FAM=4 e2e_kdig appliance www.example.test A >/dev/null
	Q_FAM=4 e2e_kdig appliance WwW.ExAmPlE.TeSt HTTPS +dnssec >/dev/null
	Q_FAM=4 Q_SRC=$OPTOUT4 e2e_kdig appliance blocked.example.test A +edns >/dev/null
	Q_FAM=4 e2e_kdig appliance nope.example.test AAAA +nsid >/dev/null
	Q_FAM=6 e2e_kdig appliance www.example.test AAAA +bufsize=1400 >/dev/null
	Q_FAM=6 e2e_kdig appliance alias.example.test TXT +cookie >/dev/null
	Q_FAM=6 e2e_kdig appliance www.example.test A +tcp >/dev/null
	sleep 0.3
	kill -INT "$pid_c" "$pid_r" 2>/dev/null
	wait "$pid_c" "$pid_r" 2>/dev/null
	a=$(e2e_pcap_frames "$dir/cli0.pcap")
	b=$(e2e_pcap_frames "$dir/res0.pcap")
	n=$(grep -c . <<<"$a")
	# 6 UDP queries and answers, and a TCP exchange of at least 8 segments.
	if [ "$n" -lt 20 ]; then
		e2e_fail "$label" "only $n frames captured on $IF_CLI (see $dir/*.pcap)"
	elif [ "$a" = "$b" ]; then
		e2e_pass "$label ($n frames)"
	else
		e2e_fail "$label" "$n frames on $IF_CLI, $(grep -c . <<<"$b") on $IF_RES; differing:" \
			"$(diff <(echo "$a") <(echo "$b") | head -n 6 | cut -c1-160)" \
			"captures: $dir/cli0.pcap $dir/res0.pcap"
	fi
}

# check_dig_tcp NAME TYPE ADDR: dig +tcp through the appliance gets ADDR as the only answer
# (a blocked name's sinkhole), or, with ADDR empty, the same answers as straight from
# unbound; within dig's timeout, so a stream that hangs fails.
check_dig_tcp()
{
	local name=$1 type=$2 want=$3 fam=${Q_FAM:-4} server=$RES4 direct=$RES4_DIRECT
	local src=$CLI4 dsrc=$CLI4_DIRECT label got ref
	if [ "$fam" = 6 ]; then
		server=$RES6 direct=$RES6_DIRECT src=$CLI6 dsrc=$CLI6_DIRECT
	fi
	label="dig +tcp $(e2e_src) $name $type${want:+ -> $want}"
	got=$(e2e_ns cli timeout 10 dig -"$fam" -b "$src" @"$server" +tcp +tries=1 +time=3 +short \
		"$name" "$type" 2>&1)
	if [ -n "$want" ]; then
		if [ "$got" = "$want" ]; then e2e_pass "$label"; else e2e_fail "$label" "got: $got"; fi
		return
	fi
	ref=$(e2e_ns cli timeout 10 dig -"$fam" -b "$dsrc" @"$direct" +tcp +tries=1 +time=3 +short \
		"$name" "$type" 2>&1)
	if [ -n "$ref" ] && [ "$got" = "$ref" ]; then
		e2e_pass "$label"
	else
		e2e_fail "$label" "through the appliance: $got" "straight from unbound: $ref"
	fi
}
