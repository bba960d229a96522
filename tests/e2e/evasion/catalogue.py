# SPDX-License-Identifier: BSD-3-Clause
"""The evasion suite's query shapes. Each shape builds, for a name and a message ID, what
the client sends: a UDP payload (with socket options or a fixed source port), TCP
segments, or a datagram cut into IP fragments (or otherwise sent as a raw frame).

Each row is (name, kind, families, builder, group). kind: udp, tcp, raw or encap.
Builders take (qname, qid) and return a dict for that kind's transport in shapes.py:
  udp: payload, [sport], [sockopts: (level, option, value)...]
  tcp: segments (bytes, sent with TCP_NODELAY and a short pause between them), [sport]
  raw: payload, and one of frags (list of (offset, end) byte ranges of the UDP datagram,
       sent in list order), atomic (IPv6 fragment header, offset 0, M=0), zero_csum,
       eth_pad (bytes after the IP packet in the frame)
  encap: payload, layers (encapgw.py: 802.1Q/802.1ad tags, PPPoE session, MPLS labels)
"""

import socket
import struct

import dnswire as w
from dnswire import T, F_RD, F_TC, F_CD, F_AD, F_Z, F_AA, F_QR

BENIGN = 'www.example.test'
IPOPT_RA = b'\x94\x04\x00\x00'            # router alert
IPOPT_NOP = b'\x01\x01\x01\x00'           # three NOPs and an end of list
IPOPT_TS = b'\x44\x0c\x05\x00' + b'\0' * 8  # timestamp, room for two
IPV6_HOPOPTS, IPV6_DSTOPTS = 54, 59       # linux/in6.h; not in Python's socket module
HBH_RA = b'\x00\x00\x05\x02\x00\x00\x01\x00'      # router alert + PadN
DST_PAD = b'\x00\x00\x01\x04\x00\x00\x00\x00'     # PadN
DST_UNKNOWN = b'\x00\x00\x1e\x04\xde\xad\xbe\xef'  # unknown option, "skip" action


def msg(qname, qid, qtype=T['A'], qclass=w.C_IN, flags=F_RD, opcode=0, rcode=0,
        an=(), ns=(), ar=(), counts=None, trail=b'', qd=None):
    """A query: header, one question (or the questions in qd), the records given for each
    section, then trail. counts overrides (QD, AN, NS, AR) in the header."""
    qs = qd if qd is not None else [w.question(qname, qtype, qclass)]
    c = counts or (len(qs), len(an), len(ns), len(ar))
    return (w.header(qid, flags, *c, opcode=opcode, rcode=rcode) + b''.join(qs) +
            b''.join(an) + b''.join(ns) + b''.join(ar) + trail)


def edns(**kw):
    return w.opt(**kw)


def a_rr(owner, addr='198.18.1.1'):
    return w.rr(owner, T['A'], w.C_IN, 60, socket.inet_aton(addr))


def tsig(qid):
    """A TSIG record with a made-up key and MAC (hmac-sha256, RFC 8945 layout)."""
    rdata = (w.wname('hmac-sha256') + struct.pack('!HIH', 0, 1700000000, 300) +
             struct.pack('!H', 32) + b'\x5a' * 32 + struct.pack('!HHH', qid, 0, 0))
    return w.rr('evasion-key', T['TSIG'], w.C_ANY, 0, rdata)


def sig0():
    """A SIG(0) record (RFC 2931) with a made-up ED25519 signature."""
    rdata = (struct.pack('!HBBIIIH', 0, 15, 0, 0, 1900000000, 1700000000, 4242) +
             w.wname('evasion-key') + b'\xa5' * 64)
    return w.rr('', T['SIG'], w.C_ANY, 0, rdata)


def mixed_case(name):
    return ''.join(c.upper() if i % 2 else c for i, c in enumerate(name))


def qname_pointer(qname, qid):
    """The question's name ends in a compression pointer to its parent written after the
    question (a forward pointer; nothing legitimate compresses a question)."""
    first, rest = qname.split('.', 1)
    head = bytes([len(first)]) + first.encode()
    target = 12 + len(head) + 2 + 4
    q = head + struct.pack('!H', 0xC000 | target) + struct.pack('!HH', T['A'], w.C_IN)
    return w.header(qid) + q + w.wname(rest)


def frag_cuts(cuts):
    """Byte ranges for fragments cut at the given offsets (the last runs to the end)."""
    def ranges(n):
        pts = [0] + [c for c in cuts if c < n] + [n]
        return [(pts[i], pts[i + 1]) for i in range(len(pts) - 1)]
    return ranges


def udp_shapes():
    """(name, builder) of the UDP message shapes, sent on a normal UDP socket."""
    AAAA = T['AAAA']
    cookie = w.option(10, b'\x01\x02\x03\x04\x05\x06\x07\x08')
    s = [
        ('a', lambda n, i: msg(n, i)),
        ('aaaa', lambda n, i: msg(n, i, AAAA)),
        ('any', lambda n, i: msg(n, i, T['ANY'])),
        ('https', lambda n, i: msg(n, i, T['HTTPS'])),
        ('mx', lambda n, i: msg(n, i, T['MX'])),
        ('txt', lambda n, i: msg(n, i, T['TXT'])),
        ('edns', lambda n, i: msg(n, i, ar=[edns()])),
        ('edns-do', lambda n, i: msg(n, i, ar=[edns(do=True)])),
        ('edns-4096', lambda n, i: msg(n, i, AAAA, ar=[edns(udp=4096, do=True)])),
        ('cookie', lambda n, i: msg(n, i, ar=[edns(options=cookie)])),
        ('edns-ecs', lambda n, i: msg(n, i, ar=[edns(options=w.option(
            8, struct.pack('!HBB', 1, 24, 0) + bytes([198, 18, 0])))])),
        ('edns-padding', lambda n, i: msg(n, i, ar=[edns(options=w.option(12, b'\0' * 32))])),
        ('edns-unknown-opt', lambda n, i: msg(n, i, ar=[edns(options=w.option(65001, b'x'))])),
        ('0x20', lambda n, i: msg(mixed_case(n), i)),
        ('upper', lambda n, i: msg(n.upper(), i)),
        ('tc', lambda n, i: msg(n, i, flags=F_RD | F_TC)),
        ('rd0', lambda n, i: msg(n, i, flags=0)),
        ('cd', lambda n, i: msg(n, i, flags=F_RD | F_CD)),
        ('ad', lambda n, i: msg(n, i, flags=F_RD | F_AD)),
        ('z', lambda n, i: msg(n, i, flags=F_RD | F_Z)),
        ('aa', lambda n, i: msg(n, i, flags=F_RD | F_AA)),
        ('qr', lambda n, i: msg(n, i, flags=F_RD | F_QR)),
        ('rcode-5', lambda n, i: msg(n, i, rcode=5)),
        ('opcode-iquery', lambda n, i: msg(n, i, opcode=1)),
        ('opcode-status', lambda n, i: msg(n, i, opcode=2)),
        ('opcode-3', lambda n, i: msg(n, i, opcode=3)),
        ('opcode-notify', lambda n, i: msg(n, i, opcode=4)),
        ('opcode-update', lambda n, i: msg(n, i, opcode=5)),
        ('qclass-any', lambda n, i: msg(n, i, qclass=w.C_ANY)),
        ('qclass-ch', lambda n, i: msg(n, i, qclass=w.C_CH)),
        ('qclass-hs', lambda n, i: msg(n, i, qclass=w.C_HS)),
        ('qclass-none', lambda n, i: msg(n, i, qclass=w.C_NONE)),
        ('qclass-9', lambda n, i: msg(n, i, qclass=9)),
        ('qtype-0', lambda n, i: msg(n, i, 0)),
        ('qtype-axfr', lambda n, i: msg(n, i, T['AXFR'])),
        ('qtype-ixfr', lambda n, i: msg(n, i, T['IXFR'])),
        ('qtype-opt', lambda n, i: msg(n, i, T['OPT'])),
        ('qtype-tsig', lambda n, i: msg(n, i, T['TSIG'])),
        ('trail-1', lambda n, i: msg(n, i, trail=b'\0')),
        ('trail-100', lambda n, i: msg(n, i, trail=b'\xff' * 100)),
        ('opt-trail', lambda n, i: msg(n, i, ar=[edns()], trail=b'\0' * 8)),
        ('an-rr', lambda n, i: msg(n, i, an=[a_rr(n)])),
        ('ns-rr', lambda n, i: msg(n, i, ns=[w.rr('example.test', T['NS'], w.C_IN, 60,
                                                  w.wname('ns.example.test'))])),
        ('ar-rr', lambda n, i: msg(n, i, ar=[a_rr('x.example.test')])),
        ('ar-rr-opt', lambda n, i: msg(n, i, ar=[a_rr('x.example.test'), edns()])),
        ('ar-opt-rr', lambda n, i: msg(n, i, ar=[edns(), a_rr('x.example.test')])),
        ('an-count-only', lambda n, i: msg(n, i, counts=(1, 1, 0, 0))),
        ('ar-count-only', lambda n, i: msg(n, i, counts=(1, 0, 0, 1))),
        ('opt-cookie-5', lambda n, i: msg(n, i, ar=[edns(options=w.option(10, b'\1' * 5))])),
        ('opt-cookie-41', lambda n, i: msg(n, i, ar=[edns(options=w.option(10, b'\1' * 41))])),
        ('opt-owner', lambda n, i: msg(n, i, ar=[edns(owner=w.wname('x'))])),
        ('opt-two', lambda n, i: msg(n, i, ar=[edns(), edns()])),
        ('opt-v1', lambda n, i: msg(n, i, ar=[edns(version=1)])),
        ('opt-ext-rcode', lambda n, i: msg(n, i, ar=[edns(ext_rcode=1)])),
        ('opt-zflags', lambda n, i: msg(n, i, ar=[edns(zflags=0x4000)])),
        ('opt-udp-0', lambda n, i: msg(n, i, ar=[edns(udp=0)])),
        ('opt-rdlen-past', lambda n, i: msg(n, i, ar=[edns(options=cookie, rdlen=40)])),
        ('opt-optlen-past', lambda n, i: msg(n, i, ar=[edns(
            options=w.option(10, b'\1' * 8, length=24))])),
        ('qd-0', lambda n, i: msg(n, i, counts=(0, 0, 0, 0))),
        ('qd-2', lambda n, i: msg(n, i, qd=[w.question(n), w.question(n)])),
        ('qd-2-benign-first', lambda n, i: msg(n, i, qd=[w.question(BENIGN), w.question(n)])),
        ('tsig', lambda n, i: msg(n, i, ar=[tsig(i)])),
        ('sig0', lambda n, i: msg(n, i, ar=[sig0()])),
        ('qname-pointer', lambda n, i: qname_pointer(n, i)),
    ]
    return s


def shapes():
    """Every shape: (name, kind, families, builder, group)."""
    out = []
    for name, build in udp_shapes():
        out.append((name, 'udp', (4, 6), (lambda b: lambda n, i: {'payload': b(n, i)})(build),
                    'udp'))

    def port(p):
        return lambda n, i: {'payload': msg(n, i), 'sport': p}
    for p in (53, 123, 1023):
        out.append(('sport-%d' % p, 'udp', (4, 6), port(p), 'port'))

    def sockopt(level, opt, val, q=None):
        return lambda n, i: {'payload': msg(n, i, ar=[edns()]) if q else msg(n, i),
                             'sockopts': [(level, opt, val)]}
    out += [
        ('ip-ra', 'udp', (4,), sockopt(socket.IPPROTO_IP, socket.IP_OPTIONS, IPOPT_RA), 'ip'),
        ('ip-nop', 'udp', (4,), sockopt(socket.IPPROTO_IP, socket.IP_OPTIONS, IPOPT_NOP), 'ip'),
        ('ip-timestamp', 'udp', (4,),
         sockopt(socket.IPPROTO_IP, socket.IP_OPTIONS, IPOPT_TS), 'ip'),
        ('v6-hbh', 'udp', (6,), sockopt(socket.IPPROTO_IPV6, IPV6_HOPOPTS, HBH_RA), 'ip'),
        ('v6-dst', 'udp', (6,), sockopt(socket.IPPROTO_IPV6, IPV6_DSTOPTS, DST_PAD), 'ip'),
        ('v6-dst-unknown', 'udp', (6,),
         sockopt(socket.IPPROTO_IPV6, IPV6_DSTOPTS, DST_UNKNOWN, q=True), 'ip'),
    ]

    def raw(**kw):
        return lambda n, i: dict(payload=msg(n, i, ar=[edns()]), **kw)
    out += [
        ('udp-csum-0', 'raw', (4,), raw(zero_csum=True), 'ip'),
        ('eth-padding', 'raw', (4, 6), raw(eth_pad=b'\xee' * 24), 'ip'),
        # Offsets count from the start of the UDP header: 8 = the DNS header, 20 = the name.
        ('frag-in-header', 'raw', (4, 6), raw(frags=frag_cuts([16])), 'frag'),
        ('frag-in-name', 'raw', (4, 6), raw(frags=frag_cuts([24])), 'frag'),
        ('frag-after-name', 'raw', (4, 6), raw(frags=frag_cuts([48])), 'frag'),
        ('frag-3', 'raw', (4, 6), raw(frags=frag_cuts([16, 32])), 'frag'),
        ('frag-8-bytes', 'raw', (4, 6), raw(frags=frag_cuts(list(range(8, 200, 8)))), 'frag'),
        ('frag-reversed', 'raw', (4, 6),
         raw(frags=lambda n: list(reversed(frag_cuts([16, 32])(n)))), 'frag'),
        ('frag-overlap', 'raw', (4, 6), raw(frags=lambda n: [(0, 32), (24, n)]), 'frag'),
        ('frag-duplicate', 'raw', (4, 6),
         raw(frags=lambda n: [(0, 24), (0, 24), (24, n)]), 'frag'),
        ('frag-atomic', 'raw', (6,), raw(atomic=True), 'frag'),
    ]

    def tcp(split=None, prefix=b'', sport=0, bytewise=0, q=None):
        def build(n, i):
            m = q(n, i) if q else msg(n, i)
            data = prefix + struct.pack('!H', len(m)) + m
            if bytewise:
                segs = [data[k:k + 1] for k in range(bytewise)] + [data[bytewise:]]
            elif split:
                cut = len(prefix) if split == 'after-prefix' else split
                segs = [data[:cut], data[cut:]]
            else:
                segs = [data]
            return {'segments': segs, 'sport': sport}
        return build

    def pipe(n, i):
        first = msg(BENIGN, i ^ 0x5555)
        return struct.pack('!H', len(first)) + first
    out += [
        ('tcp', 'tcp', (4, 6), tcp(), 'tcp'),
        ('tcp-edns', 'tcp', (4, 6), tcp(q=lambda n, i: msg(n, i, ar=[edns(do=True)])), 'tcp'),
        ('tcp-split-length', 'tcp', (4, 6), tcp(split=1), 'tcp'),
        ('tcp-split-after-length', 'tcp', (4, 6), tcp(split=2), 'tcp'),
        ('tcp-split-in-name', 'tcp', (4, 6), tcp(split=2 + 12 + 4), 'tcp'),
        ('tcp-bytewise', 'tcp', (4, 6), tcp(bytewise=24), 'tcp'),
        ('tcp-pipelined', 'tcp', (4, 6), lambda n, i: tcp(prefix=pipe(n, i))(n, i), 'tcp'),
        ('tcp-pipelined-2-segments', 'tcp', (4, 6),
         lambda n, i: tcp(prefix=pipe(n, i), split='after-prefix')(n, i), 'tcp'),
        ('tcp-sport-1023', 'tcp', (4, 6), tcp(sport=1023), 'tcp'),
    ]

    def enc(*layers):
        return lambda n, i: {'payload': msg(n, i), 'layers': list(layers)}
    vlan, qinq = ('vlan', 0x8100, 100), ('vlan', 0x88A8, 200)
    lse = (1000 << 12) | 0x100 | 64     # label 1000, bottom of stack, TTL 64
    out += [
        ('vlan', 'encap', (4, 6), enc(vlan), 'encap'),
        ('qinq', 'encap', (4, 6), enc(qinq, vlan), 'encap'),
        ('vlan-3-tags', 'encap', (4, 6), enc(qinq, vlan, ('vlan', 0x8100, 300)), 'encap'),
        ('pppoe', 'encap', (4, 6), enc(('pppoe', 0x1234)), 'encap'),
        ('vlan-pppoe', 'encap', (4, 6), enc(vlan, ('pppoe', 0x1234)), 'encap'),
        ('mpls', 'encap', (4, 6), enc(('mpls', [lse])), 'encap'),
        ('mpls-2-labels', 'encap', (4, 6), enc(('mpls', [(2000 << 12) | 64, lse])), 'encap'),
    ]
    return out
