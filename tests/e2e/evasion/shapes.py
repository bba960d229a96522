#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Evasion suite client (run in the lab's client namespace by run.sh; root for raw frames
and low ports). Sends every shape of catalogue.py for the blocked and the benign name to
every resolver, through dnsgate and straight, and prints the matrix.

  shapes.py [--markdown FILE] [--label TEXT] [--only NAMES] [--timeout S] LAB_JSON
  shapes.py --ready LAB_JSON      exit 0 once every resolver answers on both paths

Exit status: 0 all pass, 1 a blocked shape got the real answer through dnsgate or a benign
shape got a different answer through dnsgate than straight, 2 the lab is not usable.
"""

import argparse
import contextlib
import fnmatch
import json
import os
import random
import socket
import struct
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import catalogue
import dnswire as w
import encapgw
from dnswire import T

BLOCKED = 'blocked.example.test'
BENIGN = catalogue.BENIGN
GRACE = 0.25     # after a first answer, how long to wait for a second one
THREADS = 48


class Lab:
    def __init__(self, path, timeout):
        with open(path) as f:
            cfg = json.load(f)
        self.cfg = cfg
        self.resolvers = cfg['resolvers']
        self.timeout = timeout
        self.sink = {(T['A'], socket.inet_pton(socket.AF_INET, cfg['sink4'])),
                     (T['AAAA'], socket.inet_pton(socket.AF_INET6, cfg['sink6']))}
        self.locks = {}
        self.locks_guard = threading.Lock()
        self.encap_rx = {}
        self.ports = set(range(20000, 60000))

    def endpoints(self, path, fam, res):
        """(source address, server address, path settings) for a path and family."""
        p = self.cfg[path]
        key = ('t' if path == 'through' else 'd') + str(fam)
        return p['src%d' % fam], res[key], p

    def lock(self, key):
        """One lock per fixed 4-tuple: two queries from one fixed port to one server never
        run at once (their answers would be indistinguishable to the sockets)."""
        with self.locks_guard:
            return self.locks.setdefault(key, threading.Lock())


def family(fam):
    return socket.AF_INET6 if fam == 6 else socket.AF_INET


def recv_by(sock, deadline):
    """One read that ends by the deadline; None on timeout, error or end of stream."""
    left = deadline - time.monotonic()
    if left <= 0:
        return None
    sock.settimeout(left)
    try:
        return sock.recv(65535) or None
    except OSError:
        return None


def has_id(m, qid):
    return len(m) >= 2 and struct.unpack('!H', m[:2])[0] == qid


def collect_udp(sock, qid, timeout):
    """Every message with this ID until timeout, or until GRACE after the first."""
    got = []
    deadline = time.monotonic() + timeout
    while True:
        data = recv_by(sock, deadline)
        if data is None:
            return got
        if has_id(data, qid):
            got.append(data)
            deadline = min(deadline, time.monotonic() + GRACE)


def send_udp(lab, fam, src, dst, spec, qid):
    sport = spec.get('sport', 0)
    with socket.socket(family(fam), socket.SOCK_DGRAM) as s:
        if sport:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        for level, opt, val in spec.get('sockopts', ()):
            s.setsockopt(level, opt, val)
        s.bind((src, sport))
        s.connect((dst, 53))
        with lab.lock((src, sport, dst, 'udp')) if sport else contextlib.nullcontext():
            s.send(spec['payload'])
            return collect_udp(s, qid, lab.timeout)


def send_tcp(lab, fam, src, dst, spec, qid):
    sport = spec.get('sport', 0)
    lk = lab.lock((src, sport, dst, 'tcp')) if sport else contextlib.nullcontext()
    with lk, socket.socket(family(fam), socket.SOCK_STREAM) as s:
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        # Close with RST: no TIME_WAIT, so a fixed source port can be used again at once.
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0))
        if sport:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((src, sport))
        deadline = time.monotonic() + lab.timeout
        s.settimeout(lab.timeout)
        try:
            s.connect((dst, 53))
            for k, seg in enumerate(spec['segments']):
                if k:
                    time.sleep(0.05)
                s.send(seg)
        except OSError:
            return []
        buf = b''
        got = []
        while True:
            while len(buf) >= 2 and len(buf) >= 2 + struct.unpack('!H', buf[:2])[0]:
                n = struct.unpack('!H', buf[:2])[0]
                m, buf = buf[2:2 + n], buf[2 + n:]
                if has_id(m, qid):
                    got.append(m)
            if got:
                return got
            data = recv_by(s, deadline)
            if data is None:
                return got
            buf += data


def raw_frames(fam, src, dst, sport, spec, p):
    """Ethernet frames carrying the query as the raw shape says."""
    v6 = fam == 6
    af = family(fam)
    s_ip, d_ip = socket.inet_pton(af, src), socket.inet_pton(af, dst)
    dgram = w.udp(s_ip, d_ip, sport, 53, spec['payload'], v6, spec.get('zero_csum', False))
    mac = bytes.fromhex(p['mac'].replace(':', ''))
    peer = bytes.fromhex(p['peer_mac'].replace(':', ''))
    etype = 0x86DD if v6 else 0x0800
    ident = random.getrandbits(32 if v6 else 16)
    if v6 and spec.get('atomic'):
        packets = [w.ip6(s_ip, d_ip, 44, w.frag6(17, 0, False, ident, dgram))]
    elif 'frags' in spec:
        ranges = spec['frags'](len(dgram))
        packets = []
        for start, end in ranges:
            more = end < len(dgram)
            chunk = dgram[start:end]
            if v6:
                packets.append(w.ip6(s_ip, d_ip, 44, w.frag6(17, start, more, ident, chunk)))
            else:
                packets.append(w.ip4(s_ip, d_ip, 17, chunk, ident, start, more))
    elif v6:
        packets = [w.ip6(s_ip, d_ip, 17, dgram)]
    else:
        packets = [w.ip4(s_ip, d_ip, 17, dgram, ident)]
    return [w.ether(peer, mac, etype, pk) + spec.get('eth_pad', b'') for pk in packets]


def send_raw(lab, fam, src, dst, spec, qid, p):
    """Frames sent on the client's interface; the answer comes back to a UDP socket bound
    to the source port the frames carry."""
    with socket.socket(family(fam), socket.SOCK_DGRAM) as s, \
            socket.socket(socket.AF_PACKET, socket.SOCK_RAW) as r:
        s.bind((src, 0))
        sport = s.getsockname()[1]
        r.bind((p['if'], 0))
        for frame in raw_frames(fam, src, dst, sport, spec, p):
            r.send(frame)
        return collect_udp(s, qid, lab.timeout)


class EncapRx:
    """Receives the encapsulated answers on one client interface (the client's kernel
    cannot decapsulate them) and hands each to the query waiting on its UDP port, if it
    came back in the encapsulation the query was sent in."""

    def __init__(self, ifname):
        self.sock = encapgw.packet_socket(ifname)
        self.cv = threading.Condition()
        self.waiting = {}
        threading.Thread(target=self.run, daemon=True).start()

    def run(self):
        while True:
            frame, pkttype = encapgw.recv_frame(self.sock)
            if pkttype == socket.PACKET_OUTGOING:
                continue
            got = encapgw.decap(frame)
            if not got:
                continue
            layers, pk = got
            if pk[0] >> 4 == 4 and pk[9] == 17:
                udp = pk[(pk[0] & 15) * 4:]
            elif pk[0] >> 4 == 6 and pk[6] == 17:
                udp = pk[40:]
            else:
                continue
            if len(udp) < 8:
                continue
            dport = struct.unpack('!H', udp[2:4])[0]
            with self.cv:
                want = self.waiting.get(dport)
                if want is not None and encapgw.same_encap(want[0], layers):
                    want[1].append(udp[8:])
                    self.cv.notify_all()

    def exchange(self, port, layers, send, qid, timeout):
        with self.cv:
            self.waiting[port] = (layers, [])
        try:
            send()
            deadline = time.monotonic() + timeout
            with self.cv:
                while True:
                    got = [m for m in self.waiting[port][1] if has_id(m, qid)]
                    left = deadline - time.monotonic()
                    if left <= 0:
                        return got
                    if got:
                        deadline = min(deadline, time.monotonic() + GRACE)
                    self.cv.wait(left)
        finally:
            with self.cv:
                del self.waiting[port]


def send_encap(lab, fam, dst, spec, qid, p):
    """The query as a UDP/IP packet inside spec['layers'], from the path's encapsulated
    client address; the answer must come back in the same layers."""
    with lab.locks_guard:
        if p['if'] not in lab.encap_rx:
            lab.encap_rx[p['if']] = EncapRx(p['if'])
        rx = lab.encap_rx[p['if']]
        port = lab.ports.pop()
    af = family(fam)
    src = p['encap%d' % fam]
    s_ip, d_ip = socket.inet_pton(af, src), socket.inet_pton(af, dst)
    dgram = w.udp(s_ip, d_ip, port, 53, spec['payload'], fam == 6)
    if fam == 6:
        packet = w.ip6(s_ip, d_ip, 17, dgram)
    else:
        packet = w.ip4(s_ip, d_ip, 17, dgram, random.getrandbits(16))
    mac = bytes.fromhex(p['mac'].replace(':', ''))
    peer = bytes.fromhex(p['peer_mac'].replace(':', ''))
    frame = peer + mac + encapgw.encap(spec['layers'], packet)
    with socket.socket(socket.AF_PACKET, socket.SOCK_RAW) as r:
        r.bind((p['if'], 0))
        return rx.exchange(port, spec['layers'], lambda: r.send(frame), qid, lab.timeout)


def exchange(lab, shape, fam, res, name, path):
    """Send one shape once; every response that came back for it."""
    sname, kind, _, build, _ = shape
    qid = random.randrange(1, 0x10000)
    spec = build(name, qid)
    src, dst, p = lab.endpoints(path, fam, res)
    try:
        if kind == 'udp':
            return send_udp(lab, fam, src, dst, spec, qid)
        if kind == 'tcp':
            return send_tcp(lab, fam, src, dst, spec, qid)
        if kind == 'encap':
            return send_encap(lab, fam, dst, spec, qid, p)
        return send_raw(lab, fam, src, dst, spec, qid, p)
    except OSError as e:
        raise RuntimeError('%s v%d %s %s %s: %s' % (sname, fam, res['name'], name, path, e))


def run_cell(lab, real, shape, fam, res):
    """One shape, one family, one resolver: the blocked name through dnsgate (and straight,
    for reference), the benign name straight and through dnsgate."""
    out = {}
    out['blocked'] = w.classify(exchange(lab, shape, fam, res, BLOCKED, 'through'),
                                real, lab.sink)
    out['blocked_direct'] = w.classify(exchange(lab, shape, fam, res, BLOCKED, 'direct'),
                                       real, lab.sink)
    ref = w.answer_key(exchange(lab, shape, fam, res, BENIGN, 'direct'))
    got = w.answer_key(exchange(lab, shape, fam, res, BENIGN, 'through'))
    out['benign_retried'] = got != ref
    if got != ref:
        # One second try on both paths: the resolver's state may have moved between the
        # two (cache filled, a first lookup slower than the timeout), or a busy machine
        # delayed one answer. The summary counts these rows.
        ref = w.answer_key(exchange(lab, shape, fam, res, BENIGN, 'direct'))
        got = w.answer_key(exchange(lab, shape, fam, res, BENIGN, 'through'))
    out['benign_direct'] = w.key_text(ref)
    out['benign'] = w.key_text(got)
    out['benign_ok'] = got == ref
    return out


def simple(lab, res, fam, path, name, qtype):
    """One plain query; the parsed response or None."""
    shape = ('plain', 'udp', (4, 6), lambda n, i: {'payload': catalogue.msg(n, i, qtype)},
             '')
    r = exchange(lab, shape, fam, res, name, path)
    return w.Response(r[0]) if r else None


def learn_real(lab):
    """Every record the resolvers answer straight for the blocked name: what REAL means.
    The zone has A, AAAA, MX, TXT and HTTPS for it; each must be there."""
    real = set()
    for res in lab.resolvers:
        for t in ('A', 'AAAA', 'MX', 'TXT', 'HTTPS'):
            m = simple(lab, res, 4, 'direct', BLOCKED, T[t])
            if m is None or not m.answers:
                sys.exit('%s gives no %s record for %s straight: the lab is broken'
                         % (res['name'], t, BLOCKED))
            real |= {(o, rt, d) for (o, rt, _, _, d) in m.answers if o == BLOCKED + '.'}
    if (BLOCKED + '.', T['A'], socket.inet_aton('198.18.77.1')) not in real:
        sys.exit('the resolvers do not serve example.test.zone (no A 198.18.77.1)')
    return real


def ready(lab):
    """Every resolver answers the benign name on both paths and families."""
    bad = []
    for res in lab.resolvers:
        for fam in (4, 6):
            for path in ('direct', 'through'):
                m = simple(lab, res, fam, path, BENIGN, T['A'])
                if m is None or m.rcode != 0 or not m.answers:
                    bad.append('%s v%d %s' % (res['name'], fam, path))
    if bad:
        print('not answering: ' + ', '.join(bad))
        return 2
    print('%d resolvers, both paths, IPv4 and IPv6' % len(lab.resolvers))
    return 0


def warm(lab):
    """Fill each resolver's cache straight, so the order of the queries that follow
    does not decide what they get."""
    jobs = [(res, fam, n, t) for res in lab.resolvers for fam in (4, 6)
            for n in (BLOCKED, BENIGN) for t in ('A', 'AAAA', 'MX', 'TXT', 'HTTPS', 'ANY')]
    with ThreadPoolExecutor(THREADS) as ex:
        list(ex.map(lambda j: simple(lab, j[0], j[1], 'direct', j[2], T[j[3]]), jobs))


def selected(names, only):
    if not only:
        return names
    pats = [p.strip() for p in only.split(',') if p.strip()]
    return [n for n in names if any(fnmatch.fnmatchcase(n[0], p) for p in pats)]


def cell_text(c, md):
    b = c['blocked']
    if md and b == 'REAL':
        b = '**REAL**'
    s = '%s (%s)' % (b, c['blocked_direct'])
    if c['benign_ok']:
        return s + ' ok'
    d = 'DIFF %s / straight %s' % (c['benign'], c['benign_direct'])
    return s + (' **%s**' % d if md else ' ' + d)


def summary(rows, names, results):
    """Per resolver: rows (shape and family) and shapes (either family) that leak through
    dnsgate, rows that get the real answer straight, benign rows that differ; then rows and
    shapes that leak on any resolver, and benign rows that differ on any."""
    def leaks(r, rn):
        return results[(r, rn)]['blocked'] == 'REAL'
    lines = []
    for rn in names:
        leak = sum(leaks(r, rn) for r in rows)
        leak_shapes = len({r[0] for r in rows if leaks(r, rn)})
        live = sum(results[(r, rn)]['blocked_direct'] == 'REAL' for r in rows)
        diff = sum(not results[(r, rn)]['benign_ok'] for r in rows)
        lines.append((rn, leak, leak_shapes, live, diff))
    any_rows = [r for r in rows if any(leaks(r, rn) for rn in names)]
    any_diff = sum(any(not results[(r, rn)]['benign_ok'] for rn in names) for r in rows)
    return lines, len(any_rows), len({r[0] for r in any_rows}), any_diff


def retried(rows, names, results):
    """Benign cells that passed only on the second try."""
    return sum(results[(r, rn)]['benign_ok'] and results[(r, rn)]['benign_retried']
               for r in rows for rn in names)


def markdown(rows, names, results, elapsed, label, versions):
    lines, any_leak, any_shapes, any_diff = summary(rows, names, results)
    nshapes = len({r[0] for r in rows})
    out = ['Measured %s%s: %d shapes, %d rows (shape x IP family), %.0f s.'
           % (time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime()),
              ' against ' + label if label else '', nshapes, len(rows), elapsed), '',
           '| resolver | blocked: real answer through dnsgate, rows / shapes'
           ' | blocked: real answer straight, rows | benign: differs from straight, rows |',
           '|---|---|---|---|']
    for rn, leak, leak_shapes, live, diff in lines:
        out.append('| %s %s | %d / %d | %d | %d |' % (rn, versions.get(rn, ''), leak,
                                                     leak_shapes, live, diff))
    out.append('| any resolver | %d / %d | | %d |' % (any_leak, any_shapes, any_diff))
    out += ['', 'Benign cells that matched only on a second try: %d.'
            % retried(rows, names, results)]
    out += ['', '| shape | IP | ' + ' | '.join(names) + ' |',
            '|---|---|' + '---|' * len(names)]
    for r in rows:
        out.append('| %s | v%d | ' % r + ' | '.join(cell_text(results[(r, rn)], True)
                                                    for rn in names) + ' |')
    return '\n'.join(out) + '\n'


BEGIN, END = '<!-- evasion matrix: begin -->', '<!-- evasion matrix: end -->'


def write_markdown(path, text):
    """Replace the block between the markers when the file has them, else write the file."""
    old = open(path).read() if os.path.exists(path) else ''
    if BEGIN in old and END in old:
        head, rest = old.split(BEGIN, 1)
        text = head + BEGIN + '\n' + text + END + rest.split(END, 1)[1]
    with open(path, 'w') as f:
        f.write(text)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('lab')
    ap.add_argument('--ready', action='store_true')
    ap.add_argument('--markdown')
    ap.add_argument('--label', default='', help='what was measured, for the Markdown')
    ap.add_argument('--only', default=os.environ.get('DG_EV_ONLY', ''))
    ap.add_argument('--timeout', type=float,
                    default=float(os.environ.get('DG_EV_TIMEOUT', '1.5')))
    a = ap.parse_args()
    lab = Lab(a.lab, a.timeout)
    if a.ready:
        return ready(lab)
    t0 = time.monotonic()
    real = learn_real(lab)
    warm(lab)
    shapes = selected(catalogue.shapes(), a.only)
    if not shapes:
        sys.exit('no shape matches %r' % a.only)
    names = [r['name'] for r in lab.resolvers]
    jobs = [(s, fam, res) for s in shapes for fam in s[2] for res in lab.resolvers]
    # The slow jobs (TCP, fixed ports, fragments) first, so they overlap the rest.
    jobs.sort(key=lambda j: j[0][1] == 'udp' and 'sport' not in j[0][0])
    with ThreadPoolExecutor(THREADS) as ex:
        futs = {(j[0][0], j[1], j[2]['name']): ex.submit(run_cell, lab, real, *j)
                for j in jobs}
        results = {((k[0], k[1]), k[2]): f.result() for k, f in futs.items()}
    elapsed = time.monotonic() - t0
    rows = [(s[0], fam) for s in shapes for fam in s[2]]
    width = max(len(r[0]) for r in rows) + 4
    print('%-*s %s' % (width, 'shape', '  '.join('%-28s' % n for n in names)))
    for r in rows:
        print('%-*s %s' % (width, '%s v%d' % r,
                           '  '.join('%-28s' % cell_text(results[(r, n)], False)
                                     for n in names)))
    lines, any_leak, any_shapes, any_diff = summary(rows, names, results)
    nshapes = len(shapes)
    print()
    for rn, leak, leak_shapes, live, diff in lines:
        print('%-8s blocked REAL through dnsgate: %3d of %d rows, %d of %d shapes (REAL '
              'straight: %d rows); benign differs: %d rows'
              % (rn, leak, len(rows), leak_shapes, nshapes, live, diff))
    print('leaking on at least one resolver: %d of %d rows, %d of %d shapes; benign rows '
          'differing on at least one: %d (cells matching on a second try: %d); %.0f s'
          % (any_leak, len(rows), any_shapes, nshapes, any_diff,
             retried(rows, names, results), elapsed))
    if a.markdown:
        versions = {r['name']: r.get('version', '') for r in lab.resolvers}
        write_markdown(a.markdown, markdown(rows, names, results, elapsed, a.label,
                                            versions))
    return 1 if any_leak or any_diff else 0


if __name__ == '__main__':
    sys.exit(main())
