#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# The report's languages and its per-identifier sections, in every text format: the
# carrier's Japanese layout (--lang ja), the behaviour map and its errors, monthly trends,
# quiet identifiers (end-date candidates), and no 1970-01-01 end for all-allow
# identifiers. Expected rows are worked out by hand from tests/report/half_year.sh.
# usage: test_lang.sh MKHIST DNSGATE_REPORT OUT_DIR BEHAVIOUR_MAP
set -u
mkhist=$1 report=$2 out=$3 map=$4
rm -rf "$out" && mkdir -p "$out" || exit 1
. "$(dirname "$0")/check.sh"
# fails_with NAME PATTERN EXIT CMD...: CMD exits EXIT and says PATTERN on stderr.
fails_with() {
	local name=$1 pat=$2 want=$3 rc; shift 3
	"$@" >"$out/$name.out" 2>"$out/$name.err"; rc=$?
	if [ "$rc" -eq "$want" ] && grep -Fq -- "$pat" "$out/$name.err"; then
		ok "$name: exit $rc, $pat"
	else
		bad "$name: exit $rc (want $want), stderr: $(head -c 300 "$out/$name.err")"
	fi
}

"$(dirname "$0")/half_year.sh" "$mkhist" "$out/h.db" || { echo "FAIL half_year.sh"; exit 1; }
q=(--db "$out/h.db" --from 2024-04 --to 2024-06)

# --- Japanese Markdown: the carrier's layout, word for word --------------------------
"$report" "${q[@]}" --lang ja --behaviour-map "$map" --out "$out/ja.md" || bad "ja md exit $?"
md=$out/ja.md
has "$md" "# DNS フィルタリング実施状況 2024 年 4 月～2024 年 6 月"
grep -Fq "対象期間：2024 年 4 月～2024 年 6 月（2024/04/01～2024/06/30、UTC）" "$md" &&
	ok "ja period line" || bad "ja period line"
has "$md" "| 対象期間 | 影響を受けたクエリの割合 |"
has "$md" "| 識別子 | FQDN 数 | 挙動 | フィルタリング開始日 | フィルタリング終了日 |"
# April: 30 days of 1000000 + d * 1000 queries, d = 91..120: 30 * 1000000 + 1000 * 3165;
# filtered 1 (04-03) + 1 (04-07) = 2. 200 / 33165000 = 6.0304537916...e-6 %.
has "$md" "| 2024 年 4 月 | 0.000006030453792% |"
has "$md" "| 2024 年 4 月 | 33165000 | 3000 | 2 |"
# Behaviours in the map's words; dates 2024/04/20; no end date is なし.
has "$md" "| ID-THEFT | 5 | 感染端末からの情報窃取・送信 | 2024/01/01 | なし |"
has "$md" "| ID-DDOS | 2 | 大量通信(DDoS) | 2024/04/20 | なし |"
has "$md" "| ID-ENDED | 1 | 大量通信(DDoS) | 2024/01/01 | 2024/06/15 |"
# All-allow identifiers: no end date, old encoding (end day 0) and new (open) alike.
has "$md" "| ID-ALLOW-OLD | 4 | バックドアの設置 | - | なし |"
has "$md" "| ID-ALLOW-NEW | 2 | - | - | なし |"
hasnt "$md" "1970"
# Behaviour table: ID-BACKDOOR 1 + 2 and ID-ALLOW-OLD 1 in the period.
has "$md" "| バックドアの設置 | 4 |"
# Trends: hits per month of the period, then the total.
has "$md" "| 識別子 | 2024 年 4 月 | 2024 年 5 月 | 2024 年 6 月 | 合計 |"
has "$md" "| ID-BACKDOOR | 1 | 0 | 2 | 3 |"
has "$md" "| ID-ALLOW-OLD | 1 | 0 | 0 | 1 |"
# Quiet, as of 2024-06-30 (the last day with data), 90 days:
#  ID-THEFT: last hit 02-10, quiet 02-11..06-30 = 19 + 31 + 30 + 31 + 30 = 141 days.
#  ID-ALLOW-NEW: never hit, open start: since the history's first day, 182 days.
#  Not: ID-BACKDOOR (06-20, 10 days), ID-ALLOW-OLD (04-03: 88 days), ID-DDOS (from 04-20:
#  72 days), ID-ENDED (ended 06-15).
has "$md" "| ID-THEFT | 感染端末からの情報窃取・送信 | 2024/01/01 | なし | 2024/02/10 | 141 |"
has "$md" "| ID-ALLOW-NEW | - | - | なし | なし | 182 |"
sed -n '/^## フィルタリング終了日の設定候補/,$p' "$md" > "$out/ja-quiet.md"
count "$out/ja-quiet.md" "| ID-" 2
grep -Fq "2024/06/30 時点でフィルタリング中で、90 日以上" "$out/ja-quiet.md" &&
	ok "ja quiet note" || bad "ja quiet note"
# --quiet-days 60 adds ID-DDOS (72), not ID-ALLOW-OLD (88 -> yes, 88 >= 60).
"$report" "${q[@]}" --lang ja --behaviour-map "$map" --quiet-days 60 --out "$out/ja60.md" ||
	bad "quiet-days 60"
has "$out/ja60.md" "| ID-DDOS | 大量通信(DDoS) | 2024/04/20 | なし | なし | 72 |"
has "$out/ja60.md" "| ID-ALLOW-OLD | バックドアの設置 | - | なし | 2024/04/03 | 88 |"
hasnt "$out/ja60.md" "| ID-BACKDOOR | バックドアの設置 | 2024/01/15"

# --- English: the same figures, default layout and words ----------------------------
"$report" "${q[@]}" --out "$out/en.md" || bad "en md exit $?"
has "$out/en.md" "| Month | Queries (opt-out excluded) | Opt-out queries | Filtered queries | Share of queries affected |"
has "$out/en.md" "| 2024-04 | 33165000 | 3000 | 2 | 0.000006030453792% |"
has "$out/en.md" "| ID-ALLOW-OLD | 4 | backdoor | - | - | 1 |"
has "$out/en.md" "| ID-ALLOW-NEW | 2 | - | - | - | 0 |"
hasnt "$out/en.md" "1970"
has "$out/en.md" "| ID-THEFT | information theft | 2024-01-01 | - | 2024-02-10 | 141 |"
has "$out/en.md" "| ID-ALLOW-NEW | - | - | - | never | 182 |"
has "$out/en.md" "| ID-BACKDOOR | 1 | 0 | 2 | 3 |"
# A map works in English too.
"$report" "${q[@]}" --behaviour-map "$map" --out "$out/en-map.md" || bad "en map"
has "$out/en-map.md" "| ID-DDOS | 2 | 大量通信(DDoS) | 2024-04-20 | - | 0 |"

# --- CSV ---------------------------------------------------------------------------
"$report" "${q[@]}" --lang ja --behaviour-map "$map" --format csv --out "$out/ja.csv" ||
	bad "ja csv"
head -c 3 "$out/ja.csv" | od -An -tx1 | grep -q "ef bb bf" && ok "ja csv starts with a BOM" ||
	bad "ja csv BOM"
tail -n +2 "$out/ja.csv" > "$out/ja-body.csv"
has "$out/ja-body.csv" "month,2024 年 4 月,33165000,3000,2,0.000006030453792,,,,,,,,,"
has "$out/ja-body.csv" "day,2024/04/07,1097000,100,1,0.000091157702826,,,,,,,,,"
has "$out/ja-body.csv" "identifier,2024 年 4 月～2024 年 6 月,,,,,ID-ALLOW-OLD,バックドアの設置,4,,,1,0,2024/04/03,88"
has "$out/ja-body.csv" "trend,2024 年 6 月,,,,,ID-BACKDOOR,バックドアの設置,,,,2,,,"
has "$out/ja-body.csv" "quiet,2024/06/30,,,,,ID-THEFT,感染端末からの情報窃取・送信,5,2024/01/01,,,,2024/02/10,141"
count "$out/ja-body.csv" "quiet," 2
head -1 "$out/ja.csv" | grep -Fq ",識別子,挙動,FQDN 数,フィルタリング開始日,フィルタリング終了日," &&
	ok "ja csv header" || bad "ja csv header"
hasnt "$out/ja.csv" "1970"
"$report" "${q[@]}" --format csv --out "$out/en.csv" || bad "en csv"
has "$out/en.csv" "quiet,2024-06-30,,,,,ID-THEFT,information theft,5,2024-01-01,,,,2024-02-10,141"
has "$out/en.csv" "identifier,2024-04..2024-06,,,,,ID-ALLOW-NEW,,2,,,0,1,,182"

# --- HTML ---------------------------------------------------------------------------
"$report" "${q[@]}" --lang ja --behaviour-map "$map" --format html --out "$out/ja.html" ||
	bad "ja html"
html=$out/ja.html
grep -q '<html lang="ja">' "$html" && ok "html lang=ja" || bad "html lang"
grep -Fq "<tr><th>識別子</th><th>FQDN 数</th><th>挙動</th><th>フィルタリング開始日</th><th>フィルタリング終了日</th></tr>" "$html" &&
	ok "ja html identifier table head" || bad "ja html identifier table head"
grep -Fq "<tr><th>対象期間</th><th>影響を受けたクエリの割合</th></tr>" "$html" &&
	ok "ja html monthly table head" || bad "ja html monthly table head"
grep -Fq "<td>ID-THEFT</td><td>5</td><td class=\"t\">感染端末からの情報窃取・送信</td><td class=\"t\">2024/01/01</td><td class=\"t\">なし</td></tr>" "$html" &&
	ok "ja html identifier row" || bad "ja html identifier row"
# One sparkline per identifier (6), each with one point per month (3).
count "$html" '<svg class="spark"' 6
[ "$(grep -o '<circle' "$html" | wc -l)" -eq 18 ] && ok "18 sparkline points" ||
	bad "sparkline points: $(grep -o '<circle' "$html" | wc -l)"
[ "$(grep -o 'class="quiet"' "$html" | wc -l)" -eq 2 ] && ok "2 quiet rows" || bad "quiet rows"
hasnt "$html" "1970"
grep -Eq '<script|src=|href=|@import|url\(' "$html" && bad "html references outside files" ||
	ok "html is self-contained"
"$report" "${q[@]}" --format html --out "$out/en.html" || bad "en html"
grep -q '<html lang="en">' "$out/en.html" && ok "html lang=en" || bad "en html lang"
count "$out/en.html" '<svg class="spark"' 6

# --out-dir writes the three text formats in the language.
mkdir -p "$out/dir"
"$report" "${q[@]}" --lang ja --behaviour-map "$map" --out-dir "$out/dir" || bad "out-dir"
for f in report.md report.html report.csv; do
	grep -Fq "フィルタリング終了日" "$out/dir/$f" && ok "out-dir $f in Japanese" ||
		bad "out-dir $f not Japanese"
done

# --- The behaviour map file -----------------------------------------------------------
# Case, '_' and '-' do not matter; comments, blank lines, CRLF, a BOM and spaces around
# '=' are fine; an unlisted category prints as recorded.
printf '\xef\xbb\xbf# test map\r\n\r\n  INFORMATION-theft =  盗む \r\nBack_Door=裏口\n' > "$out/odd.map"
"$report" "${q[@]}" --lang ja --behaviour-map "$out/odd.map" --out "$out/odd.md" || bad "odd map"
has "$out/odd.md" "| ID-THEFT | 5 | 盗む | 2024/01/01 | なし |"
has "$out/odd.md" "| ID-DDOS | 2 | DDoS | 2024/04/20 | なし |"
# "backdoor" is not "back door": that one stays as recorded.
has "$out/odd.md" "| ID-BACKDOOR | 3 | backdoor | 2024/01/15 | なし |"
printf 'backdoor = a\n# fine\nddos x\n' > "$out/bad1.map"
fails_with bad-equals "bad1.map:3: want \"category = wording\"" 2 \
	"$report" "${q[@]}" --lang ja --behaviour-map "$out/bad1.map"
printf 'backdoor = a\n\nDDoS = b\nBackdoor = c\n' > "$out/bad2.map"
fails_with bad-dup "bad2.map:4: category \"backdoor\" given twice (first on line 1)" 2 \
	"$report" "${q[@]}" --lang ja --behaviour-map "$out/bad2.map"
printf 'backdoor =\n' > "$out/bad3.map"
fails_with bad-empty "bad3.map:1: no wording after '='" 2 \
	"$report" "${q[@]}" --behaviour-map "$out/bad3.map"
printf ' = x\n' > "$out/bad4.map"
fails_with bad-nokey "bad4.map:1: no category before '='" 2 \
	"$report" "${q[@]}" --behaviour-map "$out/bad4.map"
printf 'a = b\nbackdoor = \xff\xfe\n' > "$out/bad5.map"
fails_with bad-utf8 "bad5.map:2: not UTF-8" 2 \
	"$report" "${q[@]}" --behaviour-map "$out/bad5.map"
{ printf 'a = '; head -c 1100 /dev/zero | tr '\0' x; echo; } > "$out/bad6.map"
fails_with bad-long "bad6.map:1: line longer than 1023 bytes" 2 \
	"$report" "${q[@]}" --behaviour-map "$out/bad6.map"
fails_with bad-missing "$out/none.map: No such file or directory" 2 \
	"$report" "${q[@]}" --lang ja --behaviour-map "$out/none.map"

# --- Options and the PDF printer's failures (Chromium itself: test_render.sh) ----------
fails_with bad-lang "--lang wants en or ja" 2 "$report" "${q[@]}" --lang fr
fails_with bad-quiet "--quiet-days wants 1 to 36500" 2 "$report" "${q[@]}" --quiet-days 0
fails_with pdf-missing "/nonexistent/chromium is not an executable" 1 \
	"$report" "${q[@]}" --format pdf --chromium /nonexistent/chromium --out "$out/x.pdf"
fails_with pdf-fails "failed (exit status 1)" 1 \
	"$report" "${q[@]}" --format pdf --chromium /bin/false --out "$out/x.pdf"
fails_with pdf-none "Chromium made no PDF" 1 \
	"$report" "${q[@]}" --format pdf --chromium /bin/true --out "$out/x.pdf"
[ -e "$out/x.pdf" ] && bad "a failed print left $out/x.pdf" || ok "no PDF left by a failure"
fails_with pdf-nopath "no chromium or chromium-browser in PATH" 1 env PATH=/nonexistent \
	"$report" "${q[@]}" --format pdf --out "$out/x.pdf"

finish
