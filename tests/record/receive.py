#!/usr/bin/env python3
"""`jira-alerts record` over real HTTP: signatures, sizes, garbage, methods, metrics, write
failures, concurrent clients and SIGTERM.

usage: receive.py BINARY
"""
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import TIMEOUT, Recorder, main, capture_lines, payload, signature  # noqa: E402

SECRET = b"it's a secret"


def signatures(binary, work):
    problems = []
    with open(os.path.join(work, "secret"), "wb") as f:
        f.write(SECRET + b"\n")  # one trailing newline is not part of the secret
    rec = Recorder(binary, work, ["--out", "sig", "--secret-file", "secret"])
    try:
        body = payload("SIG-1", 1)
        good = {"X-Hub-Signature": signature(SECRET, body),
                "X-Atlassian-Webhook-Identifier": "delivery-1"}
        cases = [("signed", good, 204),
                 ("unsigned", {}, 401),
                 ("wrongly signed", {"X-Hub-Signature": signature(b"other", body)}, 401),
                 ("not sha256=", {"X-Hub-Signature": "sha1=abc"}, 401)]
        for name, headers, want in cases:
            got = rec.post(body, headers)
            if got != want:
                problems.append(f"{name}: status {got}, want {want}")
        lines = capture_lines(os.path.join(work, "sig"))
        if len(lines) != 1:
            problems.append(f"{len(lines)} lines recorded, want only the signed one")
        elif lines[0]["body"] != body.decode() or \
                lines[0]["headers"].get("x-atlassian-webhook-identifier") != "delivery-1" or \
                lines[0]["headers"].get("x-hub-signature") != good["X-Hub-Signature"] or \
                lines[0]["path"] != "/jira" or not isinstance(lines[0]["received_at"], int):
            problems.append(f"envelope differs: {lines[0]}")
        _, metrics = rec.get("/metrics")
        for want in ('jira_alerts_deliveries_total{result="recorded"} 1',
                     'jira_alerts_deliveries_total{result="unauthorized"} 3',
                     "jira_alerts_capture_fsync_seconds_count 1"):
            if want not in metrics:
                problems.append(f"/metrics lacks '{want}'")
        if rec.stderr().count("(401)") > 1:
            problems.append("more than one log line a second for refused deliveries")
        code = rec.terminate()
        if code != 0:
            problems.append(f"exit status {code} after SIGTERM")
        # The capture verifies under the same secret.
        out = subprocess.run([binary, "replay", "--db", "sig.db", "--secret-file", "secret", "sig"],
                             cwd=work, capture_output=True, timeout=TIMEOUT)
        if out.returncode != 0:
            problems.append(f"replay --secret-file of the capture: {out.stderr.decode()[-300:]}")
    finally:
        rec.kill()
    return problems


def without_secret(binary, work):
    problems = []
    rec = Recorder(binary, work, ["--out", "open", "--max-body", "4KiB"])
    try:
        if "deliveries are not authenticated" not in rec.stderr():
            problems.append("no warning that deliveries are not authenticated")
        garbage = b"not json at all \xff\xfe"
        for name, body, want in [("garbage", garbage, 204), ("unsigned payload", payload("O-1", 1), 204),
                                 ("oversized", b"x" * 5000, 413), ("at the limit", b"{" + b" " * 4094 + b"}", 204)]:
            got = rec.post(body)
            if got != want:
                problems.append(f"{name}: status {got}, want {want}")
        # A chunked body over the limit is refused while it is read.
        sock = socket.create_connection(("127.0.0.1", rec.port), timeout=TIMEOUT)
        answer = b""
        try:
            sock.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n")
            for _ in range(10):
                sock.sendall(b"%x\r\n%s\r\n" % (1000, b"y" * 1000))
            sock.sendall(b"0\r\n\r\n")
        except OSError:
            pass  # the server stopped reading: expected once the limit is passed
        try:
            answer = sock.recv(200)
        except OSError:
            pass
        sock.close()
        if not answer.startswith(b"HTTP/1.1 413"):
            problems.append(f"chunked oversized: answer {answer[:40]!r}, want 413")
        # An announced huge body: answered 413 at once, the rest never read.
        sock = socket.create_connection(("127.0.0.1", rec.port), timeout=TIMEOUT)
        sock.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000000\r\n\r\n" + b"z" * 1000)
        head = sock.recv(200)
        sock.close()
        if not head.startswith(b"HTTP/1.1 413"):
            problems.append(f"announced 1 GB body: answer {head[:40]!r}, want 413")
        for method in ("PUT", "DELETE", "PATCH"):
            con = http.client.HTTPConnection("127.0.0.1", rec.port, timeout=TIMEOUT)
            con.request(method, "/jira", body=b"{}")
            status = con.getresponse().status
            con.close()
            if status != 405:
                problems.append(f"{method}: status {status}, want 405")
        status, text = rec.get("/healthz")
        if (status, text) != (200, "ok\n"):
            problems.append(f"/healthz: {status} {text!r}")
        status, text = rec.get("/metrics")
        if 'jira_alerts_deliveries_total{result="too_large"} 3' not in text:
            problems.append("/metrics does not count the 3 refused bodies")
        rec.terminate()
        lines = capture_lines(os.path.join(work, "open"))
        if len(lines) != 3:
            problems.append(f"{len(lines)} lines recorded, want 3")
        elif lines[0].get("body_encoding") != "base64":
            problems.append("a body that is not UTF-8 is not kept as base64")
        # The garbage is kept and rejected later, with its position.
        out = subprocess.run([binary, "replay", "--db", "open.db", "open"], cwd=work,
                             capture_output=True, timeout=TIMEOUT)
        err = out.stderr.decode()
        if out.returncode != 1 or ".ndjson:1:1: invalid JSON" not in err:
            problems.append(f"replay of the capture: exit {out.returncode}, {err[-300:]}")
    finally:
        rec.kill()
    return problems


def write_failure(binary, work):
    """A capture file that cannot be written: 503, logged, and the server goes on."""
    problems = []
    out = os.path.join(work, "full")
    rec = Recorder(binary, work, ["--out", "full"])
    try:
        day = time.strftime("%Y-%m-%d", time.gmtime())
        target = os.path.join(out, f"{day}.ndjson")
        os.symlink("/dev/full", target)
        got = rec.post(payload("F-1", 1))
        if time.strftime("%Y-%m-%d", time.gmtime()) != day:
            return []  # midnight passed in between: nothing to conclude
        if got != 503:
            problems.append(f"write to a full disk: status {got}, want 503")
        if "cannot write" not in rec.stderr():
            problems.append("the write failure is not logged")
        os.unlink(target)
        got = rec.post(payload("F-2", 2))
        if got != 204:
            problems.append(f"after the disk recovered: status {got}, want 204")
        rec.terminate()
        lines = capture_lines(out)
        if [json.loads(line["body"])["issue"]["key"] for line in lines] != ["F-2"]:
            problems.append(f"capture holds {len(lines)} lines, want only F-2")
    finally:
        rec.kill()
    return problems


def concurrent(binary, work):
    problems = []
    rec = Recorder(binary, work, ["--out", "many"])
    clients, each = 16, 25
    statuses = {}
    lock = threading.Lock()

    def client(c):
        con = http.client.HTTPConnection("127.0.0.1", rec.port, timeout=TIMEOUT)
        for i in range(each):
            delivery = f"c{c}-{i}"
            try:
                con.request("POST", "/", body=payload(f"C-{c}", 1000 + i),
                            headers={"X-Atlassian-Webhook-Identifier": delivery})
                response = con.getresponse()
                response.read()
                status = response.status
            except (OSError, http.client.HTTPException) as e:
                status = repr(e)
                con.close()
                con = http.client.HTTPConnection("127.0.0.1", rec.port, timeout=TIMEOUT)
            with lock:
                statuses[delivery] = status
        con.close()

    try:
        threads = [threading.Thread(target=client, args=(c,)) for c in range(clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(TIMEOUT)
        bad = {d: s for d, s in statuses.items() if s != 204}
        if len(statuses) != clients * each or bad:
            problems.append(f"{len(statuses)} answers, not 204: {list(bad.items())[:5]}")
        rec.terminate()
        ids = [line["headers"]["x-atlassian-webhook-identifier"] for line in capture_lines(os.path.join(work, "many"))]
        if sorted(ids) != sorted(statuses):
            problems.append(f"capture holds {len(ids)} lines ({len(set(ids))} distinct), want {len(statuses)}")
        text = rec.stderr()
        if "stopped" not in text:
            problems.append("no 'stopped' line after SIGTERM")
    finally:
        rec.kill()
    return problems


def sigterm_drains(binary, work):
    """SIGTERM while a request is half sent: it is still answered and recorded; exit 0."""
    problems = []
    rec = Recorder(binary, work, ["--out", "drain"])
    try:
        body = payload("D-1", 1)
        sock = socket.create_connection(("127.0.0.1", rec.port), timeout=TIMEOUT)
        sock.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n" % len(body) + body[:10])
        # The handler is reading the body once /metrics can be asked (the server is alive);
        # the signal comes while the request is in flight.
        rec.get("/healthz")
        rec.proc.send_signal(signal.SIGTERM)
        time.sleep(0.2)
        sock.sendall(body[10:])
        answer = sock.recv(200)
        sock.close()
        if not answer.startswith(b"HTTP/1.1 204"):
            problems.append(f"request in flight at SIGTERM: answer {answer[:40]!r}, want 204")
        code = rec.proc.wait(timeout=TIMEOUT)
        if code != 0:
            problems.append(f"exit status {code}, want 0")
        if len(capture_lines(os.path.join(work, "drain"))) != 1:
            problems.append("the request in flight is not in the capture")
        try:
            socket.create_connection(("127.0.0.1", rec.port), timeout=2).close()
            problems.append("still accepting connections after exit")
        except OSError:
            pass
    finally:
        rec.kill()
    return problems


def sigterm_at_once(binary, work):
    """SIGTERM the moment 'listening on' is printed (before the server may be running):
    every time, a prompt exit 0. 40 tries, each bounded."""
    log_path = os.path.join(work, "at-once.log")
    for i in range(40):
        with open(log_path, "wb") as log:
            proc = subprocess.Popen([binary, "record", "--listen", "127.0.0.1:0", "--out",
                                     os.path.join(work, "at-once")], stdout=subprocess.DEVNULL,
                                    stderr=log, stdin=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + TIMEOUT
            with open(log_path, "rb") as log:  # read as it grows, without sleeping
                seen = b""
                while b"listening on" not in seen and time.monotonic() < deadline:
                    seen += log.read()
            proc.send_signal(signal.SIGTERM)
            code = proc.wait(timeout=10)
            if code != 0:
                return [f"try {i}: exit status {code}, want 0"]
        except subprocess.TimeoutExpired:
            return [f"try {i}: still running 10 s after SIGTERM"]
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    return []


def second_listener(binary, work, listen="127.0.0.1"):
    """A second record on a port in use exits 2 naming the address; the first keeps it all."""
    problems = []
    first = f"first-{time.monotonic_ns()}"
    rec = Recorder(binary, work, ["--out", first], listen=f"{listen}:0")
    try:
        second = subprocess.run([binary, "record", "--listen", rec.address, "--out",
                                 os.path.join(work, "second")], capture_output=True,
                                stdin=subprocess.DEVNULL, timeout=TIMEOUT)
        err = second.stderr.decode()
        if second.returncode != 2 or f"--listen: cannot listen on {rec.address} " not in err:
            problems.append(f"second record on {rec.address}: exit {second.returncode}, {err[-300:]!r}")
        for i in range(10):
            got = rec.post(payload("P-1", i))
            if got != 204:
                problems.append(f"delivery {i} to the first: status {got}")
                break
        rec.terminate()
        if len(capture_lines(os.path.join(work, first))) != 10:
            problems.append("the first record did not get every delivery")
    except subprocess.TimeoutExpired:
        problems.append(f"the second record on {rec.address} kept running")
    finally:
        rec.kill()
    return problems


def multipart(binary, work):
    """A multipart/form-data body is recorded raw, like any other: 204 and in the capture."""
    problems = []
    rec = Recorder(binary, work, ["--out", "mp"])
    try:
        body = (b'--xx\r\nContent-Disposition: form-data; name="a"\r\n\r\nb\r\n--xx--\r\n')
        cases = [("multipart/form-data; boundary=xx", body),
                 ("multipart/form-data", b"no boundary at all")]
        for kind, data in cases:
            got = rec.post(data, {"Content-Type": kind}, path="/mp")
            if got != 204:
                problems.append(f"{kind!r}: status {got}, want 204")
        rec.terminate()
        lines = capture_lines(os.path.join(work, "mp"))
        got = [(line["headers"].get("content-type"), line["body"].encode()) for line in lines]
        if got != cases:
            problems.append(f"capture holds {got}, want {cases}")
    finally:
        rec.kill()
    return problems


def ipv6(binary, work):
    """--listen [::1]:0 prints [::1]:PORT, which --listen and clients take back."""
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as probe:
            probe.bind(("::1", 0))
    except OSError:
        print("     (no IPv6 loopback here: skipped)")
        return []
    rec = Recorder(binary, work, ["--out", "v6"], listen="[::1]:0")
    try:
        problems = []
        if rec.address != f"[::1]:{rec.port}":
            problems.append(f"printed 'listening on {rec.address}', want [::1]:{rec.port}")
        status, text = rec.get("/healthz")
        if (status, text) != (200, "ok\n"):
            problems.append(f"/healthz over IPv6: {status} {text!r}")
    finally:
        rec.terminate()
    return problems + second_listener(binary, work, "[::1]")


if __name__ == "__main__":
    sys.exit(main("jira-alerts-record-", [
        ("signatures: signed 204, unsigned and wrongly signed 401", signatures),
        ("no secret: garbage recorded, oversized 413, methods 405, healthz", without_secret),
        ("write failure: 503, logged, then recovers", write_failure),
        ("16 concurrent clients: every 204 recorded once", concurrent),
        ("SIGTERM: the request in flight is answered, exit 0", sigterm_drains),
        ("SIGTERM right after 'listening on': exit 0", sigterm_at_once),
        ("a second record on a port in use: exit 2, the first keeps every delivery", second_listener),
        ("multipart/form-data: recorded raw, 204", multipart),
        ("IPv6: listening on [::1]:PORT, reusable as given", ipv6),
    ]))
