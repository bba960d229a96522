#!/usr/bin/env python3
"""Response policy over TCP/53 through net_pcap, pcap in, pcap out: TCP flows of a
subscriber (handshake, one query) whose resolver answers with a listed CNAME chain, a
benign response, a listed response split over two segments, a `drop` target, and two
pipelined responses of which the second is listed. What reaches each side is checked
against a model written here with struct (not dnsgate's code): forwarded frames byte for
byte; the rewritten server segment (the benign bytes before the listed response, then the
forged answer with its length prefix, FIN|PSH, every other header field as the server
sent it, lengths and checksums again); the RST|ACK to the resolver at the client's next
sequence number; the RST|ACK to the client for `drop`; then the counters. tshark reads
both outputs as a second opinion (checksums, nothing malformed, the answers with FIN).

The subscriber side's frames (SYN, ACK, query) are all read in the worker's first burst,
before the network side's (SYN-ACK, response): the worker polls its queues in port order.

  responses_tcp.py BUILD_DIR
"""
import os
import struct
import subprocess
import sys
import tempfile

sys.dont_write_bytecode = True  # nothing written into the source tree
from itest import check, counters, csum, pcap_ini, pseudo, qname, read_pcap, report, write_pcap
from responses import CN, CLI4, MAC_CLI, MAC_RES, RES4, TTL, forged, response, udp_frame

BUILD = sys.argv[1]
DNSGATE = os.path.join(BUILD, "app/dnsgate/dnsgate")
SYN, ACK, PSH, FIN, RST = 0x02, 0x10, 0x08, 0x01, 0x04


def ip4(src, dst, l4, ident=0x1234, ttl=64):
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(l4), ident, 0x4000, ttl, 6, 0, src, dst)
    return h[:10] + struct.pack("!H", csum(h)) + h[12:] + l4


def tcp_seg(src, dst, sport, dport, flags, seq, ack, payload=b"", win=64240):
    seg = struct.pack("!HHIIBBHHH", sport, dport, seq & 0xFFFFFFFF, ack & 0xFFFFFFFF, 0x50,
                      flags, win, 0, 0) + payload
    c = csum(pseudo(src, dst, 6, len(seg)) + seg)
    return seg[:16] + struct.pack("!H", c) + seg[18:]


def from_client(port, flags, seq, ack, payload=b""):
    return MAC_RES + MAC_CLI + b"\x08\x00" + ip4(CLI4, RES4, tcp_seg(CLI4, RES4, port, 53,
                                                                      flags, seq, ack, payload))


def from_server(port, flags, seq, ack, payload=b"", ident=0x1234, ttl=57):
    return MAC_CLI + MAC_RES + b"\x08\x00" + ip4(RES4, CLI4, tcp_seg(RES4, CLI4, 53, port, flags,
                                                                      seq, ack, payload),
                                                 ident, ttl)


def framed(msg):
    return struct.pack("!H", len(msg)) + msg


def query(qid, name):
    return struct.pack("!HHHHHH", qid, 0x0100, 1, 0, 0, 0) + qname(name) + struct.pack("!HH", 1, 1)


def answer_msg(resp, port):
    """The forged DNS message the model expects for listed response @p resp: the UDP
    model's (responses.py), taken out of its datagram."""
    return forged(udp_frame(RES4, CLI4, 53, port, resp), "rewrite", 0, 1, None)[14 + 20 + 8:]


def rewritten(seg_frame, keep, msg):
    """Server segment @p seg_frame with its payload cut after @p keep bytes, then [len][msg],
    FIN|PSH added: IP length and checksum, TCP checksum again, the rest as it was."""
    ip = seg_frame[14:34]
    th = bytearray(seg_frame[34:54])
    pl = seg_frame[54:54 + keep] + framed(msg)
    th[13] |= FIN | PSH
    th[16:20] = b"\0\0\0\0"
    c = csum(pseudo(RES4, CLI4, 6, len(th) + len(pl)) + bytes(th) + pl)
    th[16:18] = struct.pack("!H", c)
    h = bytearray(ip)
    h[2:4] = struct.pack("!H", 20 + len(th) + len(pl))
    h[10:12] = b"\0\0"
    h[10:12] = struct.pack("!H", csum(bytes(h)))
    return seg_frame[:14] + bytes(h) + bytes(th) + pl


def reset_client(seg_frame):
    """Server segment @p seg_frame as a RST|ACK at its own sequence number, no payload."""
    th = bytearray(seg_frame[34:54])
    th[13] = RST | ACK
    th[14:16] = b"\0\0"
    th[16:20] = b"\0\0\0\0"
    th[16:18] = struct.pack("!H", csum(pseudo(RES4, CLI4, 6, 20) + bytes(th)))
    h = bytearray(seg_frame[14:34])
    h[2:4] = struct.pack("!H", 40)
    h[10:12] = b"\0\0"
    h[10:12] = struct.pack("!H", csum(bytes(h)))
    return seg_frame[:14] + bytes(h) + bytes(th)


def reset_server(port, seq, ack):
    """The RST|ACK to the resolver: from the client, fresh IPv4 header (ID 0, TTL 64)."""
    return MAC_RES + MAC_CLI + b"\x08\x00" + ip4(CLI4, RES4, tcp_seg(CLI4, RES4, port, 53,
                                                                      RST | ACK, seq, ack, b"",
                                                                      0), 0, 64)


def main():
    tmp = tempfile.mkdtemp(prefix="dg-resp-tcp.")
    j = lambda *p: os.path.join(tmp, *p)
    sub_in, net_in = [], []
    want_sub, want_net = [], []  # to the subscriber in order; to the network as a set
    # (what, payload segments of the server, model of each, listed?)
    listed = response(0x1001, "www.example.org", 1, [CN("edge.tracker.test")])
    benign = response(0x1002, "www.example.org", 1, [CN("cdn.example.net")])
    dropped = response(0x1004, "www.example.org", 1, [CN("drop.test")])
    flows = [
        ("listed", [framed(listed)]),
        ("benign", [framed(benign)]),
        ("split", [framed(listed)[:9], framed(listed)[9:]]),
        ("drop", [framed(dropped)]),
        ("pipelined", [framed(benign) + framed(listed)]),
    ]
    for k, (what, segs) in enumerate(flows):
        port, c_isn, s_isn = 41001 + k, 1000 * (k + 1), 7000000 * (k + 1)
        q = framed(query(0x1000 + k, "www.example.org"))
        c_nxt, s_nxt = c_isn + 1 + len(q), s_isn + 1
        sub_in += [from_client(port, SYN, c_isn, 0), from_client(port, ACK, c_isn + 1, s_nxt),
                   from_client(port, ACK | PSH, c_isn + 1, s_nxt, q)]
        want_net += sub_in[-3:]
        synack = from_server(port, SYN | ACK, s_isn, c_isn + 1)
        net_in.append(synack)
        want_sub.append(synack)
        for pl in segs:
            f = from_server(port, ACK | PSH, s_nxt, c_nxt, pl)
            net_in.append(f)
            end = s_nxt + len(pl)
            if what in ("listed", "pipelined"):
                keep = len(framed(benign)) if what == "pipelined" else 0
                want_sub.append(rewritten(f, keep, answer_msg(listed, port)))
                want_net.append(reset_server(port, c_nxt, end))
            elif what == "drop":
                want_sub.append(reset_client(f))
                want_net.append(reset_server(port, c_nxt, end))
            else:
                want_sub.append(f)
            s_nxt = end
    write_pcap(j("sub-in.pcap"), sub_in)
    write_pcap(j("net-in.pcap"), net_in)
    with open(j("block.txt"), "w") as f:
        f.write("tracker.test\n")
    with open(j("drop.txt"), "w") as f:
        f.write("drop.test\n")
    with open(j("dnsgate.ini"), "w") as f:
        f.write(pcap_ini(tmp) + f"""[filter]
list = domains {j('block.txt')} identifier=TEST-0009 category=cloak
list = domains {j('drop.txt')} action=drop mode=exact
[answer]
sinkhole_v4 = 198.18.99.1
sinkhole_v6 = 2001:2::9901
ttl = {TTL}
[log]
file = {j('hits.jsonl')}
[intercept]
responses = yes
""")
    r = subprocess.run([DNSGATE, "--", "--config", j("dnsgate.ini")], capture_output=True,
                       text=True)
    check(r.returncode == 0, f"dnsgate exit status {r.returncode}: {r.stderr[-800:]}")
    got_sub = read_pcap(j("sub-out.pcap"))
    got_net = read_pcap(j("net-out.pcap"))
    check(len(got_sub) == len(want_sub), f"{len(got_sub)} frames to the subscriber, model {len(want_sub)}")
    for i, (g, w) in enumerate(zip(got_sub, want_sub)):
        check(g == w, f"to the subscriber, frame {i}\n  got   {g.hex()}\n  model {w.hex()}")
    check(sorted(got_net) == sorted(want_net),
          f"to the network: {len(got_net)} frames, model {len(want_net)}; "
          f"unexpected {[g.hex() for g in got_net if g not in want_net]}")
    c = counters(r.stdout)
    expect = {"tcp.responses": 5, "tcp.response_unread.split": 2, "response.rewritten": 2,
              "response.verdict.sinkhole": 2, "response.verdict.drop": 1,
              "response.listed.cname": 3, "tcp.answered": 3, "response.inspected": 5,
              "queries": 5}
    for k, v in expect.items():
        check(c.get(k, 0) == v, f"{k} {c.get(k, 0)}, model {v}")
    # second opinion: Wireshark's dissectors on what went out (tools/deps.sh installs tshark)
    opts = ["-o", "tcp.analyze_sequence_numbers:FALSE", "-o", "ip.check_checksum:TRUE",
            "-o", "tcp.check_checksum:TRUE"]
    for side in ("sub-out.pcap", "net-out.pcap"):
        t = subprocess.run(["tshark", "-r", j(side)] + opts + ["-Y",
                            "_ws.malformed || tcp.checksum.status != 1 || ip.checksum.status != 1"],
                           capture_output=True, text=True)
        check(t.returncode == 0 and t.stdout == "", f"tshark on {side}: {t.stdout}{t.stderr[-300:]}")
    t = subprocess.run(["tshark", "-r", j("sub-out.pcap")] + opts + ["-Y",
                        "tcp.flags.fin == 1 && dns.a == 198.18.99.1", "-T", "fields",
                        "-e", "tcp.dstport"], capture_output=True, text=True)
    check(t.stdout.split() == ["41001", "41005"], f"tshark: answers with FIN to {t.stdout.split()}")
    recs = open(j("hits.jsonl")).read().splitlines()
    check(len(recs) == 3 and all('"transport":"tcp"' in x and '"trigger":"cname"' in x
                                 for x in recs), f"hit log: {recs}")
    return report()


if __name__ == "__main__":
    sys.exit(main())
