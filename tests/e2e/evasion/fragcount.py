#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Counts the IP fragments handed to dnsgate: run in the appliance namespace on the tap
device of its subscriber port until SIGTERM, then writes "ip4 N ip6 N" to OUT. The
suite's fragment rows mean something only if dnsgate received fragments, not datagrams
that the kernel had already reassembled.

  fragcount.py IFACE OUT"""

import signal
import socket
import struct
import sys

ETH_P_ALL = 3


def main():
    iface, out = sys.argv[1], sys.argv[2]
    counts = {'ip4': 0, 'ip6': 0}

    def stop(*_):
        with open(out, 'w') as f:
            f.write('ip4 %d ip6 %d\n' % (counts['ip4'], counts['ip6']))
        sys.exit(0)
    signal.signal(signal.SIGTERM, stop)
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    s.bind((iface, 0))
    with open(out + '.ready', 'w'):
        pass
    while True:
        f, addr = s.recvfrom(65535)
        # Only what the kernel sends into the tap, i.e. towards dnsgate.
        if addr[2] != socket.PACKET_OUTGOING or len(f) < 14 + 20:
            continue
        etype = struct.unpack('!H', f[12:14])[0]
        if etype == 0x0800 and struct.unpack('!H', f[20:22])[0] & 0x3FFF:
            counts['ip4'] += 1
        elif etype == 0x86DD and len(f) >= 14 + 40 and f[14 + 6] == 44:
            counts['ip6'] += 1


if __name__ == '__main__':
    main()
