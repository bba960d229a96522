#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Aggregates tools/bench/peers.sh's runs (one line per dnsperf run) into peers.json and a
Markdown table (peers.md): per peer and mix, the median over rounds of qps, latency
percentiles and CPU seconds of the filtering process per million answered queries."""
import argparse
import json
import os
import statistics

COLS = ["label", "qps", "completed", "lost", "p50", "p90", "p99", "p999", "cpu_s", "cpu_pct", "cpu_s_per_m",
        "noerror_pct"]
PEERS = [("dnsgate", "dnsgate (net_{pmd}, in front of unbound)"),
         ("dnsdist", "dnsdist 1 listener (SuffixMatchNodeRule + SpoofAction, in front of unbound)"),
         ("unbound-rpz", "unbound with the RPZ zone (1 thread)")]
MIXES = [("b100", "100% blocked"), ("b1", "1% blocked")]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--raw", required=True)
    ap.add_argument("--cycles")
    ap.add_argument("--out", required=True)
    ap.add_argument("--meta", action="append", default=[])
    o = ap.parse_args()
    meta = dict(m.split("=", 1) for m in o.meta)
    names = {p: n.format(pmd=meta.get("pmd", "af_packet")) for p, n in PEERS}
    runs = []
    for line in open(o.raw):
        f = line.rstrip("\n").split("\t")
        if len(f) == len(COLS):
            runs.append({k: (v if k == "label" else float(v)) for k, v in zip(COLS, f)})
    rows = []
    for mix, _ in MIXES:
        for p, _ in PEERS:
            rs = [r for r in runs if r["label"].startswith(f"{p}-{mix}-")]
            if not rs:
                continue
            row = {"peer": p, "mix": mix, "rounds": len(rs)}
            for k in COLS[1:]:
                row[k] = statistics.median(r[k] for r in rs)
            row["cpu_s_per_m_min"] = min(r["cpu_s_per_m"] for r in rs)
            row["cpu_s_per_m_max"] = max(r["cpu_s_per_m"] for r in rs)
            row["lost_total"] = sum(r["lost"] for r in rs)
            rows.append(row)
    # dnsgate's TSC counters per run: what its worker spent in loop iterations that received
    # frames (rx/tx bursts, i.e. af_packet syscalls, included) and in its own code, turned
    # into CPU seconds per million queries dnsperf got answered.
    cycles = []
    if o.cycles and os.path.exists(o.cycles):
        for line in open(o.cycles):
            f = line.split()
            if len(f) != 6:
                continue
            lab, rx, busy, own, ghz, ans = f[0], float(f[1]), float(f[2]), float(f[3]), float(f[4]), float(f[5])
            run = [r for r in runs if r["label"] == lab]
            if not run or not run[0]["completed"]:
                continue
            done = run[0]["completed"]
            cycles.append({"label": lab, "rx_frames": rx, "busy_cycles_per_frame": busy,
                           "own_cycles_per_frame": own, "tsc_ghz": ghz, "answered_by_dnsgate": ans,
                           "completed": done,
                           "busy_cpu_s_per_m": busy * rx / (ghz * 1e9) / done * 1e6,
                           "own_cpu_s_per_m": own * rx / (ghz * 1e9) / done * 1e6})
    for row in rows:
        if row["peer"] != "dnsgate":
            continue
        cs = [c for c in cycles if c["label"].startswith(f"dnsgate-{row['mix']}-")]
        if cs:
            row["busy_cpu_s_per_m"] = statistics.median(c["busy_cpu_s_per_m"] for c in cs)
            row["own_cpu_s_per_m"] = statistics.median(c["own_cpu_s_per_m"] for c in cs)
    with open(os.path.join(o.out, "peers.json"), "w") as f:
        json.dump({"meta": meta, "table": rows, "runs": runs, "dnsgate_tsc": cycles}, f, indent=1)
    md = [f"Measured {meta.get('date', '?')}: {meta.get('setup', '')}; {meta.get('versions', '')}. "
          "Medians over rounds; CPU = utime + stime of the filtering process during the run "
          "(/proc/PID/stat, all threads); latency percentiles from dnsperf -v.", "",
          "| mix | filter | qps | lost | NOERROR | p50 ms | p90 ms | p99 ms | p99.9 ms | filter CPU % of a core | CPU s per 1M answered (rounds) | CPU per answer, relative to dnsgate |",
          "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for row in rows:
        dg = [r for r in rows if r["mix"] == row["mix"] and r["peer"] == "dnsgate"]
        vs = (f"{row['cpu_s_per_m'] / dg[0]['cpu_s_per_m']:.2f}x"
              if dg and dg[0]["cpu_s_per_m"] > 0 else "-")
        md.append(f"| {dict(MIXES)[row['mix']]} | {names[row['peer']]} | {row['qps']:.0f} | "
                  f"{row['lost_total']:.0f} | {row['noerror_pct']:.1f}% | {row['p50']:.3f} | {row['p90']:.3f} | {row['p99']:.3f} | "
                  f"{row['p999']:.3f} | {row['cpu_pct']:.1f} | {row['cpu_s_per_m']:.2f} "
                  f"({row['cpu_s_per_m_min']:.2f}-{row['cpu_s_per_m_max']:.2f}) | {vs} |")
    if cycles:
        md += ["", "dnsgate's worker TSC counters (one dnsgate process per run), as CPU seconds per "
               "million answered queries if the worker slept instead of polling:", "",
               "| run | frames rx | cycles/frame busy loops | cycles/frame own code | busy-loop CPU s per 1M | own-code CPU s per 1M |",
               "|---|---|---|---|---|---|"]
        md += [f"| {c['label']} | {c['rx_frames']:.0f} | {c['busy_cycles_per_frame']:.1f} | "
               f"{c['own_cycles_per_frame']:.1f} | {c['busy_cpu_s_per_m']:.3f} | {c['own_cpu_s_per_m']:.3f} |"
               for c in cycles]
    md.append("")
    for mix, label in MIXES:
        dg = [r for r in rows if r["mix"] == mix and r["peer"] == "dnsgate"]
        dd = [r for r in rows if r["mix"] == mix and r["peer"] == "dnsdist"]
        if not dg or not dd or dg[0]["cpu_s_per_m"] <= 0:
            continue
        x = dd[0]["cpu_s_per_m"] / dg[0]["cpu_s_per_m"]
        line = (f"Target (dnsdist CPU per 1M answered >= 20x dnsgate's), {label}: measured process CPU "
                f"{x:.2f}x: {'met' if x >= 20 else 'NOT met'}")
        if dg[0].get("busy_cpu_s_per_m"):
            xb = dd[0]["cpu_s_per_m"] / dg[0]["busy_cpu_s_per_m"]
            xo = dd[0]["cpu_s_per_m"] / dg[0]["own_cpu_s_per_m"] if dg[0]["own_cpu_s_per_m"] else 0
            line += (f"; counting only dnsgate's busy-loop cycles {xb:.2f}x "
                     f"({'met' if xb >= 20 else 'not met'}), only its own code {xo:.2f}x.")
        md.append(line)
    for row in rows:
        if row["mix"] == "b100" and row["noerror_pct"] < 99:
            md.append(f"WARNING: {row['peer']} answered only {row['noerror_pct']:.1f}% of the blocked "
                      "queries with NOERROR (sinkhole): its filtering did not work as configured.")
    with open(os.path.join(o.out, "peers.md"), "w") as f:
        f.write("\n".join(md) + "\n")
    print("\n".join(md))


if __name__ == "__main__":
    main()
