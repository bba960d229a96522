#!/usr/bin/env python3
"""dnstap through net_pcap, read back by real readers.

A generated capture of benign and blocked queries (IPv4/IPv6, 802.1Q and QinQ tags, EDNS,
cookies, mixed case) goes in on the subscriber side with `[log] dnstap = file:...` and
`dnstap_sample = 10`. What dnsgate wrote is decoded by Debian's `dnstap-ldns` (message
types, addresses, ports, DNS ID and question from the query and response messages) and by
`protoc --decode` with the dnstap schema (policy fields, the "extra" annotation, the raw
messages), and checked against this test's own parse of the input frames and of the
answers dnsgate sent:
- every filtered query: a CLIENT_QUERY whose message is the query as received, with
  rule = identifier, action, match QNAME, value = the name as asked; every answered one a
  CLIENT_RESPONSE whose message is byte for byte the answer that left on the wire;
- one benign query in 10 as a CLIENT_QUERY without policy;
- VLAN stack and ingress port in "extra"; the same in the JSON hit log (id, resolver).
Then the Unix socket: `fstrm_capture` as the collector; no collector (every payload
counted lost); a collector that accepts and never reads (lost payloads counted, the sum
exact, dnsgate still stops).

  dnstap.py BUILD_DIR
"""
import codecs
import json
import os
import re
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time

sys.dont_write_bytecode = True  # nothing written into the source tree
from itest import check, counters, parse_frame, pcap_ini, read_pcap, report, write_pcap

BUILD = sys.argv[1]
SRC = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
GEN = os.path.join(BUILD, "tools/pcapgen/dnsgate-pcapgen")
DNSGATE = os.path.join(BUILD, "app/dnsgate/dnsgate")
PROTO_DIR = os.path.join(SRC, "lib/dnstap")
CONTENT_TYPE = b"protobuf:dnstap.Dnstap"


def policy_of(qname):
    """(action, identifier) from this test's lists, or None: not filtered."""
    n = qname.lower().rstrip(".")
    if n == "bad1.example.test" or n.endswith(".bad1.example.test"):
        return ("sinkhole", "TEST-0001")
    if n == "nx.example.test":
        return ("nxdomain", "TEST-RPZ")
    if n == "drop.example.test":
        return ("drop", "TEST-RPZ")
    return None


def tag_json(t):
    tci = struct.unpack(">H", t[2:4])[0]
    return {"tpid": "0x%04x" % struct.unpack(">H", t[:2])[0], "pcp": tci >> 13,
            "dei": (tci >> 12) & 1, "vid": tci & 0xfff}


def fstrm_payloads(path):
    """Data frames of a Frame Streams file (control frames skipped)."""
    data, off, out = open(path, "rb").read(), 0, []
    while off + 4 <= len(data):
        (n,) = struct.unpack(">I", data[off:off + 4])
        off += 4
        if n == 0:
            (cl,) = struct.unpack(">I", data[off:off + 4])
            off += 4 + cl
            continue
        out.append(data[off:off + n])
        off += n
    return out


def protoc_decode(tmp, payloads):
    """Every payload decoded by protoc as dnstap.Dnstap: a list of nested dicts."""
    def varint(n):
        b = b""
        while True:
            b += bytes([(n & 0x7f) | (0x80 if n >> 7 else 0)])
            n >>= 7
            if not n:
                return b
    with open(os.path.join(tmp, "many.proto"), "w") as f:
        f.write('syntax = "proto2";\nimport "dnstap.proto";\n'
                "message Many { repeated dnstap.Dnstap d = 1; }\n")
    blob = b"".join(b"\x0a" + varint(len(p)) + p for p in payloads)
    out = subprocess.run(["protoc", "--proto_path=" + PROTO_DIR, "--proto_path=" + tmp,
                          "--decode=Many", "many.proto"], input=blob, capture_output=True,
                         check=True).stdout.decode("latin1")
    root, stack = {"d": []}, []
    cur = root
    for line in out.splitlines():
        line = line.strip()
        if line.endswith("{"):
            child = {}
            key = line[:-1].strip()
            if key == "d":
                cur["d"].append(child)
            else:
                cur[key] = child
            stack.append(cur)
            cur = child
        elif line == "}":
            cur = stack.pop()
        elif line:
            k, v = line.split(": ", 1)
            if v.startswith('"'):
                v = codecs.escape_decode(v[1:-1].encode("latin1"))[0]
            cur[k] = v
    return root["d"]


def ldns_decode(path):
    """dnstap-ldns -y: per message, its fields and the ID and question of its message."""
    out = subprocess.run(["dnstap-ldns", "-y", "-r", path], capture_output=True, text=True,
                         check=True).stdout
    msgs = []
    for doc in out.split("\n---"):
        m = {}
        for k in ("type", "query_address", "response_address", "query_port",
                  "response_port", "socket_family", "socket_protocol"):
            r = re.search(r"^  %s: \"?([^\"\n]*)\"?$" % k, doc, re.M)
            m[k] = r.group(1) if r else None
        r = re.search(r"id: (\d+)", doc)
        m["id"] = int(r.group(1)) if r else None
        r = re.search(r"QUESTION SECTION:\n\s*;(\S+)\s+IN\s+(\S+)", doc)
        m["qname"] = r.group(1) if r else None
        if m["type"]:
            msgs.append(m)
    return msgs


def ip_text(b):
    return socket.inet_ntop(socket.AF_INET if len(b) == 4 else socket.AF_INET6, b)


def summary(out):
    """dnstap's counters in the exit summary: written, lost (queue full), lost (no reader),
    bad; None without a summary."""
    c = counters(out)
    names = ("written", "lost_queue_full", "lost_no_reader", "bad")
    if "dnstap.written" not in c:
        return None
    return tuple(c.get("dnstap." + n, 0) for n in names)


def write_config(tmp, dnstap, extra=""):
    j = lambda *p: os.path.join(tmp, *p)
    with open(j("dnsgate.ini"), "w") as f:
        f.write(pcap_ini(tmp) + f"""[filter]
list = domains {j('block.txt')} identifier=TEST-0001 category=backdoor
list = rpz {j('zone.rpz')} identifier=TEST-RPZ
[answer]
sinkhole_v4 = 198.18.255.1
sinkhole_v6 = 2001:2::53:1
ede_text = yes
[guard]
rate = 0
[log]
file = {j('hits.jsonl')}
dnstap = {dnstap}
{extra}""")


def run(tmp):
    r = subprocess.run([DNSGATE, "--", "--config", os.path.join(tmp, "dnsgate.ini")],
                       capture_output=True, text=True, timeout=120)
    check(r.returncode == 0, f"dnsgate exit status {r.returncode}: {r.stderr[-500:]}")
    return r.stdout


def gen(tmp, n, seed, blocked_pct):
    j = lambda *p: os.path.join(tmp, *p)
    subprocess.run([GEN, "--profile", "dns", "-n", str(n), "--seed", str(seed),
                    "--names", j("names.txt"), "--blocked", j("blocked.txt"),
                    "--blocked-pct", str(blocked_pct), "--malformed-pct", "0",
                    "--optout-pct", "0", "--other-pct", "0", "--ipv6", "30", "--vlan", "20",
                    "--qinq", "10", "--edns", "50", "--do", "30", "--cookie", "30",
                    "--mixcase", "30", "-o", j("sub-in.pcap")],
                   check=True, stdout=subprocess.DEVNULL)
    write_pcap(j("net-in.pcap"))


def file_output(tmp):
    """The file output, decoded by both readers and checked against the frames."""
    j = lambda *p: os.path.join(tmp, *p)
    gen(tmp, 600, 7, 40)
    write_config(tmp, "file:" + j("tap.fstrm"), "dnstap_sample = 10\n")
    out = run(tmp)
    frames = [parse_frame(f) for f in read_pcap(j("sub-in.pcap"))]
    answers = [parse_frame(f) for f in read_pcap(j("sub-out.pcap"))]
    filtered = [f for f in frames if policy_of(f["qname"])]
    answered = [f for f in filtered if policy_of(f["qname"])[0] != "drop"]
    benign = [f for f in frames if not policy_of(f["qname"])]
    check(len(answers) == len(answered), f"{len(answers)} answers sent, model {len(answered)}")

    payloads = fstrm_payloads(j("tap.fstrm"))
    pb = protoc_decode(tmp, payloads)
    ld = ldns_decode(j("tap.fstrm"))
    check(len(pb) == len(payloads) == len(ld),
          f"protoc decoded {len(pb)}, dnstap-ldns {len(ld)} of {len(payloads)} payloads")
    want_samples = (len(benign) + 9) // 10  # the first benign query, then every 10th
    want = 2 * len(answered) + (len(filtered) - len(answered)) + want_samples
    check(summary(out) == (len(payloads), 0, 0, 0),
          f"summary {summary(out)}: written {len(payloads)}, nothing lost")
    check(len(payloads) == want, f"{len(payloads)} payloads, model {want} "
          f"({len(filtered)} filtered, {len(answered)} answered, {want_samples} samples)")

    cq, cr, samples, bad = [], [], [], []
    for d, l in zip(pb, ld):
        m = d.get("message", {})
        (samples if "policy" not in m else cq if m["type"] == "CLIENT_QUERY" else cr).append((d, l))
    check((len(cq), len(cr), len(samples)) == (len(filtered), len(answered), want_samples),
          f"CQ {len(cq)}, CR {len(cr)}, samples {len(samples)}")

    def same_endpoints(f, m, l, kind):
        errs = []
        if l["type"] != kind or m["type"] != kind:
            errs.append("type")
        if l["query_address"] != ip_text(f["src"]) or l["response_address"] != ip_text(f["dst"]):
            errs.append("addresses (dnstap-ldns)")
        if (int(l["query_port"]), int(l["response_port"])) != (f["sport"], f["dport"]):
            errs.append("ports (dnstap-ldns)")
        if l["socket_family"] != ("INET" if len(f["src"]) == 4 else "INET6"):
            errs.append("family")
        if l["id"] != f["id"] or l["qname"] != f["qname"]:
            errs.append(f"id/qname (dnstap-ldns) {l['id']} {l['qname']}")
        if m["query_address"] != f["src"] or m["response_address"] != f["dst"]:
            errs.append("addresses (protoc)")
        return errs

    def extra_ok(d, f):
        e = json.loads(d["extra"])
        return e == {"port": 0, "vlan": [tag_json(t) for t in f["tags"]]}

    for (d, l), f in zip(cq, filtered):
        m = d["message"]
        p = m["policy"]
        action, ident = policy_of(f["qname"])
        errs = same_endpoints(f, m, l, "CLIENT_QUERY")
        if m["query_message"] != f["dns"]:
            errs.append("query_message is not the query as received")
        want_action = {"sinkhole": "LOCAL_DATA", "nxdomain": "NXDOMAIN", "drop": "DROP"}[action]
        if (p.get("rule"), p.get("action"), p.get("match"), p.get("value")) != \
                (ident.encode(), want_action, "QNAME", f["qwire"]):
            errs.append(f"policy {p}")
        if not extra_ok(d, f):
            errs.append(f"extra {d['extra']}")
        if errs:
            bad.append(("CQ", f["qname"], errs))
    for ((d, l), f), a in zip(zip(cr, answered), answers):
        m = d["message"]
        errs = same_endpoints(f, m, l, "CLIENT_RESPONSE")
        if m["response_message"] != a["dns"]:
            errs.append("response_message differs from the answer sent")
        if m["policy"].get("rule") != policy_of(f["qname"])[1].encode():
            errs.append("policy rule")
        if errs:
            bad.append(("CR", f["qname"], errs))
    for (d, l), f in zip(samples, benign[::10]):
        m = d["message"]
        errs = same_endpoints(f, m, l, "CLIENT_QUERY")
        if m["query_message"] != f["dns"] or not extra_ok(d, f):
            errs.append("sample message/extra")
        if errs:
            bad.append(("sample", f["qname"], errs))
    for b in bad[:8]:
        print("  wrong:", b)
    check(not bad, f"every payload matches its frame ({len(bad)} wrong)")
    tags = sum(1 for f in filtered if len(f["tags"]) == 2)
    check(tags > 0 and any(f["tags"] and len(f["src"]) == 16 for f in filtered),
          f"the capture has QinQ ({tags}) and tagged IPv6 filtered queries")

    # The JSON hit log carries the same new fields.
    recs = [json.loads(x) for x in open(j("hits.jsonl"))]
    badlog = [r for r, f in zip(recs, filtered)
              if (r["id"], r["resolver"], r["resolver_port"], r["vlan"], r["port"]) !=
              (f["id"], ip_text(f["dst"]), f["dport"], [tag_json(t) for t in f["tags"]], 0)]
    check(len(recs) == len(filtered) and not badlog,
          f"hit log: {len(recs)} records, {len(badlog)} with a wrong id/resolver/vlan/port")
    print(f"file output: {len(filtered)} filtered ({len(answered)} answered), "
          f"{want_samples} samples, {len(payloads)} payloads")
    print("dnstap-ldns -q, first lines:")
    q = subprocess.run(["dnstap-ldns", "-q", "-r", j("tap.fstrm")], capture_output=True,
                       text=True).stdout.splitlines()
    print("\n".join("  " + x for x in q[:4]))
    return len(filtered), len(answered)


def wait_for(path, secs=10):
    end = time.time() + secs
    while time.time() < end and not os.path.exists(path):
        time.sleep(0.05)
    return os.path.exists(path)


def socket_output(tmp, n_filtered, n_answered):
    """fstrm_capture as the collector: what it stored decodes to every payload."""
    j = lambda *p: os.path.join(tmp, *p)
    sock = j("tap.sock")
    cap = subprocess.Popen(["fstrm_capture", "-t", CONTENT_TYPE.decode(), "-u", sock,
                            "-w", j("cap.fstrm")], stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
    try:
        check(wait_for(sock), "fstrm_capture listens")
        write_config(tmp, "unix:" + sock)
        out = run(tmp)
        time.sleep(0.5)
    finally:
        cap.terminate()
        cap.wait(timeout=10)
    want = n_filtered + n_answered
    s = summary(out)
    got = ldns_decode(j("cap.fstrm")) if os.path.exists(j("cap.fstrm")) else []
    check(s == (want, 0, 0, 0), f"unix socket: summary {s}, model written {want}")
    check(len(got) == want and sum(m["type"] == "CLIENT_RESPONSE" for m in got) == n_answered,
          f"unix socket: fstrm_capture stored {len(got)} messages, dnstap-ldns reads them all")

    # No collector: dnsgate runs as usual, every payload counted lost.
    write_config(tmp, "unix:" + j("nobody.sock"))
    s = summary(run(tmp))
    check(s == (0, 0, want, 0), f"no collector: summary {s}, model {want} lost (no reader)")


def stuck_collector(tmp):
    """A collector that completes the handshake and never reads: payloads are lost and
    counted (queue full, then the stalled write), written + lost adds up, dnsgate stops."""
    j = lambda *p: os.path.join(tmp, *p)
    gen(tmp, 4000, 9, 100)
    sock = j("stuck.sock")
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(sock)
    srv.listen(1)
    held = []

    def collector():
        c, _ = srv.accept()
        held.append(c)
        srv.close()  # one connection only: reconnects are refused
        hdr = c.recv(8)
        (cl,) = struct.unpack(">I", hdr[4:8])
        body = b""
        while len(body) < cl:
            body += c.recv(cl - len(body))
        # ACCEPT with the content type: FSTRM_CONTROL_ACCEPT = 1, field type 1
        acc = struct.pack(">III", 1, 1, len(CONTENT_TYPE)) + CONTENT_TYPE
        c.sendall(struct.pack(">II", 0, len(acc)) + acc)
        # then nothing is read again
    t = threading.Thread(target=collector, daemon=True)
    t.start()
    write_config(tmp, "unix:" + sock, "ring = 1024\n")
    os.unlink(j("hits.jsonl"))
    t0 = time.time()
    out = run(tmp)
    took = time.time() - t0
    for c in held:
        c.close()
    s = summary(out) or (0, 0, 0, 0)
    # Each logged query made its payloads (a ring that overflowed logs fewer: the same
    # records reach both outputs).
    recs = [json.loads(x) for x in open(j("hits.jsonl"))]
    want = len(recs) + sum(1 for r in recs if r["action"] != "drop")
    check(s[0] + s[1] + s[2] == want,
          f"stuck collector: written {s[0]} + lost {s[1]} + {s[2]} == payloads {want}")
    check(s[1] > 0, f"stuck collector: the full queue lost payloads ({s[1]}), counted")
    check(took < 60, f"stuck collector: dnsgate stopped in {took:.1f} s")
    print(f"stuck collector: written {s[0]}, lost (queue full) {s[1]}, "
          f"lost (no reader) {s[2]}, run {took:.1f} s")


def main():
    tmp = tempfile.mkdtemp(prefix="dg-dnstap.")
    j = lambda *p: os.path.join(tmp, *p)
    with open(j("names.txt"), "w") as f:
        f.write("good1.example.test\nwww.good2.example.test\nnotbad1.example.test\n")
    with open(j("blocked.txt"), "w") as f:
        f.write("bad1.example.test\nnx.example.test\ndrop.example.test\n")
    with open(j("block.txt"), "w") as f:
        f.write("bad1.example.test\n")
    with open(j("zone.rpz"), "w") as f:
        f.write("$TTL 300\n$ORIGIN rpz.test.\n"
                "@ SOA ns.rpz.test. hostmaster.rpz.test. 1 3600 600 86400 300\n"
                "  NS ns.rpz.test.\n"
                "nx.example.test CNAME .\ndrop.example.test CNAME rpz-drop.\n")
    nf, na = file_output(tmp)
    socket_output(tmp, nf, na)
    stuck_collector(tmp)
    subprocess.run(["rm", "-rf", tmp])
    return report()


sys.exit(main())
