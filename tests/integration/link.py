#!/usr/bin/env python3
"""Link faults propagate, on net_tap (a PMD with real link state): dnsgate runs in a
network namespace of its own with two tap pairs,

  pair 1: net_tap0 (dgsub0) <-> net_tap1 (dgnet0)   link_propagate=yes
  pair 2: net_tap2 (dgsub1) <-> net_tap3 (dgnet1)   default: off for vdevs

and the test toggles the far (kernel) end of one tap with `ip link set ... down|up`.
The peer tap must follow both ways and in both directions, every transition must be
counted (dnsgatectl stats) and logged, the pair without propagation must not follow, and
a frame must cross the restored pair afterwards. Needs root (netns, /dev/net/tun).

  link.py BUILD_DIR
"""
import os
import re
import socket
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True  # nothing written into the source tree
from itest import check, counters, report

BUILD = sys.argv[1]
DNSGATE = os.path.join(BUILD, "app/dnsgate/dnsgate")
CTL = os.path.join(BUILD, "tools/dnsgatectl/dnsgatectl")
NS = f"dglink{os.getpid()}"


def ip(*args):
    return subprocess.run(["ip", "-n", NS, *args], capture_output=True, text=True,
                          check=True).stdout


def is_up(ifname):
    flags = re.search(r"<([^>]*)>", ip("-o", "link", "show", ifname)).group(1).split(",")
    return "UP" in flags


def wait_state(ifname, up, seconds):
    """Seconds until @p ifname is (admin) up/down, or None if it is not by then."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < seconds:
        if is_up(ifname) == up:
            return time.monotonic() - t0
        time.sleep(0.005)
    return None


def stats(sock):
    out = subprocess.run([CTL, "-s", sock, "stats"], capture_output=True, text=True).stdout
    return dict(l.split(" ", 1) for l in out.splitlines() if " " in l)


def crosses(src, dst):
    """A frame written to the kernel side of @p src comes out of @p dst (run in the netns)."""
    code = f"""
import socket, sys
rx = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x88b5))
rx.bind(("{dst}", 0)); rx.settimeout(2)
tx = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
tx.bind(("{src}", 0))
frame = bytes.fromhex("02000000000102000000000288b5") + b"dnsgate link test".ljust(46, b".")
tx.send(frame)
try:
    while rx.recv(2048) != frame:
        pass
except socket.timeout:
    sys.exit(1)
"""
    return subprocess.run(["ip", "netns", "exec", NS, sys.executable, "-c", code]).returncode == 0


def toggle(sock, far, peer, counted_port, held_port, label):
    """Far end down: the peer follows and the change is counted; up: the peer returns."""
    for up, changes in ((False, "1"), (True, "2")):
        word = "up" if up else "down"
        ip("link", "set", far, word)
        t = wait_state(peer, up, 2)
        print(f"{label}: {far} {word} -> {peer} {word}: "
              + (f"{t * 1000:.0f} ms" if t is not None else "never"))
        check(t is not None, f"{label}: {peer} follows {far} {word}")
        s = stats(sock)
        check(s.get(f"port.{counted_port}.link_changes") == changes
              and s.get(f"port.{counted_port}.link_up") == ("1" if up else "0")
              and s.get(f"port.{held_port}.link_held_down") == ("0" if up else "1")
              and s.get(f"port.{held_port}.link_held_downs") == "1",
              f"{label}: {far} {word} counted in dnsgatectl stats (changes, held down)")


def main():
    if os.geteuid() != 0:
        check(False, "link.py needs root (network namespace, /dev/net/tun)")
        return report()
    tmp = tempfile.mkdtemp(prefix="dg-link.")
    j = lambda *p: os.path.join(tmp, *p)
    with open(j("dnsgate.ini"), "w") as f:
        f.write(f"""[eal]
args = --no-huge -m 512 --no-pci --file-prefix {NS} -l 0-1 --log-level=*:critical
vdev = net_tap0,iface=dgsub0
vdev = net_tap1,iface=dgnet0
vdev = net_tap2,iface=dgsub1
vdev = net_tap3,iface=dgnet1
[ports]
pair = net_tap0 net_tap1 link_propagate=yes
pair = net_tap2 net_tap3
[mgmt]
run_for = 60
stats_interval = 0
[ctl]
socket = {j('ctl.sock')}
""")
    subprocess.run(["ip", "netns", "add", NS], check=True)
    proc = None
    try:
        # A quiet namespace: no IPv6 autoconfiguration traffic on the taps.
        for k in ("all", "default"):
            subprocess.run(["ip", "netns", "exec", NS, "sysctl", "-qw",
                            f"net.ipv6.conf.{k}.disable_ipv6=1"], check=True)
        out = open(j("stdout"), "w+")
        proc = subprocess.Popen(["ip", "netns", "exec", NS, DNSGATE, "--", "--config",
                                 j("dnsgate.ini")], stdout=out, stderr=subprocess.STDOUT)
        # The management loop says which pairs propagate when it starts polling links.
        for _ in range(400):
            out.seek(0)
            if "link_propagate on for" in out.read() or proc.poll() is not None:
                break
            time.sleep(0.05)
        check(proc.poll() is None and os.path.exists(j("ctl.sock")),
              "dnsgate started on four taps")
        check(all(is_up(i) for i in ("dgsub0", "dgnet0", "dgsub1", "dgnet1")),
              "every tap is up at start")

        toggle(j("ctl.sock"), "dgsub0", "dgnet0", "net_tap0", "net_tap1", "subscriber side")
        toggle(j("ctl.sock"), "dgnet0", "dgsub0", "net_tap1", "net_tap0", "network side")

        # The pair left at its default: the change is seen and counted, not propagated.
        ip("link", "set", "dgsub1", "down")
        time.sleep(0.5)
        s = stats(j("ctl.sock"))
        check(is_up("dgnet1") and s.get("port.net_tap2.link_changes") == "1"
              and s.get("port.net_tap3.link_held_downs") == "0",
              "default pair (vdevs): the change is counted, the peer stays up")
        ip("link", "set", "dgsub1", "up")

        check(crosses("dgsub0", "dgnet0"), "a frame crosses the restored pair (sub -> net)")
        check(crosses("dgnet0", "dgsub0"), "a frame crosses the restored pair (net -> sub)")
    finally:
        if proc is not None:
            proc.terminate()
            rc = proc.wait(20)
            out.seek(0)
            log = out.read()
            print(log[-2500:])
            check(rc == 0, f"dnsgate exit status {rc}")
            for line in ("dnsgate: link net_tap0 down; net_tap1 taken down (link_propagate)",
                         "dnsgate: link net_tap0 up; net_tap1 brought back up",
                         "dnsgate: link net_tap1 down; net_tap0 taken down (link_propagate)",
                         "dnsgate: link net_tap1 up; net_tap0 brought back up",
                         "dnsgate: link net_tap2 down\n"):
                check(line in log, f"logged: {line.strip()}")
            c = counters(log)
            check((c.get("port.net_tap1.link_up"), c.get("port.net_tap1.link_changes"),
                   c.get("port.net_tap1.link_held_downs")) == (1, 2, 1),
                  "summary: net_tap1 up, 2 changes, taken down once for its peer")
        subprocess.run(["ip", "netns", "del", NS])
        subprocess.run(["rm", "-rf", tmp])
    return report()


sys.exit(main())
