"""One dnsgate under a looped replay, for the chaos suite: its config, start and stop, the
control protocol spoken directly (docs/control.md), and dnsgate's own frame accounting.

The replay: net_pcap reads a capture in a loop (infinite_rx=1) on the subscriber side and
forwards to net_null; answers go back out of net_pcap (discarded). One worker."""
import collections
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import time

_starts = [0]


class CtlError(Exception):
    """The control socket did not answer (refused, closed, timed out)."""


class Conn:
    """One control connection; requests are answered in order (a connection may carry
    several)."""

    def __init__(self, path, timeout=5.0):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.settimeout(timeout)
        self.buf = b""
        try:
            self.s.connect(path)
        except OSError as e:
            self.s.close()
            raise CtlError(f"connect: {e}") from e

    def _read_until(self, n=None):
        while (n is None and b"\n" not in self.buf) or (n is not None and len(self.buf) < n):
            try:
                d = self.s.recv(65536)
            except OSError as e:
                raise CtlError(f"recv: {e}") from e
            if not d:
                raise CtlError("connection closed")
            self.buf += d

    def send(self, line):
        try:
            self.s.sendall(line.encode() + b"\n")
        except OSError as e:
            raise CtlError(f"send: {e}") from e

    def reply(self):
        """(True, body) for OK, (False, reason) for ERR."""
        self._read_until()
        head, self.buf = self.buf.split(b"\n", 1)
        if head.startswith(b"OK "):
            n = int(head[3:])
            self._read_until(n)
            body, self.buf = self.buf[:n], self.buf[n:]
            return True, body.decode(errors="replace")
        return False, head[4:].decode(errors="replace")

    def ask(self, line):
        self.send(line)
        return self.reply()

    def close(self):
        self.s.close()


def ctl(path, line, timeout=5.0):
    """One request on its own connection, as dnsgatectl does."""
    c = Conn(path, timeout)
    try:
        return c.ask(line)
    finally:
        c.close()


class Appliance:
    """dnsgate with a control socket in @p work, replaying @p pcap. @p sections: extra
    config text ([filter], [log], [stats], [ctl] keys...)."""

    def __init__(self, build, work, pcap, sections="", ctl_extra=""):
        self.bin = os.path.join(build, "app/dnsgate/dnsgate")
        self.work = work
        self.sock = os.path.join(work, "ctl.sock")
        self.pcap = pcap
        self.sections = sections
        self.ctl_extra = ctl_extra
        self.proc = None
        self.out = ""
        self.prefix = None

    def _ini(self):
        _starts[0] += 1
        self.prefix = f"dgchaos{os.getpid()}x{_starts[0]}"
        path = os.path.join(self.work, "dnsgate.ini")
        with open(path, "w") as f:
            f.write(f"""[eal]
args = --no-huge -m 512 --no-pci --file-prefix {self.prefix} -l 0-1 --log-level=*:warning
vdev = net_pcap0,rx_pcap={self.pcap},infinite_rx=1
vdev = net_null0,no-rx=1
[ports]
pair = net_pcap0 net_null0
[mgmt]
stats_interval = 0
[guard]
rate = 0
[answer]
sinkhole_v4 = 198.18.255.1
[ctl]
socket = {self.sock}
{self.ctl_extra}
{self.sections}
""")
        return path

    def start(self):
        """Start it; @return itself. stdout and stderr go to a file read at stop."""
        cfg = self._ini()
        self.log = open(os.path.join(self.work, "dnsgate.out"), "w+")
        self.t0 = time.monotonic()
        self.proc = subprocess.Popen([self.bin, "--", "--config", cfg], stdout=self.log,
                                     stderr=subprocess.STDOUT)
        return self

    def output(self):
        self.log.flush()
        with open(self.log.name) as f:
            return f.read()

    def ctl(self, line, timeout=5.0):
        return ctl(self.sock, line, timeout)

    def stats(self, timeout=5.0):
        ok, body = self.ctl("stats --json", timeout)
        if not ok:
            raise CtlError(body)
        return json.loads(body)

    def status(self, timeout=5.0):
        ok, body = self.ctl("status", timeout)
        if not ok:
            raise CtlError(body)
        return dict(l.split(": ", 1) for l in body.splitlines() if ": " in l)

    def wait_forwarding(self, timeout=60.0):
        """Seconds from start to the first forwarded frame (net_null0 tx > 0), polled over
        the control socket every 5 ms; None if it never came or the process died."""
        end = self.t0 + timeout
        while time.monotonic() < end and self.proc.poll() is None:
            try:
                if self.stats(1.0)["ports"]["net_null0"]["tx"] > 0:
                    return time.monotonic() - self.t0
            except (CtlError, ValueError, KeyError):
                pass
            time.sleep(0.005)
        return None

    def rx(self, timeout=2.0):
        """The subscriber port's rx counter, or None when the socket does not answer."""
        try:
            return self.stats(timeout)["ports"]["net_pcap0"]["rx"]
        except (CtlError, ValueError, KeyError):
            return None

    def advancing(self, seconds=0.3, via=None):
        """Does the rx counter move within @p seconds? Read over the control socket, or
        with @p via (e.g. telemetry_rx when the control socket is the thing under stress)."""
        via = via or self.rx
        a = via()
        time.sleep(seconds)
        b = via()
        return a is not None and b is not None and b > a

    def telemetry_rx(self):
        """The subscriber port's rx counter from DPDK telemetry (/dnsgate/ports), a path
        apart from the control socket; None if it does not answer."""
        try:
            s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
            s.settimeout(2.0)
            s.connect(f"/var/run/dpdk/{self.prefix}/dpdk_telemetry.v2")
            s.recv(4096)
            s.send(b"/dnsgate/ports")
            reply = json.loads(s.recv(65536).decode())
            s.close()
            return reply["/dnsgate/ports"]["net_pcap0"]["rx"]
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def fds(self):
        """Open file descriptors of the process."""
        return len(os.listdir(f"/proc/{self.proc.pid}/fd"))

    def fd_targets(self):
        """What each open descriptor points at (a multiset: socket:[inode], paths, ...)."""
        out = collections.Counter()
        d = f"/proc/{self.proc.pid}/fd"
        for fd in os.listdir(d):
            try:
                out[os.readlink(f"{d}/{fd}")] += 1
            except OSError:
                pass  # closed meanwhile
        return out

    def signal(self, sig):
        self.proc.send_signal(sig)

    def kill9(self):
        """SIGKILL: no summary, no cleanup; the DPDK runtime directory is removed here."""
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()
        self.out = self.output()
        self._cleanup()

    def stop(self, timeout=60):
        """SIGTERM and wait: @return the parsed exit summary (None if it did not exit 0)."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            rc = self.proc.wait()
        self.out = self.output()
        self._cleanup()
        return summary(self.out) if rc == 0 else None

    def _cleanup(self):
        self.log.close()
        shutil.rmtree(f"/var/run/dpdk/{self.prefix}", ignore_errors=True)


def summary(out):
    """The exit summary's figures: ports (rx, tx, dropped), verdicts, drops by reason,
    queries, hit log and history lines."""
    s = {"ports": {}}
    for m in re.finditer(r"^\d+\s+(\S+)\s+(?:subscriber|network)\s+(\d+)\s+(\d+)\s+(\d+)", out,
                         re.M):
        s["ports"][m.group(1)] = {"rx": int(m.group(2)), "tx": int(m.group(3)),
                                  "dropped": int(m.group(4))}
    c = {}
    for line in out.splitlines():
        m = re.fullmatch(r"(\S+) (\d+)", line)
        if m:
            c[m.group(1)] = int(m.group(2))

    def group(g):
        return {k[len(g) + 1:]: v for k, v in c.items() if k.startswith(g + ".")}

    # `name value` lines (docs/counters.md); array elements that are 0 are left out.
    s["verdict"] = group("verdict")
    s["dropped"] = group("dropped")
    s["queries"] = c.get("queries", 0)
    if "hitlog.written" in c:
        s["hitlog"] = group("hitlog")
    if "history.intervals" in c:
        s["history"] = group("history")
    s["shed"] = c.get("shed", 0)
    return s


def frames_lost(ports, dropped):
    """Frames received and neither forwarded, answered nor dropped by policy: dnsgate's
    own accounting (shed frames are forwarded, so they are in tx). @p ports: name ->
    {rx, tx, dropped} (dropped: refused by a TX queue, lost too); @p dropped: policy drops
    by reason."""
    rx = sum(p["rx"] for p in ports.values())
    tx = sum(p["tx"] for p in ports.values())
    return rx - tx - sum(dropped.values())


def history_sum(path, appliance="chaos"):
    """(intervals, sum of queries) that @p appliance stored in the history at @p path."""
    import sqlite3
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        n, q = db.execute("SELECT count(*), coalesce(sum(queries), 0) FROM intervals"
                          " WHERE appliance = ?", (appliance,)).fetchone()
    finally:
        db.close()
    return n, q


def hitlog_lines(paths):
    """(whole records, lines cut short, lines with records glued together) over the hit
    log files @p paths. A whole record is one JSON object on its own line."""
    good = cut = glued = 0
    for p in paths:
        with open(p, "rb") as f:
            for line in f:
                n = line.count(b'{"time":')
                if n == 1 and line.startswith(b'{"time":') and line.endswith(b'}\n'):
                    good += 1
                elif n > 1:
                    glued += 1
                else:
                    cut += 1
    return good, cut, glued
