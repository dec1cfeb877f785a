#!/usr/bin/env python3
"""A replay fed by a slow pipe applies each payload as soon as it is whole and holds
the write lock only while it commits; a replay prints a decision only once it is
committed.

  - Payloads piped one at a time, the pipe left open: each one's decision record
    appears on stdout, and another process sees it applied in the state file,
    before the next is sent (the replay neither waits for 1 MiB nor for the end
    of the input); meanwhile a second replay into the same file gets through at
    once. After a SIGKILL, what was piped and printed is still in the file.
  - --strict keeps the whole run in one transaction: 3,000 payloads piped with the
    pipe left open, then SIGKILL after 3 s: nothing was committed, so nothing may
    have been printed (every decision printed belongs to a committed payload).
Every wait is bounded (WAIT seconds); no assertion depends on how fast the machine is.
Usage: slow_pipe.py BINARY
"""
import json
import os
import select
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time

sys.dont_write_bytecode = True  # keep the source tree clean of __pycache__
from common import Checks, run

WAIT = 20


def payload(n, status="To Do"):
    return json.dumps({"webhookEvent": "jira:issue_created", "timestamp": 1700000000000 + n,
                       "issue": {"key": f"KAN-{n}", "fields": {"status": {"name": status}}}})


def check(checks, name, ok, detail=""):
    checks.report(name, [] if ok else [detail or "failed"])


def read_line(proc, deadline):
    """The next line of PROC's stdout, or None when none comes before DEADLINE."""
    line = b""
    while time.monotonic() < deadline:
        ready, _, _ = select.select([proc.stdout], [], [], 0.1)
        if ready:
            byte = os.read(proc.stdout.fileno(), 1)
            if not byte:
                return None
            line += byte
            if byte == b"\n":
                return line.decode()
    return None


def exit_status(argv):
    """ARGV's exit status, or None when it did not end within WAIT seconds."""
    try:
        return run(argv, limit=False, timeout=WAIT)[0]
    except subprocess.TimeoutExpired:
        return None


def applied(binary, db, key):
    return exit_status([binary, "check", "--db", db, "--quiet", f"{key}=open"]) == 0


def slow_pipe(binary, work, checks):
    db = os.path.join(work, "slow.db")
    other = os.path.join(work, "other.json")
    with open(other, "w") as fh:
        fh.write(payload(900) + "\n")
    proc = subprocess.Popen([binary, "replay", "--db", db, "--format", "jsonl"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL)
    try:
        for n in (1, 2, 3):
            proc.stdin.write((payload(n) + "\n").encode())
            proc.stdin.flush()
            line = read_line(proc, time.monotonic() + WAIT)
            check(checks, f"payload {n}: its decision is printed before the input ends",
                         line is not None and json.loads(line)["fingerprint"] == f"KAN-{n}",
                         repr(line))
            check(checks, f"payload {n}: another process sees it applied", applied(binary, db, f"KAN-{n}"))
            if n == 1:
                started = time.monotonic()
                second = exit_status([binary, "replay", "--db", db, "--quiet", other])
                check(checks, "a second writer gets through while the pipe is open", second == 0,
                      f"exit {second} after {time.monotonic() - started:.1f} s")
    finally:
        proc.kill()
        proc.wait(timeout=WAIT)
    check(checks, "after SIGKILL, what was piped is kept",
                 all(applied(binary, db, f"KAN-{n}") for n in (1, 2, 3, 900)))


def strict_kill(binary, work, checks):
    db = os.path.join(work, "strict.db")
    proc = subprocess.Popen([binary, "replay", "--db", db, "--strict", "--format", "jsonl"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL)
    def feed():
        try:
            proc.stdin.write("".join(payload(n) + "\n" for n in range(3000)).encode())
            proc.stdin.flush()
        except (BrokenPipeError, ValueError):
            pass

    # Written from a thread, so that output the replay prints cannot block it.
    writer = threading.Thread(target=feed, daemon=True)
    writer.start()
    try:
        # The replay has read them once it waits on the pipe again: give it time, bounded.
        deadline = time.monotonic() + 3
        printed = 0
        while time.monotonic() < deadline:
            line = read_line(proc, deadline)
            if line is not None:
                printed += 1
    finally:
        proc.kill()
        proc.wait(timeout=WAIT)
        writer.join(timeout=WAIT)
    committed = 0
    if os.path.exists(db):
        con = sqlite3.connect(db, timeout=WAIT)
        committed = con.execute("SELECT count(*) FROM events").fetchone()[0]
        con.close()
    check(checks, "a killed --strict run printed only committed decisions",
                 printed <= committed, f"{printed} printed, {committed} committed")


def main():
    binary = sys.argv[1]
    checks = Checks()
    with tempfile.TemporaryDirectory(prefix="jira-alerts-slow-pipe-") as work:
        slow_pipe(binary, work, checks)
        strict_kill(binary, work, checks)
    return checks.finish()


if __name__ == "__main__":
    sys.exit(main())
