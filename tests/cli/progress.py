#!/usr/bin/env python3
"""The progress line of a long replay: shown on a terminal's standard error (a
pseudo-terminal here), at most ten updates a second, with percent and ETA for plain
files, and erased before the summary; never in a pipe, with --quiet or under CI.
Usage: progress.py BINARY
"""
import os
import pty
import re
import subprocess
import sys
import tempfile
import time

PAYLOAD = ('{"webhookEvent":"jira:issue_updated","timestamp":%d,"issue":{"key":"P%d-%d",'
           '"fields":{"summary":"%s","status":{"name":"Open"},"priority":{"name":"High"}}}}\n')


def run_on_pty(args, env):
    """Runs ARGS with standard error on a pseudo-terminal; returns (stderr, seconds)."""
    master, slave = pty.openpty()
    started = time.monotonic()
    proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=slave, env=env)
    os.close(slave)
    chunks = []
    deadline = started + 120
    while time.monotonic() < deadline:
        try:
            data = os.read(master, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    proc.wait(timeout=max(1, deadline - time.monotonic()))
    os.close(master)
    return b"".join(chunks).decode("utf-8", "replace"), time.monotonic() - started


def main():
    binary = sys.argv[1]
    failures = []
    with tempfile.TemporaryDirectory() as work:
        corpus = os.path.join(work, "big.ndjson")
        with open(corpus, "w", encoding="utf-8") as fh:
            pad = "x" * 300
            for i in range(40_000):
                fh.write(PAYLOAD % (1_700_000_000_000 + i, i % 7, i, pad))
        env = {k: v for k, v in os.environ.items() if k != "CI"}
        db = os.path.join(work, "s.db")
        err, seconds = run_on_pty([binary, "replay", "--db", db, "--dry-run", corpus], env)
        updates = err.count("\r\x1b[K") - 1  # the last one erases the line
        lines = [l for l in err.split("\r\x1b[K") if l.startswith("jira-alerts: ") and "%" in l]
        print(f"terminal: {updates} updates in {seconds:.2f} s")
        if updates < 1 or not lines:
            failures.append(f"no progress line on a terminal: {err!r}")
        elif not re.match(r"jira-alerts: \d+ payloads, [\d.]+ MB, \d+ payloads/s, \d+%, ETA \d+:\d\d$",
                          lines[-1]):
            failures.append(f"progress line reads {lines[-1]!r}")
        if updates > seconds * 10 + 2:
            failures.append(f"{updates} updates in {seconds:.2f} s: more than 10 a second")
        if not re.search(r"\r\x1b\[Kjira-alerts: replayed 40000 payloads", err):
            failures.append("the line is not erased before the summary")
        for label, args, extra_env in (
                ("--quiet", ["--quiet"], {}),
                ("CI=true", [], {"CI": "true"})):
            err, _ = run_on_pty([binary, "replay", "--db", db, "--dry-run", *args, corpus],
                                dict(env, **extra_env))
            if "\x1b[K" in err or "payloads/s," in err:
                failures.append(f"progress shown with {label}")
            else:
                print(f"{label}: no progress")
        proc = subprocess.run([binary, "replay", "--db", db, "--dry-run", "--quiet", corpus],
                              capture_output=True, text=True, env=env, timeout=120)
        if "\x1b" in proc.stderr:
            failures.append("progress written into a pipe")
        else:
            print("pipe: no progress")
    for f in failures:
        print("FAIL " + f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
