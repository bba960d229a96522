#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# The report as people see it: the Japanese HTML screenshotted by headless Chromium must
# show text and the chart; --format pdf (Japanese and English) must give a PDF whose text
# (pdftotext) holds the carrier's headings, whose Japanese font is embedded (pdffonts),
# and whose first page (pdftoppm) is not blank. Fails when chromium, poppler-utils or a
# Japanese font is missing (tools/deps.sh installs them): a test that cannot run is not a
# pass.
# usage: test_render.sh MKHIST DNSGATE_REPORT OUT_DIR BEHAVIOUR_MAP
set -u
mkhist=$1 report=$2 out=$3 map=$4
here=$(dirname "$0")
for t in chromium pdftotext pdffonts pdftoppm fc-list python3; do
	command -v $t >/dev/null || { echo "FAILED: $t not installed (tools/deps.sh)"; exit 1; }
done
fc-list :lang=ja | grep -q . ||
	{ echo "FAILED: no Japanese font (apt-get install fonts-ipafont-gothic)"; exit 1; }
rm -rf "$out" && mkdir -p "$out" || exit 1
. "$(dirname "$0")/check.sh"
# png_stats NAME PNG [COLOURS]: pngstat.py's figures as shell variables.
png_stats() {
	local s
	s=$(python3 "$here/pngstat.py" "${@:2}") || { bad "$1: cannot decode ${2##*/}"; return 1; }
	eval "$s"
	echo "     $1: ${width}x$height, $colours colours, $nonwhite non-white, $dark dark pixels"
}

"$here/half_year.sh" "$mkhist" "$out/h.db" || { echo "FAIL half_year.sh"; exit 1; }
q=(--db "$out/h.db" --from 2024-04 --to 2024-06)

# --- Japanese HTML, screenshotted -------------------------------------------------------
"$report" "${q[@]}" --lang ja --behaviour-map "$map" --format html --out "$out/ja.html" ||
	bad "ja html"
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
timeout 90 chromium --headless --no-sandbox --disable-gpu --no-first-run \
	--disable-background-networking --disable-component-update --disable-sync \
	--disable-dev-shm-usage --user-data-dir="$profile" --screenshot="$out/ja.png" \
	--window-size=1200,2000 "file://$out/ja.html" >"$out/chromium.log" 2>&1
if [ -s "$out/ja.png" ] && png_stats "ja.png" "$out/ja.png" 1f6fb2 e8590c; then
	# Text (dark pixels) across the page, the chart's monthly lines, the sparklines.
	[ "$dark" -gt 20000 ] && ok "ja.png shows text" || bad "ja.png: $dark dark pixels"
	[ "$c_e8590c" -gt 500 ] && ok "ja.png shows the chart" || bad "ja.png chart: $c_e8590c"
	[ "$c_1f6fb2" -gt 100 ] && ok "ja.png shows sparklines" ||
		bad "ja.png sparklines: $c_1f6fb2"
else
	bad "no screenshot"; cat "$out/chromium.log"
fi

# --- Japanese PDF -----------------------------------------------------------------------
"$report" "${q[@]}" --lang ja --behaviour-map "$map" --format pdf --out "$out/ja.pdf" ||
	bad "ja pdf exit $?"
pdftotext -layout "$out/ja.pdf" "$out/ja.txt" || bad "pdftotext ja.pdf"
# pdftotext gives the text back only from real glyphs with a Unicode map: tofu would not.
for s in "2024 年 4 月～2024 年 6 月" "識別子" "FQDN 数" "挙動" "フィルタリング開始日" \
	"フィルタリング終了日" "対象期間" "影響を受けたクエリの割合" "2024/04/20" \
	"感染端末からの情報窃取・送信" "大量通信(DDoS)" "バックドアの設置" \
	"フィルタリング終了日の設定候補" "識別子ごとの月別推移" "0.000006030453792%"; do
	grep -Fq -- "$s" "$out/ja.txt" && ok "ja.pdf text: $s" || bad "ja.pdf lacks: $s"
done
grep -q 1970 "$out/ja.txt" && bad "ja.pdf holds 1970" || ok "ja.pdf has no 1970"
pdffonts "$out/ja.pdf" > "$out/ja.fonts" 2>&1
cat "$out/ja.fonts"
# An embedded (emb = yes) CJK font, not a fallback that draws boxes.
grep -Ei 'gothic|cjk|mincho|noto sans jp' "$out/ja.fonts" | grep -Eq ' yes +(yes|no) +yes ' &&
	ok "ja.pdf embeds a Japanese font" || bad "ja.pdf: no embedded Japanese font"
if pdftoppm -png -r 40 -f 1 -l 1 "$out/ja.pdf" "$out/ja-page" &&
	png_stats "ja.pdf page 1" "$out"/ja-page*.png; then
	[ "$dark" -gt 2000 ] && [ "$colours" -gt 10 ] && ok "ja.pdf page 1 is not blank" ||
		bad "ja.pdf page 1 blank: $dark dark, $colours colours"
fi

# --- English PDF --------------------------------------------------------------------------
"$report" "${q[@]}" --format pdf --out "$out/en.pdf" || bad "en pdf exit $?"
pdftotext -layout "$out/en.pdf" "$out/en.txt" || bad "pdftotext en.pdf"
for s in "Malware identifiers filtered in the period" "Filtering end" \
	"Quiet identifiers: candidates for an end date" "0.000006030453792%"; do
	grep -Fq -- "$s" "$out/en.txt" && ok "en.pdf text: $s" || bad "en.pdf lacks: $s"
done
# To stdout too.
"$report" "${q[@]}" --format pdf > "$out/stdout.pdf" && head -c 5 "$out/stdout.pdf" |
	grep -q '%PDF-' && ok "pdf to stdout" || bad "pdf to stdout"

finish
