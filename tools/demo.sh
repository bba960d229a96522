#!/bin/bash
# Quick start: install what is missing, build, and run the appliance replaying the bundled
# capture (looped, as fast as one core goes) against the bundled blocklist, printing live
# counters once a second and a summary at the end.
#   tools/demo.sh [SECONDS]          (as root on Debian 12)
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-10}
tools/deps.sh >/dev/null
{ [ -d build ] && meson setup --reconfigure build || meson setup build; } >/dev/null
ninja -C build >/dev/null
out=$(mktemp -d /tmp/dg-demo.XXXXXX)
trap 'rm -rf "$out"' EXIT
cat >"$out/demo.ini" <<INI
[eal]
args = --no-huge -m 1024 --no-pci --no-shconf -l 0-1 --log-level=*:warning
vdev = net_pcap0,rx_pcap=$PWD/tests/data/demo.pcap,infinite_rx=1
vdev = net_null0,no-rx=1
[ports]
pair = net_pcap0 net_null0
[mgmt]
stats_interval = 1
run_for = $secs
[filter]
list = native $PWD/tests/data/demo-list.native
[answer]
sinkhole_v4 = 198.18.255.1
sinkhole_v6 = 2001:2::53:1
ede_text = yes
[optout]
file = $PWD/tests/data/demo-optout.txt
[guard]
rate = 0
[ctl]
socket = $out/dnsgate.sock
[stats]
history = $out/history.db
interval = 5
appliance = demo
INI
cat <<TXT
dnsgate demo: tests/data/demo.pcap (5000 frames: DNS queries, 2% for names on the
bundled demo list (URLhaus names under six identifiers), 1% malformed, 1% from opted-out
subscribers, 2% not DNS),
looped for $secs s from net_pcap into net_null. Forged answers leave by the ingress port.
While it runs: build/tools/dnsgatectl/dnsgatectl -s $out/dnsgate.sock stats
TXT
build/app/dnsgate/dnsgate -- --config "$out/demo.ini"

# The periodic report from the stats history this run wrote (last three months).
from=$(date -u -d "$(date -u +%Y-%m-15) -2 months" +%Y-%m)
to=$(date -u +%Y-%m)
echo
echo "==== dnsgate-report --db history.db --from $from --to $to --format md ===="
build/tools/report/dnsgate-report --db "$out/history.db" --from "$from" --to "$to" --format md

# The same in the carrier's Japanese layout, on the JST calendar.
echo
echo "==== dnsgate-report ... --lang ja --utc-offset +09:00 --format md ===="
build/tools/report/dnsgate-report --db "$out/history.db" --from "$from" --to "$to" \
	--lang ja --behaviour-map tools/report/behaviour-ja.map --utc-offset +09:00 --format md
