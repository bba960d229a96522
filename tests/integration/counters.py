#!/usr/bin/env python3
"""The counter registry end to end: every row `dnsgate --counters` lists (and
docs/counters.md shows, the same) must be in all four outputs of a running appliance -
`dnsgatectl stats`, `dnsgatectl --json stats`, DPDK telemetry and the Prometheus textfile -
under the names docs/counters.md gives, and the counters that no longer move must read the
same in all four and in the summary at exit.

The appliance replays tests/data/demo.pcap with the demo list and two frames more (a DoH
ClientHello to a listed address, a canary query), with a control socket, an audit log, a
Prometheus textfile, a feed and encrypted DNS counted, in a network namespace of its own (the feed's
primary, 198.18.3.1, is unreachable there, so its transfers fail at once and it has
counters to show). Needs root (netns).

  counters.py BUILD_DIR
"""
import json
import os
import re
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True  # nothing written into the source tree
from itest import (CLI4, check, client_hello, counters, dns_query, eth, read_pcap, records, report,
                   tcp, telemetry, udp_ip4, write_pcap)

BUILD = sys.argv[1]
SRC = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
DNSGATE = os.path.join(BUILD, "app/dnsgate/dnsgate")
CTL = os.path.join(BUILD, "tools/dnsgatectl/dnsgatectl")
NS = f"dgctr{os.getpid()}"
PORTS = ("net_pcap0", "net_pcap1")
DOH4 = bytes([198, 18, 0, 53])  # on the DoH address list
FRAMES = 5002                   # demo.pcap's 5000 and the two
# Counters that move while the appliance idles (time, loops, polls, our own requests).
MOVING = re.compile(r"^(uptime_seconds|loops|cycles\..*|watchdog\..*|ctl\..*|feed\..*)$")


def registry():
    """The rows of `dnsgate --counters`: (name, type, scope, array label or None)."""
    out = subprocess.run([DNSGATE, "--counters"], capture_output=True, text=True, check=True)
    rows = []
    for line in out.stdout.splitlines()[2:]:
        f = [c.strip() for c in line.strip("|").split("|")]
        rows.append({"name": f[0].strip("`"), "counter": f[1].startswith("counter"),
                     "seconds": "seconds" in f[1], "port": f[2] == "port",
                     "label": None if f[3] == "-" else f[3].split(",")[0],
                     "line": line})
    return out.stdout, rows


def key(s):
    return re.sub(r"[^A-Za-z0-9_]", "_", s)


def family(r):
    f = "dnsgate_" + ("port_" if r["port"] else "") + r["name"].replace(".", "_")
    if r["seconds"] and not r["name"].endswith("_seconds"):
        f += "_seconds"
    return f + ("_total" if r["counter"] else "")


def dig(d, path):
    for p in path:
        if not isinstance(d, dict) or p not in d:
            return None
        d = d[p]
    return d


def prom_samples(text):
    """{family: {labels text: value}} of a Prometheus page, and {family: type}."""
    samples, types = {}, {}
    for line in text.splitlines():
        m = re.match(r"# TYPE (\S+) (\S+)$", line)
        if m:
            types[m.group(1)] = m.group(2)
            samples.setdefault(m.group(1), {})
            continue
        m = re.match(r"([a-z_]+)(\{.*\})? (\S+)$", line)
        if m:
            samples.setdefault(m.group(1), {})[m.group(2) or ""] = float(m.group(3))
    return samples, types


def appliance(tmp):
    j = lambda *p: os.path.join(tmp, *p)
    write_pcap(j("empty.pcap"))
    write_pcap(j("sub-in.pcap"), read_pcap(f"{SRC}/tests/data/demo.pcap") + [
        eth(0x0800, tcp(CLI4, DOH4, 443, 0x18, 1, 1, records(client_hello("doh.example")))),
        eth(0x0800, udp_ip4(dns_query(7, "use-application-dns.net")))])
    with open(j("doh.txt"), "w") as f:
        f.write("198.18.0.53\n")
    with open(j("dnsgate.ini"), "w") as f:
        f.write(f"""[eal]
args = --no-huge -m 512 --no-pci --file-prefix {NS} -l 0-1 --log-level=*:critical
vdev = net_pcap0,rx_pcap={j('sub-in.pcap')},tx_pcap={j('sub-out.pcap')}
vdev = net_pcap1,rx_pcap={j('empty.pcap')},tx_pcap={j('net-out.pcap')}
[ports]
pair = net_pcap0 net_pcap1
[mgmt]
run_for = 60
stats_interval = 0
[filter]
list = native {SRC}/tests/data/demo-list.native
[ctl]
socket = {j('ctl.sock')}
audit = {j('audit.log')}
[stats]
prometheus = {j('dnsgate.prom')}
prometheus_interval = 1
[feed]
zone = rpz.example
primary = 198.18.3.1
state_dir = {j('feed')}
[intercept]
canary = yes
doh = count
doh_addresses = {j('doh.txt')}
""")
    return subprocess.Popen(["ip", "netns", "exec", NS, DNSGATE, "--", "--config",
                             j("dnsgate.ini")], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)


def check_row(r, text, doc, tel, prom, types):
    """One registry row in the four outputs; returns its values per output, by key."""
    name, label = r["name"], r["label"]
    ports = PORTS if r["port"] else (None,)
    vals = {}
    for p in ports:
        pre = f"port.{p}." if p else ""
        if label is None:
            vals[(p, None)] = {"text": text.get(pre + name)}
        else:
            for k, v in text.items():
                if k.startswith(pre + name + "."):
                    vals[(p, k[len(pre + name) + 1:])] = {"text": v}
        jpath = (["ports", p] if p else []) + name.split(".")
        jv = dig(doc, jpath)
        check(jv is not None and isinstance(jv, dict) == (label is not None),
              f"{name}{' on ' + p if p else ''}: in stats --json")
        if label is not None and isinstance(jv, dict):
            check(set(k for (q, k) in vals if q == p) <= set(jv),
                  f"{name}: the text's elements are the JSON's")
            for k, v in jv.items():
                vals.setdefault((p, k), {})["json"] = v
        elif label is None:
            vals[(p, None)]["json"] = jv
    # telemetry: global rows in /dnsgate/stats (identifiers apart), port rows in
    # /dnsgate/ports, a port's extended statistics in a command of their own
    for p in ports:
        if name == "identifier":
            t = tel["/dnsgate/identifier"]
        elif name == "nic.xstats":
            t = tel["/dnsgate/nic_xstats," + p]
        elif p:
            t = dig(tel["/dnsgate/ports"], [key(p), key(name)])
        else:
            t = dig(tel["/dnsgate/stats"], [key(name)])
        check(t is not None and isinstance(t, dict) == (label is not None),
              f"{name}{' on ' + p if p else ''}: in telemetry")
        for (q, k), v in vals.items():
            if q == p and t is not None:
                tv = t.get(key(k)) if k is not None and isinstance(t, dict) else t
                v["tel"] = float(tv) if isinstance(tv, str) else tv  # seconds: a string
    # Prometheus
    fam = family(r)
    check(types.get(fam) == ("counter" if r["counter"] else "gauge"),
          f"{name}: Prometheus family {fam} ({types.get(fam)})")
    for (p, k), v in vals.items():
        labels = [f'port="{p}"'] if p else []
        if k is not None:
            labels.append(f'{label}="{k}"')
        for lab, val in prom.get(fam, {}).items():
            if all(x in lab for x in labels) and (labels or lab == ""):
                v["prom"] = val
    check(any(v.get("text") is not None for v in vals.values()), f"{name}: in stats")
    return vals


def main():
    if os.geteuid() != 0:
        check(False, "counters.py needs root (network namespace)")
        return report()
    listing, rows = registry()
    doc_md = open(os.path.join(SRC, "docs/counters.md")).read()
    table = doc_md.split("<!-- dnsgate --counters -->\n")[1].split("<!-- end -->")[0]
    check(table == listing, "docs/counters.md shows the table `dnsgate --counters` prints")
    check(len(rows) > 50, f"{len(rows)} counters in the registry")

    tmp = tempfile.mkdtemp(prefix="dg-ctr.")
    j = lambda *p: os.path.join(tmp, *p)
    subprocess.run(["ip", "netns", "add", NS], check=True)
    proc = None
    try:
        subprocess.run(["ip", "netns", "exec", NS, "ip", "link", "set", "lo", "up"], check=True)
        proc = appliance(tmp)
        ctl = lambda *a: subprocess.run([CTL, "-s", j("ctl.sock")] + list(a),
                                        capture_output=True, text=True).stdout
        for _ in range(200):
            if os.path.exists(j("ctl.sock")) and counters(ctl("stats")).get("port.net_pcap0.rx") == FRAMES:
                break
            time.sleep(0.05)
        time.sleep(2.5)  # the textfile's refresh and the identifier copy catch up
        tpath = f"/var/run/dpdk/{NS}/dpdk_telemetry.v2"
        tel = {c: telemetry(tpath, c) for c in
               ("/dnsgate/stats", "/dnsgate/ports", "/dnsgate/identifier",
                "/dnsgate/nic_xstats,net_pcap0", "/dnsgate/nic_xstats,1")}
        tel["/dnsgate/nic_xstats,net_pcap1"] = tel.pop("/dnsgate/nic_xstats,1")
        text = counters(ctl("stats"))
        doc = json.loads(ctl("--json", "stats"))
        prom, types = prom_samples(open(j("dnsgate.prom")).read())
        for r in rows:
            vals = check_row(r, text, doc, tel, prom, types)
            if MOVING.match(r["name"]):
                continue
            bad = {k: v for k, v in vals.items()
                   if len(set(v.get(o) for o in ("text", "json", "tel", "prom"))) != 1}
            check(not bad, f"{r['name']}: the same in text, JSON, telemetry and Prometheus"
                  + (f" ({list(bad.items())[:2]})" if bad else ""))
        check(text.get("port.net_pcap0.rx") == FRAMES and text.get("queries", 0) > 4000 and
              text.get("identifier.DEMO-20260603-0002", 0) > 0 and
              text.get("encdns.doh_address") == 1 and text.get("encdns.canary") == 1 and
              text.get("doh_endpoint.198.18.0.53/32") == 1,
              "the replay was counted (frames, queries, an identifier, encrypted DNS)")
        check(len(tel["/dnsgate/nic_xstats,net_pcap0"]) > 0 and
              all(k.startswith("nic_") for k in tel["/dnsgate/ports"]["net_pcap0"]
                  if k not in {"rx", "tx", "dropped"} and not k.startswith("link_")),
              "telemetry: a port's own counters and its NIC's, extended statistics apart")
        proc.terminate()
        out, _ = proc.communicate(timeout=30)
        summary = counters(out)
        check(proc.returncode == 0, f"dnsgate exit status {proc.returncode}")
        same = [k for k in ("queries", "filtered", "answered", "verdict.sinkhole",
                            "forward.not_ip", "identifier.DEMO-20260603-0002", "encdns.canary",
                            "doh_endpoint.198.18.0.53/32",
                            "port.net_pcap1.nic.opackets") if summary.get(k) != text.get(k)]
        check(not same, f"the summary at exit agrees with stats ({same})")
        check(re.search(rf"^0 +net_pcap0 +subscriber +{FRAMES} ", out, re.M) is not None,
              "the summary's port table")
    finally:
        if proc is not None and proc.poll() is None:
            proc.kill()
            proc.wait()
        subprocess.run(["ip", "netns", "del", NS])
        subprocess.run(["rm", "-rf", tmp])
    return report()


sys.exit(main())
