#!/usr/bin/env python3
"""Any frame the link carries passes, byte for byte and in order, at [ports] mtu = 9216:
frames of 1500, 4000, 9000 and 9216 bytes and the largest the MTU allows (9230 untagged,
9234 with one VLAN tag, 9238 with two), as DNS queries (inspected: the worker reads a
chained query from a linear copy), other UDP, TCP, IPv6 and non-IP, in both directions.

- net_pcap, mbufs sized from the MTU (each frame in one mbuf);
- net_pcap with [ports] mbuf_size = 2048: every large frame is a chain of mbufs, so the
  worker and the TX path handle multi-segment frames;
- net_af_packet on veth pairs with MTU 9216, dnsgate in a network namespace of its own
  between a sender and a receiver namespace (AF_PACKET sockets; no IP traffic). Needs root.

The frames are built here with struct, independently of dnsgate.

  mtu.py BUILD_DIR
"""
import os
import random
import socket
import struct
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True  # nothing written into the source tree
from itest import check, counters, csum, read_pcap, report, write_pcap

BUILD = sys.argv[1]
DNSGATE = os.path.join(BUILD, "app/dnsgate/dnsgate")
MTU = 9216
SIZES = [1500, 4000, 9000, 9216, MTU + 14]
A4, B4 = bytes([198, 18, 0, 2]), bytes([198, 18, 0, 1])
A6 = bytes.fromhex("20010002000000000000000000000002")
B6 = bytes.fromhex("20010002000000000000000000000001")
MACS = bytes.fromhex("020000000001020000000002")
rnd = random.Random(6)


def ip4(proto, l4):
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(l4), rnd.randrange(65536), 0, 64,
                    proto, 0, A4, B4)
    return h[:10] + struct.pack("!H", csum(h)) + h[12:] + l4


def dns_query(size):
    """A query for a benign name padded (EDNS padding, RFC 7830) to @p size bytes."""
    q = struct.pack("!HHHHHH", rnd.randrange(65536), 0x0100, 1, 0, 0, 1)
    q += b"\x03www\x07example\x04test\x00" + struct.pack("!HH", 1, 1)
    pad = size - len(q) - 11 - 4
    return q + b"\0" + struct.pack("!HHIH", 41, 4096, 0, 4 + pad) + struct.pack("!HH", 12, pad) \
        + bytes(pad)


def frame(kind, size, tags=b""):
    """An Ethernet frame of exactly @p size bytes."""
    body = size - 14 - len(tags)
    if kind == "dns":
        l3 = ip4(17, struct.pack("!HHHH", 40000 + rnd.randrange(20000), 53, body - 20, 0)
                 + dns_query(body - 28))
        et = 0x0800
    elif kind == "udp":
        l3 = ip4(17, struct.pack("!HHHH", 5000, 6000, body - 20, 0) + rnd.randbytes(body - 28))
        et = 0x0800
    elif kind == "tcp":
        l3 = ip4(6, struct.pack("!HHIIBBHHH", 40000, 443, 1, 2, 0x50, 0x18, 512, 0, 0)
                 + rnd.randbytes(body - 40))
        et = 0x0800
    elif kind == "ip6":
        udp = struct.pack("!HHHH", 40001, 53, body - 40, 0) + dns_query(body - 48)
        c = csum(A6 + B6 + struct.pack("!IxxxB", len(udp), 17) + udp) or 0xFFFF
        l3 = struct.pack("!IHBB", 0x60000000, body - 40, 17, 64) + A6 + B6 \
            + udp[:6] + struct.pack("!H", c) + udp[8:]
        et = 0x86DD
    else:
        l3 = rnd.randbytes(body)
        et = 0x88B5
    f = MACS + tags + struct.pack("!H", et) + l3
    assert len(f) == size, (kind, size, len(f))
    return f


def frames(vlan_sizes):
    out = [frame(k, s) for s in SIZES for k in ("dns", "udp", "tcp", "ip6", "raw")]
    dot1q = bytes.fromhex("81000064")
    qinq = bytes.fromhex("88a800c8") + dot1q
    if 1 in vlan_sizes:
        out += [frame("dns", MTU + 18, dot1q), frame("udp", MTU + 18, dot1q)]
    if 2 in vlan_sizes:
        out += [frame("dns", MTU + 22, qinq), frame("raw", MTU + 22, qinq)]
    return out


def same(got, want, what):
    diff = next((i for i, (a, b) in enumerate(zip(got, want)) if a != b), None)
    detail = f"{len(got)} of {len(want)} frames"
    if diff is not None:
        detail += (f", first difference at frame {diff} "
                   f"({len(got[diff])} vs {len(want[diff])} bytes)")
    check(got == want, f"{what}: byte for byte ({detail})")


def run_dnsgate(cfg, netns=None, wait=True):
    cmd = [DNSGATE, "--", "--config", cfg]
    if netns:
        cmd = ["ip", "netns", "exec", netns] + cmd
    if wait:
        return subprocess.run(cmd, capture_output=True, text=True)
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def pcap_run(tmp, mbuf_size):
    j = lambda *p: os.path.join(tmp, *p)
    sub, net = frames({1, 2}), frames({1, 2})
    rnd.shuffle(net)
    write_pcap(j("sub-in.pcap"), sub)
    write_pcap(j("net-in.pcap"), net)
    with open(j("block.txt"), "w") as f:
        f.write("blocked.test\n")
    with open(j("pcap.ini"), "w") as f:
        f.write(f"""[eal]
args = --no-huge -m 512 --no-pci --no-shconf -l 0-1 --log-level=*:warning
vdev = net_pcap0,rx_pcap={j('sub-in.pcap')},tx_pcap={j('sub-out.pcap')}
vdev = net_pcap1,rx_pcap={j('net-in.pcap')},tx_pcap={j('net-out.pcap')}
[ports]
pair = net_pcap0 net_pcap1
mtu = {MTU}
{f'mbuf_size = {mbuf_size}' if mbuf_size else ''}
[mgmt]
idle_exit = 1
run_for = 30
[filter]
list = domains {j('block.txt')}
""")
    r = run_dnsgate(j("pcap.ini"))
    label = f"net_pcap, mbuf_size {mbuf_size or 'from the MTU'}"
    print(r.stdout[-1200:], r.stderr[-800:])
    check(r.returncode == 0, f"{label}: exit status {r.returncode}")
    chained = "larger frames chained" in r.stdout
    check(chained == bool(mbuf_size),
          f"{label}: {'chained mbufs' if mbuf_size else 'one mbuf a frame'} (start-up line)")
    same(read_pcap(j("net-out.pcap")), sub, f"{label}, subscriber -> network")
    same(read_pcap(j("sub-out.pcap")), net, f"{label}, network -> subscriber")
    n = len(sub) + len(net)
    check(f"total rx {n} tx {n} dropped 0 " in r.stdout, f"{label}: {n} in, {n} out, none dropped")
    # Five sizes of IPv4 and IPv6 queries, and the tagged ones (two tags: within vlan_max).
    check(counters(r.stdout).get("queries") == 12, f"{label}: the 12 jumbo queries were inspected")


# Sender in one namespace, receiver in the other: raw frames over AF_PACKET.
# The kernel hands a packet socket VLAN-tagged frames untagged, the tag in PACKET_AUXDATA
# (struct tpacket_auxdata); the receiver puts it back where it was.
PEER = r"""
import socket, struct, sys, time
frames = [bytes.fromhex(l) for l in open(sys.argv[3]).read().split()]
if sys.argv[1] == "rx":
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
    s.bind((sys.argv[2], 0))
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 24)
    s.setsockopt(263, 8, 1)                    # SOL_PACKET, PACKET_AUXDATA
    s.settimeout(5)
    open(sys.argv[4], "w").write("ready\n")
    got = []
    try:
        while len(got) < len(frames):
            f, anc, _, addr = s.recvmsg(65536, 4096)
            if addr[2] == socket.PACKET_OUTGOING:
                continue
            for lvl, typ, data in anc:
                if lvl == 263 and typ == 8:
                    st, _, _, _, _, tci, tpid = struct.unpack("IIIHHHH", data[:20])
                    if st & 0x10:               # TP_STATUS_VLAN_VALID
                        tpid = tpid if st & 0x40 else 0x8100
                        f = f[:12] + struct.pack("!HH", tpid, tci) + f[12:]
            got.append(f.hex())
    except socket.timeout:
        pass
    open(sys.argv[4], "w").write("\n".join(got) + "\n")
else:
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((sys.argv[2], 0))
    for f in frames:
        s.send(f)
        time.sleep(0.002)
"""


def af_packet_run(tmp):
    j = lambda *p: os.path.join(tmp, *p)
    if os.geteuid() != 0:
        check(False, "net_af_packet part needs root (network namespaces)")
        return
    tag = str(os.getpid())
    ns_c, ns_d, ns_r = f"dgmc{tag}", f"dgmd{tag}", f"dgmr{tag}"
    with open(j("peer.py"), "w") as f:
        f.write(PEER)
    try:
        for ns in (ns_c, ns_d, ns_r):
            subprocess.run(["ip", "netns", "add", ns], check=True)
            subprocess.run(["ip", "netns", "exec", ns, "sysctl", "-qw",
                            "net.ipv6.conf.all.disable_ipv6=1",
                            "net.ipv6.conf.default.disable_ipv6=1"], check=True)
        for end, ns, dg in (("c0", ns_c, "dsub"), ("r0", ns_r, "dnet")):
            subprocess.run(["ip", "link", "add", end, "netns", ns, "mtu", str(MTU), "type",
                            "veth", "peer", "name", dg, "netns", ns_d, "mtu", str(MTU)],
                           check=True)
            for n, i in ((ns, end), (ns_d, dg)):
                subprocess.run(["ip", "-n", n, "link", "set", i, "up"], check=True)
        # A ring frame must hold the largest frame; mbufs sized from the MTU hold a ring frame.
        dev = "framesz=10240,blocksz=20480,framecnt=512"
        with open(j("afp.ini"), "w") as f:
            f.write(f"""[eal]
args = --no-huge -m 512 --no-pci --file-prefix {ns_d} -l 0-1 --log-level=*:warning
vdev = net_af_packet0,iface=dsub,qpairs=1,{dev}
vdev = net_af_packet1,iface=dnet,qpairs=1,{dev}
[ports]
pair = net_af_packet0 net_af_packet1
mtu = {MTU}
[mgmt]
run_for = 60
stats_interval = 0
""")
        proc = run_dnsgate(j("afp.ini"), ns_d, wait=False)
        time.sleep(2)
        check(proc.poll() is None, "net_af_packet: dnsgate runs")
        for src, dst, what in ((ns_c, ns_r, "subscriber -> network"),
                               (ns_r, ns_c, "network -> subscriber")):
            sent = frames({1})
            rnd.shuffle(sent)
            with open(j("frames.hex"), "w") as f:
                f.write("\n".join(x.hex() for x in sent) + "\n")
            if os.path.exists(j("got.hex")):
                os.unlink(j("got.hex"))
            dst_if, src_if = ("r0", "c0") if dst == ns_r else ("c0", "r0")
            rx = subprocess.Popen(["ip", "netns", "exec", dst, sys.executable, j("peer.py"),
                                   "rx", dst_if, j("frames.hex"), j("got.hex")])
            while not os.path.exists(j("got.hex")):
                time.sleep(0.05)
            subprocess.run(["ip", "netns", "exec", src, sys.executable, j("peer.py"), "tx",
                            src_if, j("frames.hex")], check=True)
            rx.wait(30)
            got = [bytes.fromhex(l) for l in open(j("got.hex")).read().split()]
            same(got, sent, f"net_af_packet over veth (MTU {MTU}), {what}")
        proc.terminate()
        out = proc.communicate(20)[0]
        print(out[-1500:])
        check(proc.returncode == 0, f"net_af_packet: exit status {proc.returncode}")
        check("dropped 0 " in out, "net_af_packet: no frame refused by a TX queue")
    finally:
        for ns in (ns_c, ns_d, ns_r):
            subprocess.run(["ip", "netns", "del", ns], stderr=subprocess.DEVNULL)


def main():
    tmp = tempfile.mkdtemp(prefix="dg-mtu.")
    try:
        pcap_run(tmp, 0)
        pcap_run(tmp, 2048)
        af_packet_run(tmp)
    finally:
        subprocess.run(["rm", "-rf", tmp])
    return report()


sys.exit(main())
