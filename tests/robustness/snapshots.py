#!/usr/bin/env python3
"""Reports read one consistent snapshot while a replay commits: the state before or after.

A generated history is cut in two. The first part is replayed into a base state file
whose WAL is then folded in and removed (the file alone, as after sqlite3 or a copy).
Each round copies the base file, starts a replay of the second part (over 10,000
payloads, so it checkpoints at its end, with --strict so that it commits once) and runs
reports against the file until the replay is done: alerts, alerts --at, stats, show and
a check of many keys, each as JSON Lines. Every output must equal the same report on the
state before the replay or on the state after it, byte for byte. Bounded: a few rounds,
at most 60 reports a round.
Usage: snapshots.py BINARY SHARED_DIR   (exit 77 = skipped: no generator)
"""
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True  # keep the source tree clean of __pycache__
from common import Checks, describe_status, need_generator, run

ROUNDS = 4
REPORTS_PER_ROUND = 60


def fold_wal(db):
    """Checkpoints and closes as the only connection: SQLite removes -wal and -shm."""
    con = sqlite3.connect(db)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
    con.close()


def reports(db, keys, at):
    """The reports to compare, as argv lists (without the binary)."""
    common = ["--db", db, "--format", "jsonl"]
    return {
        "alerts": ["alerts", *common],
        "alerts --at": ["alerts", "--at", str(at), *common],
        "stats": ["stats", *common],
        "show": ["show", keys[0], *common],
        "check": ["check", *[f"{k}=open" for k in keys], *common],
    }


def outputs(binary, db, keys, at):
    out = {}
    for name, argv in reports(db, keys, at).items():
        code, stdout, err = run([binary, *argv], limit=False)
        if code not in (0, 1):
            raise RuntimeError(f"{name}: {describe_status(code)}: {err.strip()[-300:]}")
        out[name] = stdout
    return out


def round_problems(binary, folder, base, extra, keys, at, before, after, number):
    db = os.path.join(folder, f"round-{number}.db")
    shutil.copyfile(base, db)
    argv = reports(db, keys, at)
    names = list(argv)
    problems = []
    replay = subprocess.Popen([binary, "replay", "--strict", "-q", "--db", db, extra],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    runs = 0
    deadline = time.monotonic() + 120
    try:
        while runs < REPORTS_PER_ROUND and time.monotonic() < deadline:
            name = names[runs % len(names)]
            runs += 1
            code, stdout, err = run([binary, *argv[name]], limit=False)
            if code not in (0, 1):
                problems.append(f"{name}: {describe_status(code)}: {err.strip()[-200:]}")
            elif stdout not in (before[name], after[name]):
                problems.append(f"{name} (report {runs}) is neither the state before nor after "
                                f"the replay ({len(stdout.splitlines())} lines; before "
                                f"{len(before[name].splitlines())}, after "
                                f"{len(after[name].splitlines())})")
            if replay.poll() is not None and runs >= len(names):
                break
    finally:
        code = replay.wait(timeout=120)
    if code != 0:
        problems.append(f"the replay: {describe_status(code)}: {replay.stderr.read()[-300:]}")
    return problems


def main():
    binary = os.path.abspath(sys.argv[1])
    generator = need_generator(sys.argv[2])
    work = tempfile.mkdtemp(prefix="jira-alerts-snapshots-")
    checks = Checks()
    try:
        lines = subprocess.run([sys.executable, generator, "--issues", "3000", "--events",
                                "20000", "--seed", "31", "--side", "0.05"], check=True,
                               capture_output=True).stdout.splitlines(keepends=True)
        cut = len(lines) - 10_500
        first = os.path.join(work, "first.ndjson")
        extra = os.path.join(work, "extra.ndjson")
        with open(first, "wb") as fh:
            fh.writelines(lines[:cut])
        with open(extra, "wb") as fh:
            fh.writelines(lines[cut:])
        base = os.path.join(work, "base.db")
        code, _, err = run([binary, "replay", "-q", "--db", base, first], limit=False)
        if code != 0:
            raise RuntimeError(f"base replay: {describe_status(code)}: {err}")
        fold_wal(base)
        # Keys the second part changes, and an instant inside it.
        later = [json.loads(l) for l in lines[cut:]]
        keys = sorted({p["issue"]["key"] for p in later if p.get("issue")})[:40]
        at = sorted(p["timestamp"] for p in later)[len(later) // 2]

        done = os.path.join(work, "after.db")
        shutil.copyfile(base, done)
        code, _, err = run([binary, "replay", "--strict", "-q", "--db", done, extra], limit=False)
        if code != 0:
            raise RuntimeError(f"reference replay: {describe_status(code)}: {err}")
        before = outputs(binary, base, keys, at)
        after = outputs(binary, done, keys, at)
        for name in before:
            # A report that cannot tell the two states apart proves nothing.
            if name != "alerts --at" and before[name] == after[name]:
                raise RuntimeError(f"{name} is the same before and after the replay")
        for number in range(ROUNDS):
            folder = tempfile.mkdtemp(dir=work)
            problems = round_problems(binary, folder, base, extra, keys, at, before, after,
                                      number)
            checks.report(f"round {number + 1}: every report is the state before or after",
                          problems)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return checks.finish()


if __name__ == "__main__":
    sys.exit(main())
