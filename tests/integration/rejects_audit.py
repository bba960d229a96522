#!/usr/bin/env python3
"""Rejected list lines reported like an operator wants them, and the audit trail.

dnsgate runs on net_null with a control socket and two lists written here with thousands
of rejected and not-supported lines (RPZ rpz-ip / rpz-nsdname triggers, bad names, CNAME
rewrites, addresses in a domain list). Then:

- stderr is bounded: 20 `FILE:LINE: reason` lines per list, one count line per reason,
  one line for every not-supported trigger together;
- `dnsgatectl rejects LIST` (by number and by path) returns every rejected line, exactly
  the lines this test made bad;
- `status` gives loaded, rejected, not supported and skipped per list;
- a `reload` answer carries the same bounded report;
- add, del, optout add/del, reload and log rotate, run as root and as uid 65534, each
  leave one audit line with the peer's uid and the outcome, reads leave none, and
  `dnsgatectl audit 3` gives the file's last 3 lines;
- with `strict = yes`, a list whose only other lines are not-supported triggers loads,
  and one real error stops start-up with an error that names the line.

  rejects_audit.py BUILD_DIR
"""
import os
import re
import signal
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True  # nothing written into the source tree
from itest import check, report

BUILD = sys.argv[1]
DNSGATE = os.path.join(BUILD, "app/dnsgate/dnsgate")
CTL = os.path.join(BUILD, "tools/dnsgatectl/dnsgatectl")
NOBODY = 65534


def write_lists(rpz, dom):
    """Write both lists; return the bad line numbers of each and the first line per kind."""
    bad_rpz, bad_dom, first = set(), set(), {}
    lines = ["$TTL 300", "@ SOA ns.rpz.test. hostmaster.rpz.test. 1 3600 600 86400 300",
             "@ NS ns.rpz.test."]

    def put(kind, text):
        lines.append(text)
        first.setdefault(kind, len(lines))
        if kind in ("bad", "rewrite"):
            bad_rpz.add(len(lines))

    for i in range(10):
        put("good", f"good{i}.example.test CNAME .")
    for i in range(3000):
        put("rpz-ip", f"32.{i % 256}.{i // 256}.18.198.rpz-ip CNAME .")
        if i % 6 == 0:
            put("nsdname", f"ns{i}.evil.test.rpz-nsdname CNAME .")
        if i % 2 == 0:
            put("bad", f"bad..{i}.example.test CNAME .")
        if i % 5 == 0:
            put("rewrite", f"rw{i}.example.test CNAME www.example.test.")
    with open(rpz, "w") as f:
        f.write("\n".join(lines) + "\n")
    lines = [f"ok{i}.example.test" for i in range(5)]
    for i in range(2500):
        lines.append(f"198.18.{i // 256}.{i % 256}")
        bad_dom.add(len(lines))
    with open(dom, "w") as f:
        f.write("\n".join(lines) + "\n")
    return bad_rpz, bad_dom, first


def main():
    tmp = tempfile.mkdtemp(prefix="dg-rejaudit.")
    os.chmod(tmp, 0o755)                  # uid 65534 reaches the socket
    j = lambda *p: os.path.join(tmp, *p)
    bad_rpz, bad_dom, first = write_lists(j("feed.rpz"), j("ips.txt"))
    sock, audit = j("ctl.sock"), j("audit.log")
    with open(j("dnsgate.ini"), "w") as f:
        f.write(f"""[eal]
args = --no-huge -m 1024 --no-pci --file-prefix dgrej{os.getpid()} -l 0-1 --log-level=*:warning
vdev = net_null0,no-rx=1
vdev = net_null1,no-rx=1
[ports]
pair = net_null0 net_null1
[mgmt]
run_for = 120
stats_interval = 0
[filter]
list = rpz {j('feed.rpz')}
list = domains {j('ips.txt')}
strict = no
[ctl]
socket = {sock}
mode = 0666
uid = {NOBODY}
audit = {audit}
""")
    err = open(j("stderr.txt"), "w")
    dg = subprocess.Popen([DNSGATE, "--", "--config", j("dnsgate.ini")],
                          stdout=subprocess.DEVNULL, stderr=err)
    for _ in range(400):
        if os.path.exists(sock) or dg.poll() is not None:
            break
        time.sleep(0.05)

    def ctl(*a, user=None):
        kw = {"user": user, "group": user, "extra_groups": []} if user is not None else {}
        return subprocess.run([CTL, "-s", sock] + list(a), capture_output=True, text=True,
                              **kw)

    rpz, dom = j("feed.rpz"), j("ips.txt")
    # --- start-up: bounded stderr ----------------------------------------------------
    time.sleep(0.2)
    stderr = open(j("stderr.txt")).read()
    ours = [l for l in stderr.splitlines() if l.startswith(tmp)]
    check(len(ours) < 60, f"stderr holds {len(ours)} lines about the lists (< 60)")
    for path, bad in ((rpz, bad_rpz), (dom, bad_dom)):
        shown = [int(m.group(1)) for m in re.finditer(re.escape(path) + r":(\d+): ", stderr)]
        check(shown == sorted(bad)[:20], f"{os.path.basename(path)}: the first 20 rejected "
              f"lines on stderr ({len(shown)})")
    check(f"{rpz}: 1500 lines rejected: bad name '...' (first: line {first['bad']})\n"
          in stderr, "count line for the bad names")
    check(f"{rpz}: 600 lines rejected: CNAME ... (rewrite, tcp-only) (first: line "
          f"{first['rewrite']})\n" in stderr, "count line for the CNAME rewrites")
    check(f"{rpz}: 3500 lines not supported, skipped: rpz-ip trigger 3000, rpz-nsdname "
          f"trigger 500 (first: line {first['rpz-ip']})\n" in stderr,
          "one line for the not-supported triggers")
    check(not re.search(re.escape(rpz) + r":\d+: .*rpz-", stderr),
          "no line-by-line report of the not-supported triggers")
    check(f"{dom}: 2480 more rejected lines not shown" in stderr, "the rest counted")

    # --- status and rejects ----------------------------------------------------------
    st = ctl("status").stdout
    check(re.search(rf"^list 1: {re.escape(rpz)} format=rpz lines=\d+ loaded=10 duplicates=0 "
                    r"rejected=2100 not_supported=3500 skipped=0$", st, re.M) is not None,
          "status: list 1 counts")
    check(re.search(rf"^list 2: {re.escape(dom)} format=domains lines=2505 loaded=5 "
                    r"duplicates=0 rejected=2500 not_supported=0 skipped=0$", st, re.M)
          is not None, "status: list 2 counts")
    for arg, path, bad in (("1", rpz, bad_rpz), (dom, dom, bad_dom)):
        r = ctl("rejects", arg)
        got = [int(m.group(1)) for m in re.finditer(re.escape(path) + r":(\d+): ", r.stdout)]
        check(r.returncode == 0 and got == sorted(bad),
              f"rejects {os.path.basename(arg)}: every rejected line ({len(got)} of {len(bad)})")
        check("not shown" not in r.stdout and "not kept" not in r.stdout,
              "rejects: nothing left out")
    r = ctl("rejects", "3")
    check(r.returncode == 1 and "no list 3" in r.stderr, f"rejects 3: {r.stderr.strip()}")

    # --- changes, each audited -------------------------------------------------------
    want = []                             # (uid, result, cmd)

    def change(args, user, ok):
        r = ctl(*args, user=user)
        check((r.returncode == 0) == ok, f"{' '.join(args)} as uid {user or 0}: "
              f"exit {r.returncode} {r.stderr.strip()}")
        want.append((user or 0, "OK" if ok else "ERR", " ".join(args)))
        return r

    change(["add", "added.example.test", "action=nxdomain"], None, True)
    change(["del", "never-added.example.test"], NOBODY, False)
    change(["optout", "add", "198.18.5.0/24"], NOBODY, True)
    ctl("status")                         # reads: not audited
    ctl("lookup", "added.example.test", user=NOBODY)
    change(["optout", "del", "198.18.5.0/24"], None, True)
    r = change(["reload"], NOBODY, True)
    body = r.stdout.splitlines()
    check(len(body) < 60 and f"{dom}: 2480 more rejected lines not shown" in r.stdout,
          f"reload answer bounded ({len(body)} lines) with the counts")
    check(f"{rpz}: loaded 10, rejected 2100, not supported 3500, skipped 0" in r.stdout,
          "reload answer: per-list counts")
    change(["log", "rotate"], None, True)
    change(["del", "added.example.test"], None, True)

    lines = open(audit).read().splitlines()
    check(len(lines) == len(want), f"{len(lines)} audit lines for {len(want)} changes")
    for line, (uid, res, cmd) in zip(lines, want):
        m = re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z uid=(\d+) gid=(\d+) pid=(\d+) "
                     r"result=(OK|ERR)(?: reason=\"[^\"]*\")? cmd=\"(.*)\"$", line)
        check(m is not None and int(m.group(1)) == uid and int(m.group(2)) == uid and
              int(m.group(3)) > 0 and m.group(4) == res and m.group(5) == cmd,
              f"audit line for {cmd!r} (uid {uid}, {res}): {line}")
    r = ctl("audit", "3")
    check(r.returncode == 0 and r.stdout.splitlines() == lines[-3:], "audit 3: the last 3 lines")
    r = ctl("audit")
    check(r.stdout.splitlines() == lines[-20:], "audit: the last 20 (all of them here)")
    r = ctl("audit", "0")
    check(r.returncode == 1, "audit 0 refused")
    st = ctl("status").stdout
    check(f"audit_written: {len(want)}\n" in st and "audit_failed: 0\n" in st,
          "status: audit counters")

    dg.send_signal(signal.SIGTERM)
    try:
        dg.wait(timeout=60)
    except subprocess.TimeoutExpired:
        dg.kill()
    err.close()
    check(dg.returncode == 0, f"dnsgate exit status {dg.returncode}")

    # strict: a list whose only other lines are not-supported triggers loads; a real
    # error stops start-up and the error names the line
    with open(j("dnsgate.ini")) as f:
        cfg = f.read()
    with open(j("strict.rpz"), "w") as f:
        f.write("a.example.test CNAME .\n32.1.0.18.198.rpz-ip CNAME .\n")
    with open(j("strict.ini"), "w") as f:
        f.write(cfg.replace(f"list = rpz {rpz}\nlist = domains {dom}\nstrict = no",
                            f"list = rpz {j('strict.rpz')}\nstrict = yes")
                .replace("run_for = 120", "run_for = 1")
                .replace(f"dgrej{os.getpid()}", f"dgrejs{os.getpid()}"))
    r = subprocess.run([DNSGATE, "--", "--config", j("strict.ini")], capture_output=True,
                       text=True, timeout=60)
    check(r.returncode == 0 and "1 line not supported" in r.stderr,
          f"strict start-up with a not-supported trigger: exit {r.returncode}")
    with open(j("strict.rpz"), "a") as f:
        f.write("bad..name.example.test CNAME .\n")
    r = subprocess.run([DNSGATE, "--", "--config", j("strict.ini")], capture_output=True,
                       text=True, timeout=60)
    check(r.returncode == 2 and f"strict: {j('strict.rpz')}:3: bad name" in r.stderr,
          f"strict start-up with a bad line: exit {r.returncode}, names the line")

    # A strict reload that fails: the answer names FILE:LINE, status keeps the serving
    # load's list line, the old entries serve.
    with open(j("strict.rpz"), "w") as f:
        f.write("a.example.test CNAME .\nb.example.test CNAME .\n")
    with open(j("strict-run.ini"), "w") as f:
        f.write(open(j("strict.ini")).read().replace("run_for = 1", "run_for = 120")
                .replace(f"dgrejs{os.getpid()}", f"dgrejr{os.getpid()}"))
    os.unlink(sock) if os.path.exists(sock) else None
    dg = subprocess.Popen([DNSGATE, "--", "--config", j("strict-run.ini")],
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(400):
        if os.path.exists(sock) or dg.poll() is not None:
            break
        time.sleep(0.05)
    listline = lambda st: [l for l in st.splitlines() if l.startswith("list 1:")]
    before = listline(ctl("status").stdout)
    with open(j("strict.rpz"), "a") as f:
        f.write("c.example.test CNAME .\nbad..name.example.test CNAME .\n")
    r = ctl("reload")
    check(r.returncode != 0 and f"{j('strict.rpz')}:4: bad name" in r.stdout + r.stderr,
          f"a failed strict reload answers FILE:LINE: reason: {(r.stdout + r.stderr).strip()!r}")
    after = listline(ctl("status").stdout)
    check(before and after == before and "loaded=2" in before[0],
          f"status keeps the serving load's list line: {after} == {before}")
    check(": matches entry " in ctl("lookup", "b.example.test").stdout and
          ": matches entry " not in ctl("lookup", "c.example.test").stdout,
          "the old entries serve, none of the failed load's")
    dg.send_signal(signal.SIGTERM)
    dg.wait(timeout=60)
    check(dg.returncode == 0, f"dnsgate exit status {dg.returncode}")
    subprocess.run(["rm", "-rf", tmp])
    return report()


sys.exit(main())
