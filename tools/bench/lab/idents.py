#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Many identifiers: a native list of N entries under K identifiers, interleaved (entry i
under identifier i mod K), loaded by each binary given. Measured over the control socket:
start (process start to `status` answering with every entry), `reload` duration, and
`status`/`stats` answer times once loaded (they walk the identifiers).

  idents.py --dnsgate BIN [--before BIN] [--entries 1000000] [--idents 100000] [--work DIR]
"""
import argparse
import os
import re
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "lab"))
from dgctl import request  # noqa: E402


def run(binary, tag, o):
    w = os.path.join(o.work, tag)
    os.makedirs(w, exist_ok=True)
    sock = os.path.join(w, "ctl.sock")
    with open(os.path.join(w, "dnsgate.ini"), "w") as f:
        f.write(f"""[eal]
args = --no-huge -m 1024 --no-pci -l 0-1 --log-level=*:warning --file-prefix dgid{os.getpid()}{tag}
vdev = net_null0,no-rx=1
vdev = net_null1,no-rx=1
[ports]
pair = net_null0 net_null1
[mgmt]
stats_interval = 0
[filter]
list = native {o.list}
[ctl]
socket = {sock}
""")
    t0 = time.monotonic()
    p = subprocess.Popen([binary, "--", "--config", os.path.join(w, "dnsgate.ini")],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while True:
        if p.poll() is not None:
            raise SystemExit(f"{tag}: dnsgate exited {p.returncode}")
        if os.path.exists(sock):
            try:
                ok, st, _ = request(sock, "status")
                m = re.search(r"^entries: (\d+)", st, re.M)
                if ok and m and int(m.group(1)) >= o.entries:
                    break
            except OSError:
                pass
        time.sleep(0.05)
    res = {"binary": tag, "start_s": round(time.monotonic() - t0, 2)}
    ok, _, dt = request(sock, "reload")
    res["reload_s"] = round(dt, 2) if ok else None
    for cmd in ("status", "stats"):
        ts = sorted(request(sock, cmd)[2] for _ in range(5))
        res[f"{cmd}_ms"] = round(1e3 * ts[2], 2)
    p.send_signal(signal.SIGINT)
    p.wait(timeout=300)
    return res


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dnsgate", required=True)
    ap.add_argument("--before", default="")
    ap.add_argument("--entries", type=int, default=1000000)
    ap.add_argument("--idents", type=int, default=100000)
    ap.add_argument("--work", default="")
    o = ap.parse_args()
    o.work = o.work or tempfile.mkdtemp(prefix="dg-idents.")
    o.list = os.path.join(o.work, "list.txt")
    with open(o.list, "w") as f:
        for i in range(o.entries):
            f.write(f"n{i}.idents.test ID-{i % o.idents:06d} backdoor nxdomain exact - -\n")
    bins = [("after", o.dnsgate)] + ([("before", o.before)] if o.before else [])
    print(f"{o.entries} entries under {o.idents} identifiers, interleaved")
    print(f"{'binary':8} {'start s':>8} {'reload s':>9} {'status ms':>10} {'stats ms':>9}")
    for tag, b in bins:
        r = run(b, tag, o)
        print(f"{r['binary']:8} {r['start_s']:>8} {r['reload_s']!s:>9} {r['status_ms']:>10} "
              f"{r['stats_ms']:>9}", flush=True)


if __name__ == "__main__":
    main()
