#!/usr/bin/env python3
"""[mgmt] timezone through net_pcap: an entry listed for one day only, the local date of a
zone where that date is not the UTC date right now, blocks its name with `timezone =` that
zone and not with the default (UTC); a zone the system lacks fails the config.

The zone is picked from the clock (Python's zoneinfo, the same tzdata), at least two
minutes from midnight in the zone and in UTC: Asia/Tokyo from 15:02 to 23:58 UTC, else a
zone a day ahead (Pacific/Kiritimati, UTC+14) or behind (Pacific/Niue, UTC-11).

  timezone.py BUILD_DIR
"""
import datetime
import os
import subprocess
import sys
import tempfile
import zoneinfo

sys.dont_write_bytecode = True  # nothing written into the source tree
from itest import check, dns_query, eth, pcap_ini, read_pcap, report, udp_ip4, write_pcap

BUILD = sys.argv[1]
DNSGATE = os.path.join(BUILD, "app/dnsgate/dnsgate")
MARGIN = 120  # seconds


def from_midnight(t):
    """Seconds from the nearer midnight of wall-clock time @p t."""
    s = t.hour * 3600 + t.minute * 60 + t.second
    return min(s, 86400 - s)


def pick_zone(now):
    """(zone, its local date) where that date is not now's UTC date, or None."""
    for name in ("Asia/Tokyo", "Pacific/Kiritimati", "Pacific/Niue"):
        local = now.astimezone(zoneinfo.ZoneInfo(name))
        if (local.date() != now.date() and from_midnight(local.time()) > MARGIN and
                from_midnight(now.time()) > MARGIN):
            return name, local.date()
    return None


def run(tmp, zone):
    """One replay of a query for the one-day name: 'answer' or 'forward'."""
    j = lambda *p: os.path.join(tmp, *p)
    write_pcap(j("sub-in.pcap"), [eth(0x0800, udp_ip4(dns_query(7, "www.oneday.test")))])
    write_pcap(j("net-in.pcap"))
    for f in ("sub-out.pcap", "net-out.pcap"):
        if os.path.exists(j(f)):
            os.unlink(j(f))
    with open(j("dnsgate.ini"), "w") as f:
        f.write(pcap_ini(tmp) + (f"timezone = {zone}\n" if zone else "") +
                f"[filter]\nlist = native {j('list.native')}\n"
                "[answer]\nsinkhole_v4 = 198.18.255.1\n[guard]\nrate = 0\n")
    r = subprocess.run([DNSGATE, "--", "--config", j("dnsgate.ini")], capture_output=True,
                       text=True)
    check(r.returncode == 0, f"dnsgate ({zone or 'UTC'}) exit status {r.returncode}: {r.stderr}")
    ans, fwd = read_pcap(j("sub-out.pcap")), read_pcap(j("net-out.pcap"))
    return "answer" if (len(ans), len(fwd)) == (1, 0) else \
        "forward" if (len(ans), len(fwd)) == (0, 1) else f"{len(ans)} out, {len(fwd)} on"


def main():
    tmp = tempfile.mkdtemp(prefix="dg-tz.")
    now = datetime.datetime.now(datetime.timezone.utc)
    picked = pick_zone(now)
    check(picked is not None, f"a zone whose date differs from UTC's at {now}")
    if picked is None:
        return report()
    zone, day = picked
    print(f"{now:%Y-%m-%d %H:%M:%S} UTC: {zone} shows {day}; entry listed for {day} only")
    with open(os.path.join(tmp, "list.native"), "w") as f:
        f.write("#!dnsgate-native v1\n"
                f"oneday.test ONE-DAY - sinkhole subtree {day} {day}\n")
    check(run(tmp, zone) == "answer", f"timezone = {zone}: blocked on its local date {day}")
    check(run(tmp, None) == "forward", f"default UTC ({now.date()}): not listed today")
    with open(os.path.join(tmp, "dnsgate.ini")) as f:
        bad = f.read().replace("[filter]", "timezone = Asia/Tokio\n[filter]", 1)
    with open(os.path.join(tmp, "bad.ini"), "w") as f:
        f.write(bad)
    r = subprocess.run([DNSGATE, "--", "--config", os.path.join(tmp, "bad.ini")],
                       capture_output=True, text=True)
    check(r.returncode == 2 and "timezone: no zone 'Asia/Tokio'" in r.stderr,
          f"an unknown zone fails the config (exit {r.returncode}: {r.stderr.strip()})")
    subprocess.run(["rm", "-rf", tmp])
    return report()


sys.exit(main())
