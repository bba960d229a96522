#!/usr/bin/env python3
"""Two workers on two queues, end to end: every figure sums across workers.

Each port is a net_pcap with two RX and two TX captures (rx_pcap given twice makes two
queues), so worker 0 reads queue 0's capture and worker 1 queue 1's, and each writes its
own output captures. Three lcores float over the machine's first two CPUs (--lcores), so
this runs on two cores. The captures (built here, without dnsgate's code) hold answered,
dropped, logged, allowed, opted-out and benign queries per queue, and one source that sends
to both queues far over the reflection guard's burst: split across the two workers
(dg_guard_create_share), the appliance answers that source its configured burst, not twice
it.

Checked: each queue's output captures against its own input (so both workers worked), the
exit summary and `stats` against the model, the hit log (lines, per action, per
identifier), the stats history (intervals and identifiers) summed over the run.

  workers.py BUILD_DIR
"""
import os
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True  # nothing written into the source tree
from itest import check, counters, parse_frame, read_pcap, report, write_pcap  # noqa: E402
from figures import LIST, check_hits_history, frame, outputs_ini  # noqa: E402

BUILD = os.path.abspath(sys.argv[1])
DNSGATE = os.path.join(BUILD, "app/dnsgate/dnsgate")
CTL = os.path.join(BUILD, "tools/dnsgatectl/dnsgatectl")
GUARD_BURST = 10
WORKERS = 2
FLOOD = "198.18.2.1"


def capture(q):
    """Queue @p q's frames and what each kind must count."""
    frames, model, qid = [], {}, 1 + 1000 * q

    def add(kind, src, name, **kw):
        nonlocal qid
        frames.append(frame(src, name, qid, **kw))
        qid += 1
        model[kind] = model.get(kind, 0) + 1

    for n in range(1, 11 + 3 * q):  # the queues differ in size: a swapped output shows
        src = f"198.18.{10 + q}.{n}"
        for k in range(2):
            add("sink", src, f"h{k}.sink.fig.test")
        add("nx", src, "nx.fig.test", edns=True)
        add("nx", src, "nx.fig.test")
        add("drop", src, "drop.fig.test")
        add("log", src, "log.fig.test")
        add("allow", src, "www.ok.sink.fig.test")
        for k in range(4):
            add("benign", src, f"b{q}-{n}-{k}.benign.test")
        add("optout", "198.18.9.1", "sink.fig.test")
        add("optout", "198.18.9.1", f"o{q}-{n}.benign.test")
    for k in range(40):
        add("guard", FLOOD, f"g{q}-{k}.sink.fig.test")
    return frames, model


def main():
    d = tempfile.mkdtemp(prefix="dg-workers.")
    j = lambda *p: os.path.join(d, *p)
    caps = [capture(q) for q in range(WORKERS)]
    m = {k: sum(c[1].get(k, 0) for c in caps) for k in caps[0][1]}
    n_frames = sum(len(c[0]) for c in caps)
    for q, (frames, _) in enumerate(caps):
        write_pcap(j(f"sub-in{q}.pcap"), frames)
        write_pcap(j(f"net-in{q}.pcap"))
    with open(j("list.txt"), "w") as f:
        f.write(LIST)
    with open(j("optout.txt"), "w") as f:
        f.write("198.18.9.0/24\n")
    qs = range(WORKERS)
    # relative to dnsgate's working directory d: an ini line holds at most 197 characters
    sub = ",".join(f"rx_pcap=sub-in{q}.pcap,tx_pcap=sub-out{q}.pcap" for q in qs)
    net = ",".join(f"rx_pcap=net-in{q}.pcap,tx_pcap=net-out{q}.pcap" for q in qs)
    prefix = f"dgwk{os.getpid()}"
    lcores = ",".join(f"{lc}@(0-1)" for lc in range(WORKERS + 1))
    with open(j("dnsgate.ini"), "w") as f:
        f.write(f"""[eal]
args = --no-huge -m 512 --no-pci --file-prefix {prefix} --lcores {lcores}
args = --log-level=*:warning
vdev = net_pcap0,{sub}
vdev = net_pcap1,{net}
[ports]
pair = net_pcap0 net_pcap1
[mgmt]
run_for = 60
idle_exit = 2
stats_interval = 0
""" + outputs_ini(j, GUARD_BURST))
    r = subprocess.run([DNSGATE, "--", "--config", j("dnsgate.ini")], capture_output=True,
                       text=True, timeout=90, cwd=d)
    check(r.returncode == 0, f"dnsgate exit status {r.returncode}: {r.stderr[-600:]}")
    if r.returncode != 0:
        return report()
    summ = counters(r.stdout)

    # --- each queue's outputs against its own input: both workers worked ----------------
    g_ans = 0
    for q, (frames, mq) in enumerate(caps):
        out_sub = [parse_frame(x) for x in read_pcap(j(f"sub-out{q}.pcap"))]
        out_net = read_pcap(j(f"net-out{q}.pcap"))
        flood = sum(1 for x in out_sub if x["dst"] == bytes(int(v) for v in FLOOD.split(".")))
        g_ans += flood
        # a worker's share of the burst, and at most one refill in the run (2 s a share)
        check(GUARD_BURST // WORKERS <= flood <= GUARD_BURST // WORKERS + 1,
              f"queue {q}: the flooding source got {flood} answers")
        check(len(out_sub) == mq["sink"] + mq["nx"] + flood,
              f"queue {q}: {len(out_sub)} answers (model {mq['sink'] + mq['nx'] + flood})")
        fwd = len(frames) - mq["sink"] - mq["nx"] - mq["drop"] - mq["guard"]
        check(len(out_net) == fwd, f"queue {q}: {len(out_net)} forwarded (model {fwd})")
    check(g_ans <= GUARD_BURST + WORKERS and g_ans < 2 * GUARD_BURST,
          f"the guard's burst holds per appliance: {g_ans} answers to one source "
          f"(burst {GUARD_BURST}, {WORKERS} workers)")
    g_rl = m["guard"] - g_ans

    # --- the counters -------------------------------------------------------------------
    want = {
        "queries": n_frames - m["optout"],
        "optout_queries": m["optout"],
        "answered": m["sink"] + m["nx"] + g_ans,
        "verdict.sinkhole": m["sink"] + g_ans,
        "verdict.nxdomain": m["nx"],
        "verdict.drop": m["drop"] + g_rl,
        "verdict.log-only": m["log"],
        "verdict.allow": m["allow"],
        "dropped.rate_limited": g_rl,
        "filtered": m["sink"] + m["nx"] + m["drop"] + m["log"] + m["guard"],
        "identifier.FIG-SINK": m["sink"] + m["guard"],
        "identifier.FIG-NX": m["nx"],
        "identifier.FIG-DROP": m["drop"],
        "identifier.FIG-LOG": m["log"],
        "port.net_pcap0.nic.ipackets": n_frames,
        "port.net_pcap1.nic.opackets": n_frames - m["sink"] - m["nx"] - m["drop"] - m["guard"],
    }
    for k, v in want.items():
        check(summ.get(k, 0) == v, f"summary {k}: {summ.get(k, 0)} (model {v})")

    # the hit log and the history, from both workers, sum to the same
    check_hits_history(j("hits.jsonl"), j("history.db"), want, g_rl)
    sizes = ", ".join(str(len(c[0])) for c in caps)
    print(f"workers: {WORKERS} workers, {n_frames} frames ({sizes} a queue), filtered "
          f"{want['filtered']}, answered {want['answered']}, guard {g_ans} answered / {g_rl} dropped of {m['guard']}")
    subprocess.run(["rm", "-rf", d])
    return report()


if __name__ == "__main__":
    sys.exit(main())
