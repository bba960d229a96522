#!/usr/bin/env python3
"""Live lists: full builds off the management loop, the delta, and the snapshot image.

A looped capture (net_pcap infinite_rx) runs through dnsgate into net_null with a list of
LIVE_N names, a hit log, a journal and an image. Then:

- during a `reload`, the control socket answers `status` (latencies printed; the build is
  seen running), a second `reload` is refused with the reason, and an `add` made during
  the build is visible at once and still serves after the build is published;
- `del` of a base entry masks it at once; `add` replaces the entry of the same name and mode;
- no hit record is lost across the reload under load: hit log lines == filtered queries;
  the history goes on closing its 1 s intervals while the build runs, and the list
  metadata it records holds the identifier of an entry added at run time;
- a restart loads the image instead of parsing, with the journal's changes on top and the
  same entry count; a list changed, an image truncated or a byte flipped in it: one line
  saying why, then a parse, and the appliance serves.

  live.py BUILD_DIR
"""
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from itest import check, report  # noqa: E402
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                                "tools", "lab"))
from dgctl import request  # noqa: E402

BUILD = sys.argv[1]
GEN = os.path.join(BUILD, "tools/pcapgen/dnsgate-pcapgen")
DNSGATE = os.path.join(BUILD, "app/dnsgate/dnsgate")
N = int(os.environ.get("LIVE_N", "400000"))


def field(status, key):
    m = re.search(rf"^{key}: (.*)$", status, re.M)
    return m.group(1) if m else None


def write_config(d, tag, run_for):
    with open(os.path.join(d, "dnsgate.ini"), "w") as f:
        f.write(f"""[eal]
args = --no-huge -m 1024 --no-pci --file-prefix dglive{os.getpid()}{tag} -l 0-1 --log-level=*:warning
vdev = net_pcap0,rx_pcap={d}/q.pcap,infinite_rx=1
vdev = net_null0,no-rx=1
[ports]
pair = net_pcap0 net_null0
[mgmt]
run_for = {run_for}
stats_interval = 0
[filter]
list = native {d}/big.txt
image = {d}/snapshot.img
[guard]
rate = 0
[ctl]
socket = {d}/ctl.sock
journal = {d}/journal
[log]
file = {d}/hits.jsonl
ring = 262144
[stats]
history = {d}/history.db
interval = 1
""")


def start(d):
    try:
        os.unlink(os.path.join(d, "ctl.sock"))
    except FileNotFoundError:
        pass
    p = subprocess.Popen([DNSGATE, "--", "--config", os.path.join(d, "dnsgate.ini")],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    for _ in range(1200):
        if os.path.exists(os.path.join(d, "ctl.sock")) or p.poll() is not None:
            break
        time.sleep(0.05)
    return p


def stop(p):
    p.send_signal(signal.SIGINT)
    out, err = p.communicate(timeout=120)
    return out, err


def lookup(sock, name):
    ok, body, _ = request(sock, f"lookup {name}")
    m = re.search(r"identifier=(\S+)", body)
    return m.group(1) if ok and m else ("none" if ok else body)


def sql(d, q):
    r = subprocess.run(["sqlite3", f"{d}/history.db", q], capture_output=True, text=True)
    return r.stdout.strip()


def during_reload(sock):
    """Reload in the background; meanwhile status, a second reload, an add."""
    res = {}
    t = threading.Thread(target=lambda: res.update(r=request(sock, "reload", 300)))
    t0 = time.monotonic()
    t.start()
    lat, running, refused, added, seen = [], 0, None, None, None
    while t.is_alive():
        ok, st, dt = request(sock, "status")
        if ok and (field(st, "build") or "").startswith("reload running"):
            running += 1
            lat.append(dt)
            if refused is None:
                refused = request(sock, "reload")
            if added is None:
                added = request(sock, "add new1.live.test id=RT action=nxdomain mode=exact")
                seen = lookup(sock, "new1.live.test")
        time.sleep(0.01)
    t.join()
    return res["r"], time.monotonic() - t0, lat, running, refused, added, seen


def main():
    d = tempfile.mkdtemp(prefix="dg-live.")
    stable = [f"stable{i}.live.test" for i in range(20)]
    with open(f"{d}/big.txt", "w") as f:
        for n in stable:
            f.write(f"{n} STABLE backdoor nxdomain subtree - -\n")
        for i in range(N):
            f.write(f"big{i:07d}.live.test BIG ddos sinkhole subtree - -\n")
    with open(f"{d}/stable.txt", "w") as f:
        f.write("\n".join(stable) + "\n")
    with open(f"{d}/names.txt", "w") as f:
        f.write("\n".join(f"benign{i}.example" for i in range(200)) + "\n")
    subprocess.run([GEN, "--profile", "dns", "-n", "4096", "--seed", "9", "--names",
                    f"{d}/names.txt", "--blocked", f"{d}/stable.txt", "--blocked-pct", "5",
                    "-o", f"{d}/q.pcap"], check=True, stdout=subprocess.DEVNULL)
    sock = f"{d}/ctl.sock"

    # Run A: cold start (no image yet), a reload under load.
    write_config(d, "a", 300)
    p = start(d)
    ok, st, _ = request(sock, "status")
    check(ok and field(st, "entries") == str(N + 20), f"run A serves {N + 20} entries: {field(st, 'entries')}")
    t_rel = time.time()
    rel, secs, lat, running, refused, added, seen = during_reload(sock)
    t_end = time.time()
    check(rel[0] and rel[1].startswith("generation"), f"reload answered OK after {secs:.2f} s: {rel[1][:60]!r}")
    lat.sort()
    print(f"reload of {N + 20} entries: {secs:.2f} s; status answered {len(lat)} times meanwhile, "
          f"median {1e3 * lat[len(lat) // 2] if lat else 0:.2f} ms, max {1e3 * lat[-1] if lat else 0:.2f} ms")
    check(running >= 3, f"the build was seen running by {running} status requests")
    check(lat and lat[-1] < 0.25, "status answered within 250 ms throughout the build")
    check(refused is not None and not refused[0] and "running" in refused[1],
          f"a second reload during the build is refused with the reason: {refused}")
    check(added is not None and added[0] and seen == "RT",
          f"an add during the build serves at once: {seen}")
    check(lookup(sock, "new1.live.test") == "RT", "... and after the build is published")
    check(lookup(sock, "x.new1.live.test") == "none", "... exact mode: not below it")
    ok, _, dt = request(sock, "del big0000001.live.test")
    check(ok and lookup(sock, "big0000001.live.test") == "none",
          f"del of a base entry masks it at once ({dt * 1e3:.2f} ms)")
    request(sock, "add big0000002.live.test id=RT2 action=drop")
    check(lookup(sock, "www.big0000002.live.test") == "RT2", "add replaces the same name and mode")
    ok, st, _ = request(sock, "status")
    entries_a = field(st, "entries")
    check(entries_a == str(N + 20), f"entries over both layers: {entries_a} (one deleted, one added)")
    time.sleep(1.5)
    out, err = stop(p)
    check(p.returncode == 0, f"run A exit status {p.returncode}: {err[-400:]}")
    m = re.search(r"^filtered (\d+)$", out, re.M)
    hits = sum(1 for _ in open(f"{d}/hits.jsonl"))
    check(m is not None and int(m.group(1)) == hits and hits > 0,
          f"no hit record lost across the reload: {hits} lines == filtered {m.group(1) if m else None}")
    check("written" in err and "snapshot.img" in err, "the image was written after the build")
    closed = int(sql(d, f"SELECT count(*) FROM intervals WHERE end_ts > {int(t_rel) + 1} "
                     f"AND end_ts <= {int(t_end)}") or 0)
    check(closed >= int(t_end - t_rel) - 2,
          f"the history closed {closed} intervals during the {t_end - t_rel:.1f} s of the reload")
    rt = sql(d, "SELECT e.fqdns FROM list_entries e JOIN list_loads l ON e.load_id = l.id "
                "WHERE e.identifier = 'RT' ORDER BY l.loaded_at DESC LIMIT 1")
    check(rt == "1", f"the history's list metadata holds the runtime add's identifier: {rt!r}")

    # Run B: from the image, the journal on top.
    write_config(d, "b", 300)
    t0 = time.monotonic()
    p = start(d)
    ok, st, _ = request(sock, "status")
    print(f"run B: control socket up {time.monotonic() - t0:.2f} s after the start")
    check(ok and "loaded" in (field(st, "image") or ""), f"run B loads the image: {field(st, 'image')}")
    check(field(st, "entries") == entries_a, f"same entries as run A: {field(st, 'entries')} == {entries_a}")
    check(lookup(sock, "big0000005.live.test") == "BIG", "a list entry from the image")
    check(lookup(sock, "new1.live.test") == "RT", "a runtime add replayed over the image")
    check(lookup(sock, "big0000001.live.test") == "none", "a runtime del replayed over the image")
    out, err = stop(p)
    check(p.returncode == 0 and "parsing" not in err, f"run B exit {p.returncode}, no parse: {err[-300:]}")

    # Runs C-E: a stale, a truncated and a corrupted image each fall back to the parse.
    def fallback(tag, word):
        write_config(d, tag, 300)
        p = start(d)
        ok, st, _ = request(sock, "status")
        served = ok and lookup(sock, "big0000005.live.test") == "BIG"
        out, err = stop(p)
        lines = [l for l in err.splitlines() if "snapshot.img:" in l and "parsing the lists" in l]
        check(p.returncode == 0 and served and len(lines) == 1 and word in lines[0],
              f"{tag}: one line ({lines}) and the lists serve (exit {p.returncode})")

    with open(f"{d}/big.txt", "a") as f:
        f.write("late.live.test LATE - nxdomain exact - -\n")
    fallback("stale", "stale")
    size = os.path.getsize(f"{d}/snapshot.img")
    os.truncate(f"{d}/snapshot.img", size // 2)
    fallback("truncated", "damaged")
    time.sleep(0.5)
    with open(f"{d}/snapshot.img", "r+b") as f:
        f.seek(os.path.getsize(f"{d}/snapshot.img") // 2)
        b = f.read(1)
        f.seek(-1, 1)
        f.write(bytes([b[0] ^ 0x40]))
    fallback("corrupted", "damaged")
    subprocess.run(["rm", "-rf", d])
    return report()


if __name__ == "__main__":
    sys.exit(main())
