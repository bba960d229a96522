#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# The HTML report's chart renders: headless Chromium screenshots the page (kept in OUT_DIR)
# and the PNG must show the chart's own colours (daily bars #4a90d9, monthly lines #e8590c)
# over a real area, not a blank or error page. Fails when chromium is missing (tools/deps.sh
# installs it): a test that cannot run is not a pass.
# usage: test_chromium.sh MKHIST DNSGATE_REPORT OUT_DIR
set -u
mkhist=$1 report=$2 out=$3
chromium=$(command -v chromium || command -v chromium-browser) ||
	{ echo "FAILED: chromium not installed (apt-get install chromium)"; exit 1; }
command -v python3 >/dev/null || { echo "FAILED: python3 missing"; exit 1; }
rm -rf "$out" && mkdir -p "$out" || exit 1

# A quarter of daily traffic with a quiet week in June (no bars there).
{
	echo "db $out/chart.db lab1"
	echo "load 2024-03-31T00:00:00"
	echo "entry IIJ-20240416-0001 backdoor 12 2024-04-16 -"
	echo "commit"
	for d in $(seq 0 90); do
		day=$(date -u -d "2024-04-01 + $d days" +%F)
		case $day in 2024-06-1[0-6]) continue ;; esac
		echo "iv ${day}T12:00:00 60 $((100000000 + d * 1000000)) 1000 $((d % 7 + 1))" \
			"IIJ-20240416-0001=backdoor=$((d % 7 + 1))"
	done
} | "$mkhist" || { echo "FAIL mkhist"; exit 1; }
"$report" --db "$out/chart.db" --from 2024-04 --to 2024-06 --format html \
	--out "$out/report.html" || { echo "FAIL dnsgate-report"; exit 1; }

profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
timeout 90 "$chromium" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
	--disable-background-networking --disable-component-update --disable-sync \
	--disable-dev-shm-usage --user-data-dir="$profile" --screenshot="$out/report.png" \
	--window-size=1200,900 "file://$out/report.html" >"$out/chromium.log" 2>&1
[ -s "$out/report.png" ] || { echo "FAIL no screenshot"; cat "$out/chromium.log"; exit 1; }

# Decode the PNG (tests/report/pngstat.py, stdlib only) and count the chart's colours.
stats=$(python3 "$(dirname "$0")/pngstat.py" "$out/report.png" 4a90d9 e8590c) ||
	{ echo "FAIL decoding the screenshot"; exit 1; }
eval "$stats"
echo "${width}x$height: $colours distinct colours, $c_4a90d9 bar pixels," \
	"$c_e8590c monthly-line pixels"
# 84 days of bars, each several pixels wide and tall; three 3-px lines across months.
if [ "$colours" -gt 20 ] && [ "$c_4a90d9" -gt 2000 ] && [ "$c_e8590c" -gt 1000 ]; then
	echo "chart rendered"
else
	echo "FAIL chart not visible"; exit 1
fi
