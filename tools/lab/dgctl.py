# SPDX-License-Identifier: BSD-3-Clause
"""dnsgate's control socket from Python (docs/control.md): one request a connection. Used by
the bench scripts (tools/bench/lab) and the integration tests (tests may import from tools;
tools never from tests)."""
import socket
import time


def request(sock, line, timeout=600.0):
    """Send one request @p line to the control socket at @p sock and read its answer:
    (ok, body when ok else the error line, seconds from connect to the whole answer)."""
    t0 = time.monotonic()
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.connect(sock)
    s.sendall((line + "\n").encode())
    buf = b""
    while b"\n" not in buf:
        c = s.recv(65536)
        if not c:
            break
        buf += c
    head, _, rest = buf.partition(b"\n")
    ok = head.startswith(b"OK ")
    if ok:
        need = int(head[3:])
        while len(rest) < need:
            c = s.recv(1 << 20)
            if not c:
                break
            rest += c
    s.close()
    return ok, (rest if ok else head).decode(errors="replace"), time.monotonic() - t0
