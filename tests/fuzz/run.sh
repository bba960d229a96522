#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Run the libFuzzer targets for a bounded time each from a fresh seed corpus: fuzz_pkt
# (whole frames; seeds: test vectors + the shared captures when DG_SHARED_DATA is set),
# fuzz_tcp (segment sequences through the TCP tracker; seeds: fuzz_tcp_seedgen),
# fuzz_reasm (fragments through the reassembly table; from nothing) and fuzz_tls (TLS
# ClientHellos and every prefix of them; seeds: fuzz_tls_seedgen) and fuzz_resp (DNS
# responses through the response walker; seeds: tests/fuzz/seeds/resp), for SECONDS each;
# then what an operator feeds in, for FUZZ_OPS_SECONDS each (default 30, or SECONDS if
# less), seeded from the test files:
#   fuzz_lists   list loaders, every format: tests/unit/lists/fixtures, tests/data and
#                tests/e2e lists behind a format and an options byte (fuzz_lists.c)
#   fuzz_config  INI config: drivers-config/*.ini, tests/e2e/filter.ini.in,
#                tests/fuzz/seeds/config/*.ini and, made from max.ini and min.ini, one
#                file per numeric key with its value just out of range
#   fuzz_ctl     control protocol, request bytes to reply bytes: tests/fuzz/seeds/ctl
#   fuzz_optout  opt-out file and prefixes: tests/data/demo-optout.txt,
#                tests/e2e/optout.txt, tests/fuzz/seeds/optout
# tests/fuzz/seeds/TARGET.dict, where present, is the target's libFuzzer dictionary. Exit
# status is non-zero on any finding (crash, sanitizer report, trap, leak, timeout); the
# reproducer is left in BUILD_DIR/tests/fuzz/ as crash-* / leak-* / timeout-* (the
# operator-input targets: fuzz_TARGET-crash-* etc.); replay: BUILD_DIR/tests/fuzz/fuzz_T FILE.
# Usage: tests/fuzz/run.sh BUILD_DIR [SECONDS] [TARGETS]   (TARGETS: pkt tcp reasm tls resp
# lists config ctl optout; no target: all, one after the other; FUZZ_SECONDS in the environment
# wins over SECONDS)
set -eu
if [ $# -lt 1 ]; then
	echo "usage: $0 BUILD_DIR [SECONDS] [pkt|tcp|reasm|tls|resp|lists|config|ctl|optout]" >&2
	exit 2
fi
build=$1
secs=${FUZZ_SECONDS:-${2:-60}}
ops_secs=${FUZZ_OPS_SECONDS:-$((secs < 30 ? secs : 30))}
targets=${3:-pkt tcp reasm tls resp lists config ctl optout}
dir=$build/tests/fuzz
src=$(cd "$(dirname "$0")/../.." && pwd)
corpus=$(mktemp -d)
# fuzz_ctl's socket, and seed files made on the way: not in the corpus
work=$(mktemp -d)
trap 'rm -rf "$corpus" "$work"' EXIT INT TERM

# seed OUT_DIR BYTES FILE...: each FILE behind the selector BYTES (printf octal escapes).
seed() {
	out=$1 bytes=$2
	shift 2
	for f in "$@"; do
		[ -f "$f" ] || continue
		n=$(ls "$out" | wc -l)
		{ printf "$bytes"; cat "$f"; } >"$out/seed-$n"
	done
}

# edge FILE DELTA OUT_DIR: a copy of FILE per `key = N` line, with N + DELTA there.
edge() {
	k=0
	for _ in $(grep -E '^[a-z_]+ = [0-9]+$' "$1" | tr -d ' '); do
		k=$((k + 1))
		awk -v k=$k -v d="$2" '/^[a-z_]+ = [0-9]+$/ && ++c == k { $3 += d } { print }' \
			"$1" >"$3/edge$2-$k"
	done
}

# Seeds of the operator-input targets: TARGET CORPUS_DIR.
ops_seeds() {
	fx=$src/tests/unit/lists/fixtures
	case $1 in
	lists)
		# the zone without $ORIGIN and ( ... ): its lines are checked one by one
		grep -v '[$()]' "$fx/zone.rpz" >"$work/plain.rpz"
		# format byte: 0 auto, 1 native, 2 rpz, 3 hosts, 4 domains, 5 wildcard, 6 adblock;
		# options byte: see fuzz_lists.c
		for o in '\000' '\045' '\152' '\377'; do
			seed "$2" "\\001$o" "$fx/native.txt" "$fx/prec_late.txt" \
				"$src/tests/data/demo-list.native" "$src/tests/e2e/filter.list"
			seed "$2" "\\002$o" "$fx/zone.rpz" "$work/plain.rpz"
			seed "$2" "\\003$o" "$fx/hosts.txt"
			seed "$2" "\\004$o" "$fx/domains.txt" "$fx/prec_early.txt" \
				"$src/tests/data/urlhaus-sample.domains"
			seed "$2" "\\005$o" "$fx/wildcard.txt"
			seed "$2" "\\006$o" "$fx/adblock.txt"
			seed "$2" "\\000$o" "$fx"/*
		done ;;
	config)
		cp "$src"/drivers-config/*.ini "$src/tests/e2e/filter.ini.in" \
			"$src"/tests/fuzz/seeds/config/*.ini "$2/"
		# one seed per numeric key just past its documented range
		edge "$src/tests/fuzz/seeds/config/max.ini" 1 "$2"
		edge "$src/tests/fuzz/seeds/config/min.ini" -1 "$2" ;;
	ctl)
		cp "$src"/tests/fuzz/seeds/ctl/* "$2/" ;;
	optout)
		cp "$src/tests/data/demo-optout.txt" "$src/tests/e2e/optout.txt" \
			"$src"/tests/fuzz/seeds/optout/* "$2/" ;;
	esac
}

for t in $targets; do
	rm -rf "${corpus:?}"/*
	case $t in
	pkt)
		pcaps=
		if [ -n "${DG_SHARED_DATA:-}" ] && [ -d "$DG_SHARED_DATA/pcaps" ]; then
			pcaps=$DG_SHARED_DATA/pcaps
		fi
		# shellcheck disable=SC2086
		"$dir/fuzz_seedgen" "$corpus" $pcaps
		len=2048
		;;
	tcp)
		"$dir/fuzz_tcp_seedgen" "$corpus"
		len=4096
		;;
	reasm)
		len=2048
		;;
	tls)
		"$dir/fuzz_tls_seedgen" "$corpus"
		len=2048
		;;
	resp)
		cp "$src"/tests/fuzz/seeds/resp/* "$corpus/"
		len=4096
		;;
	lists | config | ctl | optout)
		ops_seeds "$t" "$corpus"
		# ctl: room for a request over 4096 bytes among others
		len=4096
		[ "$t" = ctl ] && len=12288
		dict=$src/tests/fuzz/seeds/$t.dict
		[ -f "$dict" ] && set -- -dict="$dict" || set --
		echo "fuzz_$t: $(ls "$corpus" | wc -l) seeds, ${ops_secs}s"
		# A smaller ASan quarantine: these allocate per line, and fresh pages for every
		# allocation cost half their time (a use after free is still caught). Not the
		# caller's stdin: a config may name a file to read (tsig_file = /dev/stdin).
		ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=16" TMPDIR="$work" \
			"$dir/fuzz_$t" -max_total_time="$ops_secs" -timeout=10 -rss_limit_mb=2048 \
			-max_len="$len" -print_final_stats=1 -artifact_prefix="$dir/fuzz_$t-" \
			"$@" "$corpus" </dev/null
		continue
		;;
	*)
		echo "$0: unknown target $t" >&2
		exit 2
		;;
	esac
	# Not exec: the trap must still remove the corpus. libFuzzer exits non-zero on a finding.
	"$dir/fuzz_$t" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
		-max_len="$len" -print_final_stats=1 -artifact_prefix="$dir/" "$corpus"
done
