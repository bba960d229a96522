"""Helpers shared by the Python integration tests: pass/fail counting, pcap files (classic
libpcap format, Ethernet) and DNS query frames, read and built here without dnsgate's
code."""
import json
import os
import socket
import sqlite3
import struct
import subprocess
import time

_count = {"passed": 0, "failed": 0}


def check(ok, what):
    """Count one check; print it when it fails."""
    _count["passed" if ok else "failed"] += 1
    if not ok:
        print("FAILED:", what)


def report():
    """Print the tally. @return the exit status: 1 if anything failed."""
    print(f"{_count['passed']} passed, {_count['failed']} failed")
    return 1 if _count["failed"] else 0


def start_live(dnsgate, ini, sock, out=subprocess.DEVNULL, settle=0.1):
    """Start dnsgate on @p ini and wait (up to 30 s) for its control socket @p sock;
    stdout/stderr to @p out (subprocess.PIPE: text). @return the Popen."""
    if os.path.exists(sock):
        os.unlink(sock)
    p = subprocess.Popen([dnsgate, "--", "--config", ini], stdout=out, stderr=out, text=True)
    for _ in range(600):
        if os.path.exists(sock) or p.poll() is not None:
            break
        time.sleep(0.05)
    time.sleep(settle)
    return p


def ctl_run(ctl, sock, *a):
    """`dnsgatectl -s SOCK ARGS...`, output captured as text."""
    return subprocess.run([ctl, "-s", sock] + list(a), capture_output=True, text=True)


def counters(text):
    """The `name value` lines of `dnsgatectl stats` or of dnsgate's summary, as a dict of
    numbers (a counter the summary leaves out because it is zero reads as 0 with .get)."""
    out = {}
    for line in text.splitlines():
        parts = line.split(" ")
        if len(parts) == 2:
            try:
                out[parts[0]] = float(parts[1]) if "." in parts[1] else int(parts[1])
            except ValueError:
                pass
    return out


def telemetry(path, cmd):
    """One DPDK telemetry command over the socket at @p path; its value."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    s.connect(path)
    s.recv(4096)
    s.send(cmd.encode())
    reply = json.loads(s.recv(1 << 20).decode())
    s.close()
    return reply.get(cmd.split(",")[0])


def history(path):
    """The stats history at @p path summed over its intervals: ({counter name as in `stats`:
    sum}, {identifier: hits})."""
    db = sqlite3.connect(path)
    row = db.execute("SELECT sum(queries), sum(optout_queries), sum(filtered), sum(answered),"
                     " sum(rate_limited), sum(act_sinkhole), sum(act_nxdomain), sum(act_drop),"
                     " sum(act_allow), sum(act_log_only) FROM intervals").fetchone()
    hist = dict(zip(("queries", "optout_queries", "filtered", "answered",
                     "dropped.rate_limited", "verdict.sinkhole", "verdict.nxdomain",
                     "verdict.drop", "verdict.allow", "verdict.log-only"), row))
    hid = dict(db.execute("SELECT identifier, sum(hits) FROM interval_idents "
                          "GROUP BY identifier").fetchall())
    db.close()
    return hist, hid


def prefixed(c, prefix):
    """The counters of @p c under `prefix.`, keyed by the rest of their names."""
    return {k[len(prefix) + 1:]: v for k, v in c.items() if k.startswith(prefix + ".")}


def read_pcap(path):
    """The frames of a capture, in order, as bytes."""
    with open(path, "rb") as f:
        data = f.read()
    endian = "<" if struct.unpack("<I", data[:4])[0] in (0xA1B2C3D4, 0xA1B23C4D) else ">"
    off, frames = 24, []
    while off + 16 <= len(data):
        _, _, caplen, _ = struct.unpack(endian + "IIII", data[off:off + 16])
        frames.append(data[off + 16:off + 16 + caplen])
        off += 16 + caplen
    return frames


def write_pcap(path, frames=()):
    """A capture of @p frames (none: an empty one), a microsecond apart."""
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for k, fr in enumerate(frames):
            f.write(struct.pack("<IIII", 1700000000, k, len(fr), len(fr)) + fr)


def parse_frame(f):
    """A DNS query or answer frame (Ethernet, 802.1Q/QinQ tags, IPv4 or IPv6 without
    options, UDP): a dict with the tags as on the wire, addresses and ports (bytes, ints),
    the DNS message, its ID, and the question name in wire form and as text."""
    off, tags = 12, []
    while struct.unpack(">H", f[off:off + 2])[0] in (0x8100, 0x88A8, 0x9100):
        tags.append(f[off:off + 4])
        off += 4
    etype = struct.unpack(">H", f[off:off + 2])[0]
    off += 2
    if etype == 0x0800:
        src, dst, udp = f[off + 12:off + 16], f[off + 16:off + 20], off + (f[off] & 15) * 4
    else:
        src, dst, udp = f[off + 8:off + 24], f[off + 24:off + 40], off + 40
    sport, dport, ulen = struct.unpack(">HHH", f[udp:udp + 6])
    dns = f[udp + 8:udp + ulen]
    labels, o = [], 12
    while dns[o]:
        labels.append(dns[o + 1:o + 1 + dns[o]])
        o += 1 + dns[o]
    return {"tags": tags, "src": src, "dst": dst, "sport": sport, "dport": dport,
            "dns": dns, "qwire": dns[12:o + 1], "id": struct.unpack(">H", dns[:2])[0],
            "qname": ".".join(l.decode("latin1") for l in labels) + "."}


def pcap_ini(d):
    """The start of a dnsgate config on net_pcap: the subscriber side reads d/sub-in.pcap,
    the network side d/net-in.pcap, each writes d/*-out.pcap; stop 1 s after the last
    frame."""
    return f"""[eal]
args = --no-huge -m 512 --no-pci --no-shconf -l 0-1 --log-level=*:warning
vdev = net_pcap0,rx_pcap={d}/sub-in.pcap,tx_pcap={d}/sub-out.pcap
vdev = net_pcap1,rx_pcap={d}/net-in.pcap,tx_pcap={d}/net-out.pcap
[ports]
pair = net_pcap0 net_pcap1
[mgmt]
idle_exit = 1
run_for = 60
"""


# A client and its resolver, on the test networks.
CLI4, RES4 = bytes([198, 18, 0, 2]), bytes([198, 18, 0, 1])
CLI6 = bytes.fromhex("20010002000000000000000000000002")
RES6 = bytes.fromhex("20010002000000000000000000000001")
MAC_RES, MAC_CLI = bytes.fromhex("020000000001"), bytes.fromhex("020000000002")


def csum(b):
    """The Internet checksum (RFC 1071) of @p b."""
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def qname(name):
    return b"".join(bytes([len(l)]) + l.encode() for l in name.split(".")) + b"\0"


def dns_query(qid, name, qtype=1, pad=0):
    """A recursive query for @p name, with an OPT of @p pad padding bytes when pad > 0."""
    hdr = struct.pack("!HHHHHH", qid, 0x0100, 1, 0, 0, 1 if pad else 0)
    msg = hdr + qname(name) + struct.pack("!HH", qtype, 1)
    if pad:  # OPT with an EDNS padding option (RFC 7830) of pad bytes
        msg += b"\0" + struct.pack("!HHIH", 41, 4096, 0, 4 + pad) + struct.pack("!HH", 12, pad)
        msg += b"\0" * pad
    return msg


def udp_ip4(payload, sport=40000):
    """CLI4 -> RES4 port 53, checksums right."""
    udp = struct.pack("!HHHH", sport, 53, 8 + len(payload), 0) + payload
    c = csum(CLI4 + RES4 + struct.pack("!BBH", 0, 17, len(udp)) + udp) or 0xFFFF
    udp = udp[:6] + struct.pack("!H", c) + udp[8:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0x1234, 0, 64, 17, 0, CLI4, RES4)
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    return ip + udp


def eth(ethertype, body, tags=b""):
    """An Ethernet frame from the client's MAC, @p tags (VLAN headers) before the type."""
    return MAC_RES + MAC_CLI + tags + struct.pack("!H", ethertype) + body


# TCP and TLS, for encrypted DNS (IPv4 or IPv6 by the address length).
def pseudo(src, dst, proto, n):
    if len(src) == 4:
        return src + dst + struct.pack("!BBH", 0, proto, n)
    return src + dst + struct.pack("!IxxxB", n, proto)


def ip(src, dst, proto, l4):
    if len(src) == 4:
        h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(l4), 0x1234, 0x4000, 64, proto, 0,
                        src, dst)
        return h[:10] + struct.pack("!H", csum(h)) + h[12:] + l4
    return struct.pack("!IHBB", 0x60000000, len(l4), proto, 64) + src + dst + l4


def tcp(src, dst, dport, flags, seq, ack, payload=b"", bad_csum=False):
    seg = struct.pack("!HHIIBBHHH", 40000, dport, seq, ack, 0x50, flags, 64240, 0, 0) + payload
    c = csum(pseudo(src, dst, 6, len(seg)) + seg) ^ (1 if bad_csum else 0)
    return ip(src, dst, 6, seg[:16] + struct.pack("!H", c) + seg[18:])


def client_hello(sni, key_share=0):
    """A TLS 1.3 ClientHello handshake message (RFC 8446 4.1.2)."""
    def ext(t, d):
        return struct.pack("!HH", t, len(d)) + d
    exts = ext(0x0A0A, b"")
    if sni is not None:
        n = sni.encode()
        lst = b"\0" + struct.pack("!H", len(n)) + n
        exts += ext(0, struct.pack("!H", len(lst)) + lst)
    exts += ext(43, b"\x02\x03\x04")
    if key_share:
        exts += ext(51, struct.pack("!H", key_share) + b"\x5a" * key_share)
    body = b"\x03\x03" + b"\x11" * 32 + b"\x20" + b"\x22" * 32 + b"\x00\x02\x13\x01\x01\x00"
    body += struct.pack("!H", len(exts)) + exts
    return b"\x01" + struct.pack("!I", len(body))[1:] + body


def records(msg, frags=None):
    out, off = b"", 0
    for n in (frags or []) + [len(msg)]:
        part = msg[off:off + n]
        if part:
            out += b"\x16\x03\x01" + struct.pack("!H", len(part)) + part
        off += len(part)
    return out
