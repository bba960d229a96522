#!/usr/bin/env python3
"""Response policy (CNAME cloaking, response IPs) through net_pcap, pcap in, pcap out:
network-side DNS responses with and without CNAME/DNAME chains, to listed and benign
names, with addresses on the response-IP list (plain prefixes and RPZ rpz-ip triggers,
IPv4 and IPv6, passthru), malformed, to an opted-out subscriber, from another port, with a
bad checksum, IPv4 and IPv6 behind a VLAN tag. What reaches the subscriber side is checked frame by frame against a model
written here: forwarded frames byte for byte, rewritten ones against the forged answer
this file builds itself (Ethernet, IP, UDP with its checksum, DNS with OPT and EDE) from
the response's ID, flags and question; then the counters in the summary and the hit log.
A second run with `responses = no` forwards everything byte for byte. A third replays a
dnsgate-pcapgen `responses` capture (chains, cloaked names, cut responses, HTTPS traffic)
and checks every frame against its manifest. A fourth loops responses through a running
dnsgate while the response-IP file changes: `dnsgatectl reload` makes the new prefix
block and the removed one forward (hit log), a broken file fails the reload with
FILE:LINE and the old prefixes keep blocking, and a restart from the snapshot image still
reads the response-IP file.

The frames are built here with struct, independently of dnsgate.

  responses.py BUILD_DIR
"""
import json
import os
import re
import signal
import struct
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True  # nothing written into the source tree
from itest import (check, counters, csum, ctl_run, pcap_ini, pseudo, qname, read_pcap, report,
                   start_live, write_pcap)

BUILD = sys.argv[1]
DNSGATE = os.path.join(BUILD, "app/dnsgate/dnsgate")
GEN = os.path.join(BUILD, "tools/pcapgen/dnsgate-pcapgen")
CTL = os.path.join(BUILD, "tools/dnsgatectl/dnsgatectl")
MAC_RES, MAC_CLI = bytes.fromhex("020000000001"), bytes.fromhex("020000000002")
RES4, CLI4, OPTOUT4 = bytes([198, 18, 0, 1]), bytes([198, 18, 0, 2]), bytes([198, 18, 0, 9])
RES6 = bytes.fromhex("20010002000000000000000000000001")
CLI6 = bytes.fromhex("20010002000000000000000000000002")
SINK4, SINK6 = bytes([198, 18, 99, 1]), bytes.fromhex("20010002000000000000000000009901")
TTL = 120
VLAN = bytes.fromhex("8100 2064")  # PCP 1, VID 100

# name -> action, as the lists below say (exact unless "*.")
LISTS = """tracker.test
nx.test
drop.test
log.test
"""
ZONE = """$TTL 300
$ORIGIN rpz.test.
@ SOA ns.rpz.test. hostmaster.rpz.test. 1 3600 600 86400 300
  NS ns.rpz.test.
nx.test CNAME .
drop.test CNAME rpz-drop.
shop.test CNAME rpz-passthru.
"""


def rr(owner, rtype, rdata, ttl=300):
    return owner + struct.pack("!HHIH", rtype, 1, ttl, len(rdata)) + rdata


def response(qid, qn, qtype, answers, edns=None, flags=0x8180):
    """A response with the question @p qn, the answer records @p answers (bytes) and an
    OPT (DO when edns == 'do') when edns is set."""
    ar = 1 if edns else 0
    msg = struct.pack("!HHHHHH", qid, flags, 1, len(answers), 0, ar)
    msg += qname(qn) + struct.pack("!HH", qtype, 1) + b"".join(answers)
    if edns:
        msg += b"\0" + struct.pack("!HHIH", 41, 1232, 0x8000 if edns == "do" else 0, 0)
    return msg


PTR_Q = b"\xc0\x0c"  # the question name


def udp_frame(src, dst, sport, dport, payload, tags=b"", bad_csum=False):
    d = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload
    c = (csum(pseudo(src, dst, 17, len(d)) + d) or 0xFFFF) ^ (1 if bad_csum else 0)
    d = d[:6] + struct.pack("!H", c) + d[8:]
    if len(src) == 4:
        h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(d), 0x5151, 0, 57, 17, 0, src, dst)
        pkt, et = h[:10] + struct.pack("!H", csum(h)) + h[12:] + d, 0x0800
    else:
        pkt, et = struct.pack("!IHBB", 0x60000000, len(d), 17, 57) + src + dst + d, 0x86DD
    return MAC_CLI + MAC_RES + tags + struct.pack("!H", et) + pkt


def forged(frame, kind, action_rcode, want_type, edns, tags=b""):
    """The answer the model expects in place of response @p frame: same MACs and tags,
    fresh IP header (TTL/hop limit 64, DF, ID 0), same ports, the response's ID and
    question, QR RA and the RD/CD/opcode bits it had; an A or AAAA sinkhole record when
    @p want_type, the rcode, and an OPT (our size 1232, DO as the response had it, EDE 15
    Blocked) only when the response had one."""
    l2 = 12 + len(tags) + 2
    v4 = frame[l2] >> 4 == 4
    l4 = l2 + (20 if v4 else 40)
    src, dst = (frame[l2 + 12:l2 + 16], frame[l2 + 16:l2 + 20]) if v4 else \
               (frame[l2 + 8:l2 + 24], frame[l2 + 24:l2 + 40])
    dns = frame[l4 + 8:]
    qid, flags = struct.unpack("!HH", dns[:4])
    o = 12
    while dns[o]:
        o += 1 + dns[o]
    question = dns[12:o + 5]
    fl = 0x8000 | 0x0080 | (flags & 0x7910) | action_rcode
    an = b""
    if want_type == 1:
        an = PTR_Q + struct.pack("!HHIH", 1, 1, TTL, 4) + SINK4
    elif want_type == 28:
        an = PTR_Q + struct.pack("!HHIH", 28, 1, TTL, 16) + SINK6
    msg = struct.pack("!HHHHHH", qid, fl, 1, 1 if an else 0, 0, 1 if edns else 0) + question + an
    if edns:
        msg += b"\0" + struct.pack("!HHIH", 41, 1232, 0x8000 if edns == "do" else 0, 6)
        msg += struct.pack("!HHH", 15, 2, 15)
    d = frame[l4:l4 + 4] + struct.pack("!HH", 8 + len(msg), 0) + msg
    c = csum(pseudo(src, dst, 17, len(d)) + d) or 0xFFFF
    d = d[:6] + struct.pack("!H", c) + d[8:]
    if v4:
        h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(d), 0, 0x4000, 64, 17, 0, src, dst)
        pkt = h[:10] + struct.pack("!H", csum(h)) + h[12:] + d
    else:
        pkt = struct.pack("!IHBB", 0x60000000, len(d), 17, 64) + src + dst + d
    return frame[:l2] + pkt


def target(name):
    return qname(name)


# (what, frame, expectation, model args) with expectation:
#   fwd | rewrite (rcode, answer type, edns, tags) | drop
# and the hit-log record expected: (action, match) or None.
C = []


def case(what, frame, expect, rec=None):
    C.append((what, frame, expect, rec))


r4 = lambda msg, **k: udp_frame(RES4, CLI4, 53, 40000, msg, **k)
CN = lambda t: rr(PTR_Q, 5, target(t))
A_ = lambda owner: rr(owner, 1, bytes([198, 18, 7, 7]), 60)

case("benign A, no chain", r4(response(1, "www.example.org", 1, [A_(PTR_Q)], "do")), "fwd")
case("benign CNAME chain", r4(response(2, "www.example.org", 1,
     [CN("cdn.example.net"), A_(b"\xc0\x2d")])), "fwd")
case("CNAME to a listed subtree, OPT with DO", r4(response(3, "www.Shop2.test", 1,
     [CN("edge.Tracker.test"), A_(b"\xc0\x2c")], "do")),
     ("rewrite", 0, 1, "do"), ("sinkhole", "edge.tracker.test."))
case("chain: benign, then a listed NXDOMAIN name, OPT without DO",
     r4(response(4, "a.example.org", 1, [CN("b.example.org"),
        rr(b"\xc0\x2b", 5, target("nx.test"))], "plain")),
     ("rewrite", 3, 0, "plain"), ("nxdomain", "nx.test."))
case("DNAME to a listed name, no OPT", r4(response(5, "x.corp.example", 1,
     [rr(b"\xc0\x0e", 39, target("tracker.test"))])), ("rewrite", 0, 1, None),
     ("sinkhole", "tracker.test."))
case("listed drop target", r4(response(6, "www.example.org", 1, [CN("drop.test")])), "drop",
     ("drop", "drop.test."))
case("listed log-only target", r4(response(7, "www.example.org", 1, [CN("log.test")])), "fwd",
     ("log-only", "log.test."))
case("question allowed (passthru) shields its chain", r4(response(8, "shop.test", 1,
     [CN("tracker.test")])), "fwd")
case("forward pointer in a listed-looking target", r4(response(9, "www.example.org", 1,
     [rr(PTR_Q, 5, b"\x07tracker\xc0\x60")])), "fwd")
case("to an opted-out subscriber", udp_frame(RES4, OPTOUT4, 53, 40000,
     response(10, "www.example.org", 1, [CN("tracker.test")])), "fwd")
case("from port 5353", udp_frame(RES4, CLI4, 5353, 40000,
     response(11, "www.example.org", 1, [CN("tracker.test")])), "fwd")
case("bad UDP checksum", r4(response(12, "www.example.org", 1, [CN("tracker.test")]),
     bad_csum=True), "fwd")
IPS = """# plain prefixes, then an RPZ zone's rpz-ip triggers
198.18.50.0/24
$ORIGIN rpz.test.
32.7.50.18.198.rpz-ip CNAME rpz-passthru.
128.66.zz.2.2001.rpz-ip CNAME .
"""
AR = lambda a: rr(PTR_Q, 1, bytes(a), 60)
case("A on the response-IP list (plain prefix)", r4(response(20, "cdn.example.org", 1,
     [AR([198, 18, 8, 8]), AR([198, 18, 50, 9])], "do")), ("rewrite", 0, 1, "do"),
     ("sinkhole", "198.18.50.9/24", "response-ip"))
case("A on the passthru /32 inside a listed /24", r4(response(21, "cdn.example.org", 1,
     [AR([198, 18, 50, 7])])), "fwd")
case("AAAA on the response-IP list (rpz-ip, NXDOMAIN)", r4(response(22, "v6.example.org", 28,
     [rr(PTR_Q, 28, RES6[:14] + b"\x00\x66", 60)])), ("rewrite", 3, 0, None),
     ("nxdomain", "2001:2::66/128", "response-ip"))
case("A just past the listed /24", r4(response(23, "cdn.example.org", 1,
     [AR([198, 18, 51, 0])])), "fwd")
case("IPv6 behind a VLAN tag, AAAA, listed", udp_frame(RES6, CLI6, 53, 40001,
     response(13, "img.example.org", 28, [CN("px.tracker.test")], "do"), tags=VLAN),
     ("rewrite", 0, 28, "do", VLAN), ("sinkhole", "px.tracker.test."))


def run(tmp, responses):
    d = os.path.join(tmp, "on" if responses else "off")
    os.makedirs(d)
    j = lambda *p: os.path.join(d, *p)
    write_pcap(j("sub-in.pcap"), [])
    write_pcap(j("net-in.pcap"), [c[1] for c in C])
    with open(j("block.txt"), "w") as f:
        f.write("tracker.test\n")
    with open(j("log.txt"), "w") as f:
        f.write("log.test\n")
    with open(j("zone.rpz"), "w") as f:
        f.write(ZONE)
    with open(j("optout.txt"), "w") as f:
        f.write("198.18.0.9\n")
    with open(j("ips.txt"), "w") as f:
        f.write(IPS)
    with open(j("dnsgate.ini"), "w") as f:
        f.write(pcap_ini(d) + f"""[filter]
list = domains {j('block.txt')} identifier=TEST-0009 category=cloak
list = domains {j('log.txt')} action=log-only mode=exact
list = rpz {j('zone.rpz')}
response_ip = {j('ips.txt')} identifier=C2-0001 category=c2
[answer]
sinkhole_v4 = 198.18.99.1
sinkhole_v6 = 2001:2::9901
ttl = {TTL}
[optout]
file = {j('optout.txt')}
[log]
file = {j('hits.jsonl')}
[intercept]
responses = {'yes' if responses else 'no'}
""")
    r = subprocess.run([DNSGATE, "--", "--config", j("dnsgate.ini")], capture_output=True,
                       text=True)
    check(r.returncode == 0, f"dnsgate exit status {r.returncode}: {r.stderr[-800:]}")
    return d, r.stdout


def main():
    tmp = tempfile.mkdtemp(prefix="dg-resp.")
    d, out = run(tmp, True)
    got = read_pcap(os.path.join(d, "sub-out.pcap"))
    check(read_pcap(os.path.join(d, "net-out.pcap")) == [], "nothing goes back to the network")
    want = [c for c in C if c[2] != "drop"]
    check(len(got) == len(want), f"{len(got)} frames to subscribers, model {len(want)}")
    for g, (what, frame, expect, _) in zip(got, want):
        if expect == "fwd":
            check(g == frame, f"{what}: forwarded byte for byte")
            continue
        _, rcode, atype, edns, *tags = expect
        m = forged(frame, "rewrite", rcode, atype, edns, tags[0] if tags else b"")
        check(g == m, f"{what}: the forged answer\n  got   {g.hex()}\n  model {m.hex()}")
    c = counters(out)
    listed = [x for x in C if x[3] is not None]
    rewrites = sum(1 for x in C if isinstance(x[2], tuple))
    check(c.get("response.rewritten") == rewrites,
          f"response.rewritten {c.get('response.rewritten')}, model {rewrites}")
    for trig in ("cname", "response-ip"):
        n = sum(1 for x in listed if (x[3][2] if len(x[3]) > 2 else "cname") == trig)
        check(c.get("response.listed." + trig, 0) == n,
              f"response.listed.{trig} {c.get('response.listed.' + trig, 0)}, model {n}")
    for act in ("sinkhole", "nxdomain", "drop", "log-only"):
        n = sum(1 for x in listed if x[3][0] == act)
        check(c.get("response.verdict." + act, 0) == n,
              f"response.verdict.{act} {c.get('response.verdict.' + act, 0)}, model {n}")
    check(c.get("response.verdict.allow") == 1, "the passthru question counted as allow")
    check(c.get("response.malformed.pointer_bad") == 1, "the forward pointer counted")
    check(c.get("response.optout") == 1, "the opted-out subscriber counted")
    check(c.get("response.bad_checksum") == 1, "the bad checksum counted")
    # read whole: every UDP/53 response but the malformed one
    n53 = sum(1 for x in C if x[0] not in ("from port 5353", "forward pointer in a listed-looking target"))
    check(c.get("response.inspected") == n53,
          f"response.inspected {c.get('response.inspected')}, model {n53}")
    check(c.get("queries", 0) == 0, "responses are not counted as queries")
    recs = [json.loads(l) for l in open(os.path.join(d, "hits.jsonl"))]
    check(len(recs) == len(listed), f"hit log has {len(recs)} records, model {len(listed)}")
    for rec, (what, frame, _, (act, match, *trig)) in zip(recs, listed):
        v6 = "IPv6" in what
        trig = trig[0] if trig else "cname"
        ident = ("C2-0001",) if trig == "response-ip" else ("TEST-0009", None)
        ok = (rec["trigger"] == trig and rec["match"] == match and rec["action"] == act and
              rec["client"] == ("2001:2::2" if v6 else "198.18.0.2") and
              rec["resolver"] == ("2001:2::1" if v6 else "198.18.0.1") and
              rec["resolver_port"] == 53 and rec["identifier"] in ident)
        check(ok, f"{what}: hit record {rec}")

    d, out = run(tmp, False)
    got = read_pcap(os.path.join(d, "sub-out.pcap"))
    check(got == [c[1] for c in C], "responses = no: every frame forwarded byte for byte")
    check(counters(out).get("response.inspected", 0) == 0, "responses = no: nothing inspected")
    generated(tmp)
    reloaded(tmp)
    return report()


def reloaded(tmp):
    """The response-IP list is part of the snapshot: a reload re-reads it."""
    d = os.path.join(tmp, "reload")
    os.makedirs(d)
    j = lambda *p: os.path.join(d, *p)
    sock, ips, hits = j("ctl.sock"), j("ips.txt"), j("hits.jsonl")
    old, new = [198, 18, 50, 9], [198, 18, 60, 9]
    # two responses whose A is on one list version or the other, among benign UDP/443
    frames = [r4(response(30, "c2a.example.org", 1, [AR(old)])),
              r4(response(31, "c2b.example.org", 1, [AR(new)]))]
    frames += [udp_frame(RES4, CLI4, 443, 40000 + i, bytes(64)) for i in range(2000)]
    write_pcap(j("net-in.pcap"), frames)
    with open(j("names.txt"), "w") as f:
        f.write("tracker.test\n")
    with open(ips, "w") as f:
        f.write("# C&C v1\n198.18.50.0/24\n")
    with open(j("dnsgate.ini"), "w") as f:
        f.write(f"""[eal]
args = --no-huge -m 512 --no-pci --file-prefix dgrespip{os.getpid()} -l 0-1 --log-level=*:warning
vdev = net_null0,no-rx=1
vdev = net_pcap1,rx_pcap={j('net-in.pcap')},infinite_rx=1
[ports]
pair = net_null0 net_pcap1
[mgmt]
run_for = 120
stats_interval = 0
[filter]
list = domains {j('names.txt')}
response_ip = {ips} identifier=C2-0002 category=c2
image = {j('snapshot.img')}
[guard]
rate = 0
[ctl]
socket = {sock}
[log]
file = {hits}
""")

    def start():
        return start_live(DNSGATE, j("dnsgate.ini"), sock, subprocess.PIPE, 0.2)

    def stop(p):
        p.send_signal(signal.SIGINT)
        return p.communicate(timeout=120)

    def ctl(*a):
        return ctl_run(CTL, sock, *a)

    def lines():
        try:
            with open(hits) as f:
                return f.read().split("\n")[:-1]  # complete lines only
        except FileNotFoundError:
            return []

    def matches_after(mark):
        """Response-IP matches logged after @p mark lines, after traffic went on."""
        time.sleep(2.0)
        return {json.loads(l).get("match") for l in lines()[mark:]}

    def settled():
        time.sleep(1.5)  # records made before the publish are written by now
        return len(lines())

    def status(key):
        m = re.search(rf"^{key}: (.*)$", ctl("status").stdout, re.M)
        return m.group(1) if m else None

    OLD, NEW = "198.18.50.9/24", "198.18.60.9/24"
    p = start()
    got = matches_after(0)
    check(got == {OLD}, f"reload: at start only the old prefix blocks: {got}")
    check(status("response_ip_prefixes") == "1", "reload: status response_ip_prefixes 1")
    st = status("response_ip")
    check(st is not None and st.startswith(f"{ips} lines=2 loaded=1 ") and
          st.endswith("prefixes=1"), f"reload: status response_ip line: {st}")
    # the feed moved: the old prefix gone, a new one (and a host route) in
    with open(ips, "w") as f:
        f.write("# C&C v2\n198.18.60.0/24\n198.18.70.1\n")
    r = ctl("reload")
    check(r.returncode == 0 and f"response-IP list {ips}: 2 prefixes (3 lines" in r.stdout,
          f"reload: the new file ({r.stdout.strip()} {r.stderr.strip()})")
    check(status("response_ip_prefixes") == "2", "reload: status response_ip_prefixes 2")
    got = matches_after(settled())
    check(got == {NEW}, f"reload: after it the new prefix blocks, the removed one not: {got}")
    # a broken file: the reload fails with FILE:LINE, the serving list stays
    with open(ips, "w") as f:
        f.write("198.18.50.0/24\n198.18.0.1/33\n")
    r = ctl("reload")
    check(r.returncode != 0 and f"{ips}:2: " in r.stderr,
          f"reload: a broken file fails with FILE:LINE ({r.stderr.strip()})")
    check(status("response_ip_prefixes") == "2", "reload: the failed reload keeps 2 prefixes")
    check(status("reloads_failed") == "1", "reload: counted as failed")
    got = matches_after(settled())
    check(got == {NEW}, f"reload: after the failed reload the old list still blocks: {got}")
    out, err = stop(p)
    check(p.returncode == 0, f"reload: exit status {p.returncode}: {err[-600:]}")
    # a restart from the image: the names from it, the response-IP list from its file
    with open(ips, "w") as f:
        f.write("198.18.50.0/24\n")
    p = start()
    img = status("image") or ""
    check("loaded in" in img and "response-IP list was" in img,
          f"reload: restart from the image: {img}")
    mark = len(lines())
    got = matches_after(mark)
    check(got == {OLD}, f"reload: restart from the image reads the response-IP file: {got}")
    out, err = stop(p)
    check(p.returncode == 0 and f"response-IP list {ips}: 1 prefixes" in out,
          f"reload: second run's exit {p.returncode}, start line in stdout")


def generated(tmp):
    """A pcapgen responses capture: cloaked ones rewritten (same ID, QR, no CNAME left),
    everything else byte for byte; the counters against the manifest."""
    d = os.path.join(tmp, "gen")
    os.makedirs(d)
    j = lambda *p: os.path.join(d, *p)
    with open(j("blk.txt"), "w") as f:
        f.write("tracker.test\nads.example.net\n")
    subprocess.run([GEN, "--profile", "responses", "-n", "1500", "--seed", "7", "--blocked",
                    j("blk.txt"), "--blocked-pct", "6", "--malformed-pct", "3",
                    "--other-pct", "30", "--ipv6", "30", "--vlan", "10", "--edns", "50",
                    "--do", "50", "--manifest", j("manifest.txt"), "-o", j("net-in.pcap")],
                   check=True, stdout=subprocess.DEVNULL)
    write_pcap(j("sub-in.pcap"), [])
    with open(j("dnsgate.ini"), "w") as f:
        f.write(pcap_ini(d) + f"""[filter]
list = domains {j('blk.txt')}
[answer]
sinkhole_v4 = 198.18.99.1
sinkhole_v6 = 2001:2::9901
""")
    r = subprocess.run([DNSGATE, "--", "--config", j("dnsgate.ini")], capture_output=True,
                       text=True)
    check(r.returncode == 0, f"generated: dnsgate exit status {r.returncode}: {r.stderr[-800:]}")
    kinds = [l.split()[1] for l in open(j("manifest.txt")) if not l.startswith("#")]
    sent, got = read_pcap(j("net-in.pcap")), read_pcap(j("sub-out.pcap"))
    check(len(got) == len(sent), f"generated: {len(got)} frames out, {len(sent)} in")
    bad = 0
    for k, a, b in zip(kinds, sent, got):
        if k != "cloaked":
            bad += a != b
            continue
        # the rewrite: same MACs, same DNS ID, QR, one question, no CNAME record left
        ok = a[:12] == b[:12]
        l3 = 14 + (4 if b[12:14] == b"\x81\x00" else 0)
        udp = l3 + (20 if b[l3] >> 4 == 4 else 40)
        dns_a = a[udp + 8:]
        dns_b = b[udp + 8:]
        ok = ok and dns_a[:2] == dns_b[:2] and dns_b[2] & 0x80 and dns_b[4:6] == b"\0\1"
        ok = ok and b"\x00\x05\x00\x01" not in dns_b[12:]
        bad += not ok
    check(bad == 0, f"generated: {bad} frames differ from the manifest's expectation")
    c = counters(r.stdout)
    n = {k: kinds.count(k) for k in set(kinds)}
    check(c.get("response.rewritten") == n.get("cloaked"),
          f"generated: rewritten {c.get('response.rewritten')}, manifest {n.get('cloaked')}")
    check(c.get("response.inspected") == n.get("answer", 0) + n.get("chain", 0) + n.get("cloaked", 0),
          f"generated: inspected {c.get('response.inspected')}, manifest {n}")
    mal = sum(v for k, v in c.items() if k.startswith("response.malformed."))
    check(mal == n.get("cut"), f"generated: malformed {mal}, manifest {n.get('cut')}")


if __name__ == "__main__":
    sys.exit(main())
