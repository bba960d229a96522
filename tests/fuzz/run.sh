#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Run the whole-frame fuzz target for a bounded time from a fresh seed corpus (test
# vectors + the shared captures when DG_SHARED_DATA is set). Exit status is non-zero on
# any finding (crash, sanitizer report, trap, leak, timeout); the reproducer is left in
# BUILD_DIR/tests/fuzz/ as crash-* / leak-* / timeout-*.
# Usage: tests/fuzz/run.sh BUILD_DIR SECONDS   (FUZZ_SECONDS in the environment wins)
set -eu
if [ $# -lt 1 ]; then
	echo "usage: $0 BUILD_DIR [SECONDS]" >&2
	exit 2
fi
build=$1
secs=${FUZZ_SECONDS:-${2:-60}}
dir=$build/tests/fuzz
corpus=$(mktemp -d)
trap 'rm -rf "$corpus"' EXIT INT TERM

pcaps=
if [ -n "${DG_SHARED_DATA:-}" ] && [ -d "$DG_SHARED_DATA/pcaps" ]; then
	pcaps=$DG_SHARED_DATA/pcaps
fi
# shellcheck disable=SC2086
"$dir/fuzz_seedgen" "$corpus" $pcaps
# Not exec: the trap must still remove the corpus. libFuzzer exits non-zero on a finding.
"$dir/fuzz_pkt" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
	-max_len=2048 -print_final_stats=1 -artifact_prefix="$dir/" "$corpus"
