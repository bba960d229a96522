#!/usr/bin/env python3
"""Two workers on two queues of a kernel-backed PMD, end to end: net_af_packet (qpairs=2)
on veth pairs, or net_tap with two queues.

In a network namespace of its own (root; fails otherwise). af_packet: veth pairs s0-s1 and
n0-n1, dnsgate on s1 and n1 with two queue pairs each (the kernel's PACKET_FANOUT hash
spreads flows over them). tap: dnsgate creates the tap interfaces s0 and n0 with two
queues each (the kernel's tun driver spreads the flows it transmits over the queues by
their hash). Two workers on lcores oversubscribed over two CPUs. The frames of workers.py's
captures are sent on s0 by a raw socket; a flooding source sends from a new source port
each query, so its flows reach both workers: with the reflection guard's budget split, the
appliance answers it its configured burst, which takes both workers' shares (one worker
alone holds half of it). Checked: what comes out on n0 (forwarded) and s0 (answers)
against the model, and the exit summary's counters.

  workers_kernel.py BUILD_DIR [af_packet|tap]
  (DG_TEST_NETNS_PREFIX names the namespace, default dgwk)
"""
import os
import select
import signal
import socket
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True  # nothing written into the source tree
from itest import check, counters, parse_frame, report  # noqa: E402
from figures import LIST, frame, outputs_ini  # noqa: E402
from workers import FLOOD, GUARD_BURST, WORKERS, capture  # noqa: E402

BUILD = os.path.abspath(sys.argv[1]) if len(sys.argv) > 1 else ""
DNSGATE = os.path.join(BUILD, "app/dnsgate/dnsgate")
PMD = sys.argv[2] if len(sys.argv) > 2 and sys.argv[2] in ("af_packet", "tap") else "af_packet"
NS = f"{os.environ.get('DG_TEST_NETNS_PREFIX', 'dgwk')}-{PMD[:3]}{os.getpid()}"


def sh(*cmd):
    subprocess.run(cmd, check=True, capture_output=True)


def lab_up():
    sh("ip", "netns", "add", NS)
    ns = ["ip", "netns", "exec", NS]
    # no IPv6 autoconfiguration frames of the namespace's own
    sh(*ns, "sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1",
       "net.ipv6.conf.default.disable_ipv6=1")
    sh("ip", "-n", NS, "link", "set", "lo", "up")
    if PMD == "tap":
        return  # dnsgate creates s0 and n0
    for a, b in (("s0", "s1"), ("n0", "n1")):
        sh("ip", "-n", NS, "link", "add", a, "type", "veth", "peer", "name", b)
    for i in ("s0", "s1", "n0", "n1"):
        sh("ip", "-n", NS, "link", "set", i, "up")


def frames():
    """Both queues' captures, and a flood from a new source port each query."""
    caps = [capture(q) for q in range(WORKERS)]
    out = [f for c in caps for f in c[0] if parse_frame(f)["src"] != bytes(map(int,
                                                                              FLOOD.split(".")))]
    m = {k: sum(c[1].get(k, 0) for c in caps) for k in caps[0][1]}
    for k in range(m["guard"]):
        out.append(frame(FLOOD, f"g{k}.sink.fig.test", 5000 + k, sport=20000 + 7 * k))
    return out, m


def inside():
    """The test proper, in the namespace."""
    d = tempfile.mkdtemp(prefix="dg-wk%s." % PMD)
    j = lambda *p: os.path.join(d, *p)
    sent, m = frames()
    with open(j("list.txt"), "w") as f:
        f.write(LIST)
    with open(j("optout.txt"), "w") as f:
        f.write("198.18.9.0/24\n")
    lcores = ",".join(f"{lc}@(0-1)" for lc in range(WORKERS + 1))
    if PMD == "tap":
        vdevs = ("vdev = net_tap0,iface=s0\nvdev = net_tap1,iface=n0\n"
                 "[ports]\npair = net_tap0 net_tap1")
    else:
        vdevs = (f"vdev = net_af_packet0,iface=s1,qpairs={WORKERS}\n"
                 f"vdev = net_af_packet1,iface=n1,qpairs={WORKERS}\n"
                 "[ports]\npair = net_af_packet0 net_af_packet1")
    with open(j("dnsgate.ini"), "w") as f:
        f.write(f"""[eal]
args = --no-huge -m 512 --no-pci --file-prefix {NS} --lcores {lcores}
args = --log-level=*:warning
{vdevs}
[mgmt]
run_for = 60
stats_interval = 0
[ctl]
socket = {j('ctl.sock')}
""" + outputs_ini(j, GUARD_BURST))
    p = subprocess.Popen([DNSGATE, "--", "--config", j("dnsgate.ini")],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    for _ in range(200):
        if os.path.exists(j("ctl.sock")) or p.poll() is not None:
            break
        time.sleep(0.05)
    time.sleep(0.5)
    if PMD == "tap":
        # the kernel's side of the taps: no frames of its own (no addresses, no IPv6)
        for i in ("s0", "n0"):
            sh("ip", "link", "set", i, "up")
        time.sleep(0.3)
    sub = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
    sub.bind(("s0", 0))
    net = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
    net.bind(("n0", 0))
    for fr in sent:
        sub.send(fr)
    got = {sub: [], net: []}
    quiet = time.monotonic() + 2.0
    while time.monotonic() < quiet:
        r, _, _ = select.select([sub, net], [], [], 0.1)
        for s in r:
            data, addr = s.recvfrom(65535)
            if addr[2] != socket.PACKET_OUTGOING:
                got[s].append(data)
                quiet = time.monotonic() + 1.0
    p.send_signal(signal.SIGINT)
    out, err = p.communicate(timeout=60)
    check(p.returncode == 0, f"dnsgate exit status {p.returncode}: {err[-600:]}")
    summ = counters(out)

    sent_set = set(sent)
    fwd = [x for x in got[net] if x in sent_set]
    answers = [parse_frame(x) for x in got[sub] if x not in sent_set and len(x) > 42]
    flood_ip = bytes(map(int, FLOOD.split(".")))
    g_ans = sum(1 for a in answers if a["dst"] == flood_ip)
    check(GUARD_BURST <= g_ans <= GUARD_BURST + WORKERS,
          f"the flooding source got {g_ans} answers: both workers' shares of the burst "
          f"{GUARD_BURST} (one worker alone: {GUARD_BURST // WORKERS})")
    want_fwd = len(sent) - m["sink"] - m["nx"] - m["drop"] - m["guard"]
    check(len(fwd) == want_fwd, f"forwarded {len(fwd)} (model {want_fwd})")
    check(len(answers) == m["sink"] + m["nx"] + g_ans,
          f"answers {len(answers)} (model {m['sink'] + m['nx'] + g_ans})")
    want = {
        "queries": len(sent) - m["optout"],
        "optout_queries": m["optout"],
        "answered": m["sink"] + m["nx"] + g_ans,
        "verdict.sinkhole": m["sink"] + g_ans,
        "verdict.nxdomain": m["nx"],
        "verdict.drop": m["drop"] + m["guard"] - g_ans,
        "verdict.log-only": m["log"],
        "dropped.rate_limited": m["guard"] - g_ans,
        "filtered": m["sink"] + m["nx"] + m["drop"] + m["log"] + m["guard"],
    }
    for k, v in want.items():
        check(summ.get(k, 0) == v, f"summary {k}: {summ.get(k, 0)} (model {v})")
    hits = sum(1 for _ in open(j("hits.jsonl")))
    check(hits == want["filtered"], f"hit log lines {hits} (filtered {want['filtered']})")
    print(f"workers_kernel: {WORKERS} workers on net_{PMD} with {WORKERS} queues, {len(sent)} "
          f"frames, {len(fwd)} forwarded, {len(answers)} answers, flood {g_ans} answered")
    subprocess.run(["rm", "-rf", d])
    return report()


def main():
    if sys.argv[-1] == "--inside":
        return inside()
    if os.geteuid() != 0 or subprocess.run(["which", "ip"], capture_output=True).returncode:
        print("workers_kernel: FAIL: needs root and ip(8) for a network namespace (tools/test.sh runs as root)")
        return 1
    try:
        try:
            lab_up()
        except subprocess.CalledProcessError as e:
            print(f"workers_kernel: FAIL: no network namespace here: {e.stderr!r}")
            return 1
        r = subprocess.run(["ip", "netns", "exec", NS, sys.executable, os.path.abspath(__file__),
                            BUILD, PMD, "--inside"], timeout=120)
        return r.returncode
    finally:
        subprocess.run(["ip", "netns", "del", NS], capture_output=True)


if __name__ == "__main__":
    sys.exit(main())
