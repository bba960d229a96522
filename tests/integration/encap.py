#!/usr/bin/env python3
"""Encapsulated and oversized queries through net_pcap: PPPoE sessions and MPLS stacks (IPv4
and IPv6), a QinQ stack deeper than vlan_max, and jumbo queries that net_pcap hands over
as chained mbufs. Blocked names must be answered inside the same encapsulation (tshark
decodes the answers), or dropped where the bad-input table says so; everything else comes
out on the network side byte for byte and in order.

The frames are built here with struct, independently of dnsgate and of dnsgate-pcapgen.

  encap.py BUILD_DIR
"""
import os
import struct
import subprocess
import sys
import tempfile

sys.dont_write_bytecode = True  # nothing written into the source tree
from itest import (CLI6, RES6, check, csum, dns_query, eth, read_pcap, report, udp_ip4,
                   write_pcap)

BUILD = sys.argv[1]
DNSGATE = os.path.join(BUILD, "app/dnsgate/dnsgate")
SINK4, SINK6 = "198.18.255.1", "2001:2::53:1"
def udp_ip6(payload, sport=40000):
    udp = struct.pack("!HHHH", sport, 53, 8 + len(payload), 0) + payload
    c = csum(CLI6 + RES6 + struct.pack("!IxxxB", len(udp), 17) + udp) or 0xFFFF
    udp = udp[:6] + struct.pack("!H", c) + udp[8:]
    return struct.pack("!IHBB", 0x60000000, len(udp), 17, 64) + CLI6 + RES6 + udp


def pppoe(ip, v6=False, session=0x1234):
    return eth(0x8864, struct.pack("!BBHHH", 0x11, 0, session, len(ip) + 2,
                                   0x57 if v6 else 0x21) + ip)


def mpls(ip, labels=(100, 200)):
    stack = b"".join(struct.pack("!I", l << 12 | (1 if i == len(labels) - 1 else 0) << 8 | 64)
                     for i, l in enumerate(labels))
    return eth(0x8847, stack + ip)



def main():
    tmp = tempfile.mkdtemp(prefix="dg-encap.")
    j = lambda *p: os.path.join(tmp, *p)
    bad, good = "www.evil.test", "www.good.test"
    # (frame, expected: "answer" | "forward" | "drop", what)
    cases = [
        (pppoe(udp_ip4(dns_query(1, bad))), "answer", "PPPoE IPv4 blocked"),
        (pppoe(udp_ip4(dns_query(2, good))), "forward", "PPPoE IPv4 benign"),
        (pppoe(udp_ip6(dns_query(3, bad, 28)), v6=True), "answer", "PPPoE IPv6 blocked AAAA"),
        (mpls(udp_ip4(dns_query(4, bad))), "answer", "MPLS IPv4 blocked"),
        (mpls(udp_ip6(dns_query(5, bad, 28)), labels=(16, 17, 18)), "answer", "MPLS IPv6 blocked"),
        (mpls(udp_ip4(dns_query(6, good))), "forward", "MPLS benign"),
        (eth(0x0800, udp_ip4(dns_query(7, bad, pad=3000))), "answer", "jumbo (chained) blocked"),
        (eth(0x0800, udp_ip4(dns_query(8, good, pad=3000))), "forward", "jumbo (chained) benign"),
        (eth(0x0800, udp_ip4(dns_query(9, bad)),
             tags=bytes.fromhex("88a80064810000c88100000a")), "drop", "3 VLAN tags, blocked"),
        (eth(0x0800, udp_ip4(dns_query(10, bad), sport=1023)), "drop", "source port 1023, blocked"),
        (eth(0x0800, udp_ip4(dns_query(11, good), sport=1023)), "forward", "source port 1023, benign"),
    ]
    frames = [c[0] for c in cases]
    write_pcap(j("sub-in.pcap"), frames)
    write_pcap(j("net-in.pcap"), [])
    with open(j("block.txt"), "w") as f:
        f.write("evil.test\n")
    with open(j("dnsgate.ini"), "w") as f:
        f.write(f"""[eal]
args = --no-huge -m 512 --no-pci --no-shconf -l 0-1 --log-level=*:warning
vdev = net_pcap0,rx_pcap={j('sub-in.pcap')},tx_pcap={j('sub-out.pcap')}
vdev = net_pcap1,rx_pcap={j('net-in.pcap')},tx_pcap={j('net-out.pcap')}
[ports]
pair = net_pcap0 net_pcap1
[mgmt]
idle_exit = 1
run_for = 30
[filter]
list = domains {j('block.txt')} identifier=TEST-0002
[answer]
sinkhole_v4 = {SINK4}
sinkhole_v6 = {SINK6}
[guard]
rate = 0
""")
    run = subprocess.run([DNSGATE, "--", "--config", j("dnsgate.ini")], capture_output=True,
                         text=True)
    print(run.stdout)
    check(run.returncode == 0, f"dnsgate exit status {run.returncode}: {run.stderr}")

    fwd = read_pcap(j("net-out.pcap"))
    want_fwd = [c[0] for c in cases if c[1] == "forward"]
    check(fwd == want_fwd, f"forwarded {len(fwd)} frames byte for byte, want {len(want_fwd)}")
    answers = [c for c in cases if c[1] == "answer"]
    fields = ["frame.len", "pppoe.session_id", "pppoe.payload_length", "mpls.label",
              "ip.len", "ipv6.plen", "dns.id", "dns.flags.response", "dns.qry.name", "dns.a",
              "dns.aaaa", "ip.checksum.status", "udp.checksum.status", "udp.srcport"]
    out = subprocess.run(["tshark", "-r", j("sub-out.pcap"), "-n", "-o", "ip.check_checksum:TRUE",
                          "-o", "udp.check_checksum:TRUE", "-T", "fields", "-E", "separator=|",
                          "-E", "occurrence=a"] + sum((["-e", f] for f in fields), []),
                         capture_output=True, text=True)
    rows = [dict(zip(fields, l.split("|"))) for l in out.stdout.splitlines()]
    if out.returncode != 0:
        print(out.stderr)
    check(len(rows) == len(answers), f"{len(rows)} answers, want {len(answers)}")
    for (frame, _, what), r in zip(answers, rows):
        qid = struct.unpack("!H", frame[frame.find(b"\x01\x00\x00\x01") - 2:][:2])[0]
        errs = []
        if int(r["dns.id"] or "-1", 0) != qid or r["dns.flags.response"] not in ("1", "True"):
            errs.append("id/response")
        if r["dns.qry.name"] != bad:
            errs.append("qname")
        if r["dns.a"] != SINK4 and r["dns.aaaa"] != SINK6:
            errs.append(f"address {r['dns.a']} {r['dns.aaaa']}")
        if r["udp.srcport"] != "53" or r["udp.checksum.status"] != "1":
            errs.append("UDP")
        if what.startswith("PPPoE"):
            iplen = int(r["ip.len"] or 0) or int(r["ipv6.plen"] or 0) + 40
            if r["pppoe.session_id"] != "0x1234" or r["pppoe.payload_length"] != str(iplen + 2):
                errs.append(f"PPPoE {r['pppoe.session_id']} len {r['pppoe.payload_length']}")
        if what.startswith("MPLS"):
            want = "16,17,18" if "IPv6" in what else "100,200"
            if r["mpls.label"] != want:
                errs.append(f"labels {r['mpls.label']}")
        if "jumbo" in what and int(r["frame.len"]) > 1500:
            errs.append("answer not small")
        check(not errs, f"{what}: answer {', '.join(errs) or 'ok'}")
    stats = run.stdout
    check("vlan_too_deep 1" in stats and "src_port_low 1" in stats,
          "drops counted by reason (vlan_too_deep, src_port_low)")
    subprocess.run(["rm", "-rf", tmp])
    return report()


sys.exit(main())
