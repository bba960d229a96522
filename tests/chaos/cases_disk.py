"""The hit log and the stats history in trouble: a full filesystem (a 1 MiB tmpfs, while
running and at start; the Prometheus textfile there too), the history locked by another writer (while running and at start),
the history file corrupted between runs."""
import os
import re
import shutil
import sqlite3
import subprocess
import time

import outputs
from appliance import Appliance, CtlError, frames_lost


def _mount(path, size):
    os.makedirs(path, exist_ok=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", path], check=True)


def _umount(path):
    subprocess.run(["umount", "-l", path], check=False)


def _fill(path):
    """Fill the filesystem of @p path to the last byte."""
    fd = os.open(os.path.join(path, "filler"), os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        for chunk in (65536, 1):
            while True:
                try:
                    if os.write(fd, b"\0" * chunk) == 0:
                        break
                except OSError:
                    break
    finally:
        os.close(fd)


def full_fs(cx):
    """Hit log and history on a 1 MiB tmpfs: it fills while running (then grows back),
    and it is full at start (then freed)."""
    d = cx.workdir("full-fs")
    fs = os.path.join(d, "fs")
    cells = []
    for phase in ("running", "at start"):
        _mount(fs, "1m")
        try:
            label = f"full-fs {phase}"
            prom = f"{fs}/dnsgate.prom"
            app = Appliance(cx.build, d, cx.pcap, outputs.sections(
                cx, d, 1, log=f"{fs}/hits.log", history=f"{fs}/history.db",
                stats=f"prometheus = {prom}\nprometheus_interval = 1"))
            if phase == "at start":
                _fill(fs)
            app.start()
            t_fwd = app.wait_forwarding()
            cx.check(t_fwd is not None, f"{label}: forwarding {t_fwd} s after start")
            if t_fwd is None:
                print(app.stop() or app.out[-2000:])
                cells.append("did not start")
                continue
            time.sleep(3)
            serving = app.advancing()
            try:
                st = app.status()
            except CtlError:
                st = {}
            cx.check(serving, f"{label}: rx advancing on a full disk")
            cx.check(st != {}, f"{label}: control socket answering on a full disk")
            cx.check(int(st.get("hitlog_failed", 0)) > 0 and int(st.get("history_errors", 0)) > 0,
                     f"{label}: the loss is counted: hitlog_failed {st.get('hitlog_failed')}, "
                     f"history_errors {st.get('history_errors')}")
            # The operator makes room.
            if phase == "at start":
                os.unlink(os.path.join(fs, "filler"))
            subprocess.run(["mount", "-o", "remount,size=512m", fs], check=True)
            time.sleep(2.5)
            s = app.stop()
            cx.check(s is not None, f"{label}: clean exit")
            fl = frames_lost(s["ports"], s["dropped"])
            cx.check(fl == 0, f"{label}: frames lost {fl}")
            with open(prom) as f:
                pq = re.search(r"^dnsgate_queries_total (\d+)$", f.read(), re.M)
            left = [f for f in os.listdir(fs) if f.endswith(".tmp")]
            cx.check(pq is not None and int(pq.group(1)) == s["queries"] and not left,
                     f"{label}: the Prometheus textfile holds the final total, no temporary "
                     f"file left ({left})")
            cells.append((fl, outputs.check(cx, label, s, d, logs=[f"{fs}/hits.log"],
                                            history=f"{fs}/history.db"), serving))
        finally:
            _umount(fs)
    return {"label": "hit log, history and Prometheus file on a full 1 MiB tmpfs (fills "
                     "while running / full at start), then room again",
            "frames": " / ".join(str(c[0]) for c in cells if isinstance(c, tuple)),
            "state": " / ".join(c[1] if isinstance(c, tuple) else c for c in cells),
            "serving": "yes" if all(isinstance(c, tuple) and c[2] for c in cells) else "NO",
            "back": "-"}


def _lock(path):
    """Another writer: BEGIN EXCLUSIVE on @p path, held until the connection commits."""
    db = sqlite3.connect(path, timeout=10, isolation_level=None)
    db.execute("BEGIN EXCLUSIVE")
    return db


def _ctl_latency(app, seconds):
    """Worst `status` round trip over @p seconds (one every 100 ms); None if one failed."""
    worst, end = 0.0, time.monotonic() + seconds
    while time.monotonic() < end:
        t0 = time.monotonic()
        try:
            app.status(30.0)
        except CtlError:
            return None
        worst = max(worst, time.monotonic() - t0)
        time.sleep(0.1)
    return worst


def history_locked(cx):
    """Another writer holds the history (BEGIN EXCLUSIVE) for 4 s while dnsgate runs, then
    from before a start: forwarding and the control socket must not wait for it."""
    d = cx.workdir("history-locked")
    db = os.path.join(d, "history.db")
    res = []
    for phase in ("running", "at start"):
        label = f"history-locked {phase}"
        name = "chaos" if phase == "running" else "chaos2"
        app = Appliance(cx.build, d, cx.pcap, outputs.sections(cx, d, 1, appliance=name))
        lock = _lock(db) if phase == "at start" else None
        app.start()
        t_fwd = app.wait_forwarding()
        cx.check(t_fwd is not None and t_fwd < 5, f"{label}: forwarding {t_fwd} s after start")
        if lock is None:
            time.sleep(1.5)
            lock = _lock(db)
        worst = _ctl_latency(app, 4.0)
        serving = app.advancing()
        cx.check(serving, f"{label}: rx advancing while the history is locked")
        cx.check(worst is not None and worst < 1.0,
                 f"{label}: control answers while the history is locked (worst {worst} s)")
        lock.execute("COMMIT")
        lock.close()
        time.sleep(2.5)
        s = app.stop()
        cx.check(s is not None, f"{label}: clean exit")
        fl = frames_lost(s["ports"], s["dropped"])
        cx.check(fl == 0, f"{label}: frames lost {fl}")
        cx.check(s["history"]["errors"] > 0, f"{label}: the locked intervals are counted as "
                                             f"errors ({s['history']['errors']})")
        res.append((fl, outputs.check(cx, label, s, d, appliance=name), serving, worst, t_fwd))
        for f in os.listdir(d):
            if f.startswith("hits.log"):
                os.unlink(os.path.join(d, f))
    return {"label": "history locked by another writer (BEGIN EXCLUSIVE 4 s: while running; "
                     "from before start)",
            "frames": " / ".join(str(r[0]) for r in res),
            "state": " / ".join(r[1] for r in res),
            "serving": "yes; control answered within " +
                       " / ".join(f"{r[3] * 1000:.0f} ms" for r in res),
            "back": f"started under the lock: first forwarded frame {res[-1][4]:.2f} s "
                    f"after start"}


def _corrupt(path, how):
    size = os.path.getsize(path)
    with open(path, "r+b") as f:
        if how == "header overwritten":
            f.write(b"\xa5" * 100)
        elif how == "truncated to half":
            f.truncate(size // 2)
        else:  # every page but the first scribbled over
            f.seek(4096)
            f.write(bytes((i * 131 + 7) & 0xff for i in range(size - 4096)))


def history_corrupt(cx):
    """The history file damaged between two runs, three ways: dnsgate must start, say so,
    forward, set the damaged file aside and store the new run's intervals."""
    d = cx.workdir("history-corrupt")
    db = os.path.join(d, "history.db")
    app = Appliance(cx.build, d, cx.pcap, outputs.sections(cx, d, 1)).start()
    app.wait_forwarding()
    time.sleep(1.5)
    cx.check(app.stop() is not None and os.path.getsize(db) > 4096,
             "history-corrupt: a first run stored its intervals")
    pristine = db + ".pristine"
    shutil.copy(db, pristine)
    res = []
    for how in ("header overwritten", "truncated to half", "pages scribbled"):
        label = f"history-corrupt ({how})"
        for f in os.listdir(d):
            if f.startswith(("history.db", "hits.log")) and f != "history.db.pristine":
                os.unlink(os.path.join(d, f))
        shutil.copy(pristine, db)
        _corrupt(db, how)
        name = "chaos-" + how.split()[0]
        app = Appliance(cx.build, d, cx.pcap, outputs.sections(cx, d, 1, appliance=name))
        app.start()
        t_fwd = app.wait_forwarding()
        cx.check(t_fwd is not None, f"{label}: forwarding {t_fwd} s after start")
        time.sleep(2)
        serving = app.advancing()
        s = app.stop()
        cx.check(s is not None, f"{label}: clean exit")
        if s is None:
            print(app.out[-3000:])
            res.append((how, "did not run", False))
            continue
        fl = frames_lost(s["ports"], s["dropped"])
        cx.check(fl == 0 and serving, f"{label}: rx advancing, frames lost {fl}")
        aside = [f for f in os.listdir(d) if f.startswith("history.db.bad-")]
        said = "damaged; moved to" in app.out
        cx.check(bool(aside) == said == (s["history"]["set_aside"] > 0),
                 f"{label}: set aside {aside}, said so: {said}")
        when = "not noticed, intervals stored" if not said else \
               "set aside at start" if app.out.index("damaged; moved to") < \
               app.out.index(" worker(s), ") else "set aside at its first write"
        res.append((how, when + "; " + outputs.check(cx, label, s, d, appliance=name), fl))
    return {"label": "history file corrupted between runs (header overwritten / truncated to "
                     "half / pages past the first scribbled)",
            "frames": " / ".join(str(r[2]) for r in res),
            "state": " / ".join(r[1] for r in res) + " (the damaged file kept as "
                                                     "history.db.bad-TIME)",
            "serving": "yes", "back": "started, said so and forwarded every time"}
