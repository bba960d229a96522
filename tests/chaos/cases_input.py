"""Hostile input from outside the wire: a list file replaced and rewritten in place while
reloads load it, 1000 control connections at once with garbage on them, SIGHUP storms."""
import errno
import os
import random
import resource
import signal
import socket
import threading
import time

import outputs
from appliance import Appliance, Conn, CtlError, ctl, frames_lost
from cases_process import Ledger


def _write_atomic(path, text):
    with open(path + ".tmp", "w") as f:
        f.write(text)
    os.rename(path + ".tmp", path)


def _write_in_place(path, text, pause):
    """Truncate, write half, pause, write the rest: a reader in between sees a cut file."""
    with open(path, "w") as f:
        f.write(text[:len(text) // 2])
        f.flush()
        time.sleep(pause)
        f.write(text[len(text) // 2:])


def _names(n, tag):
    return [f"{tag}{i}.rw.test" for i in range(n)]


def list_rewrite(cx):
    """Reloads back to back while another process replaces the list by rename and rewrites
    it in place (strict load of a native list). After each reload the serving entries are
    sampled by `lookup`: a successful one must serve one version whole or a prefix of it
    (what a reader of the file could have seen), never two versions mixed; a failed one
    must leave the previous entries serving."""
    from chaos import native
    d = cx.workdir("list-rewrite")
    path = os.path.join(d, "rw.txt")
    stable = _names(20, "st")
    ver = {"A": _names(4000, "a"), "B": _names(4000, "b")}
    text = {v: native(stable, "STABLE") + native(ns, "V" + v) for v, ns in ver.items()}
    _write_atomic(path, text["A"])
    # file order of the sampled names, per version
    order = {v: stable[::5] + [stable[-1]] + ns[::100] + [ns[-1]] for v, ns in ver.items()}
    probe = sorted(set(order["A"]) | set(order["B"]))
    app = Appliance(cx.build, d, cx.pcap, f"[filter]\nstrict = yes\nlist = native {cx.list}\n"
                                          f"list = native {path}\n").start()
    cx.check(app.wait_forwarding() is not None, "list-rewrite: forwarding")
    stop = threading.Event()

    def writer():
        rng = random.Random(7)
        while not stop.is_set():
            for v in ("B", "A"):
                _write_atomic(path, text[v])
                time.sleep(rng.uniform(0, 0.02))
                _write_in_place(path, text[v], rng.uniform(0, 0.02))
                time.sleep(rng.uniform(0, 0.02))

    def look(c):
        for n in probe:
            c.send(f"lookup {n}")
        return {n: ": matches entry " in c.reply()[1] for n in probe}

    def whole_or_prefix(seen):
        """'whole', 'prefix' or None (inconsistent)."""
        present = [v for v in ver if any(seen[n] for n in ver[v][::100] + [ver[v][-1]])]
        if len(present) > 1:
            return None
        flags = [seen[n] for n in order[present[0] if present else "A"]]
        if any(b and not a for a, b in zip(flags, flags[1:])):
            return None     # a later line served without an earlier one
        return "whole" if all(flags) else "prefix"

    th = threading.Thread(target=writer)
    th.start()
    c = Conn(app.sock, 30.0)
    before = look(c)
    counts = {"whole": 0, "prefix": 0, "failed, old kept": 0, "inconsistent": 0}
    end = time.monotonic() + 5
    while time.monotonic() < end:
        ok, why = c.ask("reload")
        after = look(c)
        kind = whole_or_prefix(after) if ok else \
            ("failed, old kept" if after == before else None)
        if kind is None:
            print(f"  inconsistent after reload ({'OK' if ok else why}):",
                  sorted(n for n, p in after.items() if p)[:10])
        counts[kind or "inconsistent"] += 1
        before = after
    stop.set()
    th.join()
    c.close()
    serving = app.advancing()
    cx.check(serving, "list-rewrite: rx advancing after the reloads")
    s = app.stop()
    fl = frames_lost(s["ports"], s["dropped"]) if s else None
    cx.check(fl == 0, f"list-rewrite: frames lost {fl}")
    cx.check(counts["inconsistent"] == 0 and sum(counts.values()) > 10,
             f"list-rewrite: reloads {counts}")
    return {"label": "list file replaced (rename) and rewritten in place (truncate, write) "
                     "during back-to-back reloads (strict native list)",
            "frames": str(fl),
            "state": f"{sum(counts.values())} reloads: {counts['whole']} served a version whole, "
                     f"{counts['prefix']} a prefix of one (cut at a line end, empty included), "
                     f"{counts['failed, old kept']} failed with the old list kept serving; "
                     f"**{counts['inconsistent']}** inconsistent",
            "serving": "yes", "back": "-"}


def _flood(sock_path, n):
    """@p n connections opened at once, as fast as the listen backlog takes them (a
    non-blocking connect the full backlog refuses is tried again), all held open; garbage
    on three in four of them, nothing on the rest. @return (sockets, never connected)."""
    rng = random.Random(3)
    socks = [socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) for _ in range(n)]
    for s in socks:
        s.setblocking(False)
    pending, end = list(socks), time.monotonic() + 10
    while pending and time.monotonic() < end:
        rest = []
        for s in pending:
            e = s.connect_ex(sock_path)
            if e not in (0, errno.EISCONN):
                rest.append(s)
        pending = rest
    for s in pending:
        socks.remove(s)
        s.close()
    refused = len(pending)
    for i, s in enumerate(socks):
        junk = [b"", bytes(rng.randrange(256) for _ in range(200)) + b"\n",
                b"x" * 6000, b"stat"][i % 4]
        try:
            s.send(junk)
        except OSError:
            pass
    return socks, refused


def _answers(socks, seconds):
    """How the server answered each flood connection: 'too many clients', another ERR, an
    OK, or nothing (still open or closed silently)."""
    out = {}
    end = time.monotonic() + seconds
    pending = list(socks)
    while pending and time.monotonic() < end:
        rest = []
        for s in pending:
            try:
                d = s.recv(256)
            except BlockingIOError:
                rest.append(s)
                continue
            except OSError:
                d = b""
            k = d.split(b"\n")[0].decode(errors="replace")[:40] if d else "closed, no answer"
            k = "ERR too many clients" if k == "ERR too many clients" else \
                "OK" if k.startswith("OK") else ("ERR (other)" if k.startswith("ERR") else k)
            out[k] = out.get(k, 0) + 1
        pending = rest
        time.sleep(0.01)
    if pending:
        out["no answer yet"] = len(pending)
    return out


def ctl_flood(cx):
    """1000 control connections at once (max clients is 16), garbage on most; then
    protocol garbage on one connection: forwarding never stops (read from DPDK telemetry,
    apart from the socket under stress) and legitimate clients are served afterwards, with
    no descriptor leaked."""
    d = cx.workdir("ctl-flood")
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 8192), hard))
    app = Appliance(cx.build, d, cx.pcap, f"[filter]\nlist = native {cx.list}\n").start()
    cx.check(app.wait_forwarding() is not None, "ctl-flood: forwarding")
    fds0 = app.fd_targets()
    t_start = time.monotonic()
    socks, refused = _flood(app.sock, 1000)
    t_flood = time.monotonic() - t_start
    # The flood's connections stay open: the idle ones hold slots until they time out.
    back = None
    while time.monotonic() - t_start < 20:
        try:
            if ctl(app.sock, "status", 2.0)[0]:
                back = time.monotonic() - t_start
                break
        except CtlError:
            pass
        time.sleep(0.02)
    during = app.advancing(0.5, app.telemetry_rx)
    answers = _answers(socks, 1.0)
    cx.check(during, "ctl-flood: rx advancing during the flood (telemetry)")
    for s in socks:
        s.close()
    cx.check(back is not None, f"ctl-flood: a legitimate client served {back} s after the "
                               f"flood began, its connections still open")
    # Protocol garbage on one connection: each line refused, the connection served on.
    c = Conn(app.sock, 5.0)
    bad = [b"\x00\x01\x02bad", b"\"unterminated", b"\xff\xfe version", b" ".join([b"w"] * 70),
           b"", b"stats --json --json"]
    refusals = []
    for b in bad:
        c.s.sendall(b + b"\n")
        refusals.append(c.reply())
    served_on = c.ask("version")
    c.s.sendall(b"y" * 5000)
    try:
        too_long = c.reply()
    except CtlError as e:
        too_long = (False, str(e))
    c.close()
    cx.check(all(not ok for ok, _ in refusals) and served_on[0],
             f"ctl-flood: garbage lines refused one by one ({[r for _, r in refusals]}), "
             f"the connection served on")
    cx.check(too_long == (False, "request too long"), f"ctl-flood: a 5000-byte line: {too_long}")
    oks = sum(ctl(app.sock, "stats --json", 5.0)[0] for _ in range(50))
    cx.check(oks == 50, f"ctl-flood: 50 requests after the flood, {oks} OK")
    # A leak is a descriptor that was not open before the flood (one closed meanwhile, say a
    # start-up build's file, is none).
    t0 = time.monotonic()
    while app.fd_targets() - fds0 and time.monotonic() - t0 < 8:
        time.sleep(0.1)
    leaked = app.fd_targets() - fds0
    cx.check(not leaked, f"ctl-flood: no descriptor leaked ({sum(fds0.values())} before, "
                         f"new since: {dict(leaked)})")
    s = app.stop()
    fl = frames_lost(s["ports"], s["dropped"]) if s else None
    cx.check(fl == 0, f"ctl-flood: frames lost {fl}")
    return {"label": "1000 control connections at once (max 16 clients), garbage on 750; "
                     "protocol garbage on one connection",
            "frames": str(fl),
            "state": "none (no descriptor leaked); the flood got: " +
                     ", ".join(f"{v} {k}" for k, v in sorted(answers.items())) +
                     f" (all connected within {t_flood:.2f} s" +
                     (f", {refused} never" if refused else "") + ")",
            "serving": "yes (rx advancing during the flood); garbage lines refused, "
                       "connection served on",
            "back": f"a legitimate client served {back:.1f} s after the flood began, with "
                    f"its connections still open (the idle ones time out after 5 s)"
                    if back is not None else "NO"}


def sighup_storm(cx):
    """SIGHUP as fast as one process can send it for 3 s (each asks for a hit log reopen)
    while the log is renamed away every 100 ms (logrotate's way) and journaled changes
    stream in: forwarding goes on, every record is in one of the files or counted, every
    acknowledged change serves."""
    d = cx.workdir("sighup-storm")
    app = Appliance(cx.build, d, cx.pcap, outputs.sections(cx, d, 1),
                    f"journal = {d}/journal").start()
    cx.check(app.wait_forwarding() is not None, "sighup-storm: forwarding")
    stop = threading.Event()
    sent = [0]
    led = Ledger()

    def storm():
        pid = app.proc.pid
        while not stop.is_set():
            os.kill(pid, signal.SIGHUP)
            sent[0] += 1

    def rotate():
        k = 0
        while not stop.is_set():
            time.sleep(0.1)
            k += 1
            try:
                os.rename(os.path.join(d, "hits.log"), os.path.join(d, f"hits.log.{k}"))
            except FileNotFoundError:
                pass

    ths = [threading.Thread(target=storm), threading.Thread(target=rotate),
           threading.Thread(target=led.stream, args=(app.sock, stop, random.Random(5), "h"))]
    for t in ths:
        t.start()
    worst, t_end, rx = 0.0, time.monotonic() + 3, []
    while time.monotonic() < t_end:
        t0 = time.monotonic()
        rx.append(app.rx(5.0))
        worst = max(worst, time.monotonic() - t0)
        time.sleep(0.1)
    stop.set()
    for t in ths:
        t.join()
    serving = None not in rx and all(b > a for a, b in zip(rx, rx[1:]))
    cx.check(serving, f"sighup-storm: rx advancing at every sample ({len(rx)}), control "
                      f"answering (worst {worst * 1000:.0f} ms)")
    lost, _, _ = led.verify(app.sock)
    cx.check(lost == 0 and led.ops > 0, f"sighup-storm: {led.ops} journaled changes "
                                        f"answered, acknowledged lost {lost}")
    s = app.stop()
    fl = frames_lost(s["ports"], s["dropped"]) if s else None
    cx.check(fl == 0, f"sighup-storm: frames lost {fl}")
    files = sorted(f for f in os.listdir(d) if f.startswith("hits.log"))
    st = outputs.check(cx, "sighup-storm", s, d)
    return {"label": f"SIGHUP storm ({sent[0]} in 3 s, hit log renamed every 100 ms, "
                     f"journaled changes streaming)",
            "frames": str(fl),
            "state": f"{st}; records over {len(files)} files; acknowledged changes lost: "
                     f"**{lost}** of {led.ops}",
            "serving": f"yes; control answered within {worst * 1000:.0f} ms", "back": "-"}
