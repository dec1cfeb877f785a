#!/usr/bin/env python3
"""`jira-alerts record`: a body cut short is refused (400, the connection closed, nothing
recorded) so that the sender sends it again; a path or header value that is not UTF-8 is
recorded escaped, and the delivery is applied like any other.

usage: intake.py BINARY
"""
import gzip
import os
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import TIMEOUT, Recorder, main, alerts, capture_lines, payload  # noqa: E402

READ_TIMEOUT = 5  # seconds: the server's wait for the rest of a body


def head(path, length):
    return (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            f"Content-Length: {length}\r\n\r\n").encode()


def answer(sock):
    """The status and the lower-cased header lines of the response on SOCK."""
    data = b""
    deadline = time.monotonic() + TIMEOUT
    while b"\r\n\r\n" not in data and time.monotonic() < deadline:
        chunk = sock.recv(4096)
        if not chunk:
            break
        data += chunk
    lines = data.split(b"\r\n\r\n")[0].decode("latin-1").lower().split("\r\n")
    status = int(lines[0].split()[1]) if lines[0].startswith("http/1.1 ") else None
    return status, lines[1:]


def cut_short(binary, work):
    problems = []
    rec = Recorder(binary, work, ["--out", "cut"])
    try:
        body = payload("CUT-1", 1)
        torn = head("/jira", len(body)) + body[:40]
        # Closed mid-body: nobody to answer, nothing to record.
        with socket.create_connection(("127.0.0.1", rec.port), timeout=TIMEOUT) as sock:
            sock.sendall(torn)
        # The sender stops sending (its half closed: the server finds the connection gone
        # and answers nothing) or goes silent past the read timeout.
        for name, stop in (("half-closed", True), ("silent", False)):
            with socket.create_connection(("127.0.0.1", rec.port),
                                          timeout=TIMEOUT + 2 * READ_TIMEOUT) as sock:
                sock.sendall(torn)
                if stop:
                    sock.shutdown(socket.SHUT_WR)
                status, headers = answer(sock)
            if stop and status is not None:
                problems.append(f"{name}: status {status}, want no answer")
            if not stop and (status != 400 or "connection: close" not in headers):
                problems.append(f"{name}: status {status}, headers {headers}, want 400 and close")
        whole = rec.post(body)
        if whole != 204:
            problems.append(f"the whole body: status {whole}, want 204")
        # A compressed body is whole too, though it arrives longer than its Content-Length.
        zipped = rec.post(gzip.compress(body), {"Content-Encoding": "gzip"})
        if zipped != 204:
            problems.append(f"a gzip body: status {zipped}, want 204")
        code = rec.terminate()
        if code != 0:
            problems.append(f"record exited with {code}: {rec.stderr()[-300:]}")
        lines = capture_lines(os.path.join(work, "cut"))
        if [line["body"] for line in lines] != [body.decode()] * 2:
            problems.append(f"recorded {[line['body'][:50] for line in lines]}, "
                            "want the whole body twice")
    finally:
        rec.kill()
    return problems


def not_utf8(binary, work):
    problems = []
    rec = Recorder(binary, work, ["--out", "utf", "--apply", "--db", "utf.db"])
    try:
        deliveries = [("U8-1", "/%FFjira", {}),  # the path decodes to a byte that is not UTF-8
                      ("U8-2", "/jira", {"User-Agent": "Jira \xe9"})]  # sent as Latin-1
        for key, path, headers in deliveries:
            status = rec.post(payload(key, 1), headers, path=path)
            if status != 204:
                problems.append(f"{key}: status {status}, want 204")
        code = rec.terminate()
        if code != 0:
            problems.append(f"record exited with {code}: {rec.stderr()[-300:]}")
        if "UTF-8" in rec.stderr():
            problems.append(f"standard error: {rec.stderr()[-300:]}")
        lines = capture_lines(os.path.join(work, "utf"))
        recorded = [(line["path"], line["headers"].get("user-agent")) for line in lines]
        if recorded[0][0] != "/%FFjira" or recorded[1][1] != "Jira %E9":
            problems.append(f"recorded path and user-agent: {recorded}")
        found = sorted(alerts(binary, os.path.join(work, "utf.db")))
        if found != ["U8-1", "U8-2"]:
            problems.append(f"alerts {found}, want U8-1 and U8-2")
    finally:
        rec.kill()
    return problems


if __name__ == "__main__":
    sys.exit(main("jira-alerts-intake-", [
        ("a body cut short is refused with 400 and not recorded", cut_short),
        ("a path or header that is not UTF-8 is recorded escaped and applied", not_utf8),
    ]))
