"""Cases that stop the process: kill -9 during a stream of runtime changes (add, del,
optout add, optout del) and during a reload (with the journal: every change that got OK
must be there after the restart),
SIGSTOP for 5 s then SIGCONT."""
import os
import random
import signal
import statistics
import threading
import time

import outputs
from appliance import Appliance, Conn, CtlError, frames_lost, hitlog_lines


class Ledger:
    """Runtime changes sent and what came back. acked: name -> present after its last
    acknowledged change; doubt: names whose last change got no OK (in flight at a kill, or
    ERR): either state is right for them."""

    def __init__(self):
        self.acked = {}
        self.doubt = set()
        self.ops = 0
        self.inflight = False
        self.seq = 0

    def stream(self, sock, stop, rng, prefix, limit=None):
        """Adds of new names and dels of acknowledged ones on one connection until @p stop
        is set, @p limit changes are answered or the connection breaks (the kill)."""
        try:
            c = Conn(sock, 10.0)
        except CtlError:
            return
        while not stop.is_set() and (limit is None or limit > 0):
            limit = None if limit is None else limit - 1
            present = [n for n, p in self.acked.items() if p and n not in self.doubt]
            pick = rng.random()
            if present and pick < 0.25:
                # a del of a name or an opt-out prefix that an acknowledged add put there
                name = rng.choice(present)
                line = f"optout del {name}" if "/" in name else f"del {name}"
                after = False
            else:
                self.seq += 1
                after = True
                if pick < 0.4:
                    # opt-out prefixes: 198.18.A.B/32 from a per-round counter
                    name = f"198.18.{128 + self.seq // 256 % 128}.{self.seq % 256}/32"
                    line = f"optout add {name}"
                else:
                    name = f"{prefix}{self.seq}.chaos.test"
                    line = f"add {name} action=nxdomain id=RUNTIME"
            self.doubt.add(name)
            self.inflight = True
            try:
                ok, _ = c.ask(line)
            except CtlError:
                return      # killed with this change in flight: it stays in doubt
            self.inflight = False
            self.ops += 1
            if ok:
                self.acked[name] = after
                self.doubt.discard(name)
        c.close()

    def verify(self, sock):
        """(acknowledged changes lost, doubtful ones applied, doubtful ones not), by
        `lookup` of every name and `optout list`, pipelined on one connection."""
        names = sorted(set(self.acked) | self.doubt)
        c = Conn(sock, 30.0)
        ok, body = c.ask("optout list")
        optouts = set(body.split()) if ok else set()
        lost = applied = not_applied = 0
        for i in range(0, len(names), 100):
            chunk = names[i:i + 100]
            for n in chunk:
                c.send(f"lookup {n}" if "/" not in n else "version")
            for n in chunk:
                ok, body = c.reply()
                present = n in optouts if "/" in n else ok and f"matches entry {n}. " in body
                if n in self.doubt:
                    # what the journal replayed is what later rounds must find
                    applied += present
                    not_applied += not present
                    self.doubt.discard(n)
                    self.acked[n] = present
                elif present != self.acked[n]:
                    lost += 1
                    print(f"  LOST: {n} acknowledged {'present' if self.acked[n] else 'deleted'},"
                          f" lookup says: {body.strip()}")
        c.close()
        return lost, applied, not_applied


def _restarts(times):
    if not times:
        return "-"
    return f"first forwarded frame {statistics.median(times):.2f} s after start " \
           f"(median of {len(times)}, max {max(times):.2f} s)"


def _kill_rounds(cx, name, lists, during_reload):
    """Rounds of start, changes, kill -9; then a last clean run. @return the row."""
    d = cx.workdir(name)
    rng = random.Random(int(os.environ.get("CHAOS_SEED", "0")) or None)
    led = Ledger()
    sections = "[filter]\nstrict = yes\n" + "".join(f"list = native {p}\n" for p in lists) + \
        f"[log]\nfile = {d}/hits.log\n"
    mk = lambda: Appliance(cx.build, d, cx.pcap, sections, f"journal = {d}/journal")
    rounds = cx.rounds if not during_reload else max(2, cx.rounds // 2)
    restarts, lost, torn, inflight, answered_first = [], 0, 0, 0, 0
    doubt_applied = doubt_not = in_start = 0
    t_reload = None
    for r in range(rounds + 1):
        app = mk().start()
        if not during_reload and 0 < r < rounds and r % 4 == 3:
            # a kill while it starts: lists, journal replay and compaction, ports
            time.sleep(rng.uniform(0, statistics.median(restarts)))
            app.kill9()
            in_start += 1
            continue
        t = app.wait_forwarding()
        cx.check(t is not None, f"{name} round {r}: forwarding after start")
        if t is None:
            app.kill9()
            return {"frames": "?", "state": "?", "serving": "?", "back": "did not come back"}
        if r > 0:
            restarts.append(t)
            if t > 3:
                print(f"  slow restart: {t:.2f} s; its output:\n{app.output()}")
        torn += "cut short (never acknowledged) dropped" in app.output()
        l, a, n = led.verify(app.sock)
        lost, doubt_applied, doubt_not = lost + l, doubt_applied + a, doubt_not + n
        if during_reload and t_reload is None:
            t0 = time.monotonic()
            ok, _ = app.ctl("reload", 60)
            t_reload = time.monotonic() - t0
            cx.check(ok, f"{name}: a reload of {cx.bulk_n} entries takes {t_reload:.2f} s")
        if r == rounds:
            break
        stop = threading.Event()
        if during_reload:
            # acknowledged changes first, then the reload replays and compacts them
            led.stream(app.sock, stop, rng, f"r{r}k", 6)
            c = Conn(app.sock, 0.5)
            c.send("reload")
            time.sleep(rng.uniform(0, 1.2 * t_reload))
        else:
            th = threading.Thread(target=led.stream, args=(app.sock, stop, rng, f"r{r}k"))
            th.start()
            time.sleep(rng.uniform(0.05, 0.6))
        app.kill9()
        stop.set()
        if not during_reload:
            th.join()
        inflight += led.inflight
        if during_reload:
            try:
                answered_first += c.reply()[0]
            except CtlError:
                pass
            c.close()
    # The last start: serving, then a clean stop for the exact accounting.
    serving = app.advancing()
    cx.check(serving, f"{name}: rx advancing after the last restart")
    s = app.stop()
    cx.check(s is not None, f"{name}: clean exit after the last restart")
    fl = frames_lost(s["ports"], s["dropped"]) if s else None
    cx.check(fl == 0, f"{name}: frames lost in the last run: {fl}")
    acked = len(led.acked)
    cx.check(lost == 0, f"{name}: acknowledged changes lost: {lost} (of {acked} names changed, "
                        f"{led.ops} changes answered)")
    cx.check(len(restarts) == rounds - in_start,
             f"{name}: came back {len(restarts)} of {rounds - in_start} times")
    good, cut, glued = hitlog_lines([f"{d}/hits.log"])
    cx.check(glued == 0 and good > 0, f"{name}: hit log over every run: {good} whole lines, "
                                      f"{cut} cut by a kill, {glued} glued to a cut one")
    what = "a reload" if during_reload else "a stream of add/del/optout add/optout del"
    state = f"acknowledged lost **{lost}** of {led.ops} ({rounds} kills"
    if during_reload:
        state += f", {answered_first} after the reload had answered"
    else:
        state += f": {inflight} with a request in flight, {in_start} while starting; " \
                 f"{torn} torn journal tails dropped at start"
    state += f"; no OK: {doubt_applied} applied, {doubt_not} not); hit log: the last second " \
             f"buffered is lost at a kill, **{glued}** lines glued"
    return {"label": f"kill -9 during {what} ([ctl] journal)",
            "frames": f"- (killed); {fl} in the run after",
            "state": state,
            "serving": "no (killed); yes after restart" if serving else "NO",
            "back": _restarts(restarts) + (f", {cx.bulk_n + 200:,} entries" if
                                           during_reload else "")}


def kill_add(cx):
    return _kill_rounds(cx, "kill9-add", [cx.list], False)


def kill_reload(cx):
    return _kill_rounds(cx, "kill9-reload", [cx.list, cx.bulk], True)


def sigstop(cx):
    """SIGSTOP for 5 s, then SIGCONT: the control socket is silent while stopped, then
    everything resumes; the counters add up at exit."""
    d = cx.workdir("sigstop")
    app = Appliance(cx.build, d, cx.pcap, outputs.sections(cx, d, 1)).start()
    cx.check(app.wait_forwarding() is not None, "sigstop: forwarding")
    time.sleep(1)
    app.signal(signal.SIGSTOP)
    t_stop = time.monotonic()
    silent = False
    try:
        app.ctl("status", 1.0)
    except CtlError:
        silent = True
    time.sleep(max(0.0, 5.0 - (time.monotonic() - t_stop)))
    app.signal(signal.SIGCONT)
    t_cont = time.monotonic()
    first = app.rx(10.0)
    t_ctl = time.monotonic() - t_cont
    moved = None
    while first is not None and time.monotonic() - t_cont < 5:
        r = app.rx()
        if r is not None and r > first:
            moved = time.monotonic() - t_cont
            break
        time.sleep(0.002)
    cx.check(silent, "sigstop: the control socket does not answer while stopped")
    cx.check(moved is not None, f"sigstop: rx advancing {moved} s after SIGCONT")
    time.sleep(1)
    s = app.stop()
    cx.check(s is not None, "sigstop: clean exit")
    fl = frames_lost(s["ports"], s["dropped"])
    cx.check(fl == 0, f"sigstop: frames lost {fl}")
    st = outputs.check(cx, "sigstop", s, d)
    return {"label": "SIGSTOP 5 s, then SIGCONT", "frames": f"{fl}", "state": st,
            "serving": "no while stopped (by design); control socket silent",
            "back": f"control answered {t_ctl * 1000:.0f} ms, rx advancing "
                    f"{(moved or 0) * 1000:.0f} ms after SIGCONT"}
