#!/bin/bash
# Quick start: install what is missing, build, and run the appliance replaying the bundled
# capture (looped) for a few seconds, printing live counters once a second and a summary.
#   sudo tools/demo.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-10}
tools/deps.sh >/dev/null
{ [ -d build ] && meson setup --reconfigure build || meson setup build; } >/dev/null
ninja -C build >/dev/null
out=$(mktemp -d /tmp/dg-demo.XXXXXX)
trap 'rm -rf "$out"' EXIT
cap=tests/data/demo.pcap
cat >"$out/demo.ini" <<INI
[eal]
args = --no-huge -m 1024 --no-pci --no-shconf -l 0-1 --log-level=*:warning
vdev = net_pcap0,rx_pcap=$PWD/$cap,infinite_rx=1
vdev = net_null0,no-rx=1
[ports]
pair = net_pcap0 net_null0
[mgmt]
stats_interval = 1
run_for = $secs
INI
echo "replaying $cap (looped) through dnsgate for $secs s"
build/app/dnsgate/dnsgate -- --config "$out/demo.ini"
