#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Stand-in for the access network's far end (a BNG or a label edge router) in the
resolver namespace: the lab kernel has no 802.1Q, PPP or MPLS forwarding, so this takes
802.1Q/802.1ad-tagged, PPPoE-session and MPLS frames off the resolver-side interfaces,
hands the IP packet inside to the kernel through a tun device, and sends the kernel's
replies back to the sender in the same encapsulation (learned per client address and
port).
PPPoE runs without discovery or LCP/IPCP: the session frames are what dnsgate inspects.

  encapgw.py TUN_NAME IFACE...        (root; runs until SIGTERM)
"""

import fcntl
import select
import signal
import socket
import struct
import sys

TUNSETIFF, IFF_TUN, IFF_NO_PI = 0x400454CA, 0x0001, 0x1000
ETH_P_ALL = 3
SOL_PACKET, PACKET_AUXDATA = 263, 8
TP_STATUS_VLAN_VALID, TP_STATUS_VLAN_TPID_VALID = 0x10, 0x40
VLAN_TYPES = (0x8100, 0x88A8, 0x9100)
PPPOE_SESSION, MPLS = 0x8864, 0x8847
PPP_IP4, PPP_IP6 = 0x0021, 0x0057


def decap(frame):
    """(layers, inner IP packet) of an encapsulated frame, or None. layers: list of
    ('vlan', tpid, tci) / ('pppoe', session) / ('mpls', [label entries])."""
    layers = []
    etype = struct.unpack('!H', frame[12:14])[0]
    off = 14
    while etype in VLAN_TYPES and len(frame) >= off + 4:
        tci, nxt = struct.unpack('!HH', frame[off:off + 4])
        layers.append(('vlan', etype, tci))
        etype, off = nxt, off + 4
    if etype == PPPOE_SESSION and len(frame) >= off + 8:
        vt, code, sid, length, proto = struct.unpack('!BBHHH', frame[off:off + 8])
        if vt != 0x11 or code != 0 or proto not in (PPP_IP4, PPP_IP6):
            return None
        layers.append(('pppoe', sid))
        return layers, frame[off + 8:off + 6 + length]
    if etype == MPLS:
        labels = []
        while len(frame) >= off + 4:
            (lse,) = struct.unpack('!I', frame[off:off + 4])
            labels.append(lse)
            off += 4
            if lse & 0x100:
                layers.append(('mpls', labels))
                return layers, frame[off:]
        return None
    return None if not layers or etype not in (0x0800, 0x86DD) else (layers, frame[off:])


def encap(layers, packet):
    """The bytes after the MAC addresses that carry packet inside layers (decap's inverse;
    a PPPoE length is the packet's)."""
    v6 = packet[0] >> 4 == 6
    out = b''
    for layer in layers:
        if layer[0] == 'vlan':
            out += struct.pack('!HH', layer[1], layer[2])
        elif layer[0] == 'pppoe':
            return out + struct.pack('!HBBHHH', PPPOE_SESSION, 0x11, 0, layer[1],
                                     len(packet) + 2, PPP_IP6 if v6 else PPP_IP4) + packet
        else:
            return (out + struct.pack('!H', MPLS) +
                    b''.join(struct.pack('!I', lse) for lse in layer[1]) + packet)
    return out + struct.pack('!H', 0x86DD if v6 else 0x0800) + packet


def same_encap(a, b):
    """Whether two layer lists are one encapsulation: equal, except MPLS TTLs (a sender may
    set its own)."""
    def norm(layers):
        return [('mpls', [lse & ~0xFF for lse in x[1]]) if x[0] == 'mpls' else x
                for x in layers]
    return norm(a) == norm(b)


def packet_socket(ifname):
    """A packet socket on ifname that reports stripped VLAN tags (see recv_frame)."""
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    s.setsockopt(SOL_PACKET, PACKET_AUXDATA, 1)
    s.bind((ifname, 0))
    return s


def recv_frame(s):
    """(frame as it was on the wire, packet type). The receive path moves a frame's outer
    VLAN tag into metadata before packet sockets see it; put it back."""
    frame, anc, _, addr = s.recvmsg(65535, socket.CMSG_SPACE(20))
    for level, kind, data in anc:
        if level == SOL_PACKET and kind == PACKET_AUXDATA and len(data) >= 20:
            status, _, _, _, _, tci, tpid = struct.unpack('=IIIHHHH', data[:20])
            if status & TP_STATUS_VLAN_VALID:
                if not status & TP_STATUS_VLAN_TPID_VALID:
                    tpid = 0x8100
                frame = frame[:12] + struct.pack('!HH', tpid, tci) + frame[12:]
    return frame, addr[2]


def open_tun(name):
    fd = open('/dev/net/tun', 'r+b', buffering=0)
    fcntl.ioctl(fd, TUNSETIFF, struct.pack('16sH', name.encode(), IFF_TUN | IFF_NO_PI))
    return fd


def l4_offset(packet):
    return (packet[0] & 15) * 4 if packet[0] >> 4 == 4 else 40


def src_of(packet):
    """(source address, source port): one client address sends in several encapsulations
    at once, each from its own port."""
    off = l4_offset(packet)
    addr = packet[12:16] if packet[0] >> 4 == 4 else packet[8:24]
    return addr, packet[off:off + 2]


def dst_of(packet):
    off = l4_offset(packet)
    addr = packet[16:20] if packet[0] >> 4 == 4 else packet[24:40]
    return addr, packet[off + 2:off + 4]


def main():
    tun = open_tun(sys.argv[1])
    socks = {}
    for ifname in sys.argv[2:]:
        s = packet_socket(ifname)
        socks[s] = s.getsockname()[4]
    peers = {}      # (client address, port) -> (socket, client MAC, layers)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    print('ready', flush=True)
    while True:
        ready, _, _ = select.select([tun] + list(socks), [], [])
        for r in ready:
            if r is tun:
                packet = tun.read(65535)
                peer = peers.get(dst_of(packet))
                if peer:
                    s, mac, layers = peer
                    s.send(mac + socks[s] + encap(layers, packet))
                continue
            frame, pkttype = recv_frame(r)
            if pkttype == socket.PACKET_OUTGOING or frame[0:6] != socks[r]:
                continue
            got = decap(frame)
            if got:
                layers, packet = got
                peers[src_of(packet)] = (r, frame[6:12], layers)
                tun.write(packet)


if __name__ == '__main__':
    main()
