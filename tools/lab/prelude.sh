# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash
# shellcheck disable=SC2034 # the names are used by the scripts that source this
# The prelude of the bench and lab scripts (tools/bench, tools/lab, tests/e2e). Sourced, not
# run. Knows no path of any one machine: the repository is found from this file, the shared
# data from the environment or beside the repository.
#
#   DG_ROOT         the repository
#   DG_LAB          this directory (lab.sh, common.sh)
#   DG_SHARED_DATA  third-party data (names/, blocklists/): the environment's, else
#                   ../shared/data beside the repository when it is there, else empty
#   dg_need CMD...  exit 2 naming the first CMD not on PATH (docs/benchmarks.md lists them)
#   dg_names_csv    the first names/*.csv of DG_SHARED_DATA, or nothing

DG_LAB=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
DG_ROOT=$(cd "$DG_LAB/../.." && pwd)
if [ -z "${DG_SHARED_DATA:-}" ] && [ -d "$DG_ROOT/../shared/data" ]; then
	DG_SHARED_DATA=$(cd "$DG_ROOT/../shared/data" && pwd)
fi
DG_SHARED_DATA=${DG_SHARED_DATA:-}

dg_need()
{
	local t
	for t in "$@"; do
		command -v "$t" >/dev/null || {
			echo "$(basename "$0"): $t not found (tools/deps.sh, docs/benchmarks.md)" >&2
			exit 2
		}
	done
}

dg_names_csv()
{
	local f
	[ -n "$DG_SHARED_DATA" ] || return 0
	for f in "$DG_SHARED_DATA"/names/*.csv; do
		[ -r "$f" ] && { printf '%s\n' "$f"; return 0; }
	done
}
