# SPDX-License-Identifier: BSD-3-Clause
"""DNS, IP and UDP wire helpers for the evasion suite: builders for crafted queries (any
count, any defect), a response parser, and the classifier that says what a response is.

Builders return bytes and never check anything: the point is to send what a resolver
would not expect. The parser is strict and raises Malformed on anything it cannot read.
"""

import socket
import struct

T = {'A': 1, 'NS': 2, 'CNAME': 5, 'SOA': 6, 'PTR': 12, 'MX': 15, 'TXT': 16, 'SIG': 24,
     'AAAA': 28, 'SRV': 33, 'OPT': 41, 'HTTPS': 65, 'TSIG': 250, 'IXFR': 251,
     'AXFR': 252, 'ANY': 255}
C_IN, C_CH, C_HS, C_NONE, C_ANY = 1, 3, 4, 254, 255
RCODES = {0: 'NOERROR', 1: 'FORMERR', 2: 'SERVFAIL', 3: 'NXDOMAIN', 4: 'NOTIMP',
          5: 'REFUSED', 9: 'NOTAUTH', 16: 'BADVERS', 17: 'BADKEY', 23: 'BADCOOKIE'}
F_QR, F_AA, F_TC, F_RD, F_RA, F_Z, F_AD, F_CD = (0x8000, 0x0400, 0x0200, 0x0100, 0x0080,
                                               0x0040, 0x0020, 0x0010)
# Types whose rdata holds names a server may compress: compared after decompression.
NAME_RDATA = {T['NS']: (0,), T['CNAME']: (0,), T['PTR']: (0,), T['MX']: (2,),
              T['SOA']: (0, 0)}


class Malformed(Exception):
    """A response the parser cannot read."""


# ---- builders -------------------------------------------------------------------------

def wname(text):
    """Wire form of a dotted name, letter case kept ('' or '.' is the root)."""
    out = b''
    for label in text.strip('.').split('.'):
        if label:
            out += bytes([len(label)]) + label.encode()
    return out + b'\0'


def header(qid, flags=F_RD, qd=1, an=0, ns=0, ar=0, opcode=0, rcode=0):
    flags = (flags & ~0x780F) | (opcode << 11) | rcode
    return struct.pack('!6H', qid, flags, qd, an, ns, ar)


def question(qname, qtype=1, qclass=C_IN):
    return (wname(qname) if isinstance(qname, str) else qname) + struct.pack('!HH', qtype, qclass)


def rr(owner, rtype, rclass, ttl, rdata, rdlen=None):
    own = wname(owner) if isinstance(owner, str) else owner
    return own + struct.pack('!HHIH', rtype, rclass, ttl,
                             len(rdata) if rdlen is None else rdlen) + rdata


def option(code, data, length=None):
    return struct.pack('!HH', code, len(data) if length is None else length) + data


def opt(udp=1232, ext_rcode=0, version=0, do=False, zflags=0, options=b'', owner=b'\0',
        rdlen=None):
    ttl = (ext_rcode << 24) | (version << 16) | (0x8000 if do else 0) | zflags
    return rr(owner, T['OPT'], udp, ttl, options, rdlen)


# ---- IP / UDP -------------------------------------------------------------------------

def csum(data):
    if len(data) % 2:
        data += b'\0'
    s = sum(struct.unpack('!%dH' % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def udp(src, dst, sport, dport, payload, v6, zero_csum=False):
    """A UDP datagram (header + payload) with its checksum over the pseudo-header.
    src and dst are packed addresses (4 or 16 bytes)."""
    length = 8 + len(payload)
    head = struct.pack('!HHHH', sport, dport, length, 0)
    if zero_csum:
        return head + payload
    if v6:
        pseudo = src + dst + struct.pack('!IxxxB', length, 17)
    else:
        pseudo = src + dst + struct.pack('!xBH', 17, length)
    c = csum(pseudo + head + payload) or 0xFFFF
    return struct.pack('!HHHH', sport, dport, length, c) + payload


def ip4(src, dst, proto, payload, ident, frag_off=0, more=False, ttl=64):
    """An IPv4 header (20 bytes, no options) and payload; frag_off in bytes (multiple of 8)."""
    fl = (0x2000 if more else 0) | (frag_off >> 3)
    h = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(payload), ident, fl, ttl, proto, 0,
                    src, dst)
    h = h[:10] + struct.pack('!H', csum(h)) + h[12:]
    return h + payload


def ip6(src, dst, nxt, payload, hlim=64):
    return struct.pack('!IHBB16s16s', 0x60000000, len(payload), nxt, hlim, src, dst) + payload


def frag6(nxt, offset, more, ident, chunk):
    """An IPv6 Fragment header followed by its chunk; offset in bytes (multiple of 8)."""
    return struct.pack('!BBHI', nxt, 0, offset | (1 if more else 0), ident) + chunk


def ether(dst_mac, src_mac, ethertype, payload):
    return dst_mac + src_mac + struct.pack('!H', ethertype) + payload


# ---- parser ---------------------------------------------------------------------------

def read_name(buf, off, depth=0):
    """(lower-case dotted name, offset after the name in place)."""
    labels = []
    end = None
    hops = 0
    while True:
        if off >= len(buf):
            raise Malformed('name runs past the end')
        n = buf[off]
        if n & 0xC0 == 0xC0:
            if off + 1 >= len(buf):
                raise Malformed('pointer runs past the end')
            if end is None:
                end = off + 2
            hops += 1
            if hops > 64:
                raise Malformed('pointer loop')
            off = ((n & 0x3F) << 8) | buf[off + 1]
            continue
        if n & 0xC0:
            raise Malformed('extended label type')
        off += 1
        if n == 0:
            break
        if off + n > len(buf):
            raise Malformed('label runs past the end')
        labels.append(buf[off:off + n].decode('latin-1'))
        off += n
    return '.'.join(labels).lower() + '.', (off if end is None else end)


class Response:
    """A parsed response: header fields, question and the answer section."""

    def __init__(self, buf):
        if len(buf) < 12:
            raise Malformed('shorter than a header')
        (self.id, self.flags, qd, an, ns, ar) = struct.unpack('!6H', buf[:12])
        self.rcode = self.flags & 0xF
        self.tc = bool(self.flags & F_TC)
        self.qr = bool(self.flags & F_QR)
        off = 12
        self.questions = []
        for _ in range(qd):
            name, off = read_name(buf, off)
            if off + 4 > len(buf):
                raise Malformed('question runs past the end')
            self.questions.append((name,) + struct.unpack('!HH', buf[off:off + 4]))
            off += 4
        self.answers = []
        self.ede = None
        sections = [[], [], []]
        for sec, count in enumerate((an, ns, ar)):
            for _ in range(count):
                rec, off = self._rr(buf, off)
                sections[sec].append(rec)
        self.answers = sections[0]
        for (owner, rtype, rclass, ttl, rdata) in sections[2]:
            if rtype == T['OPT']:
                self.rcode |= (ttl >> 24) << 4
                self.ede = _ede(rdata)

    @staticmethod
    def _rr(buf, off):
        owner, off = read_name(buf, off)
        if off + 10 > len(buf):
            raise Malformed('record header runs past the end')
        rtype, rclass, ttl, rdlen = struct.unpack('!HHIH', buf[off:off + 10])
        off += 10
        if off + rdlen > len(buf):
            raise Malformed('rdata runs past the end')
        rdata = buf[off:off + rdlen]
        if rtype in NAME_RDATA:
            rdata = _expand(buf, off, rdlen, NAME_RDATA[rtype])
        return (owner, rtype, rclass, ttl, rdata), off + rdlen

    def rrset(self):
        """The answer section without TTLs, in a fixed order: what 'same answer' means."""
        return tuple(sorted((o, t, c, d) for (o, t, c, _, d) in self.answers))

    def rcode_name(self):
        return RCODES.get(self.rcode, 'RCODE%d' % self.rcode)


def _expand(buf, off, rdlen, layout):
    """rdata with its names decompressed: layout lists, per name, the fixed bytes before it."""
    out = b''
    end = off + rdlen
    for skip in layout:
        out += buf[off:off + skip]
        name, off = read_name(buf, off + skip)
        out += name.encode('latin-1')
    return out + buf[off:end]


def _ede(rdata):
    """The first Extended DNS Error info code in OPT rdata, or None."""
    off = 0
    while off + 4 <= len(rdata):
        code, length = struct.unpack('!HH', rdata[off:off + 4])
        if code == 15 and length >= 2 and off + 6 <= len(rdata):
            return struct.unpack('!H', rdata[off + 4:off + 6])[0]
        off += 4 + length
    return None


# ---- classifier -----------------------------------------------------------------------

OUTCOMES = ('REAL', 'SINKHOLE', 'NXDOMAIN', 'NODATA', 'TC', 'ANSWER', 'NONE', 'UNPARSABLE')


def malformed_text(raw):
    """A response the parser rejects: its header rcode and '~' (resolvers answer some bad
    queries by echoing the query's section counts over an empty body), or UNPARSABLE."""
    if len(raw) < 12:
        return 'UNPARSABLE'
    rcode = struct.unpack('!H', raw[2:4])[0] & 0xF
    return RCODES.get(rcode, 'RCODE%d' % rcode) + '~'


def classify(responses, real, sink):
    """What the client got for the blocked name. responses: raw messages (all that came
    back for one query); real: set of (owner, type, rdata) the zone holds for the name;
    sink: set of (type, rdata) of the sinkhole. Returns one of OUTCOMES or an rcode name
    (FORMERR, REFUSED, ...). Any response with real data makes the result REAL, whatever
    else came back: a forged answer followed by the resolver's is still a leak."""
    if not responses:
        return 'NONE'
    results = [_classify_one(r, real, sink) for r in responses]
    if 'REAL' in results:
        return 'REAL'
    return results[0]


def _classify_one(raw, real, sink):
    try:
        m = Response(raw)
    except Malformed:
        # Still REAL if a real address is in it anywhere: a leak must not hide behind a
        # defect of the message.
        if any(len(d) >= 4 and d in raw[12:] for (_, t, d) in real if t in (1, 28)):
            return 'REAL'
        return malformed_text(raw)
    recs = [(o, t, d) for (o, t, _, _, d) in m.answers]
    if any(r in real for r in recs):
        return 'REAL'
    if any((t, d) in sink for (_, t, d) in recs):
        return 'SINKHOLE'
    if m.rcode == 3:
        return 'NXDOMAIN'
    if m.rcode != 0:
        return m.rcode_name()
    if not recs:
        return 'TC' if m.tc else 'NODATA'
    return 'ANSWER'


def answer_key(responses):
    """What must be equal between the direct path and the path through dnsgate for the
    benign name: rcode and the answer records (without TTLs) of the first response, or
    NONE, or what malformed_text says."""
    if not responses:
        return ('NONE',)
    try:
        m = Response(responses[0])
    except Malformed:
        return (malformed_text(responses[0]),)
    return (m.rcode_name(), m.rrset())


def key_text(key):
    """Short text of an answer_key for the matrix: rcode and the first two records."""
    if len(key) == 1:
        return key[0]
    rcode, rrs = key
    names = {v: k for k, v in T.items()}
    parts = []
    for (_, t, _, d) in rrs[:2]:
        if t in (T['A'], T['AAAA']) and len(d) in (4, 16):
            parts.append(socket.inet_ntop(socket.AF_INET if len(d) == 4 else socket.AF_INET6,
                                          d))
        else:
            parts.append(names.get(t, 'TYPE%d' % t))
    if len(rrs) > 2:
        parts.append('+%d' % (len(rrs) - 2))
    return ' '.join([rcode] + parts)
