#!/usr/bin/env python3
"""Client-IP policy (quarantine), docs/quarantine.md.

1. Runtime control, live on net_null: `dnsgatectl quarantine add|del|list`, errors, and
   the journal: a restart replays the changes (an added prefix is back, a deleted file
   prefix stays deleted).
2. pcap in, pcap out, with that journal: a generated capture from many subscribers goes
   in on the subscriber side; the quarantined ones are set by a prefix file, the
   rpz-client-ip triggers of an RPZ zone (`[quarantine] rpz` in part 1; here a `[filter]
   list = rpz` with `[quarantine] lists = yes`) and the journal of part 1. Every frame must come out where this
   test's own model says (forwarded byte for byte and in order, answered with the walled
   garden or the list's sinkhole, or dropped); answers are decoded by tshark; the counters
   and the hit log (trigger client-ip and the matched prefix) must agree with the model.

The model follows the documented precedence: opt-out, then names the lists block, then
quarantine (A and AAAA by default; the allow list and other types forwarded). Client
addresses come from tshark, prefixes from Python's ipaddress, not from dnsgate.

  quarantine.py BUILD_DIR
"""
import ipaddress
import json
import os
import signal
import subprocess
import sys
import tempfile

sys.dont_write_bytecode = True  # nothing written into the source tree
from itest import check, counters, ctl_run, pcap_ini, read_pcap, report, start_live, write_pcap

BUILD = sys.argv[1]
GEN = os.path.join(BUILD, "tools/pcapgen/dnsgate-pcapgen")
DNSGATE = os.path.join(BUILD, "app/dnsgate/dnsgate")
CTL = os.path.join(BUILD, "tools/dnsgatectl/dnsgatectl")
SINK4, SINK6 = "198.18.255.1", "2001:2::53:1"           # the lists' sinkhole
WALL4, WALL6 = "198.18.254.1", "2001:2::fe"             # the walled garden
UNREADABLE = {"pointer", "qr", "qdcount", "fragment", "label64", "truncated"}
BLOCKED_DROP = {"opcode", "sport", "class", "axfr"}
BLOCKED = ("bad1.example.test", "evil.test")
ALLOW = ("support.isp.test",)
# Quarantined: a file, RPZ triggers, then the journal of part 1 (add one, delete one).
FILE_PFX = ["198.18.0.0/18", "198.18.192.0/18"]     # the second covers opt-out 198.18.200/24
RPZ_PFX = {"24.0.128.18.198": "198.18.128.0/24", "113.zz.2.2001": "2001:2::/113"}
ADDED, DELETED = "198.18.64.0/20", "198.18.192.0/18"


def quarantined(src, prefixes):
    """The longest prefix covering @p src, or None."""
    a = ipaddress.ip_address(src)
    best = None
    for p in prefixes:
        n = ipaddress.ip_network(p)
        if a.version == n.version and a in n and (best is None or n.prefixlen > best.prefixlen):
            best = n
    return best


def under(name, roots):
    name = name.lower().rstrip(".")
    return any(name == r or name.endswith("." + r) for r in roots)


def ctl_part(tmp, j):
    """Part 1: runtime changes over the socket, journaled, replayed at restart."""
    sock = j("ctl.sock")
    ini = f"""[eal]
args = --no-huge -m 512 --no-pci --file-prefix dgquar{os.getpid()} -l 0-1 --log-level=*:warning
vdev = net_null0,no-rx=1
vdev = net_null1,no-rx=1
[ports]
pair = net_null0 net_null1
[mgmt]
run_for = 120
stats_interval = 0
[filter]
list = domains {j('block.txt')}
[quarantine]
file = {j('quarantine.txt')}
rpz = {j('quarantine.rpz')}
[ctl]
socket = {sock}
journal = {j('journal')}
"""
    with open(j("live.ini"), "w") as f:
        f.write(ini)

    def start():
        return start_live(DNSGATE, j("live.ini"), sock)

    def stop(dg):
        dg.send_signal(signal.SIGTERM)
        dg.wait(timeout=60)

    def ctl(*a):
        return ctl_run(CTL, sock, *a)

    def listed():
        r = ctl("quarantine", "list")
        return r.returncode, [l.split()[0] for l in r.stdout.splitlines()]

    start_set = sorted(FILE_PFX + list(RPZ_PFX.values()))
    dg = start()
    rc, got = listed()
    check(rc == 0 and sorted(got) == start_set, f"list at start: {got}")
    r = ctl("quarantine", "add", "198.18.99.0/24", "action=drop")
    check(r.returncode == 1 and "expected action=sinkhole or action=nxdomain" in r.stderr,
          f"add with a bad option: {r.stderr.strip()}")
    r = ctl("quarantine", "add", ADDED, "action=nxdomain")   # its own action
    check(r.returncode == 0, f"add {ADDED} action=nxdomain: {r.stderr.strip()}")
    r = ctl("quarantine", "add", ADDED)
    check(r.returncode == 1 and "already quarantined" in r.stderr, f"add again: {r.stderr.strip()}")
    r = ctl("quarantine", "add", "198.18.64.1/20")
    check(r.returncode != 0 and "host bits" in r.stderr, f"host bits: {r.stderr.strip()}")
    r = ctl("quarantine", "del", "198.18.99.0/24")
    check(r.returncode == 1 and "not quarantined" in r.stderr, f"del absent: {r.stderr.strip()}")
    r = ctl("quarantine", "del", DELETED)
    check(r.returncode == 0, f"del {DELETED} (from the file): {r.stderr.strip()}")
    want = sorted(set(start_set + [ADDED]) - {DELETED})
    rc, got = listed()
    check(sorted(got) == want, f"list after the changes: {got}")
    st = ctl("status").stdout
    check(f"quarantine_prefixes: {len(want)}\n" in st, "status: quarantine_prefixes")
    r = ctl("optout", "list")
    check(r.returncode == 0 and r.stdout.strip() == "", "opt-out table untouched")
    # a reload re-reads the files, the journal on top; a bad file fails it, nothing changes
    good = open(j("quarantine.txt")).read()
    with open(j("quarantine.txt"), "a") as f:
        f.write("198.18.0.1/24\n")
    r = ctl("reload")
    check(r.returncode == 1 and f"{j('quarantine.txt')}:4: host bits set" in r.stderr,
          f"reload with a bad quarantine file: {r.stderr.strip()}")
    check(sorted(listed()[1]) == want, "a failed reload keeps the serving prefixes")
    with open(j("quarantine.txt"), "w") as f:
        f.write(good)
    r = ctl("reload")
    check(r.returncode == 0 and sorted(listed()[1]) == want,
          f"reload: the file again, the journal's changes on top ({r.stderr.strip()})")
    stop(dg)
    dg = start()
    rc, got = listed()
    check(rc == 0 and sorted(got) == want, f"list after a restart (journal replayed): {got}")
    check(f"{ADDED} action=nxdomain\n" in ctl("quarantine", "list").stdout,
          "a prefix's own action survives the restart")
    stop(dg)
    return want


def main():
    tmp = tempfile.mkdtemp(prefix="dg-quar.")
    j = lambda *p: os.path.join(tmp, *p)
    with open(j("block.txt"), "w") as f:
        f.write("\n".join(BLOCKED) + "\n")
    with open(j("quarantine.txt"), "w") as f:
        f.write("# infected subscribers\n" + "\n".join(FILE_PFX) + "\n")
    with open(j("quarantine.rpz"), "w") as f:
        f.write("$TTL 300\n$ORIGIN rpz.test.\n@ SOA ns.rpz.test. h.rpz.test. 1 3600 600 86400 300\n"
                "  NS ns.rpz.test.\nlisted.example CNAME .\n"
                + "".join(f"{k}.rpz-client-ip CNAME .\n" for k in RPZ_PFX)
                + "32.7.0.18.198.rpz-client-ip CNAME rpz-passthru.\n")
    with open(j("allow.txt"), "w") as f:
        f.write("\n".join(ALLOW) + "\n")
    with open(j("optout.txt"), "w") as f:
        f.write("198.18.200.0/24\n2001:2:0:c8::/64\n")
    with open(j("names.txt"), "w") as f:
        f.write("good1.example.test\nwww.good2.example.test\nsupport.isp.test\n"
                "www.support.isp.test\nisp.test\nbad1.example.test\n")
    with open(j("blocked.txt"), "w") as f:
        f.write("\n".join(BLOCKED) + "\n")

    prefixes = ctl_part(tmp, j)

    subprocess.run([GEN, "--profile", "dns", "-n", "3000", "--seed", "18",
                    "--names", j("names.txt"), "--blocked", j("blocked.txt"),
                    "--blocked-pct", "15", "--malformed-pct", "8", "--optout-pct", "6",
                    "--other-pct", "4", "--ipv6", "30", "--vlan", "10", "--edns", "40",
                    "--mixcase", "30", "--manifest", j("manifest.txt"), "-o", j("sub-in.pcap")],
                   check=True, stdout=subprocess.DEVNULL)
    write_pcap(j("net-in.pcap"))
    with open(j("dnsgate.ini"), "w") as f:
        f.write(pcap_ini(tmp) + f"""[filter]
list = domains {j('block.txt')} identifier=TEST-0001
list = rpz {j('quarantine.rpz')}
[answer]
sinkhole_v4 = {SINK4}
sinkhole_v6 = {SINK6}
[optout]
file = {j('optout.txt')}
[quarantine]
file = {j('quarantine.txt')}
lists = yes
allow = {j('allow.txt')}
address_v4 = {WALL4}
address_v6 = {WALL6}
[guard]
rate = 0
[ctl]
journal = {j('journal')}
[log]
file = {j('hits.jsonl')}
""")
    run = subprocess.run([DNSGATE, "--", "--config", j("dnsgate.ini")], capture_output=True,
                         text=True)
    check(run.returncode == 0, f"dnsgate exit status {run.returncode}: {run.stderr}")

    frames = read_pcap(j("sub-in.pcap"))
    manifest = [l.split() for l in open(j("manifest.txt")) if not l.startswith("#")]
    check(len(manifest) == len(frames), "manifest covers every frame")
    fields = ["ip.src", "ipv6.src", "dns.id", "dns.qry.name", "dns.qry.type",
              "dns.flags.rcode", "dns.count.answers", "dns.a", "dns.aaaa", "udp.srcport",
              "dns.count.add_rr", "dns.opt.ext_error.info_code"]

    def decode(path):
        out = subprocess.run(["tshark", "-r", path, "-n", "-T", "fields", "-E", "separator=|",
                              "-E", "occurrence=a"] + sum((["-e", f] for f in fields), []),
                             capture_output=True, text=True, check=True).stdout
        return [dict(zip(fields, line.split("|"))) for line in out.splitlines()]

    q = decode(j("sub-in.pcap"))
    want_fwd, want_ans, logged = [], [], []
    n = {"queries": 0, "optout": 0, "filtered": 0, "quarantined": 0, "allowed": 0}
    kind_of, qcount = {}, {"in": 0, "out": 0}
    for idx, kind, name, qtype, ipv, optout in manifest:
        i = int(idx)
        kind_of[i] = kind
        if kind.startswith("other") or kind in UNREADABLE:
            want_fwd.append(i)
            continue
        if optout == "1":
            n["optout"] += 1
            want_fwd.append(i)
            continue
        n["queries"] += 1
        src = q[i]["ip.src"] or q[i]["ipv6.src"]
        qp = quarantined(src, prefixes)
        qcount["in" if qp else "out"] += 1
        if under(name, BLOCKED):                      # the lists' block stands
            if kind == "udp_csum":
                want_fwd.append(i)
                continue
            n["filtered"] += 1
            if kind in BLOCKED_DROP:
                logged.append((i, "drop", None))
            else:
                want_ans.append((i, "list"))
                logged.append((i, "sinkhole", None))
            continue
        if qp is None:
            want_fwd.append(i)
            continue
        if under(name, ALLOW):
            n["allowed"] += 1
            want_fwd.append(i)
            continue
        if qtype not in ("A", "AAAA") or kind == "udp_csum":
            want_fwd.append(i)
            continue
        n["quarantined"] += 1
        own = "nxdomain" if str(qp) == ADDED else "sinkhole"   # ADDED's own action
        if kind in BLOCKED_DROP:
            logged.append((i, "drop", str(qp)))
        else:
            want_ans.append((i, "wall" if own == "sinkhole" else "nx"))
            logged.append((i, own, str(qp)))
    check(qcount["in"] > 300 and qcount["out"] > 300,
          f"the capture mixes quarantined ({qcount['in']}) and other ({qcount['out']}) queries")

    fwd = read_pcap(j("net-out.pcap"))
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
    check(len(fwd) == len(want_fwd), f"forwarded {len(fwd)} frames, model says {len(want_fwd)}")
    check(others == [frames[i] for i in want_fwd if kind_of[i] != "fragment"],
          "forwarded frames identical to the input, in order")
    a = decode(j("sub-out.pcap"))
    check(len(a) == len(want_ans), f"answered {len(a)}, model says {len(want_ans)}")
    bad = ede = 0
    for (i, why), r in zip(want_ans, a):
        s, qt = q[i], q[i]["dns.qry.type"]
        v4, v6 = (WALL4, WALL6) if why == "wall" else (SINK4, SINK6)
        ok = r["dns.id"] == s["dns.id"] and r["dns.qry.name"] == s["dns.qry.name"]
        if why == "nx":
            ok = ok and r["dns.flags.rcode"] == "3" and r["dns.count.answers"] == "0"
        elif qt in ("1", "255"):                      # ANY: the A record, as a sinkhole
            ok = ok and r["dns.a"] == v4 and r["dns.count.answers"] == "1"
        elif qt == "28":
            ok = ok and r["dns.aaaa"] == v6 and r["dns.count.answers"] == "1"
        else:
            ok = ok and r["dns.count.answers"] == "0" and r["dns.flags.rcode"] == "0"
        # EDNS: EDE 17 Filtered for quarantine (policy), 15 Blocked for a listed name
        if s["dns.count.add_rr"] == "1" and kind_of[i] not in ("ancount", "edns_version"):
            ok = ok and r["dns.opt.ext_error.info_code"] == ("15" if why == "list" else "17")
            ede += why != "list"
        if not ok:
            bad += 1
            if bad < 4:
                print("  answer to frame", i, why, "query", s, "answer", r)
    check(ede > 50, f"EDE 17 checked on {ede} quarantine answers")
    check(bad == 0, f"{len(want_ans) - bad} of {len(want_ans)} answers right "
          "(walled garden for quarantine, the list's sinkhole for blocked names)")

    c = counters(run.stdout)
    got = tuple(c.get(k, -1) for k in ("queries", "optout_queries", "filtered", "quarantined",
                                        "quarantine_allowed", "answered"))
    want = (n["queries"], n["optout"], n["filtered"], n["quarantined"], n["allowed"],
            len(want_ans))
    check(got == want, f"counters (queries, optout, filtered, quarantined, quarantine_allowed, "
          f"answered) {got} == model {want}")
    check(n["quarantined"] > 100 and n["allowed"] > 20, f"model exercised: {n}")
    check(sum(1 for _, w in want_ans if w == "nx") > 10, "some answers by a prefix's own action")

    recs = [json.loads(l) for l in open(j("hits.jsonl"))]
    check(len(recs) == len(logged), f"hit log has {len(recs)} records, model {len(logged)}")
    badlog = 0
    for rec, (i, action, pfx) in zip(recs, logged):
        s = q[i]
        ok = (rec["client"] == (s["ip.src"] or s["ipv6.src"]) and rec["action"] == action and
              rec.get("trigger") == ("client-ip" if pfx else "qname") and
              rec.get("match") == pfx and
              rec["identifier"] == ("quarantine" if pfx else "TEST-0001"))
        if not ok:
            badlog += 1
            if badlog < 4:
                print("  hit record", rec, "for frame", i, action, pfx)
    check(badlog == 0, f"hit log: trigger client-ip and the matched prefix ({badlog} wrong)")
    print(f"model: queries {n['queries']}, quarantined {n['quarantined']}, allowed "
          f"{n['allowed']}, filtered {n['filtered']}, forwarded {len(want_fwd)}, "
          f"answered {len(want_ans)}")
    subprocess.run(["rm", "-rf", tmp])
    return report()


sys.exit(main())
