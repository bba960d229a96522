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
import subprocess
import sys
import tempfile

sys.dont_write_bytecode = True  # nothing written into the source tree
from itest import check, counters, pcap_ini, prefixed, read_pcap, report, write_pcap

BUILD = sys.argv[1]
GEN = os.path.join(BUILD, "tools/pcapgen/dnsgate-pcapgen")
DNSGATE = os.path.join(BUILD, "app/dnsgate/dnsgate")
SINK4, SINK6 = "198.18.255.1", "2001:2::53:1"
ENTRY_SINK4 = "198.18.254.9"
# What each malformed kind gets, from DESIGN.md section 5 ("fail open for traffic, fail
# closed for blocked names"). Unreadable: the name cannot be read (or the resolver's host
# drops the frame): forwarded whatever the name. The rest are read, counted as queries,
# and when their name is blocked: dropped (an answer would be unsafe) or answered, with
# or without an OPT record.
UNREADABLE = {"pointer", "qr", "qdcount", "fragment", "label64", "truncated"}
BLOCKED_DROP = {"opcode": "dns_opcode", "sport": "src_port_low", "class": "qclass_not_in",
                "axfr": "qtype_refused"}
ANSWER_NO_OPT = {"ancount", "edns_version"}

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
    write_pcap(j("net-in.pcap"))
    with open(j("dnsgate.ini"), "w") as f:
        f.write(pcap_ini(tmp) + f"""[filter]
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
    kind_of = {}
    for idx, kind, name, qtype, ipv, optout in manifest:
        i = int(idx)
        kind_of[i] = kind
        if kind.startswith("other") or kind in UNREADABLE:
            want_fwd.append(i)
            continue
        if optout == "1":
            counts["optout"] += 1
            want_fwd.append(i)
            continue
        v = verdict(name)
        counts["queries"] += 1
        # A wrong checksum: a query like any (its name was read), never filtered: the
        # resolver's host drops it.
        if v is None or v[0] == "allow" or kind == "udp_csum":
            want_fwd.append(i)
            continue
        counts["filtered"] += 1
        if v[0] == "drop" or kind in BLOCKED_DROP:
            reason = "action_drop" if v[0] == "drop" else BLOCKED_DROP[kind]
            logged.append((i, name, v, "drop", reason))
            continue
        logged.append((i, name, v, v[0], None))
        want_ans.append((i, v))

    fwd = read_pcap(j("net-out.pcap"))
    check(len(fwd) == len(want_fwd), f"forwarded {len(fwd)} frames, model says {len(want_fwd)}")
    # A lone fragment is held for reassembly and leaves when its time runs out, after the
    # frames behind it (tests/integration/frag.py checks when): the others keep their order.
    lone = {}
    for i in want_fwd:
        if kind_of[i] == "fragment":
            lone[frames[i]] = lone.get(frames[i], 0) + 1
    others = []
    for f in fwd:
        if lone.get(f, 0) > 0:
            lone[f] -= 1
        else:
            others.append(f)
    check(others == [frames[i] for i in want_fwd if kind_of[i] != "fragment"],
          "forwarded frames identical to the input, in order")
    check(not any(lone.values()), "every lone fragment forwarded, byte for byte")
    ans = read_pcap(j("sub-out.pcap"))
    check(len(ans) == len(want_ans), f"answered {len(ans)}, model says {len(want_ans)}")

    c = counters(run.stdout)
    got = tuple(c.get(k, -1) for k in ("queries", "optout_queries", "filtered", "answered"))
    want = (counts["queries"], counts["optout"], counts["filtered"], len(want_ans))
    check(got == want, f"summary counters {got} == model {want}")

    # Decode queries and answers with tshark, independently of dnsgate.
    fields = ["frame.number", "eth.src", "eth.dst", "vlan.id", "ip.src", "ip.dst",
              "ipv6.src", "ipv6.dst", "udp.srcport", "udp.dstport", "dns.id",
              "dns.qry.name", "dns.qry.type", "dns.flags.response", "dns.flags.rcode",
              "dns.count.answers", "dns.a", "dns.aaaa", "dns.opt.ext_error.info_code",
              "dns.opt.ext_error.extra_text", "ip.checksum.status", "udp.checksum.status",
              "dns.flags.recdesired", "dns.flags.recavail", "dns.flags.authoritative",
              "dns.resp.ttl", "dns.count.add_rr", "ip.ttl", "ipv6.hlim",
              "dns.flags.truncated"]

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
        if r["dns.flags.truncated"] != "0": exp.append("TC")
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
        had_opt = s["dns.count.add_rr"] == "1" and kind_of[i] not in ANSWER_NO_OPT
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
    for rec, (i, name, v, want_action, want_reason) in zip(recs, logged):
        s = q[i]
        src = s["ip.src"] or s["ipv6.src"]
        if (rec["qname"] != s["dns.qry.name"] + "." or rec["client"] != src or
                str(rec["client_port"]) != s["udp.srcport"] or rec["action"] != want_action or
                rec["reason"] != want_reason or rec["tc"] is not False or
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
    # a second, so at most two answers go out; every other would-be answer is dropped
    # (a blocked name never reaches the resolver), counted as rate_limited and logged as
    # what happened: a drop, not a sinkhole.
    with open(j("dnsgate.ini")) as f:
        cfg = f.read().replace("[guard]\nrate = 0", "[guard]\nrate = 1\nburst = 1\nslots = 1")
        cfg = cfg.replace(j("hits.jsonl"), j("guard-hits.jsonl"))
    with open(j("guard.ini"), "w") as f:
        f.write(cfg)
    g = subprocess.run([DNSGATE, "--", "--config", j("guard.ini")], capture_output=True, text=True)
    gc = counters(g.stdout)
    ga, rl = gc.get("answered", -1), gc.get("dropped.rate_limited", 0)
    check(g.returncode == 0 and 1 <= ga <= 2 and ga + rl == len(want_ans),
          f"guard: answered {ga} + rate-limited {rl} == would-be answers {len(want_ans)}")
    check(len(read_pcap(j("net-out.pcap"))) == len(want_fwd),
          "guard: rate-limited queries of blocked names were not forwarded")
    grecs = [json.loads(l) for l in open(j("guard-hits.jsonl"))]
    g_drop = sum(1 for r in grecs if r["action"] == "drop" and r.get("reason") == "rate_limited")
    g_ans = sum(1 for r in grecs if r["action"] in ("sinkhole", "nxdomain", "nodata"))
    check((g_ans, g_drop) == (ga, rl),
          f"guard: hit log says {g_ans} answered, {g_drop} rate-limited drops; counters {ga}, {rl}")
    gv = prefixed(gc, "verdict")
    check(gv.get("sinkhole", -1) + gv.get("nxdomain", 0) + gv.get("nodata", 0) == ga,
          f"guard: answer verdicts {gv} count only the answers sent ({ga})")
    kinds = {}
    for _, kind, *_ in manifest:
        kinds[kind] = kinds.get(kind, 0) + 1
    print("frames by kind:", " ".join(f"{k}={v}" for k, v in sorted(kinds.items())))
    print(f"model: forwarded {len(want_fwd)}, answered {len(want_ans)}, "
          f"dropped {counts['filtered'] - len(want_ans)}")
    subprocess.run(["rm", "-rf", tmp])
    return report()


sys.exit(main())
