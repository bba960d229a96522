#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Report figures from histories with known counts. Every expected figure below was worked
# out by hand (and checked with Python's decimal module at 60 digits), not by the tool.
# usage: test_report.sh MKHIST DNSGATE_REPORT OUT_DIR
set -u
mkhist=$1 report=$2 out=$3
rm -rf "$out" && mkdir -p "$out" || exit 1
. "$(dirname "$0")/check.sh"

# Appliance gw1. Three list loads; intervals in April and on the last minute of May.
"$mkhist" <<EOF2 || { echo "FAIL mkhist gw1"; exit 1; }
db $out/gw1.db gw1
load 2024-03-31T00:00:00
entry IIJ-20240110-0001 information_theft 5 2024-01-10 2024-05-15
entry IIJ-20240416-0001 backdoor 12 2024-04-16 -
entry IIJ-20231201-0002 ddos 3 2023-12-01 2024-02-29
commit
load 2024-05-20T08:00:00
entry IIJ-20240110-0001 information_theft 5 2024-01-10 2024-05-15
entry IIJ-20240416-0001 backdoor 14 2024-04-16 -
entry IIJ-20240520-0003 DDoS 2 2024-05-20 -
commit
# after the period: must not change the metadata shown for it
load 2024-07-02T00:00:00
entry IIJ-20240416-0001 backdoor 99 2024-04-16 2024-07-01
commit
iv 2024-04-01T00:00:00 60 124400000 1000000 1 IIJ-20240110-0001=information_theft=1
iv 2024-04-16T10:00:00 60 200000000 500 2 IIJ-20240416-0001=backdoor=2
iv 2024-05-31T23:59:00 60 1000 10 0
EOF2

# Appliance gw2: its own view of one identifier, traffic in May, and intervals just
# outside the period on both sides.
"$mkhist" <<EOF2 || { echo "FAIL mkhist gw2"; exit 1; }
db $out/gw2.db gw2
load 2024-04-01T00:00:00
entry IIJ-20240110-0001 information_theft 7 2024-01-12 2024-05-20
commit
iv 2024-03-31T23:59:00 60 777 0 7 IIJ-20240110-0001=information_theft=7
iv 2024-05-10T12:00:00 60 5000000 123 5 IIJ-20240110-0001=information_theft=2 IIJ-20240416-0001=backdoor=1 -=ads=1 IIJ-NOMETA-0001=phishing=1
iv 2024-07-01T00:00:00 60 999 0 999 IIJ-20240416-0001=backdoor=999
EOF2

"$report" --db "$out/gw1.db" "$out/gw2.db" --from 2024-04 --to 2024-06 --out-dir "$out" ||
	{ echo "FAIL dnsgate-report exit $?"; exit 1; }
md=$out/report.md csv=$out/report.csv html=$out/report.html

# Monthly shares, opt-out excluded from the denominator (queries as counted, not
# queries + opt-out):
#  April: gw1 124400000 + 200000000 = 324400000 queries, 1 + 2 = 3 filtered,
#         opt-out 1000000 + 500 = 1000500. 300 / 324400000 = 9.2478421701...e-7 %
#  May:   gw1 1000 (its 23:59 interval belongs to May) + gw2 5000000 = 5001000 queries,
#         0 + 5 = 5 filtered, opt-out 10 + 123 = 133. 500 / 5001000 = 0.0000999800039992 %
#  June:  no interval at all -> n/a.
#  Total: 329401000 queries, 8 filtered, 1000633 opt-out. 800 / 329401000 = 2.4286507934e-6 %
has "$md" "| 2024-04 | 324400000 | 1000500 | 3 | 0.000000924784217% |"
has "$md" "| 2024-05 | 5001000 | 133 | 5 | 0.000099980003999% |"
has "$md" "| 2024-06 | 0 | 0 | 0 | n/a |"
has "$md" "| **Total** | 329401000 | 1000633 | 8 | 0.000002428650793% |"
has "$csv" "month,2024-04,324400000,1000500,3,0.000000924784217,,,,,,,,,"
has "$csv" "month,2024-06,0,0,0,n/a,,,,,,,,,"
# Days: 1/124400000 = 8.0385852090...e-7 % rounds up in the 15th place; 2/200000000 = 1e-6 %.
has "$csv" "day,2024-04-01,124400000,1000000,1,0.000000803858521,,,,,,,,,"
has "$csv" "day,2024-04-16,200000000,500,2,0.000001000000000,,,,,,,,,"
has "$csv" "day,2024-05-31,1000,10,0,0.000000000000000,,,,,,,,,"
has "$csv" "day,2024-06-15,0,0,0,n/a,,,,,,,,,"
hasnt "$csv" "day,2024-03-31"
hasnt "$csv" "day,2024-07-01"
[ "$(grep -c '^day,' "$csv")" -eq 91 ] && ok "91 days in Q2" || bad "days: $(grep -c '^day,' "$csv")"

# Identifiers filtered in the period.
#  -0001 (Jan): merged over gw1 (5 FQDNs, 01-10..05-15) and gw2 (7, 01-12..05-20):
#     largest count 7, earliest start 01-10, latest end 05-20; ended mid-period; hits 1+2.
#  IIJ-20240416-0001: gw1's last load before July says 14 FQDNs, open end; hits 2+1 (the
#     999 in July are outside). New in the period.
#  -0003: no hits but filtering from 05-20: listed, and new.
#  NOMETA: hits but no list load describes it.
#  IIJ-20231201-0002 ended in February: not listed.
has "$md" "| IIJ-20240110-0001 | 7 | information theft | 2024-01-10 | 2024-05-20 | 3 |"
has "$md" "| IIJ-20240416-0001 | 14 | backdoor | 2024-04-16 | - | 3 |"
has "$md" "| IIJ-20240520-0003 | 2 | DDoS | 2024-05-20 | - | 0 |"
has "$md" "| IIJ-NOMETA-0001 | ? | phishing | ? | ? | 1 |"
hasnt "$md" "IIJ-20231201-0002"
# Newly registered: started in April..June.
sed -n '/^## Identifiers newly registered/,/^## Filtered queries by/p' "$md" > "$out/new.md"
has "$out/new.md" "| IIJ-20240416-0001 | 14 | backdoor | 2024-04-16 |"
has "$out/new.md" "| IIJ-20240520-0003 | 2 | DDoS | 2024-05-20 |"
hasnt "$out/new.md" "IIJ-20240110-0001"
[ "$(grep -c '^| IIJ' "$out/new.md")" -eq 2 ] && ok "2 new identifiers" || bad "new identifiers"
# Per behaviour: backdoor 2+1, information theft 1+2, ads 1, phishing 1.
has "$md" "| backdoor | 3 |"
has "$md" "| information theft | 3 |"
has "$md" "| ads | 1 |"
has "$md" "| phishing | 1 |"
# Last filtered query and days without one, up to the last day with data (gw1's
# 2024-05-31): -0001 ended on 05-20, so no count; IIJ-20240416-0001's last hit was on
# 05-10 (gw2), quiet 05-11..05-31 = 21 days.
has "$csv" "identifier,2024-04..2024-06,,,,,IIJ-20240110-0001,information theft,7,2024-01-10,2024-05-20,3,0,2024-05-10,"
has "$csv" "identifier,2024-04..2024-06,,,,,IIJ-20240416-0001,backdoor,14,2024-04-16,,3,1,2024-05-10,21"
grep -q '<svg' "$html" && grep -q 'class="month"' "$html" && ok "html has the chart" ||
	bad "html chart"
# Self-contained: nothing fetched (the only URL is the SVG namespace name).
grep -Eq '<script|src=|href=|@import|url\(' "$html" && bad "html references outside files" ||
	ok "html is self-contained"
# Days with counted queries: 04-01, 04-16, 05-10, 05-31 (a zero-height bar: 0 filtered).
[ "$(grep -c 'class="day"' "$html")" -eq 4 ] && ok "4 days with traffic drawn" ||
	bad "day bars: $(grep -c 'class="day"' "$html")"
has "$md" "Period: 2024-04 to 2024-06 (2024-04-01 to 2024-06-30, UTC). Appliances: gw1, gw2 (2 databases)."

# One database alone: May is gw1's 1000 queries with nothing filtered.
"$report" --db "$out/gw1.db" --from 2024-04 --to 2024-06 --format md --out "$out/gw1.md" ||
	bad "gw1 alone"
has "$out/gw1.md" "| 2024-05 | 1000 | 10 | 0 | 0.000000000000000% |"
has "$out/gw1.md" "| IIJ-20240110-0001 | 5 | information theft | 2024-01-10 | 2024-05-15 | 1 |"

# The operator's calendar (JST, +09:00): months start at 15:00 UTC the day before.
#  gw2's 2024-03-31T23:59Z (777 queries, 7 filtered) is 2024-04-01 08:59 JST: April.
#  gw1's 2024-05-31T23:59Z (1000 queries, 10 opt-out) is 2024-06-01 08:59 JST: June.
#  April: 324400000 + 777 = 324400777 queries, 3 + 7 = 10 filtered, opt-out 1000500:
#         1000 / 324400777 = 3.0826066730...e-6 %.  May: gw2 only, 500 / 5000000 = 1e-4 %.
"$report" --db "$out/gw1.db" "$out/gw2.db" --from 2024-04 --to 2024-06 --utc-offset +09:00 \
	--format md --out "$out/jst.md" || bad "jst report"
has "$out/jst.md" "| 2024-04 | 324400777 | 1000500 | 10 | 0.000003082606673% |"
has "$out/jst.md" "| 2024-05 | 5000000 | 123 | 5 | 0.000100000000000% |"
has "$out/jst.md" "| 2024-06 | 1000 | 10 | 0 | 0.000000000000000% |"
grep -Fq "(2024-04-01 to 2024-06-30, +09:00)" "$out/jst.md" && ok "jst period line" ||
	bad "jst period line"
# Days too: JST 2024-04-01 holds gw1's 00:00Z (1 filtered) and gw2's 23:59Z the day
# before (7): 800 / 124400777 = 6.43082800003...e-6 %.
"$report" --db "$out/gw1.db" "$out/gw2.db" --from 2024-04 --to 2024-06 --utc-offset +09:00 \
	--format csv --out "$out/jst.csv" || bad "jst csv"
has "$out/jst.csv" "day,2024-04-01,124400777,1000000,8,0.000006430828000,,,,,,,,,"
"$report" --db "$out/gw1.db" --from 2024-04 --to 2024-06 --utc-offset +9 >/dev/null 2>&1 &&
	bad "bad offset accepted" || ok "bad offset refused"

# Rounding at the edges: 2/3 -> 66.666...667 %; (10^18 - 1) / 10^18 -> 99.99...9 (18
# nines) rounds up through every digit to 100.000000000000000 %.
"$mkhist" <<EOF2 || bad "mkhist edge"
db $out/edge.db edge
iv 2025-01-15T00:00:00 60 3 0 2
iv 2025-02-15T00:00:00 60 1000000000000000000 0 999999999999999999
EOF2
"$report" --db "$out/edge.db" --from 2025-01 --to 2025-02 --format csv --out "$out/edge.csv" ||
	bad "edge report"
has "$out/edge.csv" "month,2025-01,3,0,2,66.666666666666667,,,,,,,,,"
has "$out/edge.csv" "month,2025-02,1000000000000000000,0,999999999999999999,100.000000000000000,,,,,,,,,"

# Operator errors: a database given twice, a missing one, a bad month, a foreign file.
"$report" --db "$out/gw1.db" --db "$out/gw1.db" --from 2024-04 --to 2024-06 \
	>/dev/null 2>"$out/err1" && bad "duplicate db accepted" ||
	{ grep -q "already in another database" "$out/err1" && ok "duplicate db refused" ||
		bad "duplicate db message"; }
"$report" --db "$out/nonexistent.db" --from 2024-04 --to 2024-06 >/dev/null 2>&1 &&
	bad "missing db accepted" || ok "missing db refused"
[ -e "$out/nonexistent.db" ] && bad "missing db was created" || ok "missing db not created"
"$report" --db "$out/gw1.db" --from 2024-4 --to 2024-06 >/dev/null 2>&1 &&
	bad "bad month accepted" || ok "bad month refused"
"$report" --db "$out/gw1.db" --from 2024-07 --to 2024-06 >/dev/null 2>&1 &&
	bad "reversed period accepted" || ok "reversed period refused"
echo "not a database" > "$out/foreign.db"
"$report" --db "$out/foreign.db" --from 2024-04 --to 2024-06 >/dev/null 2>&1 &&
	bad "foreign file accepted" || ok "foreign file refused"

finish
