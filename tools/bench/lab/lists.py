#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Live lists, measured (called by tools/bench/lists.sh): for each list size and each
binary (this build, and DG_BEFORE's when given), dnsgate replays a benign capture from
net_pcap (infinite_rx) into net_null with a list of N synthetic names, and the script
measures over the control socket and /proc:

- start: process start to the first inspected query (DPDK telemetry /dnsgate/stats), with
  the lists parsed (cold) and, for a build that has [filter] image, from the image (warm);
- add/del: command latency (request sent to answer read), 20 of each;
- reload: its duration, and `status` latency while it runs (median, max, answered count);
- memory: steady RSS (VmRSS once the start is done) above the no-list run, per entry, and
  the peak during a reload (VmHWM, reset with /proc/PID/clear_refs before it) over steady.

Prints one JSON object per (binary, size) line and a table."""
import argparse
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "lab"))
from dgctl import request  # noqa: E402


def tel(path, cmd):
    try:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        s.connect(path)
        s.recv(4096)
        s.send(cmd.encode())
        r = json.loads(s.recv(65536).decode())[cmd]
        s.close()
        return r
    except (OSError, ValueError, KeyError):
        return None


def proc_kb(pid, key):
    with open(f"/proc/{pid}/status") as f:
        m = re.search(rf"^{key}:\s+(\d+) kB", f.read(), re.M)
    return int(m.group(1)) if m else 0


class Run:
    def __init__(self, o, binary, tag, n, image):
        self.o, self.tag = o, tag
        w = os.path.join(o.work, tag)
        os.makedirs(w, exist_ok=True)
        self.sock = os.path.join(w, "ctl.sock")
        self.prefix = f"dgll{os.getpid()}{tag}"
        lst = os.path.join(o.work, f"list-{n}.txt")
        with open(os.path.join(w, "dnsgate.ini"), "w") as f:
            f.write(f"""[eal]
args = --no-huge -m 1024 --no-pci -l 0-1 --log-level=*:warning --file-prefix {self.prefix}
vdev = net_pcap0,rx_pcap={o.pcap},infinite_rx=1
vdev = net_null0,no-rx=1
[ports]
pair = net_pcap0 net_null0
mbufs = {o.frames * 2 + 16384}
[mgmt]
stats_interval = 0
[filter]
{"list = domains " + lst if n > 0 else ""}
{"image = " + os.path.join(w, "snap.img") if image else ""}
[guard]
rate = 0
[ctl]
socket = {self.sock}
{"journal = " + os.path.join(w, "journal") if o.journal and image else ""}
""")
        self.cmd = [binary, "--", "--config", os.path.join(w, "dnsgate.ini")]
        self.tel = f"/var/run/dpdk/{self.prefix}/dpdk_telemetry.v2"

    def start(self):
        if os.path.exists(self.sock):
            os.unlink(self.sock)
        t0 = time.monotonic()
        self.p = subprocess.Popen(self.cmd, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.PIPE, text=True)
        while self.p.poll() is None:
            st = tel(self.tel, "/dnsgate/stats")
            if st and st.get("queries", 0) > 0:
                return time.monotonic() - t0
            time.sleep(0.01)
        raise SystemExit(f"{self.tag}: dnsgate exited {self.p.returncode}: "
                         f"{self.p.stderr.read()[-500:]}")

    def idle(self):
        """Wait until no build runs (the image written, the metadata walked)."""
        for _ in range(6000):
            ok, st, _ = request(self.sock, "status")
            b = re.search(r"^build: (.*)$", st, re.M)
            if ok and (b is None or b.group(1) == "idle"):
                return
            time.sleep(0.1)

    def stop(self):
        self.p.send_signal(signal.SIGINT)
        _, err = self.p.communicate(timeout=300)
        return err


def latencies(xs):
    xs = sorted(xs)
    return {"median_ms": round(1e3 * xs[len(xs) // 2], 3),
            "p99_ms": round(1e3 * xs[min(len(xs) - 1, len(xs) * 99 // 100)], 3),
            "max_ms": round(1e3 * xs[-1], 3), "within_10ms": round(
                sum(1 for x in xs if x <= 0.010) / len(xs), 4), "n": len(xs)} if xs else {}


def measure(o, binary, tag, n, image, base_rss):
    r = Run(o, binary, tag, n, image)
    res = {"binary": tag, "entries": n, "journal": bool(o.journal and image)}
    res["start_cold_s"] = round(r.start(), 3)
    r.idle()
    if image:
        r.stop()
        res["start_image_s"] = round(r.start(), 3)
        r.idle()
    rss = proc_kb(r.p.pid, "VmRSS")
    res["rss_kb"] = rss
    if base_rss is not None and n > 0:
        res["bytes_per_entry"] = round((rss - base_rss) * 1024 / n, 1)
    adds, dels = [], []
    for i in range(o.changes):
        ok, body, dt = request(r.sock, f"add bench{i}.live-lists.test id=BENCH action=nxdomain")
        adds.append(dt)
    for i in range(o.changes):
        ok, body, dt = request(r.sock, f"del bench{i}.live-lists.test")
        dels.append(dt)
    res["add"], res["del"] = latencies(adds), latencies(dels)
    if n > 0:
        with open(f"/proc/{r.p.pid}/clear_refs", "w") as f:
            f.write("5")
        out = {}
        th = threading.Thread(target=lambda: out.update(r=request(r.sock, "reload")))
        t0 = time.monotonic()
        th.start()
        lat = []
        time.sleep(0.05)
        while th.is_alive():
            ok, st, dt = request(r.sock, "status", timeout=600)
            if th.is_alive():
                lat.append(dt)
            time.sleep(0.02)
        th.join()
        res["reload_s"] = round(time.monotonic() - t0, 3)
        res["reload_ok"] = out["r"][0]
        res["status_during_reload"] = latencies(lat)
        r.idle()
        hwm = proc_kb(r.p.pid, "VmHWM")
        res["peak_rss_kb"] = hwm
        res["peak_over_steady"] = round(hwm / rss, 3) if rss else None
    err = r.stop()
    res["exit"] = r.p.returncode
    if r.p.returncode != 0:
        res["stderr"] = err[-300:]
    return res


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dnsgate", required=True)
    ap.add_argument("--before", default="")
    ap.add_argument("--pcap", required=True)
    ap.add_argument("--frames", type=int, default=32768, help="frames in the capture")
    ap.add_argument("--no-journal", dest="journal", action="store_false",
                    help="no [ctl] journal: add/del latency without its fdatasync")
    ap.add_argument("--work", required=True)
    ap.add_argument("--sizes", default="1000 1000000 10000000")
    ap.add_argument("--changes", type=int, default=20)
    ap.add_argument("--out", required=True)
    o = ap.parse_args()
    rows = []
    bins = [("after", o.dnsgate, True)] + ([("before", o.before, False)] if o.before else [])
    for tag, binary, image in bins:
        base = measure(o, binary, f"{tag}-0", 0, False, None)
        rows.append(base)
        print(json.dumps(base), flush=True)
        for n in [int(x) for x in o.sizes.split()]:
            row = measure(o, binary, f"{tag}-{n}", n, image, base["rss_kb"])
            rows.append(row)
            print(json.dumps(row), flush=True)
    with open(o.out, "w") as f:
        json.dump(rows, f, indent=1)
    print(f"{'binary':8} {'entries':>9} {'start':>7} {'image':>7} {'add med/max ms':>16} "
          f"{'del med/max ms':>16} {'reload s':>8} {'status med/max ms':>18} {'B/entry':>8} "
          f"{'peak/steady':>11}")
    for r in rows:
        if r["entries"] == 0:
            continue
        a, d, s = r["add"], r["del"], r.get("status_during_reload", {})
        print(f"{r['binary']:8} {r['entries']:>9} {r['start_cold_s']:>7.2f} "
              f"{r.get('start_image_s', float('nan')):>7.2f} "
              f"{a.get('median_ms', 0):>7.2f}/{a.get('max_ms', 0):<8.2f} "
              f"{d.get('median_ms', 0):>7.2f}/{d.get('max_ms', 0):<8.2f} "
              f"{r.get('reload_s', 0):>8.2f} "
              f"{s.get('median_ms', 0):>8.2f}/{s.get('max_ms', 0):<9.2f} "
              f"{r.get('bytes_per_entry', 0):>8.1f} {r.get('peak_over_steady') or 0:>11.2f}")


if __name__ == "__main__":
    main()
