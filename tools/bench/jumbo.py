#!/usr/bin/env python3
"""Jumbo-frame forwarding rate at [ports] mtu = 9216: net_pcap (infinite_rx) into net_null
(no-rx) on one worker, 9230-byte frames in one mbuf each (mbufs sized from the MTU; the
pcap PMD's infinite_rx refuses chained mbufs), for frames that are not DNS and for DNS
queries (parsed and looked up). Prints one line per mix, Mpps and Gbit/s over the run
(the summary's received frames).

  tools/bench/jumbo.py BUILD_DIR [SECONDS]
"""
import os
import re
import struct
import subprocess
import sys
import tempfile

BUILD = sys.argv[1]
SECS = int(sys.argv[2]) if len(sys.argv) > 2 else 5
SIZE = 9230


def frame(dns, i):
    body = SIZE - 14 - 28
    if dns:
        q = struct.pack("!HHHHHH", i, 0x0100, 1, 0, 0, 1) + b"\x03www\x07example\x04test\x00" \
            + struct.pack("!HH", 1, 1)
        pad = body - len(q) - 15
        payload = q + b"\0" + struct.pack("!HHIHHH", 41, 4096, 0, 4 + pad, 12, pad) + bytes(pad)
    else:
        payload = bytes((i + k) & 0xFF for k in range(body))
    udp = struct.pack("!HHHH", 40000 + i, 53 if dns else 6000, 8 + len(payload), 0) + payload
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), i, 0, 64, 17, 0,
                     bytes([198, 18, 0, 2]), bytes([198, 18, 0, 1]))
    return bytes.fromhex("020000000001020000000002") + b"\x08\x00" + ip + udp


def main():
    tmp = tempfile.mkdtemp(prefix="dg-jumbo.")
    for dns in (False, True):
        pcap = os.path.join(tmp, f"in-{dns}.pcap")
        with open(pcap, "wb") as f:
            f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
            for i in range(256):
                fr = frame(dns, i)
                f.write(struct.pack("<IIII", 1700000000, i, len(fr), len(fr)) + fr)
        ini = os.path.join(tmp, "dg.ini")
        with open(ini, "w") as f:
            f.write(f"""[eal]
args = --no-huge -m 1024 --no-pci --no-shconf -l 0-1 --log-level=*:warning
vdev = net_pcap0,rx_pcap={pcap},infinite_rx=1
vdev = net_null0,no-rx=1
[ports]
pair = net_pcap0 net_null0
mtu = 9216
[mgmt]
run_for = {SECS}
stats_interval = 0
""")
        out = subprocess.run([os.path.join(BUILD, "app/dnsgate/dnsgate"), "--", "--config",
                              ini], capture_output=True, text=True).stdout
        m = re.search(r"summary after ([\d.]+) s.*?^total rx (\d+) tx (\d+) dropped (\d+)",
                      out, re.S | re.M)
        t, rx, tx, drop = float(m.group(1)), int(m.group(2)), int(m.group(3)), int(m.group(4))
        print(f"{'DNS queries' if dns else 'UDP, not DNS'}, {SIZE} bytes: "
              f"{rx / t / 1e6:.3f} Mpps, {rx * SIZE * 8 / t / 1e9:.2f} Gbit/s "
              f"(rx {rx}, tx {tx}, dropped {drop})")
    subprocess.run(["rm", "-rf", tmp])


main()
