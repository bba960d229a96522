#!/usr/bin/env python3
"""Filtering through net_pcap: a generated capture of benign, blocked, allowed, opted-out,
malformed and non-DNS frames goes in on the subscriber side; every frame must come out where
this test's own model of the policy says (forwarded byte for byte and in order, answered, or
dropped), and every forged answer is decoded by tshark and checked field by field.

The model here is written from DESIGN.md section 3 independently of lib/filter; the frame
kinds come from dnsgate-pcapgen's manifest, not from dnsgate's parser.

  filtering.py BUILD_DIR
"""
import os
import re
import struct
import subprocess
import sys
import tempfile

BUILD = sys.argv[1]
GEN = os.path.join(BUILD, "tools/pcapgen/dnsgate-pcapgen")
DNSGATE = os.path.join(BUILD, "app/dnsgate/dnsgate")
SINK4, SINK6 = "198.18.255.1", "2001:2::53:1"
ENTRY_SINK4 = "198.18.254.9"
# udp_csum is not here: dnsgate checks the UDP checksum only of queries it would filter.
MALFORMED = {"pointer", "qr", "opcode", "tc", "qdcount", "ancount", "fragment",
             "label64", "edns_version", "truncated", "sport", "class", "axfr"}

passed = failed = 0


def check(ok, what):
    global passed, failed
    if ok:
        passed += 1
    else:
        failed += 1
        print("FAILED:", what)


def read_pcap(path):
    with open(path, "rb") as f:
        data = f.read()
    magic = struct.unpack("<I", data[:4])[0]
    endian = "<" if magic in (0xA1B2C3D4, 0xA1B23C4D) else ">"
    off, frames = 24, []
    while off + 16 <= len(data):
        _, _, caplen, _ = struct.unpack(endian + "IIII", data[off:off + 16])
        frames.append(data[off + 16:off + 16 + caplen])
        off += 16 + caplen
    return frames


def write_empty_pcap(path):
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))


# --- the policy, as DESIGN.md section 3 states it -------------------------------------
# name -> {"apex": [(action, extra)], "below": [...]}, in load order (later wins).
POLICY = {}


def add(name, pos, action, extra=None):
    POLICY.setdefault(name, {"apex": [], "below": []})[pos].append((action, extra))


for n in ("bad1.example.test", "bad2.example.test", "evil.test"):          # domains list
    add(n, "apex", "sinkhole", "TEST-0001")
    add(n, "below", "sinkhole", "TEST-0001")
add("allowed.bad2.example.test", "apex", "allow")                           # adblock @@
add("allowed.bad2.example.test", "below", "allow")
add("nx.example.test", "apex", "nxdomain")                                  # RPZ
add("nx.example.test", "below", "nodata")
add("drop.example.test", "apex", "drop")
add("sink.example.test", "apex", "sinkhole", "entry-sink")


def verdict(qname):
    labels = qname.lower().rstrip(".").split(".")
    for i in range(len(labels)):
        p = POLICY.get(".".join(labels[i:]))
        if p is None:
            continue
        lst = p["apex"] if i == 0 else p["below"]
        if not lst:
            continue
        if any(a == "allow" for a, _ in lst):
            return ("allow", None)
        return lst[-1]
    return None


def main():
    tmp = tempfile.mkdtemp(prefix="dg-filt.")
    j = lambda *p: os.path.join(tmp, *p)
    with open(j("block.txt"), "w") as f:
        f.write("# comment\nbad1.example.test\nBAD2.example.test.\nevil.test\r\n")
    with open(j("allow.txt"), "w") as f:
        f.write("! adblock\n@@||allowed.bad2.example.test^\n")
    with open(j("zone.rpz"), "w") as f:
        f.write("$TTL 300\n$ORIGIN rpz.test.\n"
                "@ SOA ns.rpz.test. hostmaster.rpz.test. 1 3600 600 86400 300\n"
                "  NS ns.rpz.test.\n"
                "nx.example.test CNAME .\n*.nx.example.test CNAME *.\n"
                "drop.example.test CNAME rpz-drop.\n"
                f"sink.example.test A {ENTRY_SINK4}\n")
    with open(j("optout.txt"), "w") as f:
        f.write("198.18.200.0/24\n2001:2:0:c8::/64 # opted-out block\n")
    with open(j("names.txt"), "w") as f:
        f.write("good1.example.test\nwww.good2.example.test\nallowed.bad2.example.test\n"
                "deep.allowed.bad2.example.test\nbad2.example.test\nwww.sink.example.test\n"
                "x.drop.example.test\nnotbad1.example.test\n")
    with open(j("blocked.txt"), "w") as f:
        f.write("bad1.example.test\nbad2.example.test\nevil.test\nnx.example.test\n"
                "drop.example.test\nsink.example.test\n")
    subprocess.run([GEN, "--profile", "dns", "-n", "3000", "--seed", "11",
                    "--names", j("names.txt"), "--blocked", j("blocked.txt"),
                    "--blocked-pct", "40", "--malformed-pct", "12", "--optout-pct", "8",
                    "--other-pct", "6", "--ipv6", "30", "--vlan", "10", "--qinq", "5",
                    "--edns", "50", "--do", "50", "--cookie", "30", "--mixcase", "30",
                    "--manifest", j("manifest.txt"), "-o", j("sub-in.pcap")],
                   check=True, stdout=subprocess.DEVNULL)
    write_empty_pcap(j("net-in.pcap"))
    with open(j("dnsgate.ini"), "w") as f:
        f.write(f"""[eal]
args = --no-huge -m 512 --no-pci --no-shconf -l 0-1 --log-level=*:warning
vdev = net_pcap0,rx_pcap={j('sub-in.pcap')},tx_pcap={j('sub-out.pcap')}
vdev = net_pcap1,rx_pcap={j('net-in.pcap')},tx_pcap={j('net-out.pcap')}
[ports]
pair = net_pcap0 net_pcap1
[mgmt]
idle_exit = 1
run_for = 60
[filter]
list = domains {j('block.txt')} identifier=TEST-0001 category=backdoor
list = adblock {j('allow.txt')}
list = rpz {j('zone.rpz')}
[answer]
sinkhole_v4 = {SINK4}
sinkhole_v6 = {SINK6}
ttl = 120
ede_text = yes
[optout]
file = {j('optout.txt')}
[guard]
rate = 0
[log]
file = {j('hits.jsonl')}
[stats]
history = {j('history.db')}
appliance = itest
""")
    run = subprocess.run([DNSGATE, "--", "--config", j("dnsgate.ini")], capture_output=True,
                         text=True)
    print(run.stdout)
    check(run.returncode == 0, f"dnsgate exit status {run.returncode}: {run.stderr}")

    frames = read_pcap(j("sub-in.pcap"))
    manifest = [l.split() for l in open(j("manifest.txt")) if not l.startswith("#")]
    check(len(manifest) == len(frames), "manifest covers every frame")

    want_fwd, want_ans, logged = [], [], []       # frame indices
    counts = {"queries": 0, "optout": 0, "filtered": 0}
    for idx, kind, name, qtype, ipv, optout in manifest:
        i = int(idx)
        if kind.startswith("other") or kind in MALFORMED:
            want_fwd.append(i)
            continue
        if optout == "1":
            counts["optout"] += 1
            want_fwd.append(i)
            continue
        v = verdict(name)
        if kind == "udp_csum" and v is not None and v[0] != "allow":
            want_fwd.append(i)         # would be filtered: the checksum is checked, bad
            continue
        counts["queries"] += 1
        if v is None or v[0] == "allow":
            want_fwd.append(i)
            continue
        counts["filtered"] += 1
        logged.append((i, name, v))
        if v[0] != "drop":
            want_ans.append((i, v))

    fwd = read_pcap(j("net-out.pcap"))
    check(len(fwd) == len(want_fwd), f"forwarded {len(fwd)} frames, model says {len(want_fwd)}")
    check(all(a == frames[b] for a, b in zip(fwd, want_fwd)),
          "forwarded frames identical to the input, in order")
    ans = read_pcap(j("sub-out.pcap"))
    check(len(ans) == len(want_ans), f"answered {len(ans)}, model says {len(want_ans)}")

    m = re.search(r"dns queries (\d+) \(opt-out (\d+) apart\), filtered (\d+), answered (\d+)",
                  run.stdout)
    check(m is not None, "summary line")
    if m:
        got = tuple(int(x) for x in m.groups())
        want = (counts["queries"], counts["optout"], counts["filtered"], len(want_ans))
        check(got == want, f"counters {got} == model {want}")

    # Decode queries and answers with tshark, independently of dnsgate.
    fields = ["frame.number", "eth.src", "eth.dst", "vlan.id", "ip.src", "ip.dst",
              "ipv6.src", "ipv6.dst", "udp.srcport", "udp.dstport", "dns.id",
              "dns.qry.name", "dns.qry.type", "dns.flags.response", "dns.flags.rcode",
              "dns.count.answers", "dns.a", "dns.aaaa", "dns.opt.ext_error.info_code",
              "dns.opt.ext_error.extra_text", "ip.checksum.status", "udp.checksum.status",
              "dns.flags.recdesired", "dns.flags.recavail", "dns.flags.authoritative",
              "dns.resp.ttl", "dns.count.add_rr", "ip.ttl", "ipv6.hlim"]

    def decode(path):
        out = subprocess.run(["tshark", "-r", path, "-n", "-o", "ip.check_checksum:TRUE",
                              "-o", "udp.check_checksum:TRUE", "-T", "fields",
                              "-E", "separator=|", "-E", "occurrence=a"]
                             + sum((["-e", f] for f in fields), []),
                             capture_output=True, text=True, check=True).stdout
        return [dict(zip(fields, line.split("|"))) for line in out.splitlines()]

    q = decode(j("sub-in.pcap"))
    a = decode(j("sub-out.pcap"))
    bad = []
    for (i, v), r in zip(want_ans, a):
        s = q[i]
        qt = s["dns.qry.type"]
        exp = []
        if r["dns.id"] != s["dns.id"]: exp.append("id")
        if r["dns.qry.name"] != s["dns.qry.name"]: exp.append("qname (case kept)")
        if r["dns.qry.type"] != qt: exp.append("qtype")
        if r["dns.flags.response"] != "1" or r["dns.flags.authoritative"] != "0": exp.append("QR/AA")
        if r["dns.flags.recavail"] != "1" or r["dns.flags.recdesired"] != s["dns.flags.recdesired"]:
            exp.append("RA/RD")
        if (r["eth.src"], r["eth.dst"]) != (s["eth.dst"], s["eth.src"]): exp.append("MACs")
        if r["vlan.id"] != s["vlan.id"]: exp.append("VLAN stack")
        if s["ip.src"]:
            if (r["ip.src"], r["ip.dst"]) != (s["ip.dst"], s["ip.src"]) or r["ip.ttl"] != "64":
                exp.append("IPv4 addresses/TTL")
            if r["ip.checksum.status"] != "1": exp.append("IPv4 checksum")  # 1 = good
        else:
            if (r["ipv6.src"], r["ipv6.dst"]) != (s["ipv6.dst"], s["ipv6.src"]) or r["ipv6.hlim"] != "64":
                exp.append("IPv6 addresses/hop limit")
        if (r["udp.srcport"], r["udp.dstport"]) != (s["udp.dstport"], s["udp.srcport"]): exp.append("ports")
        if r["udp.checksum.status"] != "1": exp.append("UDP checksum")
        action, extra = v
        if action == "nxdomain":
            if r["dns.flags.rcode"] != "3" or r["dns.count.answers"] != "0": exp.append("NXDOMAIN")
        elif action == "nodata" or (action == "sinkhole" and qt not in ("1", "28", "255")):
            if r["dns.flags.rcode"] != "0" or r["dns.count.answers"] != "0": exp.append("NODATA")
        else:
            v4 = ENTRY_SINK4 if extra == "entry-sink" else SINK4
            if qt in ("1", "255") and (r["dns.a"] != v4 or r["dns.count.answers"] != "1"):
                exp.append(f"A {r['dns.a']} != {v4}")
            if qt == "28":
                # An entry with only an IPv4 override still uses the configured IPv6 sinkhole.
                if r["dns.aaaa"] != SINK6 or r["dns.count.answers"] != "1":
                    exp.append(f"AAAA {r['dns.aaaa']}")
            if r["dns.count.answers"] == "1" and r["dns.resp.ttl"] != "120": exp.append("TTL")
        had_opt = s["dns.count.add_rr"] == "1"
        if had_opt:
            if r["dns.opt.ext_error.info_code"] != "15": exp.append("EDE 15")
            if extra == "TEST-0001" and r["dns.opt.ext_error.extra_text"] != "TEST-0001":
                exp.append("EDE extra-text")
        elif r["dns.count.add_rr"] != "0":
            exp.append("OPT without EDNS in the query")
        if exp:
            bad.append((i, action, qt, exp))
    for b in bad[:10]:
        print("  answer to frame", b[0], b[1], "qtype", b[2], "wrong:", ", ".join(b[3]))
    check(len(a) == len(want_ans) and not bad, f"{len(want_ans) - len(bad)} of {len(want_ans)} answers right field by field")
    # The hit log: one record per filtered query, in order, name as asked.
    import json
    recs = [json.loads(l) for l in open(j("hits.jsonl"))]
    check(len(recs) == len(logged), f"hit log has {len(recs)} records, model {len(logged)}")
    badlog = 0
    for rec, (i, name, v) in zip(recs, logged):
        s = q[i]
        src = s["ip.src"] or s["ipv6.src"]
        want_action = v[0]
        if (rec["qname"] != s["dns.qry.name"] + "." or rec["client"] != src or
                str(rec["client_port"]) != s["udp.srcport"] or rec["action"] != want_action or
                (v[1] == "TEST-0001") != (rec.get("identifier") == "TEST-0001")):
            badlog += 1
            if badlog < 4:
                print("  hit record", rec, "for frame", i, name, v)
    check(badlog == 0, f"hit log records match the queries ({badlog} wrong)")
    # The stats history holds the same totals as the summary.
    row = subprocess.run(["sqlite3", j("history.db"),
                          "SELECT sum(queries), sum(optout_queries), sum(filtered) FROM intervals"],
                         capture_output=True, text=True)
    got = tuple(int(x or 0) for x in row.stdout.strip().split("|")) if row.returncode == 0 else None
    check(got == (counts["queries"], counts["optout"], counts["filtered"]),
          f"history totals {got} == model {(counts['queries'], counts['optout'], counts['filtered'])}"
          + (f" ({row.stderr.strip()})" if row.returncode else ""))
    # Reflection guard: one shared cell, one answer per second. The replay takes well under
    # a second, so at most two answers go out; every other would-be answer is forwarded
    # unchanged and counted as rate_limited.
    with open(j("dnsgate.ini")) as f:
        cfg = f.read().replace("[guard]\nrate = 0", "[guard]\nrate = 1\nburst = 1\nslots = 1")
    with open(j("guard.ini"), "w") as f:
        f.write(cfg)
    g = subprocess.run([DNSGATE, "--", "--config", j("guard.ini")], capture_output=True, text=True)
    ga = re.search(r"answered (\d+)", g.stdout)
    rl = re.search(r"rate_limited (\d+)", g.stdout)
    ga = int(ga.group(1)) if ga else -1
    rl = int(rl.group(1)) if rl else 0
    check(g.returncode == 0 and 1 <= ga <= 2 and ga + rl == len(want_ans),
          f"guard: answered {ga} + rate-limited {rl} == would-be answers {len(want_ans)}")
    check(len(read_pcap(j("net-out.pcap"))) == len(want_fwd) + rl,
          "guard: rate-limited queries were forwarded unchanged")
    kinds = {}
    for _, kind, *_ in manifest:
        kinds[kind] = kinds.get(kind, 0) + 1
    print("frames by kind:", " ".join(f"{k}={v}" for k, v in sorted(kinds.items())))
    print(f"model: forwarded {len(want_fwd)}, answered {len(want_ans)}, "
          f"dropped {counts['filtered'] - len(want_ans)}")
    subprocess.run(["rm", "-rf", tmp])
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


sys.exit(main())
