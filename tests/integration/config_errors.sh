#!/bin/bash
# A bad config or a missing port stops dnsgate with FILE:LINE: reason and exit status 2,
# before any port is configured.
set -uo pipefail
build=${1:?usage: config_errors.sh BUILD_DIR}
dg=$build/app/dnsgate/dnsgate
out=$(mktemp -d /tmp/dg-cfg.XXXXXX)
trap 'rm -rf "$out"' EXIT
pass=0 fail=0

# expect NAME WANT_RC REGEX: run dnsgate on $out/NAME.ini, check status and stderr.
expect() {
	local name=$1 want=$2 re=$3 rc
	"$dg" -- --config "$out/$name.ini" >"$out/$name.out" 2>"$out/$name.err"
	rc=$?
	if [ "$rc" -eq "$want" ] && grep -Eq -- "$re" "$out/$name.err"; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
		echo "FAILED: $name: status $rc (want $want), stderr:"; cat "$out/$name.err"
	fi
}

printf '[ports]\npair = a b\n[workers]\nburst = 999\n' >"$out/range.ini"
expect range 2 "^$out/range.ini:4: burst: expected a whole number in 1..256, got '999'$"

printf '[eal]\nargs = --no-huge -m 256 --no-pci --no-shconf -l 0-1 --log-level=*:error\n' >"$out/noport.ini"
printf 'vdev = net_null0\nvdev = net_null1\n[ports]\npair = net_null0 net_nope\n' >>"$out/noport.ini"
expect noport 2 "^dnsgate: $out/noport.ini:6: port 'net_nope' not found \(ports: net_null0 net_null1\)$"

printf '[eal]\nargs = --no-huge -m 256 --no-pci --no-shconf -l 0 --log-level=*:error\n' >"$out/noworker.ini"
printf 'vdev = net_null0\nvdev = net_null1\n[ports]\npair = net_null0 net_null1\n' >>"$out/noworker.ini"
expect noworker 2 "no worker lcore"

# an audit log that cannot be opened is a config error, found before any port starts
printf '[eal]\nargs = --no-huge -m 256 --no-pci --no-shconf -l 0-1 --log-level=*:error\n' >"$out/audit.ini"
printf 'vdev = net_null0\nvdev = net_null1\n[ports]\npair = net_null0 net_null1\n' >>"$out/audit.ini"
printf '[ctl]\naudit = %s/no-such-dir/audit.log\n' "$out" >>"$out/audit.ini"
expect audit 2 "^dnsgate: $out/audit.ini: \[ctl\] audit: $out/no-such-dir/audit.log: No such file or directory$"

printf '[ports]\npair = a b\n[feed]\nzone = rpz.example\nprimary = 198.18.3.1\n' >"$out/feed.ini"
expect feed 2 "^$out/feed.ini:3: \\[feed\\] without 'state_dir'$"

# A NOTIFY address this host does not have: refused before any port starts (nothing is sent).
printf '[eal]\nargs = --no-huge -m 256 --no-pci --no-shconf -l 0-1 --log-level=*:error\n' >"$out/notify.ini"
printf 'vdev = net_null0\nvdev = net_null1\n[ports]\npair = net_null0 net_null1\n' >>"$out/notify.ini"
printf '[feed]\nzone = rpz.example\nprimary = 198.18.3.1\nnotify = 198.18.3.99 5300\n' >>"$out/notify.ini"
printf 'state_dir = %s/state\n' "$out" >>"$out/notify.ini"
expect notify 2 "^dnsgate: $out/notify.ini: feed rpz.example: notify: cannot listen on UDP port 5300: Cannot assign requested address$"

"$dg" -- --config "$out/none.ini" 2>"$out/none.err"
rc=$?
if [ "$rc" -eq 2 ] && grep -q "none.ini: cannot read: No such file" "$out/none.err"; then
	pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAILED: missing file ($rc)"; fi

"$dg" -- 2>"$out/noarg.err"
rc=$?
if [ "$rc" -eq 2 ] && grep -q -- "--config FILE is required" "$out/noarg.err"; then
	pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAILED: no --config ($rc)"; fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
