#!/usr/bin/env python3
"""The systemd protocol against a real NOTIFY_SOCKET listener (what systemd binds for a
Type=notify unit), with dnsgate on two net_null vdevs and two workers:

- READY=1 comes once, after the ports started (their lines are already on stdout);
- WATCHDOG=1 every half WATCHDOG_USEC while both workers loop;
- none while one worker is frozen, and the stall is logged, counted and put in STATUS=;
- pings resume when it runs again; STOPPING=1 on SIGTERM, exit status 0;
- a control command (it holds the management loop) is bracketed by WATCHDOG_USEC=600 s
  and WATCHDOG_USEC=1 s while the workers loop, and not while one is frozen.

The worker is frozen the way a debugger freezes one thread: ptrace(PTRACE_SEIZE) and
PTRACE_INTERRUPT on that thread's id only (the other threads keep running), then
PTRACE_DETACH. dnsgate has no test-only code for this.

  watchdog.py BUILD_DIR
"""
import ctypes
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True  # nothing written into the source tree
from itest import check, report

BUILD = sys.argv[1]
DNSGATE = os.path.join(BUILD, "app/dnsgate/dnsgate")
CTL = os.path.join(BUILD, "tools/dnsgatectl/dnsgatectl")
WATCHDOG_USEC = 1000000          # pings every 0.5 s
PTRACE_DETACH, PTRACE_SEIZE, PTRACE_INTERRUPT = 17, 0x4206, 0x4207
WALL = 0x40000000

libc = ctypes.CDLL(None, use_errno=True)
libc.ptrace.argtypes = [ctypes.c_long, ctypes.c_long, ctypes.c_void_p, ctypes.c_void_p]
libc.ptrace.restype = ctypes.c_long


def ptrace(req, tid):
    if libc.ptrace(req, tid, None, None) < 0:
        e = ctypes.get_errno()
        raise OSError(e, f"ptrace({req:#x}, {tid}): {os.strerror(e)}")


def ctl(sock, cmd):
    return subprocess.run([CTL, "-s", sock, cmd], capture_output=True, text=True).stdout


def thread_state(pid, tid):
    with open(f"/proc/{pid}/task/{tid}/stat") as f:
        return f.read().rsplit(")", 1)[1].split()[0]


def threads(pid):
    out = {}
    for tid in os.listdir(f"/proc/{pid}/task"):
        with open(f"/proc/{pid}/task/{tid}/comm") as f:
            out[f.read().strip()] = int(tid)
    return out


class Listener:
    """The NOTIFY_SOCKET side: every datagram with the time it arrived."""

    def __init__(self, path):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(path)
        self.msgs = []

    def collect(self, seconds):
        end = time.monotonic() + seconds
        while True:
            left = end - time.monotonic()
            if left <= 0:
                return
            self.sock.settimeout(left)
            try:
                self.msgs.append((time.monotonic(), self.sock.recv(4096).decode()))
            except socket.timeout:
                return

    def wait_for(self, text, seconds):
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            n = len(self.msgs)
            self.collect(min(0.1, end - time.monotonic()))
            if any(text in m for _, m in self.msgs[n:]):
                return True
        return False

    def pings(self, t0, t1):
        return [t for t, m in self.msgs if m == "WATCHDOG=1" and t0 <= t < t1]


def main():
    tmp = tempfile.mkdtemp(prefix="dg-wd.")
    j = lambda *p: os.path.join(tmp, *p)
    with open(j("dnsgate.ini"), "w") as f:
        f.write(f"""[eal]
args = --no-huge -m 512 --no-pci --file-prefix dgwd{os.getpid()} --lcores 0@0,1@1,2@1
args = --log-level=*:error
vdev = net_null0,no-rx=1
vdev = net_null1,no-rx=1
[ports]
pair = net_null0 net_null1
[mgmt]
run_for = 60
stats_interval = 0
[ctl]
socket = {j('ctl.sock')}
""")
    lis = Listener(j("notify.sock"))
    env = dict(os.environ, NOTIFY_SOCKET=j("notify.sock"), WATCHDOG_USEC=str(WATCHDOG_USEC))
    out, err = open(j("stdout"), "w+"), open(j("stderr"), "w+")
    proc = subprocess.Popen([DNSGATE, "--", "--config", j("dnsgate.ini")], env=env,
                            stdout=out, stderr=err)
    try:
        ready = lis.wait_for("READY=1", 20)
        out.flush()
        with open(j("stdout")) as f:
            started = f.read()
        check(ready, "READY=1 received")
        check("port 0 net_null0" in started and "port 1 net_null1" in started,
              "READY=1 came after the ports started")
        check(any("STATUS=forwarding: 2 worker(s), 2 port(s)" in m for _, m in lis.msgs),
              "STATUS says what is forwarding")

        t0 = time.monotonic()
        lis.collect(3)
        healthy = lis.pings(t0, t0 + 3)
        gaps = [b - a for a, b in zip(healthy, healthy[1:])]
        print(f"healthy: {len(healthy)} pings in 3 s, gaps {min(gaps or [0]):.3f}.."
              f"{max(gaps or [0]):.3f} s")
        check(4 <= len(healthy) <= 8, f"{len(healthy)} pings in 3 s of health (every 0.5 s)")
        check(gaps and max(gaps) < 0.9, f"longest gap between pings {max(gaps or [0]):.2f} s")

        # A command while healthy: the longer leash, then the usual timeout again. (Two
        # workers share one CPU here: retry if one was not scheduled since the last check.)
        for _ in range(5):
            n = len(lis.msgs)
            ctl(j("ctl.sock"), "status")
            lis.collect(0.3)
            leash = [m for _, m in lis.msgs[n:] if m.startswith("WATCHDOG_USEC=")]
            if leash:
                break
        check(leash == ["WATCHDOG_USEC=600000000", "WATCHDOG_USEC=1000000"],
              f"a command is bracketed by a longer watchdog timeout ({leash})")

        tid = threads(proc.pid)["rte-worker-2"]     # worker 1, on lcore 2
        ptrace(PTRACE_SEIZE, tid)
        ptrace(PTRACE_INTERRUPT, tid)
        os.waitpid(tid, WALL)
        t_stall = time.monotonic()
        check(thread_state(proc.pid, tid) == "t", "worker 1's thread is stopped")
        check(thread_state(proc.pid, threads(proc.pid)["rte-worker-1"]) == "R",
              "worker 0's thread still runs")
        lis.collect(3.5)
        stats = ctl(j("ctl.sock"), "stats")
        lis.collect(0.3)
        t_release = time.monotonic()
        ptrace(PTRACE_DETACH, tid)
        late = [m for t, m in lis.msgs
                if t_stall + 0.6 < t < t_release and m.startswith("WATCHDOG")]
        last = lis.pings(t_stall - 1, t_release)
        print(f"stalled {t_release - t_stall:.1f} s: last ping "
              f"{(last[-1] - t_stall) if last else float('nan'):+.3f} s from the stall")
        # One ping may still leave in the first half period: it covers time before the stall.
        check(len(lis.pings(t_stall, t_stall + 0.6)) <= 1, "at most one ping in the first 0.6 s")
        check(not late, f"no ping, and no longer timeout for a command, while worker 1 is "
              f"frozen ({late})")
        check(any(m == "STATUS=worker 1 (lcore 2) stalled" for _, m in lis.msgs),
              "STATUS names the stalled worker")

        resumed = lis.wait_for("WATCHDOG=1", 2)
        if resumed:
            first = lis.pings(t_release, t_release + 2)[0]
            print(f"released: first ping after {first - t_release:.3f} s")
        check(resumed and lis.pings(t_release, t_release + 2)[0] - t_release < 1.2,
              "pings resume within 1.2 s of the worker running again")
        check("watchdog.withheld " in stats and
              int(stats.split("watchdog.withheld ")[1].split()[0]) >= 5,
              "dnsgatectl stats counts withheld pings")
        check(int(stats.split("watchdog.pings ")[1].split()[0]) >= len(healthy),
              "dnsgatectl stats counts pings")

        doc = json.loads(subprocess.run([CTL, "-s", j("ctl.sock"), "--json", "stats"],
                                        capture_output=True, text=True).stdout)
        check(doc["watchdog"]["pings"] >= len(healthy) and doc["watchdog"]["withheld"] >= 5
              and doc["ports"]["net_null0"]["link_up"] == 1,
              "stats --json: the watchdog object and the ports' link fields")

        proc.send_signal(signal.SIGTERM)
        rc = proc.wait(20)
        lis.collect(0.5)
        check(rc == 0, f"exit status {rc} after SIGTERM")
        check(lis.msgs and lis.msgs[-1][1] == "STOPPING=1", "STOPPING=1 is the last message")
        check(sum(m.startswith("READY=1") for _, m in lis.msgs) == 1, "READY=1 sent once")
        err.flush()
        with open(j("stderr")) as f:
            log = f.read()
        check("worker 1 (lcore 2) has not looped" in log, "the stall is logged")
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        print(open(j("stdout")).read()[-1500:])
        print(open(j("stderr")).read()[-1500:])
        subprocess.run(["rm", "-rf", tmp])
    return report()


sys.exit(main())
