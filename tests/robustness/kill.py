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
The delay and what the kill hit (how many of the run's payloads the killed
process had committed) are printed with each round. A kill that finds the
replay finished proves nothing: it is tried again (RETRIES times) with a delay
drawn within the time that replay took, and the test fails unless every timed
kill struck a running replay. A last round kills a replay, then the resumed
one, as soon as it has committed its first batch (polled through a read-only
connection): both must find the process running with some but not all of its
payloads committed.
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
RETRIES = 3  # a timed kill that finds the replay finished is tried again this often
HISTORY = ["--issues", "2000", "--events", "60000", "--seed", "21", "--shuffle", "0.05",
           "--duplicates", "0.02"]


def replay_argv(binary, db, history):
    return [binary, "replay", "--quiet", "--db", db, history]


def event_rows(db):
    """Event rows committed to db (0 without a file or a schema)."""
    if not os.path.exists(db):
        return 0
    try:
        return check_copy(db, "SELECT count(*) FROM events")[0][0]
    except sqlite3.Error:  # a file with no schema yet
        return 0


class Kill:
    """One SIGKILL of a replay: whether it struck a running process, and how many of
    that run's payloads were committed by then."""

    def __init__(self, hit, how, committed, payloads):
        self.hit, self.how, self.committed, self.payloads = hit, how, committed, payloads

    @property
    def partial(self):
        return self.hit and 0 < self.committed < self.payloads

    def __str__(self):
        return f"{self.how}, {self.committed} of {self.payloads} payloads committed"


def kill_when(binary, db, history, payloads, ready):
    """Starts a replay and SIGKILLs it once ready(proc, rows) returns, rows being the
    event rows committed before it started (or when it exits first)."""
    before = event_rows(db)
    proc = subprocess.Popen(replay_argv(binary, db, history), stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        ready(proc, before)
    finally:
        hit = proc.poll() is None
        proc.kill()
        proc.wait(timeout=TIMEOUT)
    how = describe_status(proc.returncode) if hit else \
        f"finished first ({describe_status(proc.returncode)})"
    return Kill(hit, how, event_rows(db) - before, payloads)


def kill_after(binary, db, history, payloads, delay, rng):
    """SIGKILLs a replay after `delay` seconds. A replay that finished first (the
    machine was faster than when the reference ran) is run again and killed after a
    delay drawn from rng within the time it took, up to RETRIES times."""
    def ready(proc, _):
        try:
            proc.wait(timeout=delay)
        except subprocess.TimeoutExpired:
            pass
    missed = []
    for _ in range(RETRIES + 1):
        started = time.monotonic()
        kill = kill_when(binary, db, history, payloads, ready)
        if kill.hit:
            break
        missed.append(f"{delay:.2f} s")
        delay = rng.random() * (time.monotonic() - started)
    if missed:
        kill.how += f" at {delay:.2f} s (finished first at {', '.join(missed)})"
    return kill


def kill_after_first_commit(binary, db, history, payloads):
    """SIGKILLs a replay as soon as it has committed its first batch."""
    def ready(proc, before):
        deadline = time.monotonic() + TIMEOUT
        while proc.poll() is None and time.monotonic() < deadline:
            try:
                if query(db, "SELECT count(*) FROM events")[0][0] > before:
                    return
            except sqlite3.Error:  # no file, no schema or no WAL index yet
                pass
            time.sleep(0.002)
    return kill_when(binary, db, history, payloads, ready)


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


def kill_round(binary, work, name, strikes, history, reference, ref_episodes, checks, labels):
    """Kills replays into a fresh file with each of strikes, then resumes to the end;
    returns the kills."""
    db = os.path.join(work, "round.db")
    problems, notes, kills = [], [], []
    try:
        for k, (strike, label) in enumerate(zip(strikes, labels)):
            kills.append(strike(db))
            notes.append(f"{label}: {kills[-1]}")
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
    checks.report(f"{name}: " + "; ".join(notes), problems)
    for suffix in ("", "-wal", "-shm", "-journal"):
        if os.path.exists(db + suffix):
            os.remove(db + suffix)
    return kills


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

        payloads = query(ref_db, "SELECT payloads FROM runs ORDER BY id LIMIT 1")[0][0]
        rng = random.Random(SEED)
        again = random.Random(SEED + 1)  # the delays of retried kills
        timed = []
        for i in range(ROUNDS):
            kills = 2 if i % 2 else 1
            # Drawn up front, so that a failing round does not change the next ones.
            delays = [duration * (i + rng.random()) / ROUNDS]  # the i-th slice of the run
            delays += [duration * rng.random() for _ in range(kills - 1)]
            strikes = [lambda db, d=d: kill_after(binary, db, history, payloads, d, again)
                       for d in delays]
            timed += kill_round(binary, work, f"round {i + 1}", strikes, history, reference,
                                ref_episodes, checks, [f"kill at {d:.2f} s" for d in delays])
        committed = kill_round(
            binary, work, f"round {ROUNDS + 1}",
            [lambda db: kill_after_first_commit(binary, db, history, payloads)] * 2, history,
            reference, ref_episodes, checks, ["kill after the first commit"] * 2)
        problems = [f"a timed kill found the replay finished {RETRIES + 1} times: {k}"
                    for k in timed if not k.hit]
        problems += [f"a kill after the first commit did not strike mid-run: {k}"
                     for k in committed if not k.partial]
        partial = sum(k.partial for k in timed)
        checks.report(f"the kills struck running replays: {sum(k.hit for k in timed)} of "
                      f"{len(timed)} timed kills ({partial} after some but not all payloads "
                      f"were committed) and {sum(k.partial for k in committed)} of "
                      f"{len(committed)} after the first commit", problems)
    except subprocess.TimeoutExpired as e:
        checks.report("no hang", [f"timed out: {e}"])
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return checks.finish()


if __name__ == "__main__":
    sys.exit(main())
