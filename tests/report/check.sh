# SPDX-License-Identifier: BSD-3-Clause
# Checks shared by the report tests (sourced). Each prints "ok" or "FAIL" and counts
# failures in $fails; the test ends with `finish`.
fails=0
ok() { echo "ok   $*"; }
bad() { echo "FAIL $*"; fails=$((fails + 1)); }
# has FILE LINE: the file holds exactly this line.
has() { if grep -Fxq -- "$2" "$1"; then ok "$(basename "$1"): $2"; else bad "$(basename "$1") lacks: $2"; fi; }
hasnt() { if grep -Fq -- "$2" "$1"; then bad "$(basename "$1") holds: $2"; else ok "$(basename "$1") has no $2"; fi; }
# count FILE STRING N: STRING is on exactly N lines.
count() {
	local n; n=$(grep -Fc -- "$2" "$1")
	[ "$n" -eq "$3" ] && ok "$(basename "$1"): $3 x $2" || bad "$(basename "$1"): $n x $2, want $3"
}
finish() { echo "$fails failed"; [ "$fails" -eq 0 ]; }
