#!/usr/bin/env python3
"""Encrypted DNS and the canary through net_pcap, pcap in, pcap out, frame by frame against
a model written here: DoT SYNs and segments, DoQ Initials and short headers, TLS
ClientHellos on TCP/443 (a listed SNI, a listed address, neither, split over segments,
fragmented over records, behind a VLAN tag, with a bad checksum, from an opted-out
client), the three canary names and a benign query; with dot/doq/doh = count, = block, and
off (canary off). Every forged reset is checked field by field (addresses, ports, seq/ack,
flags, checksums) and decoded by tshark; the counters in the summary, the Prometheus file
and the hit log are checked against the model.

The frames and the ClientHellos are built here with struct, independently of dnsgate.

  encdns.py BUILD_DIR
"""
import json
import os
import struct
import subprocess
import sys
import tempfile

sys.dont_write_bytecode = True  # nothing written into the source tree
from itest import (check, client_hello, counters, csum, ip, pcap_ini, prefixed, pseudo,
                   qname, read_pcap, records, report, tcp, write_pcap)

BUILD = sys.argv[1]
DNSGATE = os.path.join(BUILD, "app/dnsgate/dnsgate")
MAC_SRV, MAC_CLI = bytes.fromhex("020000000001"), bytes.fromhex("020000000002")
CLI4, SRV4 = bytes([198, 18, 0, 2]), bytes([198, 18, 0, 1])
LISTED4 = bytes([198, 18, 0, 53])            # on the DoH address list
OPTOUT4 = bytes([198, 18, 0, 9])
CLI6 = bytes.fromhex("20010002000000000000000000000002")
SRV6 = bytes.fromhex("20010002000000000000000000000001")
DOH_NAMES = "doh.lab.test\ndns.example.org\n"
DOH_ADDRS = "198.18.0.53\n2001:2::53/128\n"


def udp(src, dst, dport, payload):
    d = struct.pack("!HHHH", 40000, dport, 8 + len(payload), 0) + payload
    c = csum(pseudo(src, dst, 17, len(d)) + d) or 0xFFFF
    return ip(src, dst, 17, d[:6] + struct.pack("!H", c) + d[8:])


def eth(packet, tags=b""):
    return MAC_SRV + MAC_CLI + tags + struct.pack("!H", 0x0800 if packet[0] >> 4 == 4 else 0x86DD) + packet


def query(qid, name, qtype=1):
    return struct.pack("!HHHHHH", qid, 0x0100, 1, 0, 0, 0) + qname(name) + struct.pack("!HH", qtype, 1)


QUIC_INITIAL = b"\xc3\x00\x00\x00\x01\x08" + b"\x01" * 8 + b"\x00" + b"\x00" * 40
QUIC_SHORT = b"\x43" + b"\x07" * 30

# (name, frame, proto) with proto: dot-syn, dot-seg, dot-rst, doq-init, doq-short,
# doh-sni, doh-addr, tls, tls-partial, other, optout, badsum, canary, dns
VLAN = bytes.fromhex("8100 0064")
CASES = [
    ("DoT SYN v4", eth(tcp(CLI4, SRV4, 853, 0x02, 1000, 0)), "dot-syn"),
    ("DoT data v6", eth(tcp(CLI6, SRV6, 853, 0x18, 5001, 9001, b"\x17\x03\x03\x00\x02hi")), "dot-seg"),
    ("DoT RST v4", eth(tcp(CLI4, SRV4, 853, 0x14, 7001, 8001)), "dot-rst"),
    ("DoT SYN v6 VLAN", eth(tcp(CLI6, SRV6, 853, 0x02, 3000, 0), VLAN), "dot-syn"),
    ("DoQ Initial v4", eth(udp(CLI4, SRV4, 853, QUIC_INITIAL)), "doq-init"),
    ("DoQ short header v6", eth(udp(CLI6, SRV6, 853, QUIC_SHORT)), "doq-short"),
    ("DoH listed SNI v4", eth(tcp(CLI4, SRV4, 443, 0x18, 11, 21, records(client_hello("doh.lab.test")))), "doh-sni"),
    ("DoH listed address v4", eth(tcp(CLI4, LISTED4, 443, 0x18, 12, 22, records(client_hello("www.example.test")))), "doh-addr"),
    ("TLS unlisted v6", eth(tcp(CLI6, SRV6, 443, 0x18, 13, 23, records(client_hello("www.example.test")))), "tls"),
    ("TLS split over segments", eth(tcp(CLI4, SRV4, 443, 0x10, 14, 24, records(client_hello("doh.lab.test", 1400))[:1000])), "tls-partial"),
    ("DoH subtree SNI in 3 records, v6, VLAN", eth(tcp(CLI6, SRV6, 443, 0x18, 0xfffffff0, 25, records(client_hello("eu.dns.example.org"), [30, 40])), VLAN), "doh-sni"),
    ("DoH no SNI to a listed address v4", eth(tcp(CLI4, LISTED4, 443, 0x18, 15, 26, records(client_hello(None)))), "doh-addr"),
    ("TCP/443 application data", eth(tcp(CLI4, SRV4, 443, 0x18, 16, 27, b"\x17\x03\x03\x00\x01x")), "other"),
    ("DoH from the opted-out client", eth(tcp(OPTOUT4, SRV4, 443, 0x18, 17, 28, records(client_hello("doh.lab.test")))), "optout"),
    ("DoH with a bad TCP checksum", eth(tcp(CLI4, SRV4, 443, 0x18, 18, 29, records(client_hello("doh.lab.test")), bad_csum=True)), "badsum"),
    ("canary use-application-dns.net A", eth(udp(CLI4, SRV4, 53, query(1, "use-application-dns.net"))), "canary"),
    ("canary mask.icloud.com AAAA v6", eth(udp(CLI6, SRV6, 53, query(2, "mask.icloud.com", 28))), "canary"),
    ("canary Mask-H2.iCloud.com HTTPS", eth(udp(CLI4, SRV4, 53, query(3, "Mask-H2.iCloud.com", 65))), "canary"),
    ("below the canary", eth(udp(CLI4, SRV4, 53, query(4, "x.use-application-dns.net"))), "dns"),
    ("benign query", eth(udp(CLI4, SRV4, 53, query(5, "www.example.test"))), "dns"),
]


def l3(frame):
    off = 14 + (4 if frame[12:14] == b"\x81\x00" else 0)
    return off, frame[off] >> 4


def tcp_fields(frame):
    off, ver = l3(frame)
    hl = 20 if ver == 4 else 40
    a = 4 if ver == 4 else 16
    src = frame[off + (12 if ver == 4 else 8):][:a]
    dst = frame[off + (16 if ver == 4 else 24):][:a]
    t = frame[off + hl:]
    sport, dport, seq, ack, doff, flags, win = struct.unpack("!HHIIBBH", t[:16])
    plen = (struct.unpack("!H", frame[off + 2:off + 4])[0] - 20 if ver == 4 else
            struct.unpack("!H", frame[off + 4:off + 6])[0]) - (doff >> 4) * 4
    return dict(off=off, ver=ver, src=src, dst=dst, sport=sport, dport=dport, seq=seq,
                ack=ack, doff=doff >> 4, flags=flags, win=win, plen=plen)


def expect_rst(got, orig, to_client, what):
    """A reset forged from client segment @p orig, to the client or on to the server."""
    o, g = tcp_fields(orig), tcp_fields(got)
    errs = []
    syn = o["flags"] & 0x02
    if to_client:
        want_mac = MAC_CLI + MAC_SRV
        want = dict(src=o["dst"], dst=o["src"], sport=o["dport"], dport=o["sport"],
                    seq=0 if syn else o["ack"],
                    ack=(o["seq"] + 1 if syn else o["seq"] + o["plen"] + (o["flags"] & 1)) & 0xFFFFFFFF)
    else:
        want_mac = MAC_SRV + MAC_CLI
        want = dict(src=o["src"], dst=o["dst"], sport=o["sport"], dport=o["dport"],
                    seq=o["seq"], ack=o["ack"])
    want.update(flags=0x14, win=0, doff=5, plen=0)
    for k, v in want.items():
        if g[k] != v:
            errs.append(f"{k} {g[k]!r} want {v!r}")
    if got[:12] != want_mac:
        errs.append("MACs")
    if got[12:g["off"]] != orig[12:o["off"]]:
        errs.append("VLAN stack / ethertype")
    ipb = got[g["off"]:]
    seg_len = 20
    if g["ver"] == 4:
        if csum(ipb[:20]) != 0 or ipb[8] != 64 or ipb[6:8] != b"\x40\x00":
            errs.append("IPv4 header")
        seg = ipb[20:40]
    else:
        if ipb[7] != 64 or ipb[6] != 6:
            errs.append("IPv6 header")
        seg = ipb[40:60]
    if csum(pseudo(g["src"], g["dst"], 6, seg_len) + seg) != 0:
        errs.append("TCP checksum")
    if len(got) != g["off"] + (20 if g["ver"] == 4 else 40) + 20:
        errs.append(f"length {len(got)}")
    check(not errs, f"{what}: reset to the {'client' if to_client else 'server'}: {', '.join(errs) or 'ok'}")


def model(mode, canary):
    """What each case becomes: (to_net, to_client) lists of (kind, case index)."""
    net, cli = [], []
    counts = dict.fromkeys(["dot_syn", "dot_reset", "doq_initial", "doq_dropped", "doh_sni",
                            "doh_address", "doh_reset", "tls_hello", "tls_no_sni", "tls_partial",
                            "bad_checksum", "optout", "canary"], 0)
    on, block = mode != "off", mode == "block"
    for i, (_, _, kind) in enumerate(CASES):
        fwd = ("fwd", i)
        if kind == "canary" and canary:
            cli.append(("nxdomain", i))
            counts["canary"] += 1
        elif not on or kind in ("dns", "other", "canary", "dot-rst"):
            net.append(fwd)
        elif kind == "dot-syn":
            counts["dot_syn"] += 1
            if block:
                counts["dot_reset"] += 1
                cli.append(("rst", i))
            else:
                net.append(fwd)
        elif kind == "dot-seg":
            if block:
                counts["dot_reset"] += 1
                cli.append(("rst", i))
                net.append(("rst", i))
            else:
                net.append(fwd)
        elif kind in ("doq-init", "doq-short"):
            counts["doq_initial"] += kind == "doq-init"
            counts["doq_dropped"] += block
            if not block:
                net.append(fwd)
        elif kind in ("doh-sni", "doh-addr"):
            counts["tls_hello"] += 1
            counts["tls_no_sni"] += "No SNI" in CASES[i][0] or "no SNI" in CASES[i][0]
            counts["doh_sni" if kind == "doh-sni" else "doh_address"] += 1
            if block:
                counts["doh_reset"] += 1
                cli.append(("rst", i))
                net.append(("rst", i))
            else:
                net.append(fwd)
        elif kind == "tls":
            counts["tls_hello"] += 1
            net.append(fwd)
        elif kind == "tls-partial":
            counts["tls_partial"] += 1
            net.append(fwd)
        elif kind == "optout":
            counts["optout"] += 1
            net.append(fwd)
        elif kind == "badsum":
            counts["bad_checksum"] += 1
            net.append(fwd)
    return net, cli, counts


def run(tmp, mode, canary):
    d = os.path.join(tmp, mode)
    os.makedirs(d)
    j = lambda *p: os.path.join(d, *p)
    write_pcap(j("sub-in.pcap"), [c[1] for c in CASES])
    write_pcap(j("net-in.pcap"), [])
    with open(j("names.txt"), "w") as f:
        f.write(DOH_NAMES)
    with open(j("addrs.txt"), "w") as f:
        f.write(DOH_ADDRS)
    with open(j("optout.txt"), "w") as f:
        f.write("198.18.0.9\n")
    ini = pcap_ini(d) + f"""[optout]
file = {j('optout.txt')}
[log]
file = {j('hits.jsonl')}
[stats]
prometheus = {j('dnsgate.prom')}
[intercept]
canary = {'yes' if canary else 'no'}
"""
    if mode != "off":
        ini += f"""dot = {mode}
doq = {mode}
doh = {mode}
doh_names = {j('names.txt')}
doh_addresses = {j('addrs.txt')}
encrypted_log = yes
"""
    with open(j("dnsgate.ini"), "w") as f:
        f.write(ini)
    r = subprocess.run([DNSGATE, "--", "--config", j("dnsgate.ini")], capture_output=True,
                       text=True)
    check(r.returncode == 0, f"{mode}: dnsgate exit status {r.returncode}: {r.stderr[-500:]}")
    return d, r.stdout


def check_mode(tmp, mode, canary):
    d, out = run(tmp, mode, canary)
    net, cli, counts = model(mode, canary)
    got_net = read_pcap(os.path.join(d, "net-out.pcap"))
    got_cli = read_pcap(os.path.join(d, "sub-out.pcap"))
    check(len(got_net) == len(net), f"{mode}: {len(got_net)} frames to the network, model {len(net)}")
    check(len(got_cli) == len(cli), f"{mode}: {len(got_cli)} frames back to clients, model {len(cli)}")
    for g, (kind, i) in zip(got_net, net):
        name, frame = CASES[i][0], CASES[i][1]
        if kind == "fwd":
            check(g == frame, f"{mode}: {name}: forwarded byte for byte")
        else:
            expect_rst(g, frame, False, f"{mode}: {name}")
    for g, (kind, i) in zip(got_cli, cli):
        name, frame = CASES[i][0], CASES[i][1]
        if kind == "rst":
            expect_rst(g, frame, True, f"{mode}: {name}")
        else:
            off, ver = l3(g)
            dns = g[off + (20 if ver == 4 else 40) + 8:]
            qid, flags = struct.unpack("!HH", dns[:4])
            qoff, qver = l3(frame)
            want = struct.unpack("!H", frame[qoff + (20 if qver == 4 else 40) + 8:][:2])[0]
            check(qid == want and flags & 0x800F == 0x8003,
                  f"{mode}: {name}: NXDOMAIN answer (id {qid}, flags {flags:#06x})")
    # the summary's counters (the registry's text, zero elements left out)
    summary = counters(out)
    got = prefixed(summary, "encdns")
    if mode == "off" and not canary:
        check(not got, f"{mode}: no encdns counters in the summary when everything is off")
        return d, got_net, got_cli
    for k, v in counts.items():
        check(got.get(k, 0) == v, f"{mode}: counter {k} {got.get(k, 0)}, model {v}")
    check(summary.get("filtered") == 0 and summary.get("queries", 0) > 0,
          f"{mode}: canary answers are not filtering: filtered {summary.get('filtered')}")
    # Prometheus: the same figures
    with open(os.path.join(d, "dnsgate.prom")) as f:
        prom = f.read()
    for k, v in counts.items():
        check(f'dnsgate_encdns_total{{event="{k}"}} {v}' in prom,
              f"{mode}: prometheus {k} {v}")
    if mode != "off":
        check('dnsgate_doh_endpoint_total{endpoint="doh.lab.test"} 1' in prom and
              'dnsgate_doh_endpoint_total{endpoint="dns.example.org"} 1' in prom and
              'dnsgate_doh_endpoint_total{endpoint="198.18.0.53/32"} 2' in prom,
              f"{mode}: per-endpoint counts in prometheus")
    # the hit log: attempts and resets, with the SNI as the name
    with open(os.path.join(d, "hits.jsonl")) as f:
        recs = [json.loads(l) for l in f]
    enc = [r for r in recs if (r["category"] or "").startswith("encrypted-dns:")]
    want = counts["dot_syn"] + (1 if mode == "block" else 0) + counts["doh_sni"] + \
        counts["doh_address"] + counts["doq_initial"]
    check(len(enc) == want, f"{mode}: {len(enc)} encrypted-dns hit-log lines, model {want}")
    sni = [r for r in enc if r["qname"].lower() == "doh.lab.test."]
    check(len(sni) == 1 and sni[0]["identifier"] == "doh.lab.test" and
          sni[0]["action"] == ("drop" if mode == "block" else "log-only") and
          sni[0]["transport"] == "tcp", f"{mode}: the DoH line: {sni}")
    can = [r for r in recs if r["category"] == "dnsgate-canary"]
    check(len(can) == (3 if canary else 0), f"{mode}: {len(can)} canary hit-log lines")
    return d, got_net, got_cli


def tshark_resets(d):
    """tshark reads every reset back: checksums good, RST set, nothing malformed."""
    for f in ("sub-out.pcap", "net-out.pcap"):
        out = subprocess.run(["tshark", "-r", os.path.join(d, f), "-o",
                              "tcp.check_checksum:TRUE", "-o", "ip.check_checksum:TRUE",
                              "-Y", "tcp.flags.reset == 1 && (_ws.malformed || "
                              "tcp.checksum.status != 1 || (ip && ip.checksum.status != 1))",
                              "-T", "fields", "-e", "frame.number"],
                             capture_output=True, text=True)
        n = subprocess.run(["tshark", "-r", os.path.join(d, f), "-Y", "tcp.flags.reset == 1 && "
                            "tcp.len == 0", "-T", "fields", "-e", "frame.number"],
                           capture_output=True, text=True)
        check(out.returncode == 0 and out.stdout.strip() == "" and n.stdout.strip() != "",
              f"tshark: resets in {f} decode with good checksums ({out.stderr.strip()[:200]})")


def main():
    tmp = tempfile.mkdtemp(prefix="dg-encdns.")
    check_mode(tmp, "count", True)
    d, _, _ = check_mode(tmp, "block", True)
    tshark_resets(d)
    check_mode(tmp, "off", False)
    subprocess.run(["rm", "-rf", tmp])
    return report()


sys.exit(main())
