#!/usr/bin/env python3
"""Hit log rotation under load: nothing lost, nothing twice.

30000 queries of blocked names go in through net_pcap as fast as the PMD reads them, with
`rotate_size` small (a file every few hundred lines), `rotate_interval = 1` (time
rotations in between), `rotate_gzip = yes` and every file kept. After the run, every line
of the current file and of every rotated one (gunzipped) is read: the multiset of
(client, port, DNS ID, name) must equal the input's exactly, no file may pass the size,
and every rotated file must be gzipped (none left plain, no temporary file).
A second run keeps 3 files: exactly 3 rotated files remain, and what remains is the
newest records, in input order.

  rotation.py BUILD_DIR
"""
import collections
import glob
import gzip
import json
import os
import re
import socket
import subprocess
import sys
import tempfile

sys.dont_write_bytecode = True  # nothing written into the source tree
from itest import check, counters, parse_frame, pcap_ini, read_pcap, report, write_pcap

BUILD = sys.argv[1]
GEN = os.path.join(BUILD, "tools/pcapgen/dnsgate-pcapgen")
DNSGATE = os.path.join(BUILD, "app/dnsgate/dnsgate")
SIZE = 100000
ROTATED = re.compile(r"hits\.jsonl\.\d{8}T\d{6}Z\.\d{4}(\.gz)?$")


def key_of_frame(f):
    return (socket.inet_ntop(socket.AF_INET if len(f["src"]) == 4 else socket.AF_INET6,
                             f["src"]), f["sport"], f["id"], f["qname"])


def key_of_line(r):
    return (r["client"], r["client_port"], r["id"], r["qname"])


def run(tmp, log_dir, keep):
    with open(os.path.join(tmp, "dnsgate.ini"), "w") as f:
        f.write(pcap_ini(tmp) + f"""[filter]
list = domains {tmp}/block.txt identifier=TEST-0001 category=backdoor
[answer]
sinkhole_v4 = 198.18.255.1
[guard]
rate = 0
[log]
file = {log_dir}/hits.jsonl
ring = 65536
rotate_size = {SIZE}
rotate_interval = 1
rotate_keep = {keep}
rotate_gzip = yes
""")
    os.makedirs(log_dir)
    r = subprocess.run([DNSGATE, "--", "--config", os.path.join(tmp, "dnsgate.ini")],
                       capture_output=True, text=True, timeout=150)
    check(r.returncode == 0, f"dnsgate exit status {r.returncode}: {r.stderr[-400:]}")
    c = counters(r.stdout)
    check("hitlog.written" in c, "summary has the hit log counters")
    return tuple(c.get("hitlog." + n, 0) for n in ("written", "failed", "not_queued", "rotations",
                                                   "compressed", "removed", "archive_errors"))


def read_logs(log_dir):
    """(file name, its lines) for the rotated files in time order, then the current one."""
    names = sorted(n for n in os.listdir(log_dir) if ROTATED.match(n)) + ["hits.jsonl"]
    out = []
    for n in names:
        p = os.path.join(log_dir, n)
        data = gzip.open(p).read() if n.endswith(".gz") else open(p, "rb").read()
        out.append((n, data))
    return out


def main():
    tmp = tempfile.mkdtemp(prefix="dg-rotate.")
    with open(os.path.join(tmp, "block.txt"), "w") as f:
        f.write("bad1.example.test\n")
    with open(os.path.join(tmp, "blocked.txt"), "w") as f:
        f.write("bad1.example.test\n")
    subprocess.run([GEN, "--profile", "dns", "-n", "30000", "--seed", "3",
                    "--blocked", os.path.join(tmp, "blocked.txt"), "--blocked-pct", "100",
                    "--malformed-pct", "0", "--optout-pct", "0", "--other-pct", "0",
                    "--ipv6", "30", "--vlan", "20", "--qinq", "10", "--edns", "50",
                    "--mixcase", "30", "-o", os.path.join(tmp, "sub-in.pcap")],
                   check=True, stdout=subprocess.DEVNULL)
    write_pcap(os.path.join(tmp, "net-in.pcap"))
    frames = [parse_frame(f) for f in read_pcap(os.path.join(tmp, "sub-in.pcap"))]
    want = collections.Counter(key_of_frame(f) for f in frames)

    # Every file kept.
    logs = os.path.join(tmp, "all")
    written, failed, lost, rot, comp, removed, errs = run(tmp, logs, 0)
    files = read_logs(logs)
    lines, broken = [], 0
    for _, data in files:
        for x in data.decode().splitlines():
            try:
                lines.append(json.loads(x))
            except ValueError:
                broken += 1
    got = collections.Counter(key_of_line(r) for r in lines)
    check((written, failed, lost) == (len(frames), 0, 0),
          f"written {written}, failed {failed}, not queued {lost} of {len(frames)}")
    check(broken == 0 and got == want,
          f"{len(lines)} lines in {len(files)} files == {len(frames)} queries, each once "
          f"({broken} broken, {sum((want - got).values())} missing, "
          f"{sum((got - want).values())} extra)")
    check(rot >= 5 and len(files) == rot + 1, f"{rot} rotations, {len(files) - 1} rotated files")
    check(comp == rot and errs == 0 and all(n.endswith(".gz") for n, _ in files[:-1]),
          f"every rotated file gzipped ({comp} of {rot}, {errs} errors)")
    check(not glob.glob(os.path.join(logs, "*.tmp")), "no temporary file left")
    big = [n for n, d in files if len(d) > SIZE]
    check(not big, f"no file over {SIZE} bytes: {big[:3]}")
    print(f"all kept: {written} lines, {rot} rotations, {comp} gzipped, {len(files)} files")

    # Three kept: the newest records remain, in order.
    logs = os.path.join(tmp, "three")
    written, failed, lost, rot, comp, removed, errs = run(tmp, logs, 3)
    files = read_logs(logs)
    lines = [json.loads(x) for _, d in files for x in d.decode().splitlines()]
    keys = [key_of_line(r) for r in lines]
    tail = [key_of_frame(f) for f in frames[len(frames) - len(keys):]]
    check(len(files) == 4 and removed == rot - 3 and errs == 0,
          f"keep 3: {len(files) - 1} rotated files left, {removed} removed of {rot}")
    check(keys == tail and len(keys) > 0,
          f"keep 3: the {len(keys)} lines left are the newest, in order")
    subprocess.run(["rm", "-rf", tmp])
    return report()


sys.exit(main())
