#!/usr/bin/env python3
"""Zero loss across snapshot swaps: a looped capture (net_pcap infinite_rx) runs through
dnsgate into net_null for a fixed time while the test reloads alternating list versions
and adds/deletes entries over the control socket as fast as it can. Then:

- every frame received is accounted for: forwarded + answered + dropped by policy, with
  zero frames refused by a TX queue;
- every query for a name that is in *every* list version (identifier STABLE) got a verdict
  (an exact count, from the capture's composition and the number of frames replayed), so
  no query ever saw a half-built or missing list;
- no filtered query carries an identifier that no published list had;
- the stats history (intervals closed before every reload and at shutdown) sums to the
  totals counted; and after a second run on the same database, stopped mid-interval,
  it holds both runs' totals: a restart or a reload loses no counted query.

  swap.py BUILD_DIR [SECONDS]
"""
import os
import re
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True  # nothing written into the source tree
from itest import counters, prefixed

BUILD = sys.argv[1]
SECS = int(sys.argv[2]) if len(sys.argv) > 2 else 8
GEN = os.path.join(BUILD, "tools/pcapgen/dnsgate-pcapgen")
DNSGATE = os.path.join(BUILD, "app/dnsgate/dnsgate")
CTL = os.path.join(BUILD, "tools/dnsgatectl/dnsgatectl")

passed = failed = 0


def check(ok, what):
    global passed, failed
    passed += ok
    failed += not ok
    print(("ok: " if ok else "FAILED: ") + what)


def telemetry(path, cmd):
    """One DPDK telemetry command over its SOCK_SEQPACKET socket; None if it fails."""
    import json
    import socket
    try:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        s.connect(path)
        s.recv(4096)                      # greeting
        s.send(cmd.encode())
        reply = json.loads(s.recv(65536).decode())
        s.close()
        return reply.get(cmd)
    except (OSError, ValueError) as e:
        print("telemetry:", e)
        return None


def write_atomic(path, text):
    with open(path + ".tmp", "w") as f:
        f.write(text)
    os.rename(path + ".tmp", path)


def native(names, ident):
    # native format: name identifier category action mode start end
    return "".join(f"{n} {ident} backdoor nxdomain subtree - -\n" for n in names)


def main():
    tmp = tempfile.mkdtemp(prefix="dg-swap.")
    j = lambda *p: os.path.join(tmp, *p)
    stable = [f"stable{i}.swap.test" for i in range(20)]
    v1 = [f"one{i}.swap.test" for i in range(50)]
    v2 = [f"two{i}.swap.test" for i in range(50)]
    toggle = [f"toggle{i}.swap.test" for i in range(5)]
    never = [f"never{i}.swap.test" for i in range(50)]
    write_atomic(j("names.txt"), "\n".join(v1 + v2 + toggle + never) + "\n")
    write_atomic(j("stable.txt"), "\n".join(stable) + "\n")
    write_atomic(j("list.txt"), native(stable, "STABLE") + native(v1, "V1"))
    subprocess.run([GEN, "--profile", "dns", "-n", "4096", "--seed", "5", "--names",
                    j("names.txt"), "--blocked", j("stable.txt"), "--blocked-pct", "25",
                    "--manifest", j("manifest.txt"), "-o", j("q.pcap")], check=True,
                   stdout=subprocess.DEVNULL)
    kinds = [l.split()[1] for l in open(j("manifest.txt")) if not l.startswith("#")]
    n = len(kinds)
    with open(j("dnsgate.ini"), "w") as f:
        f.write(f"""[eal]
args = --no-huge -m 1024 --no-pci --file-prefix dgswap{os.getpid()} -l 0-1 --log-level=*:warning
vdev = net_pcap0,rx_pcap={j('q.pcap')},infinite_rx=1
vdev = net_null0,no-rx=1
[ports]
pair = net_pcap0 net_null0
[mgmt]
run_for = {SECS + 3}
stats_interval = 1
[filter]
list = native {j('list.txt')}
[guard]
rate = 0
[ctl]
socket = {j('ctl.sock')}
[stats]
history = {j('history.db')}
appliance = swaptest
prometheus = {j('dnsgate.prom')}
prometheus_interval = 1
""")
    dg = subprocess.Popen([DNSGATE, "--", "--config", j("dnsgate.ini")],
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    sock = j("ctl.sock")
    for _ in range(100):
        if os.path.exists(sock):
            break
        time.sleep(0.05)
    ctl = lambda *a: subprocess.run([CTL, "-s", sock] + list(a), capture_output=True, text=True)
    reloads = changes = errors = 0
    end = time.time() + SECS
    version = 1
    while time.time() < end:
        version = 3 - version
        write_atomic(j("list.txt"), native(stable, "STABLE") + native(v1 if version == 1 else v2,
                                                                          "V1" if version == 1 else "V2"))
        r = ctl("reload")
        reloads += r.returncode == 0
        errors += r.returncode != 0
        for t in toggle:
            r = ctl("add", t, "id=TOGGLE", "action=sinkhole")
            changes += r.returncode == 0
            errors += r.returncode != 0
        for t in toggle:
            r = ctl("del", t)
            changes += r.returncode == 0
            errors += r.returncode != 0
    st = ctl("status").stdout
    check(re.search(r"^history_intervals: [1-9]", st, re.M) is not None and
          "history_errors: 0" in st, "status reports the history intervals written, no error")
    # Still running (run_for outlasts the loop): ask DPDK telemetry too.
    tel = telemetry(f"/var/run/dpdk/dgswap{os.getpid()}/dpdk_telemetry.v2", "/dnsgate/stats")
    telp = telemetry(f"/var/run/dpdk/dgswap{os.getpid()}/dpdk_telemetry.v2", "/dnsgate/ports")
    out, _ = dg.communicate(timeout=60)
    print(out[-2500:])
    check(dg.returncode == 0, f"dnsgate exit status {dg.returncode}")
    check(errors == 0 and reloads > 0, f"{reloads} reloads and {changes} add/del, {errors} errors")

    ports = {m.group(1): (int(m.group(2)), int(m.group(3)), int(m.group(4)))
             for m in re.finditer(r"^\d+\s+(\S+)\s+\S+\s+(\d+)\s+(\d+)\s+(\d+)", out, re.M)}
    rx0, tx0, drop0 = ports["net_pcap0"]
    _, tx1, drop1 = ports["net_null0"]
    c = counters(out)
    policy_drop = c.get("verdict.drop", 0)
    check(drop0 == 0 and drop1 == 0, f"no frame refused by a TX queue ({drop0}, {drop1})")
    check(rx0 == tx1 + tx0 + policy_drop,
          f"frames in {rx0} == forwarded {tx1} + answered {tx0} + dropped by policy {policy_drop}")

    idents = prefixed(c, "identifier")
    loops, rest = divmod(rx0, n)
    k = kinds.count("blocked")
    want_stable = loops * k + kinds[:rest].count("blocked")
    check(idents.get("STABLE", 0) == want_stable,
          f"STABLE verdicts {idents.get('STABLE', 0)} == stable queries replayed {want_stable}")
    check(set(idents) <= {"STABLE", "V1", "V2", "TOGGLE"}, f"identifiers seen: {sorted(idents)}")
    f1, a1 = c["filtered"], c["answered"]
    check(f1 == sum(idents.values()), f"filtered {f1} == sum over identifiers {sum(idents.values())}")
    check(a1 == tx0, f"answered {a1} == frames sent back {tx0}")
    check(tel is not None and tel.get("queries", 0) > 0 and
          {"nxdomain", "log_only"} <= set(tel.get("verdict", {})),
          f"DPDK telemetry /dnsgate/stats answered during the run: {tel}")
    check(telp is not None and telp.get("net_pcap0", {}).get("rx", 0) > 0 and
          "tx" in telp.get("net_null0", {}), f"DPDK telemetry /dnsgate/ports: {telp}")
    prom = open(j("dnsgate.prom")).read()
    pq = re.search(r"^dnsgate_queries_total (\d+)$", prom, re.M)
    q_sum = c["queries"]
    check(pq is not None and int(pq.group(1)) == q_sum and
          'dnsgate_identifier_total{identifier="STABLE"' in prom,
          f"Prometheus textfile holds the final totals ({pq.group(1) if pq else None} == {q_sum})")

    def history():
        r = subprocess.run(["sqlite3", j("history.db"), "SELECT count(*), sum(queries), "
                            "sum(filtered), sum(answered) FROM intervals"],
                           capture_output=True, text=True, check=True)
        return tuple(int(x or 0) for x in r.stdout.strip().split("|"))

    q1 = q_sum
    h = history()
    check(h[1:] == (q1, f1, a1), f"history over {h[0]} intervals {h[1:]} == counted {(q1, f1, a1)}")
    # Restart: a second run on the same database, stopped long before its interval ends.
    with open(j("dnsgate.ini")) as f:
        cfg = f.read().replace(f"run_for = {SECS + 3}", "run_for = 2")
    with open(j("dnsgate.ini"), "w") as f:
        f.write(cfg)
    out2 = subprocess.run([DNSGATE, "--", "--config", j("dnsgate.ini")], capture_output=True,
                          text=True).stdout
    c2 = counters(out2)
    q2, f2, a2 = c2["queries"], c2["filtered"], c2["answered"]
    h2 = history()
    check(h2[1:] == (q1 + q2, f1 + f2, a1 + a2),
          f"after a restart the history holds both runs {h2[1:]} == {(q1 + q2, f1 + f2, a1 + a2)}")
    subprocess.run(["rm", "-rf", tmp])
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


sys.exit(main())
