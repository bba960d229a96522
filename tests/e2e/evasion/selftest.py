#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Tests of the evasion suite's own logic, without a lab or root: the classifier and the
benign comparison against hand-made responses (each outcome, and the ways a leak could
hide), the pass/fail summary, and the frames the raw shapes build. Prints one line per
case and "N passed, N failed"; exits 1 on any failure."""

import socket
import struct
import sys

import catalogue
import dnswire as w
import encapgw
import shapes
from dnswire import T

BL = 'blocked.example.test'
A_REAL = socket.inet_aton('198.18.77.1')
REAL = {(BL + '.', T['A'], A_REAL),
        (BL + '.', T['MX'], b'\x00\x0amail.example.test.'),
        (BL + '.', T['HTTPS'], b'\x00\x01\x00real-https')}
SINK = {(T['A'], socket.inet_aton('198.18.255.1')),
        (T['AAAA'], socket.inet_pton(socket.AF_INET6, '2001:2:0:ff::1'))}
passed = failed = 0


def check(desc, got, want):
    global passed, failed
    if got == want:
        passed += 1
        print('ok   %s' % desc)
    else:
        failed += 1
        print('FAIL %s: got %r, want %r' % (desc, got, want))


def resp(qname=BL, qtype=T['A'], rcode=0, flags=w.F_QR | w.F_RD | w.F_RA, an=(), ar=(),
         qid=7):
    return (w.header(qid, flags, 1, len(an), 0, len(ar), rcode=rcode) +
            w.question(qname, qtype) + b''.join(an) + b''.join(ar))


def a(owner, addr, ttl=300):
    return w.rr(owner, T['A'], w.C_IN, ttl, socket.inet_aton(addr))


def classify(*responses):
    return w.classify(list(responses), REAL, SINK)


def test_classifier():
    check('real A is REAL', classify(resp(an=[a(BL, '198.18.77.1')])), 'REAL')
    check('real A, owner in mixed case, is REAL',
          classify(resp(qname='BlOcKeD.example.test', an=[a('BlOcKeD.example.test',
                                                             '198.18.77.1')])), 'REAL')
    # MX rdata with its exchange compressed to the question's suffix (offset 12 + 8).
    mx = w.rr(BL, T['MX'], w.C_IN, 300, b'\x00\x0a\x04mail\xc0\x14')
    check('real MX with a compressed exchange is REAL', classify(resp(qtype=T['MX'], an=[mx])),
          'REAL')
    https = w.rr(BL, T['HTTPS'], w.C_IN, 300, b'\x00\x01\x00real-https')
    check('real HTTPS is REAL', classify(resp(qtype=T['HTTPS'], an=[https])), 'REAL')
    check('real data under another owner is not REAL',
          classify(resp(an=[a('www.example.test', '198.18.77.1')])), 'ANSWER')
    check('sinkhole A', classify(resp(an=[a(BL, '198.18.255.1')])), 'SINKHOLE')
    aaaa = w.rr(BL, T['AAAA'], w.C_IN, 300,
                socket.inet_pton(socket.AF_INET6, '2001:2:0:ff::1'))
    check('sinkhole AAAA', classify(resp(qtype=T['AAAA'], an=[aaaa])), 'SINKHOLE')
    check('sinkhole with a real record too is REAL',
          classify(resp(an=[a(BL, '198.18.255.1'), a(BL, '198.18.77.1')])), 'REAL')
    check('forged answer then the real one is REAL',
          classify(resp(an=[a(BL, '198.18.255.1')]), resp(an=[a(BL, '198.18.77.1')])), 'REAL')
    check('real answer then a forged one is REAL',
          classify(resp(an=[a(BL, '198.18.77.1')]), resp(an=[a(BL, '198.18.255.1')])), 'REAL')
    check('NXDOMAIN', classify(resp(rcode=3)), 'NXDOMAIN')
    check('NODATA', classify(resp()), 'NODATA')
    check('TC without answers', classify(resp(flags=w.F_QR | w.F_TC)), 'TC')
    check('TC with a real answer is REAL',
          classify(resp(flags=w.F_QR | w.F_TC, an=[a(BL, '198.18.77.1')])), 'REAL')
    check('FORMERR', classify(resp(rcode=1)), 'FORMERR')
    check('REFUSED', classify(resp(rcode=5)), 'REFUSED')
    check('SERVFAIL', classify(resp(rcode=2)), 'SERVFAIL')
    check('BADVERS from the OPT extended rcode',
          classify(resp(ar=[w.opt(ext_rcode=1)])), 'BADVERS')
    check('no response', classify(), 'NONE')
    short = resp(an=[a(BL, '198.18.77.1')])
    short = short[:6] + b'\0\2' + short[8:]
    check('real answer in a message that claims one more record is still REAL',
          classify(short), 'REAL')
    check('truncated sinkhole answer',
          classify(resp(rcode=1, an=[a(BL, '198.18.255.1')])[:-2]), 'FORMERR~')
    check('counts past the end (FORMERR echoing ANCOUNT=1)',
          classify(w.header(7, w.F_QR, 1, 1, 0, 0, rcode=1) + w.question(BL)), 'FORMERR~')
    check('shorter than a header', classify(b'\0\7\x80'), 'UNPARSABLE')
    loop = w.header(1, w.F_QR, 1, 0, 0, 0) + b'\xc0\x0c' + b'\0\1\0\1'
    check('pointer loop', classify(loop), 'NOERROR~')
    check('real answer after an unparsable one is REAL',
          classify(b'\0\7\x80', resp(an=[a(BL, '198.18.77.1')])), 'REAL')


def test_benign_key():
    k = w.answer_key
    one = resp(qname='www.example.test', an=[a('www.example.test', '198.18.78.1', 300)])
    check('same answer, other TTL: equal',
          k([one]) == k([resp(qname='www.example.test',
                              an=[a('www.example.test', '198.18.78.1', 17)])]), True)
    two = [a('www.example.test', '198.18.78.1'), a('www.example.test', '198.18.78.2')]
    check('same records in another order: equal',
          k([resp(an=two)]) == k([resp(an=two[::-1])]), True)
    check('other address: differs',
          k([one]) == k([resp(qname='www.example.test',
                              an=[a('www.example.test', '198.18.78.9')])]), False)
    check('other rcode: differs', k([resp(rcode=1)]) == k([resp(rcode=5)]), False)
    check('no answer vs an answer: differs', k([]) == k([one]), False)
    check('no answer on both: equal', k([]) == k([]), True)
    check('FORMERR on both: equal', k([resp(rcode=1)]) == k([resp(rcode=1, qid=9)]), True)
    bad = w.header(7, w.F_QR, 1, 1, 0, 0, rcode=1) + w.question(BL)
    check('malformed FORMERR vs FORMERR: differs', k([bad]) == k([resp(rcode=1)]), False)
    check('key text', w.key_text(k([one])), 'NOERROR 198.18.78.1')
    txt = w.rr('www.example.test', T['TXT'], w.C_IN, 1, b'\1x')
    check('key text of three records', w.key_text(k([resp(an=two + [txt])])),
          'NOERROR 198.18.78.1 198.18.78.2 +1')


def test_summary():
    rows = [('a', 4), ('tc', 4)]
    ok = {'blocked': 'SINKHOLE', 'blocked_direct': 'REAL', 'benign_ok': True,
          'benign_retried': False, 'benign': 'NOERROR/1', 'benign_direct': 'NOERROR/1'}
    leak = dict(ok, blocked='REAL')
    diff = dict(ok, benign_ok=False, benign='NONE')
    res = {(rows[0], 'x'): ok, (rows[1], 'x'): ok, (rows[0], 'y'): ok, (rows[1], 'y'): ok}
    check('summary: nothing leaks', shapes.summary(rows, ['x', 'y'], res)[1:], (0, 0, 0))
    res[(rows[1], 'y')] = leak
    lines, any_leak, any_shapes, any_diff = shapes.summary(rows, ['x', 'y'], res)
    check('summary: one leak counted once', (lines[1][1], lines[1][2], any_leak, any_shapes,
                                             any_diff), (1, 1, 1, 1, 0))
    rows.append(('tc', 6))
    res[(rows[2], 'x')] = leak
    res[(rows[2], 'y')] = leak
    lines, any_leak, any_shapes, _ = shapes.summary(rows, ['x', 'y'], res)
    check('summary: one shape leaking on both families is two rows, one shape',
          (lines[1][1], lines[1][2], any_leak, any_shapes), (2, 1, 2, 1))
    res[(rows[0], 'x')] = diff
    check('summary: a benign difference counts', shapes.summary(rows, ['x', 'y'], res)[3], 1)
    res[(rows[0], 'y')] = dict(ok, benign_retried=True)
    res[(rows[2], 'x')] = dict(diff, benign_retried=True)
    check('a cell that matched on the second try is counted, one that never did is not',
          shapes.retried(rows, ['x', 'y'], res), 1)
    check('cell text marks the leak', shapes.cell_text(leak, True).startswith('**REAL**'), True)


def test_frames():
    lab = {'mac': '02:00:00:00:00:01', 'peer_mac': '02:00:00:00:00:02'}
    payload = catalogue.msg(BL, 1, ar=[w.opt()])
    for fam, src, dst in ((4, '198.18.0.2', '198.18.0.11'), (6, '2001:2::2', '2001:2::11')):
        af = socket.AF_INET6 if fam == 6 else socket.AF_INET
        dgram = w.udp(socket.inet_pton(af, src), socket.inet_pton(af, dst), 4000, 53,
                      payload, fam == 6)
        pseudo = (socket.inet_pton(af, src) + socket.inet_pton(af, dst) +
                  (struct.pack('!IxxxB', len(dgram), 17) if fam == 6
                   else struct.pack('!xBH', 17, len(dgram))))
        check('v%d UDP checksum verifies' % fam, w.csum(pseudo + dgram), 0)
        for name, kind, fams, build, _ in catalogue.shapes():
            if kind != 'raw' or fam not in fams:
                continue
            spec = build(BL, 1)
            frames = shapes.raw_frames(fam, src, dst, 4000, spec, lab)
            check('v%d %s: rebuilt datagram' % (fam, name),
                  reassemble(frames, fam, len(spec.get('eth_pad', b''))), dgram
                  if not spec.get('zero_csum') else dgram[:6] + b'\0\0' + dgram[8:])


def reassemble(frames, fam, pad):
    """The UDP datagram the frames carry (fragments placed by offset), checking each IPv4
    header checksum and that fragments other than the last are multiples of 8."""
    data = {}
    for f in frames:
        ip = f[14:len(f) - pad] if pad else f[14:]
        if fam == 4:
            if w.csum(ip[:20]) != 0:
                return 'bad IPv4 header checksum'
            off = (struct.unpack('!H', ip[6:8])[0] & 0x1FFF) * 8
            body = ip[20:]
        else:
            if ip[6] == 44:
                off = struct.unpack('!H', ip[42:44])[0] & 0xFFF8
                body = ip[48:]
            else:
                off, body = 0, ip[40:]
        for k, byte in enumerate(body):
            data.setdefault(off + k, byte)
    return bytes(data[k] for k in range(len(data)))


def test_encap():
    v4 = w.ip4(b'\xc6\x12\x08\x02', b'\xc6\x12\x00\x0b', 17, b'\0' * 20, 1)
    v6 = w.ip6(b'\x20\x01' + b'\0' * 14, b'\x20\x01' + b'\1' * 14, 17, b'\0' * 20)
    for name, kind, fams, build, _ in catalogue.shapes():
        if kind != 'encap':
            continue
        layers = build(BL, 1)['layers']
        for pk in (v4, v6):
            frame = b'\2' * 12 + encapgw.encap(layers, pk)
            check('%s v%d: decapsulates to what was sent' % (name, pk[0] >> 4),
                  encapgw.decap(frame), (layers, pk))
            # Ethernet pads short frames; PPPoE's length must cut the padding off.
            if layers[-1][0] == 'pppoe':
                check('%s v%d: padding after the PPPoE payload is not the packet' %
                      (name, pk[0] >> 4), encapgw.decap(frame + b'\0' * 30), (layers, pk))
    lse = (1000 << 12) | 0x100
    check('MPLS TTL aside, one encapsulation',
          encapgw.same_encap([('mpls', [lse | 64])], [('mpls', [lse | 255])]), True)
    check('another MPLS label is another encapsulation',
          encapgw.same_encap([('mpls', [lse | 64])], [('mpls', [lse + (1 << 12) | 64])]), False)
    check('another VLAN priority is another encapsulation',
          encapgw.same_encap([('vlan', 0x8100, 100)], [('vlan', 0x8100, 0x2000 | 100)]), False)
    check('another PPPoE session is another encapsulation',
          encapgw.same_encap([('pppoe', 1)], [('pppoe', 2)]), False)
    check('PPPoE discovery frame is not decapsulated',
          encapgw.decap(b'\2' * 12 + b'\x88\x63\x11\x09' + b'\0' * 40), None)
    check('untagged IPv4 is not decapsulated', encapgw.decap(b'\2' * 12 + b'\x08\x00' + v4),
          None)
    check('MPLS stack without bottom of stack is not decapsulated',
          encapgw.decap(b'\2' * 12 + b'\x88\x47' + struct.pack('!I', 1000 << 12)), None)


def test_catalogue():
    names = [s[0] for s in catalogue.shapes()]
    check('shape names are unique', len(names), len(set(names)))
    m = catalogue.msg(BL, 5, trail=b'\xff' * 100)
    check('trail-100 ends in 100 bytes after the question',
          len(m) - len(catalogue.msg(BL, 5)), 100)
    q = catalogue.qname_pointer(BL, 9)
    check('qname-pointer parses to the blocked name', w.read_name(q, 12)[0], BL + '.')
    check('only filter', [s[0] for s in shapes.selected(catalogue.shapes(), 'frag-in-*,tcp')],
          ['frag-in-header', 'frag-in-name', 'tcp'])


def main():
    test_classifier()
    test_benign_key()
    test_summary()
    test_frames()
    test_encap()
    test_catalogue()
    print('%d passed, %d failed' % (passed, failed))
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
