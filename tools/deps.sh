#!/bin/bash
# Install everything dnsgate needs to build, test, benchmark and run its lab on Debian 12.
# Safe to run again: apt-get skips what is there.
set -euo pipefail
packages=(
	build-essential pkg-config meson ninja-build git
	dpdk dpdk-dev libdpdk-dev libpcap-dev libinih-dev libcunit1-dev
	clang libclang-rt-14-dev llvm                # libFuzzer and sanitizers
	tshark ldnsutils libldns-dev                 # RPZ feeds (lib/feed); decoders for forged answers
	libsqlite3-dev sqlite3                       # stats history
	libfstrm-dev libprotobuf-c-dev protobuf-c-compiler zlib1g-dev # dnstap output; gzip of rotated hit logs
	dnstap-ldns fstrm-bin protobuf-compiler      # dnstap test readers: dnstap-ldns, fstrm_capture, protoc
	chromium                                     # report: --format pdf; HTML screenshots
	poppler-utils fonts-ipafont-gothic           # report tests: pdftotext/pdffonts; Japanese glyphs
	unbound knot-dnsutils bind9-dnsutils dnsperf # lab peers: resolver and clients (kdig, dig)
	curl openssl                                 # encrypted-DNS lab: DoH client, test certificate
	bind9 knot-resolver pdns-recursor knot       # evasion suite resolvers; knotd: authoritative, feed primary
	dnsdist gnuplot-nox                          # benchmark peer and charts (tools/bench)
	xxhash                                       # xxhsum: reference for the filter image hash
	tzdata                                       # [mgmt] timezone: IANA zones (lib/tz)
	python3 iproute2 ethtool procps psmisc kmod coreutils gawk
	util-linux mount                             # chaos suite: unshare, tmpfs mounts
)
if [ "$(id -u)" -ne 0 ]; then
	echo "deps.sh: needs root (apt-get install)" >&2
	exit 2
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends "${packages[@]}"
