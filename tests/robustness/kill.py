#!/usr/bin/env python3
"""A replay killed with SIGKILL at any moment leaves a sound file, and resuming converges.

One generated history (gen-jira-corpus --issues 2000 --events 60000 --seed 21
--shuffle 0.05 --duplicates 0.02, about 70,000 payloads, several 10,000-payload
batches) is replayed without interruption into a reference state file; replaying
it again there must change nothing. Then, for each round, a replay into a fresh
file is killed with SIGKILL after a delay drawn from random.Random(SEED) (round i
draws from the i-th slice of the reference run's duration, so the kills spread
from the start to the end of the run; every other round kills a second,
resumed replay too), and:
  - the killed file passes PRAGMA integrity_check (run on a copy of the file and
    its WAL or hot journal, opened read-write as the sqlite3 shell would, so that
    the file under test is not repaired by the check), `alerts` can read it
    unless no schema was committed yet, and no alert in it has more events or
    episodes than in the reference (it holds a prefix of the run);
  - the same inputs replayed again to completion end in exactly the reference
    state: every field of every `alerts --format jsonl` record, and every row of
    the episodes table (fingerprint, seq, opened_at, resolved_at, priority).
The delay and what the kill hit (how many payloads the killed run had committed)
are printed with each round. No assertion depends on timing: a kill that comes
after the replay finished still has to leave the same state.
Usage: kill.py BINARY SHARED_DIR   (exit 77 = skipped: no generator)
"""
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True  # keep the source tree clean of __pycache__
from common import (TIMEOUT, Checks, alerts, check_copy, describe_status, diff_alerts, episodes,
                    integrity, need_generator, query, run)

SEED = 21
ROUNDS = 6
HISTORY = ["--issues", "2000", "--events", "60000", "--seed", "21", "--shuffle", "0.05",
           "--duplicates", "0.02"]


def replay_argv(binary, db, history):
    return [binary, "replay", "--quiet", "--db", db, history]


def kill_after(binary, db, history, delay):
    """Starts a replay, SIGKILLs it after `delay` seconds; returns how it ended."""
    proc = subprocess.Popen(replay_argv(binary, db, history), stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        proc.wait(timeout=delay)
        return f"finished first ({describe_status(proc.returncode)})"
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=TIMEOUT)
        return describe_status(proc.returncode)


def committed(db):
    if not os.path.exists(db):
        return "no file yet"
    try:
        n = check_copy(db, "SELECT count(*) FROM events")[0][0]
        return f"{n} event rows committed"
    except sqlite3.Error as e:  # a file with no schema yet is fine here
        return f"no schema yet ({e})"


def check_killed(binary, db, reference, problems, label):
    """The killed file is sound and holds a prefix of the run."""
    if not os.path.exists(db):
        return
    verdict = "; ".join(str(r[0]) for r in check_copy(db))
    if verdict != "ok":
        problems.append(f"{label}: integrity_check: {verdict[:300]}")
        return
    if not check_copy(db, "SELECT count(*) FROM sqlite_master")[0][0]:
        # Killed before the schema was committed: an empty database, which `alerts`
        # refuses; the resumed replay must cope with it (checked after resuming).
        return
    try:
        got = alerts(binary, db)
    except RuntimeError as e:
        problems.append(f"{label}: {e}")
        return
    for key, a in got.items():
        want = reference.get(key)
        if want is None:
            problems.append(f"{label}: alert {key} is not in the reference")
        elif a["events"] > want["events"] or a["episodes"] > want["episodes"]:
            problems.append(f"{label}: {key} has {a['events']} events / {a['episodes']} "
                            f"episodes, the reference {want['events']} / {want['episodes']}")


def compare_final(binary, db, reference, ref_episodes, problems):
    got = alerts(binary, db)
    problems += diff_alerts(reference, got)
    eps = episodes(db)
    if eps != ref_episodes:
        want, have = set(ref_episodes), set(eps)
        missing, extra = sorted(want - have), sorted(have - want)
        problems.append(f"episodes differ: {len(eps)} rows, the reference {len(ref_episodes)}; "
                        f"missing e.g. {missing[:3]}, extra e.g. {extra[:3]}")
    last = query(db, "SELECT finished_at FROM runs ORDER BY id DESC LIMIT 1")
    if not last or last[0][0] is None:
        problems.append("the last run has no finished_at")


def main():
    binary, shared = os.path.abspath(sys.argv[1]), sys.argv[2]
    generator = need_generator(shared)
    work = tempfile.mkdtemp(prefix="jira-alerts-kill-")
    checks = Checks()
    try:
        history = os.path.join(work, "history.ndjson")
        with open(history, "wb") as fh:
            subprocess.run([sys.executable, generator, *HISTORY], stdout=fh, check=True)

        # The uninterrupted reference, and replaying it again changes nothing.
        ref_db = os.path.join(work, "reference.db")
        started = time.monotonic()
        code, _, err = run(replay_argv(binary, ref_db, history), limit=False)
        duration = time.monotonic() - started
        if code != 0:
            checks.report("reference replay", [f"{describe_status(code)}: {err[-300:]}"])
            return checks.finish()
        problems = []
        reference = alerts(binary, ref_db)
        ref_episodes = episodes(ref_db)
        code, _, err = run(replay_argv(binary, ref_db, history), limit=False)
        if code != 0:
            problems.append(f"second replay: {describe_status(code)}: {err[-300:]}")
        problems += diff_alerts(reference, alerts(binary, ref_db))
        if episodes(ref_db) != ref_episodes:
            problems.append("the episodes changed on the second replay")
        summary = err.strip().splitlines()[-1] if err.strip() else ""
        if " 0 open, 0 update, 0 resolve, 0 reopen," not in summary:
            problems.append(f"the second replay applied payloads: {summary}")
        checks.report(f"reference: {len(reference)} alerts, {len(ref_episodes)} episodes in "
                      f"{duration:.2f} s; replaying again changes nothing", problems)
        if problems:
            return checks.finish()

        rng = random.Random(SEED)
        for i in range(ROUNDS):
            db = os.path.join(work, f"round{i}.db")
            problems = []
            kills = 2 if i % 2 else 1
            notes = []
            # Drawn up front, so that a failing round does not change the next ones.
            delays = [duration * (i + rng.random()) / ROUNDS]  # the i-th slice of the run
            delays += [duration * rng.random() for _ in range(kills - 1)]
            try:
                for k, delay in enumerate(delays):
                    how = kill_after(binary, db, history, delay)
                    notes.append(f"kill at {delay:.2f} s: {how}, {committed(db)}")
                    check_killed(binary, db, reference, problems, f"after kill {k + 1}")
                code, _, err = run(replay_argv(binary, db, history), limit=False)
                if code != 0:
                    problems.append(f"resumed replay: {describe_status(code)}: {err[-300:]}")
                else:
                    verdict = integrity(db)
                    if verdict != "ok":
                        problems.append(f"integrity_check after resuming: {verdict[:300]}")
                    compare_final(binary, db, reference, ref_episodes, problems)
            except (sqlite3.Error, RuntimeError, OSError) as e:
                problems.append(f"{type(e).__name__}: {e}")
            checks.report(f"round {i + 1}: " + "; ".join(notes), problems)
            for suffix in ("", "-wal", "-shm", "-journal"):
                if os.path.exists(db + suffix):
                    os.remove(db + suffix)
    except subprocess.TimeoutExpired as e:
        checks.report("no hang", [f"timed out: {e}"])
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return checks.finish()


if __name__ == "__main__":
    sys.exit(main())
