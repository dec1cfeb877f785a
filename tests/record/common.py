"""Helpers for the tests of `jira-alerts record` (standard library only).

A Recorder starts the binary on 127.0.0.1 port 0, waits for its 'listening on ADDR:PORT'
line (readiness; never a sleep), and always stops it. Every wait is bounded in time and
every request loop in count. Each script prints 'ok   name' or 'FAIL name' per check,
then 'N passed, N failed', and exits 1 on failure.
"""
import hashlib
import hmac
import http.client
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time

TIMEOUT = 30  # seconds: only a hang ever reaches it


class Recorder:
    """One `jira-alerts record` process on a free loopback port."""

    def __init__(self, binary, work, args, env=None, listen="127.0.0.1:0"):
        self.host = listen[:listen.rfind(":")].strip("[]")
        self.log_path = os.path.join(work, f"record-{time.monotonic_ns()}.log")
        self.log = open(self.log_path, "wb")
        full_env = dict(os.environ)
        full_env.pop("JIRA_ALERTS_SECRET", None)
        full_env.update(env or {})
        self.proc = subprocess.Popen([binary, "record", "--listen", listen, *args],
                                     cwd=work, stdout=subprocess.DEVNULL, stderr=self.log,
                                     stdin=subprocess.DEVNULL, env=full_env)
        self.address, self.port = self._wait_ready()

    def _wait_ready(self):
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            text = self.stderr()
            found = re.search(r"listening on (\S+:(\d+)),", text)
            if found:
                return found.group(1), int(found.group(2))
            if self.proc.poll() is not None:
                raise RuntimeError(f"record exited with {self.proc.returncode}: {text[-500:]}")
            time.sleep(0.02)
        self.kill()
        raise RuntimeError("record did not report 'listening on' in time")

    def stderr(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def post(self, body, headers=None, path="/jira", timeout=TIMEOUT):
        """POSTs body; returns the status (None when the connection failed)."""
        con = http.client.HTTPConnection(self.host, self.port, timeout=timeout)
        try:
            con.request("POST", path, body=body, headers=headers or {})
            response = con.getresponse()
            response.read()
            return response.status
        except (OSError, http.client.HTTPException):
            return None
        finally:
            con.close()

    def get(self, path):
        con = http.client.HTTPConnection(self.host, self.port, timeout=TIMEOUT)
        try:
            con.request("GET", path)
            response = con.getresponse()
            return response.status, response.read().decode("utf-8", "replace")
        finally:
            con.close()

    def terminate(self):
        """SIGTERM; returns the exit status."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=TIMEOUT)
        finally:
            self.kill()

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=TIMEOUT)
        self.log.close()


def signature(secret, body):
    return "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()


def payload(key, ts, status="To Do", priority="High"):
    return json.dumps({"webhookEvent": "jira:issue_updated", "timestamp": ts,
                       "issue": {"key": key, "fields": {"status": {"name": status},
                                                         "priority": {"name": priority},
                                                         "summary": f"summary of {key}"}}}).encode()


def capture_lines(directory):
    """Every envelope line of the capture files, parsed, in file order. A last line
    without its newline is a write cut by kill -9 (never acknowledged; the next start
    drops it) and is left out."""
    lines = []
    for name in sorted(os.listdir(directory)):
        if name.endswith(".ndjson"):
            with open(os.path.join(directory, name), "rb") as f:
                data = f.read()
            data = data[:data.rfind(b"\n") + 1]
            lines += [json.loads(line) for line in data.splitlines() if line.strip()]
    return lines


def alerts(binary, db):
    """`alerts --format jsonl` as {fingerprint: record}."""
    out = subprocess.run([binary, "alerts", "--db", db, "--format", "jsonl"], capture_output=True,
                         timeout=TIMEOUT, check=True).stdout.decode()
    return {r["fingerprint"]: r for r in map(json.loads, out.splitlines())}


class Checks:
    def __init__(self):
        self.passed = self.failed = 0

    def check(self, name, problems):
        if problems:
            self.failed += 1
            print(f"FAIL {name}")
            for p in problems:
                print(f"     {p}")
        else:
            self.passed += 1
            print(f"ok   {name}")
        sys.stdout.flush()

    def run(self, name, fn):
        try:
            self.check(name, fn())
        except Exception as e:  # a crash of the check is a failure, with its reason
            self.check(name, [f"{type(e).__name__}: {e}"])

    def finish(self):
        print(f"{self.passed} passed, {self.failed} failed")
        return 1 if self.failed else 0


def main(prefix, cases):
    """Runs each (name, fn(binary, work)) of CASES in one temporary directory; the exit status."""
    binary = os.path.abspath(sys.argv[1])
    checks = Checks()
    with tempfile.TemporaryDirectory(prefix=prefix) as work:
        for name, fn in cases:
            checks.run(name, lambda: fn(binary, work))
    return checks.finish()
