#!/bin/bash
# The one command that installs, builds and runs every dnsgate test suite:
#   sudo tools/test.sh        (as root: apt-get installs, and the lab needs network namespaces)
# Steps: dependencies; release build + unit and integration suites; ASan/UBSan build + the
# same suites; libFuzzer run (bounded); end-to-end lab in network namespaces (filtering,
# RPZ feed from a Knot primary, encrypted DNS, response policy and quarantine,
# evasion shapes).
# Ends with one line "N passed, N failed" (N = suites) and exits non-zero on any failure.
set -uo pipefail
cd "$(dirname "$0")/.."
top=$PWD
fuzz_secs=${DG_FUZZ_SECONDS:-60}
pass=0 fail=0 failed=()

step() { printf '\n==== %s ====\n' "$*"; }
record() { # NAME RC
	if [ "$2" -eq 0 ]; then pass=$((pass + 1)); else fail=$((fail + 1)); failed+=("$1"); fi
}
# Run a meson suite set and count each test as one suite.
meson_tests() { # BUILD_DIR LABEL
	local log rc ok bad
	log=$(mktemp)
	meson test -C "$1" --print-errorlogs --num-processes 1 2>&1 | tee "$log"
	rc=${PIPESTATUS[0]}
	ok=$(awk '/^Ok:/ {print $2}' "$log"); bad=$(awk '/^Fail:/ {print $2}' "$log")
	to=$(awk '/^Timeout:/ {print $2}' "$log")
	pass=$((pass + ${ok:-0})); fail=$((fail + ${bad:-0} + ${to:-0}))
	if [ "$rc" -ne 0 ] || [ "${ok:-0}" -eq 0 ]; then
		failed+=("$2"); [ "${bad:-0}" -eq 0 ] && fail=$((fail + 1))
		# Name each failing test, so the summary (all a CI log may keep) says which.
		failed+=($(awk -v b="$2" '/^Summary of Failures:/ {s = 1} s && $5 ~ /^(FAIL|TIMEOUT)$/ \
			{print b ":" $4}' "$log"))
	fi
	rm -f "$log"
}

step "dependencies"
tools/deps.sh || { echo "tools/deps.sh failed"; echo "0 passed, 1 failed"; exit 1; }

step "release build"
{ [ -d build ] && meson setup --reconfigure build || meson setup build; } >/dev/null &&
	ninja -C build
record build $?
[ "$fail" -eq 0 ] && { step "release suites"; meson_tests build release; }

step "ASan/UBSan build"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=halt_on_error=1:abort_on_error=1:print_stacktrace=1
san="-Db_sanitize=address,undefined -Db_lundef=false -Dbuildtype=debug"
{ [ -d build-asan ] && meson setup --reconfigure build-asan $san || meson setup build-asan $san; } \
	>/dev/null && ninja -C build-asan
rc=$?
record asan-build $rc
[ "$rc" -eq 0 ] && { step "ASan/UBSan suites"; meson_tests build-asan asan; }

if [ -f tests/fuzz/run.sh ]; then
	step "libFuzzer (frames, TCP, reassembly ${fuzz_secs}s each; operator input up to 30s each)"
	fz="-Dfuzz=true -Db_sanitize=address,undefined -Db_lundef=false -Dbuildtype=debug"
	{ [ -d build-fuzz ] && CC=clang meson setup --reconfigure build-fuzz $fz ||
		CC=clang meson setup build-fuzz $fz; } >/dev/null && ninja -C build-fuzz &&
		tests/fuzz/run.sh "$top/build-fuzz" "$fuzz_secs"
	record fuzz $?
fi

if [ -x tests/e2e/run.sh ]; then
	step "end to end (network namespaces, unbound, kdig, dnsperf)"
	DG_E2E_FILTER=1 tests/e2e/run.sh "$top/build/app/dnsgate/dnsgate"
	record e2e $?
fi

if [ -x tests/e2e/feed/run.sh ]; then
	step "RPZ feed by zone transfer (knotd primary, TSIG, NOTIFY + IXFR, restart)"
	tests/e2e/feed/run.sh "$top/build/app/dnsgate/dnsgate"
	record feed $?
fi

if [ -x tests/e2e/encdns/run.sh ]; then
	step "encrypted DNS (kdig +tls/+https, curl --doh-url, QUIC to unbound; count, block, canary)"
	tests/e2e/encdns/run.sh "$top/build/app/dnsgate/dnsgate"
	record encdns $?
fi

if [ -x tests/e2e/policy/run.sh ]; then
	step "response policy and quarantine (CNAME chains from unbound, response IPs, quarantine, opt-out)"
	tests/e2e/policy/run.sh "$top/build/app/dnsgate/dnsgate"
	record policy $?
fi

if [ -x tests/e2e/evasion/run.sh ]; then
	step "evasion suite (query shapes through dnsgate to four resolvers)"
	tests/e2e/evasion/run.sh "$top/build/app/dnsgate/dnsgate"
	record evasion $?
fi

step "summary"
[ "${#failed[@]}" -gt 0 ] && echo "failed: ${failed[*]}"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
