#!/usr/bin/env python3
"""Chaos, measured: dnsgate under a looped replay (net_pcap infinite_rx into net_null, a
1%-blocked DNS mix, so answers and hit-log records flow) while the suite does harm to it,
one case at a time. For each case it checks and reports:

- frames lost: dnsgate's own accounting at exit, frames received and neither forwarded,
  answered nor dropped by policy (a frame refused by a TX queue is lost too);
- state lost: acknowledged runtime changes missing, hit-log records or history intervals
  missing against the counters;
- kept serving: the rx counter still advancing, the control socket answering;
- came back: after the cases that stop the process, the time from start to the first
  forwarded frame.

  chaos.py BUILD_DIR [--rounds N] [--sanitized] [--only CASE,...] [--json FILE]

--rounds: kill -9 rounds of the add/del case, half as many during reloads (default 8, 3
with --sanitized; env CHAOS_ROUNDS, e.g. 200 for a soak). Root is
needed (tmpfs mounts); the suite runs in its own mount namespace, so every mount it makes
goes away with it. docs/reliability.md has the table this prints.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import traceback

sys.dont_write_bytecode = True  # nothing written into the source tree
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
import itest  # noqa: E402
import cases_disk  # noqa: E402
import cases_input  # noqa: E402
import cases_process  # noqa: E402

CASES = [
    ("kill9-add", cases_process.kill_add),
    ("kill9-reload", cases_process.kill_reload),
    ("sigstop", cases_process.sigstop),
    ("full-fs", cases_disk.full_fs),
    ("history-locked", cases_disk.history_locked),
    ("history-corrupt", cases_disk.history_corrupt),
    ("list-rewrite", cases_input.list_rewrite),
    ("ctl-flood", cases_input.ctl_flood),
    ("sighup-storm", cases_input.sighup_storm),
]


class Ctx:
    """What every case gets: the build, a work directory, the capture and its lists."""

    def __init__(self, build, root, rounds):
        self.build = build
        self.root = root
        self.rounds = rounds
        self.gen = os.path.join(build, "tools/pcapgen/dnsgate-pcapgen")

    def check(self, ok, what):
        """Count a check (itest prints a failure); print a passed one too."""
        if ok:
            print("  ok: " + what, flush=True)
        itest.check(bool(ok), what)
        sys.stdout.flush()
        return ok

    def workdir(self, name):
        d = os.path.join(self.root, name)
        os.makedirs(d, exist_ok=True)
        return d

    def prepare(self):
        """The capture (4096 queries, 1% for 200 listed names) and the list of those names
        (native format, identifier BLK); a bulk list of 100,000 more names for the cases
        that need a reload that takes a while."""
        j = lambda *p: os.path.join(self.root, *p)
        self.blocked = [f"blk{i}.chaos.test" for i in range(200)]
        with open(j("names.txt"), "w") as f:
            f.write("".join(f"ok{i}.chaos.test\n" for i in range(1000)))
        with open(j("blocked.txt"), "w") as f:
            f.write("".join(n + "\n" for n in self.blocked))
        self.list = j("list.txt")
        with open(self.list, "w") as f:
            f.write(native(self.blocked, "BLK"))
        self.bulk_n = 100000
        self.bulk = j("bulk.txt")
        with open(self.bulk, "w") as f:
            f.write("".join(f"bulk{i}.chaos.test BULK - nxdomain subtree - -\n"
                            for i in range(self.bulk_n)))
        self.pcap = j("q.pcap")
        subprocess.run([self.gen, "--profile", "dns", "-n", "4096", "--seed", "11", "--names",
                        j("names.txt"), "--blocked", j("blocked.txt"), "--blocked-pct", "1",
                        "-o", self.pcap], check=True, stdout=subprocess.DEVNULL)


def native(names, ident, action="nxdomain"):
    """A list in the native format: name identifier category action mode start end."""
    return "".join(f"{n} {ident} backdoor {action} subtree - -\n" for n in names)


def in_private_namespace():
    """Re-run this script in its own mount namespace (as root): the tmpfs mounts of the
    disk cases vanish with it, whatever happens."""
    if os.environ.get("DG_CHAOS_NS") == "1" or os.geteuid() != 0:
        return
    os.environ["DG_CHAOS_NS"] = "1"
    os.execvp("unshare", ["unshare", "--mount", "--propagation", "private", sys.executable,
                          os.path.abspath(__file__)] + sys.argv[1:])


def table(rows):
    lines = ["| case | frames lost | state lost | kept serving | came back |",
             "|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['case']} | {r['frames']} | {r['state']} | {r['serving']} | "
                     f"{r['back']} |")
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("build")
    ap.add_argument("--rounds", type=int, default=int(os.environ.get("CHAOS_ROUNDS", "0")))
    ap.add_argument("--sanitized", action="store_true",
                    help="a sanitizer build: 3 kill rounds unless told otherwise")
    ap.add_argument("--only", default="")
    ap.add_argument("--json", default="")
    a = ap.parse_args()
    if os.geteuid() != 0:
        print("chaos.py: needs root (tmpfs mounts, a private mount namespace)")
        return 1
    in_private_namespace()
    a.rounds = a.rounds or (3 if a.sanitized else 8)
    root = tempfile.mkdtemp(prefix="dg-chaos.")
    cx = Ctx(os.path.abspath(a.build), root, a.rounds)
    only = set(filter(None, a.only.split(",")))
    rows = []
    t_all = time.monotonic()
    try:
        cx.prepare()
        for name, fn in CASES:
            if only and name not in only:
                continue
            print(f"== {name}", flush=True)
            t0 = time.monotonic()
            try:
                row = fn(cx)
            except Exception as e:  # a case that breaks is a failure, the others still run
                traceback.print_exc()
                cx.check(False, f"{name}: {e!r}")
                row = {"frames": "?", "state": "?", "serving": "?", "back": "?"}
            row["case"] = row.get("label", name)
            row["seconds"] = round(time.monotonic() - t0, 1)
            print(f"   {name}: {row['seconds']} s", flush=True)
            rows.append(row)
            shutil.rmtree(cx.workdir(name), ignore_errors=True)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    print()
    print(table(rows))
    print(f"\n{len(rows)} cases in {time.monotonic() - t_all:.0f} s")
    if a.json:
        with open(a.json, "w") as f:
            json.dump(rows, f, indent=1)
    return itest.report()


if __name__ == "__main__":
    sys.exit(main())
