#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Swap under load (called by tools/bench/run.sh): dnsgate replays a capture from net_pcap
(infinite_rx) into net_null while a loop runs `dnsgatectl reload` of a big list; the port
counters are read over DPDK telemetry every 100 ms. Reports the per-100 ms series, the mean
rate of the intervals that overlap a reload against the others, and the loss:
rx - (tx on both ports + policy drops), and TX dropped. Both must be zero.
The series counts DNS queries (/dnsgate/stats "queries": every frame of a pcapgen dns
capture is one); /dnsgate/ports cannot serve it in DPDK 22.11 (its "port.rx" keys hold a '.',
which rte_tel_data_add_dict_u64 rejects, so the dict comes back empty), and the control
socket answers nothing while its loop runs a reload."""
import argparse
import json
import os
import re
import signal
import socket
import subprocess
import threading
import time


def tel_connect(path, deadline):
    while time.monotonic() < deadline:
        try:
            s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
            s.connect(path)
            s.recv(4096)  # greeting
            return s
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"swap.py: no telemetry socket at {path}")


def tel(s, cmd):
    s.send(cmd.encode())
    return json.loads(s.recv(65536).decode())[cmd]


def main():
    ap = argparse.ArgumentParser()
    for a in ("dnsgate", "ctl", "pcap", "list", "prefix", "work", "out"):
        ap.add_argument("--" + a, required=True)
    ap.add_argument("--frames", type=int, default=32768)
    ap.add_argument("--seconds", type=float, default=20)
    ap.add_argument("--pause", type=float, default=1)
    ap.add_argument("--interval", type=float, default=0.1)
    o = ap.parse_args()
    sock = os.path.join(o.work, "swap.sock")
    ini = os.path.join(o.work, "swap.ini")
    with open(ini, "w") as f:
        f.write(f"""[eal]
args = --no-huge -m 2048 --no-pci -l 0-1 --log-level=*:warning --file-prefix {o.prefix}
vdev = net_pcap0,rx_pcap={o.pcap},infinite_rx=1
vdev = net_null0,no-rx=1
[ports]
pair = net_pcap0 net_null0
mbufs = {o.frames * 2 + 16384}
[mgmt]
stats_interval = 0
[filter]
list = domains {o.list} identifier=BENCH
[answer]
sinkhole_v4 = 198.18.255.1
[guard]
rate = 0
[ctl]
socket = {sock}
""")
    log = open(os.path.join(o.work, "swap.log"), "w")
    p = subprocess.Popen([o.dnsgate, "--", "--config", ini], stdout=log, stderr=subprocess.STDOUT)
    # The sampler and the dnsgatectl clients stay off the worker's CPU (lcore 1): on a
    # 2-CPU machine they would otherwise take the worker's core and count as a dip.
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {0})
    try:
        s = tel_connect(f"/var/run/dpdk/{o.prefix}/dpdk_telemetry.v2", time.monotonic() + 120)
        # Telemetry comes up with the EAL; wait until frames flow (the list is loaded).
        while (tel(s, "/dnsgate/stats") or {}).get("queries", 0) == 0:
            if p.poll() is not None:
                raise SystemExit("swap.py: dnsgate exited early, see swap.log")
            time.sleep(0.1)
        time.sleep(1)  # warm-up
        reloads, stop = [], threading.Event()
        t_base = time.monotonic()

        def loop():
            while not stop.wait(o.pause):
                t0 = time.monotonic()
                r = subprocess.run([o.ctl, "-s", sock, "reload"], capture_output=True, text=True)
                reloads.append((t0 - t_base, time.monotonic() - t_base, r.returncode,
                                (r.stdout + r.stderr).strip()[-200:]))

        th = threading.Thread(target=loop)
        series = []
        last_t, last_rx = time.monotonic(), tel(s, "/dnsgate/stats")["queries"]
        th.start()
        nxt = last_t
        while last_t - t_base < o.seconds:
            nxt += o.interval
            time.sleep(max(0.0, nxt - time.monotonic()))
            now, rx = time.monotonic(), tel(s, "/dnsgate/stats")["queries"]
            series.append((last_t - t_base, now - t_base, (rx - last_rx) / (now - last_t) / 1e6))
            last_t, last_rx = now, rx
        stop.set()
        th.join()
    finally:
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
        p.wait(timeout=60)
        log.close()
    text = open(os.path.join(o.work, "swap.log")).read()
    m = re.search(r"^total rx (\d+) tx (\d+) dropped (\d+)", text, re.M)
    v = re.search(r"^verdict\.drop (\d+)$", text, re.M)
    if not m:
        raise SystemExit("swap.py: no summary from dnsgate:\n" + text[-2000:])
    rx, tx, txdrop = (int(x) for x in m.groups())
    pdrop = int(v.group(1)) if v else 0

    def busy(a, b):
        return any(r0 < b and r1 > a for r0, r1, _, _ in reloads)
    # Means weighted by time (frames / seconds): a sample read late by the telemetry thread
    # (it shares CPU 0 with the reload) moves frames between neighbouring intervals only.
    during = [x for x in series if busy(x[0], x[1])]
    outside = [x for x in series if not busy(x[0], x[1])]
    mean = lambda v: sum(x[2] * (x[1] - x[0]) for x in v) / sum(x[1] - x[0] for x in v) if v else None
    res = {
        "list": o.list, "seconds": o.seconds, "interval_s": o.interval, "pause_s": o.pause,
        "reloads_ok": sum(1 for r in reloads if r[2] == 0),
        "reloads_failed": sum(1 for r in reloads if r[2] != 0),
        "reload_seconds": [round(r[1] - r[0], 3) for r in reloads],
        "reload_errors": [r[3] for r in reloads if r[2] != 0][:3],
        "mpps_during_swaps": mean(during), "mpps_outside_swaps": mean(outside),
        "samples_during": len(during), "samples_outside": len(outside),
        "min_sample_mpps": min(x[2] for x in series) if series else None,
        "rx": rx, "tx": tx, "tx_dropped": txdrop, "policy_drops": pdrop,
        "loss": rx - (tx + pdrop),
        "series": [{"t0": round(a, 3), "t1": round(b, 3), "mpps": round(r, 4),
                    "reload": busy(a, b)} for a, b, r in series],
        "reloads": [{"t0": round(a, 3), "t1": round(b, 3), "rc": rc} for a, b, rc, _ in reloads],
    }
    if during and outside:
        res["dip"] = 1 - res["mpps_during_swaps"] / res["mpps_outside_swaps"]
    # Per reload against its own neighbourhood (the quiet intervals within 1 s before and
    # after it): a neighbour's load that comes and goes on this shared machine moves both
    # sides alike, so this dip is the reload's own.
    local = []
    for r0, r1, _, _ in reloads:
        dur = [x for x in series if x[0] < r1 and x[1] > r0]
        near = [x for x in outside if x[1] > r0 - 1 and x[0] < r1 + 1]
        if dur and near:
            local.append(1 - mean(dur) / mean(near))
    res["dip_local_per_reload"] = [round(d, 4) for d in local]
    res["dip_local_mean"] = sum(local) / len(local) if local else None
    with open(o.out, "w") as f:
        json.dump(res, f, indent=1)
    print(f"   {res['reloads_ok']} reloads ok, {res['reloads_failed']} failed, "
          f"each {min(res['reload_seconds'] or [0]):.3f}-{max(res['reload_seconds'] or [0]):.3f} s")
    print(f"   mean Mpps per 100 ms: {res['mpps_during_swaps'] or 0:.3f} during reloads "
          f"({len(during)} samples), {res['mpps_outside_swaps'] or 0:.3f} outside ({len(outside)}); "
          f"dip {res.get('dip', float('nan')) * 100:.2f}%; lowest sample {res['min_sample_mpps'] or 0:.3f}")
    if local:
        print(f"   dip against the second before and after each reload: mean {res['dip_local_mean'] * 100:.2f}%, "
              f"per reload {min(local) * 100:.2f}% .. {max(local) * 100:.2f}%")
    print(f"   rx {rx} tx {tx} policy drops {pdrop}: loss {res['loss']}, TX dropped {txdrop}")


if __name__ == "__main__":
    main()
