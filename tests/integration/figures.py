#!/usr/bin/env python3
"""Every figure true: a capture with every outcome, and every place a figure is published.

The capture (built here, without dnsgate's code) holds queries that are answered (sinkhole,
NXDOMAIN with an SOA, with and without EDNS), dropped by their entry, dropped as unsafe
(source port below 1024), dropped by the reflection guard over its limit, logged only,
allowed, listed outside their dates, from an opted-out subscriber, and benign. The test
knows what each one must become. An answer too big for the client's UDP size (TC=1) cannot
be made through the config: a question is at most 259 bytes and the SOA line at most 197
characters (inih), under 512 bytes together; tests/unit/decide checks that path with
longer SOA names, and here `truncated` must be 0 everywhere.

Then the figures must agree exactly, to the query: the model, the exit summary, `stats`
(text and JSON), DPDK telemetry, the Prometheus textfile, the stats history (intervals and
per identifier), the hit log (lines, per action, per identifier, per reason) and the
report's CSV.

  figures.py BUILD_DIR
"""
import csv
import io
import json
import os
import struct
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True  # nothing written into the source tree
from itest import check, counters, history, csum, qname, report, telemetry, write_pcap  # noqa: E402

BUILD = sys.argv[1]
DNSGATE = os.path.join(BUILD, "app/dnsgate/dnsgate")
CTL = os.path.join(BUILD, "tools/dnsgatectl/dnsgatectl")
REPORT = os.path.join(BUILD, "tools/report/dnsgate-report")
RES = bytes([198, 18, 0, 1])
GUARD_BURST = 10


def ip(a):
    return bytes(int(x) for x in a.split("."))


def frame(src, name, qid, sport=40000, edns=False, qtype=1):
    """An Ethernet/IPv4/UDP query from @p src to the resolver, checksums right."""
    msg = struct.pack("!HHHHHH", qid, 0x0100, 1, 0, 0, 1 if edns else 0)
    msg += qname(name) + struct.pack("!HH", qtype, 1)
    if edns:
        msg += b"\0" + struct.pack("!HHIH", 41, 1232, 0, 0)
    s = ip(src)
    udp = struct.pack("!HHHH", sport, 53, 8 + len(msg), 0) + msg
    c = csum(s + RES + struct.pack("!BBH", 0, 17, len(udp)) + udp) or 0xFFFF
    udp = udp[:6] + struct.pack("!H", c) + udp[8:]
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), qid, 0, 64, 17, 0, s, RES)
    hdr = hdr[:10] + struct.pack("!H", csum(hdr)) + hdr[12:]
    return bytes.fromhex("020000000001020000000002") + b"\x08\x00" + hdr + udp


LIST = """\
# name identifier category action mode start end
sink.fig.test FIG-SINK backdoor sinkhole subtree - -
nx.fig.test FIG-NX botnet nxdomain exact - -
drop.fig.test FIG-DROP ddos drop exact - -
log.fig.test FIG-LOG phishing log-only exact - -
ok.sink.fig.test FIG-OK backdoor allow subtree - -
old.fig.test FIG-OLD backdoor sinkhole exact 2020-01-01 2020-12-31
future.fig.test FIG-FUT backdoor sinkhole exact 2099-01-01 -
"""


def outputs_ini(j, burst=GUARD_BURST):
    """The config sections after [mgmt]: the list, answers, a guard of rate 1 and
    @p burst, the opt-out file, the hit log and the history, in the files j(NAME)."""
    return f"""[filter]
list = native {j('list.txt')}
[answer]
sinkhole_v4 = 198.18.255.1
soa = fig.test ns.fig.test hostmaster.fig.test 1 3600 600 86400 60
[guard]
rate = 1
burst = {burst}
[optout]
file = {j('optout.txt')}
[log]
file = {j('hits.jsonl')}
[stats]
history = {j('history.db')}
interval = 1
"""


def capture():
    """The frames, and what each kind must count. Sources 198.18.1.N stay under the
    guard's burst; 198.18.2.1 goes over it; 198.18.9.1 opted out."""
    frames, qid = [], 1
    model = {"sink": 0, "nx": 0, "drop": 0, "lowport": 0, "log": 0, "allow": 0,
             "dated": 0, "benign": 0, "optout": 0, "guard": 0}

    def add(kind, src, name, **kw):
        nonlocal qid
        frames.append(frame(src, name, qid & 0xFFFF, **kw))
        qid += 1
        model[kind] += 1

    for n in range(1, 21):
        src = f"198.18.1.{n}"
        for k in range(3):
            add("sink", src, f"h{k}.sink.fig.test")
        add("nx", src, "nx.fig.test", edns=True)
        add("nx", src, "nx.fig.test")
        add("drop", src, "drop.fig.test")
        add("lowport", src, "sink.fig.test", sport=1000 + n)
        add("log", src, "log.fig.test")
        add("allow", src, "www.ok.sink.fig.test")
        add("dated", src, "old.fig.test")
        add("dated", src, "future.fig.test")
        for k in range(4):
            add("benign", src, f"b{n}-{k}.benign.test")
        add("optout", "198.18.9.1", "sink.fig.test")
        add("optout", "198.18.9.1", f"b{n}.benign.test")
    for k in range(50):
        add("guard", "198.18.2.1", f"g{k}.sink.fig.test")
    return frames, model


def prom(path):
    out = {}
    for line in open(path).read().splitlines():
        if line and not line.startswith("#"):
            k, v = line.rsplit(" ", 1)
            out[k] = float(v)
    return out



def check_hits_history(hits_path, db_path, want, g_rl):
    """The hit log (one line per filtered query: by action, identifier, rate-limited reason)
    and the history (intervals and identifiers) against the counts @want; @g_rl queries were
    dropped by the reflection guard."""
    hits = [json.loads(line) for line in open(hits_path)]
    check(len(hits) == want["filtered"], f"hit log lines {len(hits)} == filtered {want['filtered']}")
    by = lambda f: {v: sum(1 for h in hits if h.get(f) == v) for v in {h.get(f) for h in hits}}
    act = by("action")
    for a in ("sinkhole", "nxdomain", "drop", "log-only"):
        check(act.get(a, 0) == want[f"verdict.{a}"], f"hit log {a}: {act.get(a, 0)}")
    ids = by("identifier")
    for k in ("FIG-SINK", "FIG-NX", "FIG-DROP", "FIG-LOG"):
        check(ids.get(k, 0) == want[f"identifier.{k}"], f"hit log {k}: {ids.get(k, 0)}")
    check(sum(1 for h in hits if h.get("reason") == "rate_limited") == g_rl,
          f"hit log rate_limited lines: {by('reason')}")
    hist, hid = history(db_path)
    for k, v in hist.items():
        check(v == want[k], f"history {k}: {v} (counted {want[k]})")
    for k in ("FIG-SINK", "FIG-NX", "FIG-DROP", "FIG-LOG"):
        check(hid.get(k) == want[f"identifier.{k}"], f"history {k}: {hid.get(k)}")

def main():
    d = tempfile.mkdtemp(prefix="dg-fig.")
    j = lambda *p: os.path.join(d, *p)
    frames, m = capture()
    write_pcap(j("sub-in.pcap"), frames)
    write_pcap(j("net-in.pcap"))
    with open(j("list.txt"), "w") as f:
        f.write(LIST)
    with open(j("optout.txt"), "w") as f:
        f.write("198.18.9.0/24\n")
    prefix = f"dgfig{os.getpid()}"
    with open(j("dnsgate.ini"), "w") as f:
        f.write(f"""[eal]
args = --no-huge -m 512 --no-pci --file-prefix {prefix} -l 0-1 --log-level=*:warning
vdev = net_pcap0,rx_pcap={j('sub-in.pcap')},tx_pcap={j('sub-out.pcap')}
vdev = net_pcap1,rx_pcap={j('net-in.pcap')},tx_pcap={j('net-out.pcap')}
[ports]
pair = net_pcap0 net_pcap1
[mgmt]
run_for = 60
stats_interval = 0
""" + outputs_ini(j) + f"""prometheus = {j('dnsgate.prom')}
prometheus_interval = 1
[ctl]
socket = {j('ctl.sock')}
""")
    p = subprocess.Popen([DNSGATE, "--", "--config", j("dnsgate.ini")],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    ctl = lambda *a: subprocess.run([CTL, "-s", j("ctl.sock")] + list(a),
                                    capture_output=True, text=True).stdout
    for _ in range(400):
        if os.path.exists(j("ctl.sock")) and \
                counters(ctl("stats")).get("port.net_pcap0.rx") == len(frames):
            break
        time.sleep(0.05)
    if not os.path.exists(j("ctl.sock")):
        p.kill()
        out, err = p.communicate()
        check(False, f"dnsgate did not start: {err[-600:]}")
        return report()
    time.sleep(2.5)  # an interval closes, the textfile is rewritten
    text = counters(ctl("stats"))
    doc = json.loads(ctl("--json", "stats"))
    tel = telemetry(f"/var/run/dpdk/{prefix}/dpdk_telemetry.v2", "/dnsgate/stats")
    pr = prom(j("dnsgate.prom"))
    p.send_signal(2)
    out, err = p.communicate(timeout=60)
    check(p.returncode == 0, f"dnsgate exit status {p.returncode}: {err[-300:]}")
    summ = counters(out)

    # --- the model ------------------------------------------------------------------------
    g_ans = text.get("verdict.sinkhole", 0) - 3 * 20
    g_rl = text.get("dropped.rate_limited", 0)
    want = {
        "queries": len(frames) - m["optout"],
        "optout_queries": m["optout"],
        "answered": m["sink"] + m["nx"] + g_ans,
        "truncated": 0,
        "verdict.sinkhole": m["sink"] + g_ans,
        "verdict.nxdomain": m["nx"],
        "verdict.drop": m["drop"] + m["lowport"] + g_rl,
        "verdict.log-only": m["log"],
        "verdict.allow": m["allow"],
        "dropped.action_drop": m["drop"],
        "dropped.rate_limited": g_rl,
        "filtered": m["sink"] + m["nx"] + m["drop"] + m["lowport"] + m["log"] +
                    m["guard"],
        "identifier.FIG-SINK": m["sink"] + m["lowport"] + m["guard"],
        "identifier.FIG-NX": m["nx"],
        "identifier.FIG-DROP": m["drop"],
        "identifier.FIG-LOG": m["log"],
    }
    check(g_ans + g_rl == m["guard"] and GUARD_BURST <= g_ans <= GUARD_BURST + 5,
          f"the guard answered its burst ({g_ans}) and dropped the rest ({g_rl}) of "
          f"{m['guard']}")
    low = sum(v for k, v in text.items() if k.startswith("dropped.") and
              k not in ("dropped.action_drop", "dropped.rate_limited"))
    check(low == m["lowport"], f"the low source ports dropped as unsafe: {low}")
    for k, v in want.items():
        check(text.get(k, 0) == v, f"stats {k}: {text.get(k, 0)} (model {v})")
    for k in ("identifier.FIG-OK", "identifier.FIG-OLD", "identifier.FIG-FUT"):
        check(text.get(k, 0) == 0, f"{k}: no hits (allow, outside its dates)")
    check(text.get("port.net_pcap1.tx") == len(frames) - m["sink"] - m["nx"] -
          m["drop"] - m["lowport"] - m["guard"],
          f"forwarded to the network: {text.get('port.net_pcap1.tx')}")

    # --- the other outputs ----------------------------------------------------------------
    def jget(path):
        v = doc
        for part in path.split("."):
            v = v.get(part) if isinstance(v, dict) else None
        return v

    for k, v in want.items():
        check(summ.get(k, 0) == v, f"summary {k}: {summ.get(k, 0)} (stats {v})")
        check((jget(k) or 0) == v, f"stats --json {k}: {jget(k)} (stats {v})")
    for k in ("queries", "optout_queries", "answered", "truncated", "filtered"):
        check(tel.get(k) == want[k], f"telemetry {k}: {tel.get(k)} (stats {want[k]})")
        check(pr.get(f"dnsgate_{k}_total") == want[k],
              f"Prometheus dnsgate_{k}_total: {pr.get(f'dnsgate_{k}_total')}")
    for a in ("sinkhole", "nxdomain", "drop", "log-only", "allow"):
        key = f'dnsgate_verdict_total{{action="{a}"}}'
        check(pr.get(key) == want[f"verdict.{a}"], f"Prometheus {key}: {pr.get(key)}")

    check_hits_history(j("hits.jsonl"), j("history.db"), want, g_rl)

    # the report's CSV, for this month
    month = time.strftime("%Y-%m", time.gmtime())
    r = subprocess.run([REPORT, "--db", j("history.db"), "--from", month, "--to", month,
                        "--format", "csv"], capture_output=True, text=True)
    check(r.returncode == 0, f"dnsgate-report exit {r.returncode}: {r.stderr[-200:]}")
    rows = list(csv.DictReader(io.StringIO(r.stdout)))
    mon = [x for x in rows if x["section"] == "month" and x["period"] == month]
    got = {k: int(mon[0][k]) for k in ("queries", "optout_queries", "filtered")} if mon else {}
    check(got == {k: want[k] for k in ("queries", "optout_queries", "filtered")},
          f"report CSV month {month}: {got}")
    hits_csv = {x["identifier"]: int(x["hits"]) for x in rows if x["section"] == "identifier"}
    for k in ("FIG-SINK", "FIG-NX", "FIG-DROP", "FIG-LOG"):
        check(hits_csv.get(k) == want[f"identifier.{k}"],
              f"report CSV {k}: {hits_csv.get(k)} (stats {want[f'identifier.{k}']})")
    check(all(hits_csv.get(k, 0) == 0 for k in ("FIG-OK", "FIG-OLD", "FIG-FUT")),
          f"report CSV: no hits for allow and out-of-date identifiers: {hits_csv}")
    print(f"figures: {len(frames)} frames, queries {want['queries']}, filtered "
          f"{want['filtered']}, answered {want['answered']} (truncated {want['truncated']}), "
          f"guard {g_ans} answered / {g_rl} dropped, opt-out {m['optout']}")
    subprocess.run(["rm", "-rf", d])
    return report()


if __name__ == "__main__":
    sys.exit(main())
