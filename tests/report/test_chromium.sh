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

# Decode the PNG with Python's stdlib (zlib) and count pixels per colour.
python3 - "$out/report.png" <<'PY'
import struct, sys, zlib
data = open(sys.argv[1], 'rb').read()
assert data[:8] == b'\x89PNG\r\n\x1a\n', 'not a PNG'
pos, idat, w = 8, b'', 0
while pos < len(data):
    n, kind = struct.unpack('>I4s', data[pos:pos + 8])
    body = data[pos + 8:pos + 8 + n]
    if kind == b'IHDR':
        w, h, depth, ctype, _, _, interlace = struct.unpack('>IIBBBBB', body)
        assert depth == 8 and ctype in (2, 6) and interlace == 0, 'unexpected PNG format'
        bpp = 3 if ctype == 2 else 4
    elif kind == b'IDAT':
        idat += body
    pos += 12 + n
raw = zlib.decompress(idat)
stride = w * bpp
prev = bytearray(stride)
counts = {}
for y in range(h):
    f = raw[y * (stride + 1)]
    line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
    for i in range(stride):
        a = line[i - bpp] if i >= bpp else 0
        b = prev[i]
        c = prev[i - bpp] if i >= bpp else 0
        if f == 1: line[i] = (line[i] + a) & 255
        elif f == 2: line[i] = (line[i] + b) & 255
        elif f == 3: line[i] = (line[i] + (a + b) // 2) & 255
        elif f == 4:
            p = a + b - c
            pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    for x in range(0, stride, bpp):
        px = bytes(line[x:x + 3])
        counts[px] = counts.get(px, 0) + 1
    prev = line
blue = counts.get(bytes((0x4a, 0x90, 0xd9)), 0)
orange = counts.get(bytes((0xe8, 0x59, 0x0c)), 0)
print(f'{w}x{h}: {len(counts)} distinct colours, {blue} bar pixels, {orange} monthly-line pixels')
# 84 days of bars, each several pixels wide and tall; three 3-px lines across months.
ok = len(counts) > 20 and blue > 2000 and orange > 1000
print('chart rendered' if ok else 'FAIL chart not visible')
sys.exit(0 if ok else 1)
PY
