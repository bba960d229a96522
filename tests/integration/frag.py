#!/usr/bin/env python3
"""Fragmented queries through net_pcap (no reassembly in the PMD): dnsgate-pcapgen's frag
profile cuts queries inside the DNS header, inside the name and after it, over IPv4 and
IPv6, and sends the fragments in order, reversed, duplicated, overlapping and incomplete,
between plain queries. Every frame must come out where this test's model says, frame by
frame:
  - a blocked name is answered once per datagram (the answer decoded by tshark: ID,
    question, sinkhole), and none of its fragments reaches the network side;
  - a benign datagram's fragments leave byte for byte, in arrival order, once it is whole;
  - an incomplete datagram's fragments leave when its time runs out (after the rest), or
    at shutdown;
  - overlapping fragments, and a duplicate with other bytes, are dropped with what was
    held of their datagram (docs/failclosed.md says why); what follows them is a new
    datagram, here never whole, so it leaves at the timeout;
  - an IPv6 atomic fragment is a datagram of its own;
  - fragments longer than an mbuf (built here, not by the generator) are read across
    segments, and an answer goes back in the first one.
The model works from the generator's manifest and DESIGN.md, not from dnsgate's code; tshark,
reassembling the network side's capture as a receiving host would, must find no query for
a blocked name there.

  frag.py BUILD_DIR
"""
import json
import os
import struct
import subprocess
import sys
import tempfile

sys.dont_write_bytecode = True  # nothing written into the source tree
from itest import check, counters, csum, pcap_ini, read_pcap, report, write_pcap

BUILD = sys.argv[1]
GEN = os.path.join(BUILD, "tools/pcapgen/dnsgate-pcapgen")
DNSGATE = os.path.join(BUILD, "app/dnsgate/dnsgate")
SINK4, SINK6 = "198.18.255.1", "2001:2::53:1"
BLOCKED = ["bad1.example.test", "evil.test", "c2.example.test"]
NAMES = ["good1.example.test", "www.good2.example.test", "notbad1.example.test",
         "a.b.c.d.e.f.g.h.example.test"]
QTYPES = {"A": "1", "AAAA": "28", "HTTPS": "65", "TXT": "16"}
TIMEOUT_MS = 300

def blocked(name):
    n = name.lower().rstrip(".")
    return any(n == b or n.endswith("." + b) for b in BLOCKED)   # domains list: subtree


def tshark(path, fields, extra=()):
    out = subprocess.run(["tshark", "-r", path, "-n", "-o", "ip.check_checksum:TRUE",
                          "-o", "udp.check_checksum:TRUE", "-T", "fields", "-E", "separator=|",
                          "-E", "occurrence=f"] + list(extra)
                         + sum((["-e", f] for f in fields), []),
                         capture_output=True, text=True, check=True).stdout
    return [dict(zip(fields, line.split("|"))) for line in out.splitlines()]


def run(tmp, frag_flows, log, timeout_ms=TIMEOUT_MS):
    j = lambda *p: os.path.join(tmp, *p)
    with open(j("dnsgate.ini"), "w") as f:
        f.write(pcap_ini(tmp) + f"""[filter]
list = domains {j('block.txt')} identifier=TEST-FRAG
[answer]
sinkhole_v4 = {SINK4}
sinkhole_v6 = {SINK6}
[intercept]
frag_flows = {frag_flows}
frag_timeout_ms = {timeout_ms}
[guard]
rate = 0
[log]
file = {j(log)}
""")
    r = subprocess.run([DNSGATE, "--", "--config", j("dnsgate.ini")], capture_output=True,
                       text=True)
    print(r.stdout)
    check(r.returncode == 0, f"dnsgate exit status {r.returncode}: {r.stderr}")
    return r.stdout


def big_query(v6, name, qid, sport):
    """A whole query frame (Ethernet, IP, UDP, DNS) padded by an EDNS Padding option
    (RFC 7830) to 2.5 KB, so its first fragment is longer than an mbuf."""
    qname = b"".join(bytes([len(l)]) + l.encode() for l in name.split(".")) + b"\0"
    pad = 2500
    opt = (b"\0" + struct.pack("!HHIH", 41, 1232, 0, 4 + pad) + struct.pack("!HH", 12, pad)
           + bytes(pad))
    dns = struct.pack("!HHHHHH", qid, 0x0100, 1, 0, 0, 1) + qname + struct.pack("!HH", 1, 1) + opt
    src = bytes([198, 18, 7, 7]) if not v6 else bytes.fromhex("20010002000000000000000000000777")
    dst = bytes([198, 19, 0, 53]) if not v6 else bytes.fromhex("20010002000000010000000000000053")
    udp = struct.pack("!HHHH", sport, 53, 8 + len(dns), 0) + dns
    pseudo = src + dst + struct.pack("!HH", 17, len(udp)) if not v6 else \
        src + dst + struct.pack("!IxxxB", len(udp), 17)
    c = csum(pseudo + udp) or 0xffff
    udp = udp[:6] + struct.pack("!H", c) + udp[8:]
    eth = bytes.fromhex("020000000002020000000001") + (b"\x86\xdd" if v6 else b"\x08\x00")
    return eth, src, dst, udp


def fragment(v6, eth, src, dst, payload, cut, ident):
    out = []
    for off, end in ((0, cut), (cut, len(payload))):
        more = end < len(payload)
        if v6:
            fh = struct.pack("!BBHI", 17, 0, off | more, ident)
            ip = struct.pack("!IHBB", 6 << 28, 8 + end - off, 44, 64) + src + dst + fh
        else:
            h = struct.pack("!BBHHHBBH", 0x45, 0, 20 + end - off, ident, (more << 13) | off // 8,
                            64, 17, 0) + src + dst
            ip = h[:10] + struct.pack("!H", csum(h)) + h[12:]
        out.append(eth + ip + payload[off:end])
    return out


def model(manifest):
    """What dnsgate must do with each frame: forwarded (in order), answered, dropped."""
    frames_of = {}
    for i, r in enumerate(manifest):
        if r["dgram"] != "-":
            frames_of.setdefault(r["dgram"], []).append(i)
    m = {"fwd": [], "ans": [], "timeouts": [], "overlap": 0, "whole": 0, "queries": 0,
         "filtered": 0, "fwd4": 0, "fwd6": 0}
    for i, r in enumerate(manifest):
        order = r["order"]
        if order in ("plain", "atomic"):             # a datagram in one frame
            m["queries"] += 1
            m["whole"] += order == "atomic"
            if blocked(r["name"]):
                m["filtered"] += 1
                m["ans"].append(i)
            else:
                m["fwd"].append(i)
                if order == "atomic":
                    m["fwd6"] += 1
            continue
        fl = frames_of[r["dgram"]]
        if order in ("inorder", "reversed", "dup"):
            if i != fl[-1]:
                continue                             # held until the datagram is whole
            m["whole"] += 1
            m["queries"] += 1
            if blocked(r["name"]):
                m["filtered"] += 1
                m["ans"].append(i)
            else:
                m["fwd"].extend(fl)
                m["fwd" + r["ip"]] += len(fl)
        elif order == "missing":
            if i == fl[0]:
                m["timeouts"].append(fl)
        elif order in ("conflict", "partial"):
            bad = next(k for k, x in enumerate(fl) if manifest[x]["role"] == order)
            if fl.index(i) == bad:
                m["overlap"] += bad + 1               # everything held, and the culprit
            elif fl.index(i) == bad + 1:
                m["timeouts"].append(fl[bad + 1:])    # a new datagram, never whole
    for t in m["timeouts"]:
        m["fwd"].extend(t)
    return m


def main():
    tmp = tempfile.mkdtemp(prefix="dg-frag.")
    j = lambda *p: os.path.join(tmp, *p)
    with open(j("block.txt"), "w") as f:
        f.write("\n".join(BLOCKED) + "\n")
    with open(j("blocked.txt"), "w") as f:
        f.write("\n".join(BLOCKED + ["x1." + BLOCKED[0]]) + "\n")
    with open(j("names.txt"), "w") as f:
        f.write("\n".join(NAMES) + "\n")
    subprocess.run([GEN, "--profile", "frag", "-n", "1500", "--seed", "5",
                    "--names", j("names.txt"),
                    "--blocked", j("blocked.txt"), "--blocked-pct", "40", "--ipv6", "40",
                    "--vlan", "20", "--edns", "50", "--manifest", j("manifest.txt"),
                    "-o", j("sub-in.pcap")], check=True, stdout=subprocess.DEVNULL)
    write_pcap(j("net-in.pcap"))
    cols = ["frame", "dgram", "kind", "name", "qtype", "ip", "id", "split", "order", "role",
            "off", "end", "mf"]
    manifest = [dict(zip(cols, l.split())) for l in open(j("manifest.txt"))
                if not l.startswith("#")]
    frames = read_pcap(j("sub-in.pcap"))
    check(len(manifest) == len(frames), "manifest covers every frame")
    m = model(manifest)
    shapes = {}
    for r in manifest:
        k = (r["split"], r["order"], r["ip"])
        shapes[k] = shapes.get(k, 0) + 1
    check(all(any(k[0] == s and k[1] == o for k in shapes)
              for s in ("hdr", "name", "after", "all")
              for o in ("inorder", "reversed", "dup", "conflict", "partial", "missing")),
          "every cut is sent in every order")
    check(any(k[1] == "atomic" for k in shapes) and {k[2] for k in shapes} == {"4", "6"},
          "IPv4, IPv6 and atomic fragments present")

    out = run(tmp, 4096, "hits.jsonl")
    fwd = read_pcap(j("net-out.pcap"))
    check(len(fwd) == len(m["fwd"]), f"forwarded {len(fwd)} frames, model says {len(m['fwd'])}")
    bad = [k for k, (a, b) in enumerate(zip(fwd, m["fwd"])) if a != frames[b]]
    check(not bad, f"forwarded frames are the input's, byte for byte, in the model's order"
                   f" (first difference at output frame {bad[0] if bad else '-'})")

    # Answers: one per blocked datagram, decoded independently.
    fields = ["dns.id", "dns.qry.name", "dns.qry.type", "dns.flags.response", "dns.flags.rcode",
              "dns.count.answers", "dns.a", "dns.aaaa", "ip.src", "ip.dst", "ipv6.src",
              "ipv6.dst", "udp.srcport", "udp.dstport", "ip.checksum.status",
              "udp.checksum.status", "ip.flags.mf", "ipv6.fragment"]
    q = tshark(j("sub-in.pcap"), fields)
    a = tshark(j("sub-out.pcap"), fields)
    check(len(a) == len(m["ans"]), f"answered {len(a)}, model says {len(m['ans'])}")
    wrong = []
    for r, i in zip(a, m["ans"]):
        s, row = q[i], manifest[i]
        exp = []
        if int(r["dns.id"], 16) != int(row["id"], 16): exp.append("id")
        if r["dns.qry.name"] != row["name"]: exp.append("question name")
        if r["dns.qry.type"] != QTYPES[row["qtype"]]: exp.append("qtype")
        if r["dns.flags.response"] != "1" or r["dns.flags.rcode"] != "0": exp.append("QR/rcode")
        want = {"A": ("dns.a", SINK4), "AAAA": ("dns.aaaa", SINK6)}.get(row["qtype"])
        if want and (r[want[0]] != want[1] or r["dns.count.answers"] != "1"): exp.append("sinkhole")
        if not want and r["dns.count.answers"] != "0": exp.append("NODATA")
        src, dst = ("ip.src", "ip.dst") if row["ip"] == "4" else ("ipv6.src", "ipv6.dst")
        if (r[src], r[dst]) != (s[dst], s[src]) or not r[src]: exp.append("addresses")
        if (r["udp.srcport"], r["udp.dstport"]) != (s["udp.dstport"], s["udp.srcport"]):
            exp.append("ports")
        if r["udp.checksum.status"] != "1" or (row["ip"] == "4" and r["ip.checksum.status"] != "1"):
            exp.append("checksums")
        if r["ip.flags.mf"] not in ("", "0", "False") or r["ipv6.fragment"]:
            exp.append("a fragment")
        if exp:
            wrong.append((i, row["order"], row["split"], exp))
    for w in wrong[:8]:
        print("  answer for frame", w[0], w[1], w[2], "wrong:", ", ".join(w[3]))
    check(len(a) == len(m["ans"]) and not wrong,
          f"{len(m['ans']) - len(wrong)} of {len(m['ans'])} answers right")

    # The network side as a receiving host reassembles it: no query for a blocked name.
    seen = tshark(j("net-out.pcap"), ["dns.qry.name", "dns.flags.response"], ["-Y", "dns"])
    leaked = [r["dns.qry.name"] for r in seen if blocked(r["dns.qry.name"])]
    check(not leaked, f"no blocked name reassembles on the network side ({leaked[:3]})")
    check(len(seen) > 100, f"benign queries reassemble there ({len(seen)})")

    c = counters(out)
    got = {
        "queries": c.get("queries"), "filtered": c.get("filtered"),
        "whole": c.get("reassembled"), "overlap": c.get("dropped.frag_overlap", 0),
        "timeout": c.get("forward.frag_timeout", 0), "fwd4": c.get("forward.ip4_fragment", 0),
        "fwd6": c.get("forward.ip6_fragment", 0),
    }
    want = {"queries": m["queries"], "filtered": m["filtered"], "whole": m["whole"],
            "overlap": m["overlap"], "timeout": sum(len(t) for t in m["timeouts"]),
            "fwd4": m["fwd4"], "fwd6": m["fwd6"]}
    check(got == want, f"counters {got} == model {want}")
    # (records of a burst's whole frames are queued before those of its datagrams)
    hits = [json.loads(l) for l in open(j("hits.jsonl"))]
    check(sorted((h["qname"].rstrip("."), h["qtype"], h["action"]) for h in hits) ==
          sorted((manifest[i]["name"], manifest[i]["qtype"], "sinkhole") for i in m["ans"]),
          f"one hit record per answered datagram, name as asked ({len(hits)})")

    # Held past the end (a timeout longer than the run): forwarded at shutdown, in the same
    # order, nothing lost.
    out = run(tmp, 4096, "hits-long.jsonl", 60000)
    check(read_pcap(j("net-out.pcap")) == [frames[i] for i in m["fwd"]],
          "at shutdown every held fragment is forwarded, byte for byte, in order")
    check(counters(out).get("forward.frag_timeout", 0) == want["timeout"],
          "at shutdown: counted as timeouts")

    # Fragments longer than an mbuf's 2 KB: held as chained mbufs, read across segments.
    jumbo, ans_ids, fwd_want = [], [], []
    for k, (v6, name) in enumerate(((0, "x9." + BLOCKED[0]), (0, NAMES[0]), (1, BLOCKED[1]),
                                    (1, NAMES[1]))):
        eth, src, dst, udp = big_query(v6, name, 0x7100 + k, 40000 + k)
        frs = fragment(v6, eth, src, dst, udp, 2400, 0x5100 + k)
        jumbo += frs[::-1] if k % 2 else frs
        if blocked(name):
            ans_ids.append((0x7100 + k, name))
        else:
            fwd_want += frs[::-1] if k % 2 else frs
    write_pcap(j("sub-in.pcap"), jumbo)
    out = run(tmp, 4096, "hits-jumbo.jsonl")
    check(read_pcap(j("net-out.pcap")) == fwd_want,
          "fragments of 2.4 KB: benign ones forwarded byte for byte, in arrival order")
    a = tshark(j("sub-out.pcap"), ["dns.id", "dns.qry.name", "dns.flags.response", "dns.a",
                                   "udp.checksum.status"])
    check([(int(r["dns.id"], 16), r["dns.qry.name"]) for r in a] == ans_ids and
          all(r["dns.flags.response"] == "1" and r["udp.checksum.status"] == "1" for r in a),
          f"fragments of 2.4 KB: each blocked datagram answered ({len(a)} answers)")
    check(counters(out).get("reassembled") == 4, "fragments of 2.4 KB: four datagrams reassembled")

    # Reassembly off ([intercept] frag_flows = 0): every fragment passes as it comes.
    write_pcap(j("sub-in.pcap"), frames)
    run(tmp, 0, "hits-off.jsonl")
    fwd = read_pcap(j("net-out.pcap"))
    off = [frames[i] for i, r in enumerate(manifest)
           if not (r["order"] == "plain" and blocked(r["name"]))]
    check(fwd == off, "frag_flows = 0: every fragment forwarded unchanged, in order")

    print("frames by order:", " ".join(f"{o}={n}" for o, n in sorted(
        {o: sum(v for k, v in shapes.items() if k[1] == o) for _, o, _ in shapes}.items())))
    print(f"model: forwarded {len(m['fwd'])} (timeouts {want['timeout']}), answered "
          f"{len(m['ans'])}, dropped for overlaps {m['overlap']}")
    subprocess.run(["rm", "-rf", tmp]) if not os.environ.get("DG_KEEP") else print("kept", tmp)
    return report()


sys.exit(main())
