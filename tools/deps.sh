#!/bin/bash
# Install everything dnsgate needs to build, test, benchmark and run its lab on Debian 12.
# Safe to run again: apt-get skips what is there.
set -euo pipefail
packages=(
	build-essential pkg-config meson ninja-build git
	dpdk dpdk-dev libdpdk-dev libpcap-dev libinih-dev libcunit1-dev
	clang libclang-rt-14-dev llvm                # libFuzzer and sanitizers
	tshark ldnsutils libldns-dev                 # independent decoders for forged answers
	libsqlite3-dev sqlite3                       # stats history
	chromium                                     # report test: HTML chart screenshot
	unbound knot-dnsutils dnsperf                # lab peers: resolver and clients
	dnsdist gnuplot-nox                          # benchmark peer and charts (tools/bench)
	python3 iproute2 ethtool procps psmisc kmod coreutils gawk
)
if [ "$(id -u)" -ne 0 ]; then
	echo "deps.sh: needs root (apt-get install)" >&2
	exit 2
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends "${packages[@]}"
