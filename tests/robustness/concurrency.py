#!/usr/bin/env python3
"""Several replays into one state file at once: all succeed, nothing lost or applied twice.

One generated history (gen-jira-corpus --issues 800 --events 30000 --seed 22
--shuffle 0.05 --duplicates 0.02, about 35,000 payloads) is replayed by 2 or 3 processes started together into one
fresh state file, and the result is compared with sequential replays (the cases split
by issue key use one three times as long, --issues 2400 --events 90000):
  - same history, 2 and 3 processes: every process exits 0; every field of
    every `alerts --format jsonl` record and every episode equal one sequential
    replay's; the event log holds each process's every payload (N x payloads
    rows), and exactly as many applied rows (open, update, resolve, reopen) as
    the sequential replay: no payload lost, none applied twice;
  - the history split by issue key into 2 (or 3) parts that touch disjoint
    alerts, one process per part: every field equals a sequential replay of the
    parts one after another, and the event log holds each payload once;
  - 2 replays of the same history into an existing file while `alerts` reads it
    in a loop: every `alerts` exits 0 (readers are never refused as busy), and
    at least one ran while the replays did;
  - creating the file is the racy moment, so 80 rounds of 4 replays of 20
    payloads started at once on a new file: every process exits 0 and each
    file ends as a sequential replay's.
Each file passes PRAGMA integrity_check. In the first five cases the replays
must have overlapped: each one began (its exit, polled every millisecond, less
the time its summary line reports) before the first run to write committed its
last batch (runs.finished_at), so the others waited for the lock or wrote
between that run's batches (runs.started_at is taken when a run first holds
the lock); how long they waited is printed.
Usage: concurrency.py BINARY SHARED_DIR   (exit 77 = skipped: no generator)
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import zlib

sys.dont_write_bytecode = True  # keep the source tree clean of __pycache__
from common import (TIMEOUT, Checks, alerts, describe_status, diff_alerts, episodes, integrity,
                    limit_address_space, need_generator, query, run)

HISTORY = ["--issues", "800", "--events", "30000", "--seed", "22", "--shuffle", "0.05",
           "--duplicates", "0.02"]
# The history split by issue key is three times as long: each part is then long enough
# that the parts' replays overlap however fast one of them is.
SPLIT_HISTORY = ["--issues", "2400", "--events", "90000", "--seed", "22", "--shuffle", "0.05",
                 "--duplicates", "0.02"]
APPLIED = "('open', 'update', 'resolve', 'reopen')"
# A replay that began this close to the first run's last commit does not count as
# overlapping it (the begin time is derived from a summary time printed to 10 ms).
OVERLAP_MARGIN_MS = 50


def replay_argv(binary, db, *inputs):
    return [binary, "replay", "--quiet", "--db", db, *inputs]


def sequential(binary, db, inputs):
    for path in inputs:
        code, _, err = run(replay_argv(binary, db, path))
        if code != 0:
            raise RuntimeError(f"sequential replay of {path}: {describe_status(code)}: {err}")


SUMMARY_TIME = re.compile(r" in ([0-9.]+) s \(")


class Process:
    """One replay started by together(): its exit status, standard error, and when it
    began by its own account (its exit, seen by polling, less the time its summary
    line reports)."""

    def __init__(self, code, err, began):
        self.code, self.err, self.began = code, err, began


def read_along(binary, db, running, reads, failed):
    """`alerts` in a loop while running() is true: every one must succeed."""
    while running():
        code, out, err = run([binary, "alerts", "--db", db, "--format", "jsonl"])
        reads.append(code)
        if code != 0:
            failed.append(f"alerts while replaying: {describe_status(code)}: "
                          f"{err.strip()[-200:]}")
        else:
            for raw in out.decode("utf-8").splitlines():
                json.loads(raw)


def together(binary, db, inputs, reader=False):
    """Starts one replay per input at once; returns [Process], the number of reads and
    the reader's failures.

    Each process first waits in a shell for the end of a pipe they all share, so
    that closing it releases them together (forking them one by one from a large
    Python process would spread their starts by milliseconds).
    """
    procs = []
    gate, release = os.pipe()
    for i, path in enumerate(inputs):
        err = open(os.path.join(os.path.dirname(db), f"stderr{i}.txt"), "w+")
        argv = ["sh", "-c", 'read _; exec "$@"', "sh", *replay_argv(binary, db, path)]
        proc = subprocess.Popen(argv, stdin=gate, stdout=subprocess.DEVNULL, stderr=err,
                                preexec_fn=limit_address_space)
        procs.append((proc, err))
    os.close(gate)
    os.close(release)
    reads, failed = [], []
    exits = [None] * len(procs)
    running = lambda: None in exits
    thread = threading.Thread(target=read_along, args=(binary, db, running, reads, failed))
    if reader:
        thread.start()
    deadline = time.monotonic() + TIMEOUT
    while running() and time.monotonic() < deadline:
        now = time.time()
        for i, (proc, _) in enumerate(procs):
            if exits[i] is None and proc.poll() is not None:
                exits[i] = now
        time.sleep(0.001)
    results = []
    for i, (proc, err) in enumerate(procs):
        if exits[i] is None:
            proc.kill()
            proc.wait()
            exits[i] = time.time()
            results.append(Process(None, "timed out (hang)", None))
            err.close()
            continue
        err.seek(0)
        text = err.read()
        err.close()
        took = SUMMARY_TIME.search(text)
        began = exits[i] - float(took.group(1)) if took else None
        results.append(Process(proc.returncode, text, began))
    if reader:
        thread.join()
    failures = len(failed)
    return results, len(reads), failed[:3] + ([f"... {failures - 3} more"] if failures > 3 else [])


def overlap(db, results, first_run):
    """Proves that the runs from first_run on wrote at the same time: every replay had
    begun (by its own clock) before the first of them to write committed its last batch,
    and so waited for the lock or wrote between that run's batches. Returns (problems,
    note)."""
    runs = query(db, "SELECT id, started_at, finished_at FROM runs WHERE id >= ? "
                     "ORDER BY started_at", (first_run,))
    if len(runs) != len(results):
        return [f"{len(runs)} runs recorded for {len(results)} replays"], ""
    if any(p.began is None for p in results):
        return ["a replay printed no summary line with its time"], ""
    first = runs[0]
    latest = max(p.began for p in results) * 1000
    problems = []
    if latest >= first[2] - OVERLAP_MARGIN_MS:
        problems.append(f"a replay began {latest - first[2]:.0f} ms after the first run "
                        "committed its last batch: the replays did not overlap")
    waits = [r[1] - min(p.began for p in results) * 1000 for r in runs[1:]]
    interleaved = sum(1 for r in runs[1:] if r[1] < first[2])
    ids = [r[0] for r in query(db, "SELECT run_id FROM events WHERE run_id >= ? ORDER BY id",
                               (first_run,))]
    switches = sum(1 for a, b in zip(ids, ids[1:]) if a != b)
    note = (f"{len(runs)} runs; the last replay began "
            f"{first[2] - latest:.0f} ms before the first run's last commit; the others first wrote "
            f"{', '.join(f'{w:.0f}' for w in waits)} ms after the replays began "
            f"({interleaved} between the first run's batches), "
            f"{switches} switches between runs in the event log")
    return problems, note


def counts(db):
    total = query(db, "SELECT count(*) FROM events")[0][0]
    applied = query(db, f"SELECT count(*) FROM events WHERE action IN {APPLIED}")[0][0]
    return total, applied


def split_by_key(lines, parts):
    """The history split into `parts` by issue key (crc32), in input order."""
    out = [[] for _ in range(parts)]
    for raw in lines:
        key = (json.loads(raw).get("issue") or {}).get("key")
        out[zlib.crc32(key.encode()) % parts if isinstance(key, str) else 0].append(raw)
    return out


def check(binary, work, name, inputs, reference_inputs, seed_input=None, reader=False,
          payloads=None):
    folder = os.path.join(work, name.replace(" ", "-"))
    os.makedirs(folder)
    ref_db = os.path.join(folder, "sequential.db")
    db = os.path.join(folder, "together.db")
    if seed_input:
        sequential(binary, ref_db, [seed_input])
        sequential(binary, db, [seed_input])
    # What the runs under test add is compared with what the sequential runs add.
    ref_before = counts(ref_db) if seed_input else (0, 0)
    before = counts(db) if seed_input else (0, 0)
    sequential(binary, ref_db, reference_inputs)
    first_run = last_run(db) + 1
    results, reads, problems = together(binary, db, inputs, reader)
    for i, p in enumerate(results):
        if p.code != 0:
            status = describe_status(p.code) if p.code is not None else p.err
            problems.append(f"process {i + 1}: {status}: {p.err.strip()[-300:]}")
    if not os.path.exists(db):
        return ["no state file"], ""
    verdict = integrity(db)
    if verdict != "ok":
        problems.append(f"integrity_check: {verdict[:300]}")
    want, got = alerts(binary, ref_db), alerts(binary, db)
    problems += diff_alerts(want, got)
    if episodes(db) != episodes(ref_db):
        problems.append("the episodes differ from the sequential replay's")
    ref_applied = counts(ref_db)[1] - ref_before[1]
    total, applied = (now - then for now, then in zip(counts(db), before))
    if total != payloads:
        problems.append(f"the event log holds {total} rows from these runs, expected {payloads}"
                        " (one per payload and process)")
    if applied != ref_applied:
        what = "lost" if applied < ref_applied else "applied twice"
        problems.append(f"{applied} payloads applied, the sequential replay applied "
                        f"{ref_applied}: payloads {what}")
    runs = query(db, "SELECT count(*) FROM runs WHERE finished_at IS NULL")[0][0]
    if runs:
        problems.append(f"{runs} runs have no finished_at")
    more, note = overlap(db, results, first_run)
    problems += more
    if reader:
        note += f"; {reads} reads while replaying"
        if reads == 0:
            problems.append("alerts never read while the replays ran")
    return problems, note


def last_run(db):
    """The id of the newest run in db (0 for none or no file)."""
    if not os.path.exists(db):
        return 0
    return query(db, "SELECT coalesce(max(id), 0) FROM runs")[0][0]


def check_fresh_file_race(binary, work, small, rounds, procs):
    """Many rounds of `procs` replays of a small input started at once on a new file."""
    folder = os.path.join(work, "race")
    os.makedirs(folder)
    ref_db = os.path.join(folder, "sequential.db")
    sequential(binary, ref_db, [small])
    want = alerts(binary, ref_db)
    failures = {}
    wrong = []
    failed_rounds = 0
    for r in range(rounds):
        db = os.path.join(folder, f"round{r}.db")
        results, _, _ = together(binary, db, [small] * procs)
        bad = [(p.code, p.err) for p in results if p.code != 0]
        if bad:
            failed_rounds += 1
        for code, err in bad:
            status = describe_status(code) if code is not None else err
            first = err.strip().splitlines()[0] if err.strip() else ""
            message = f"{status}: {first.replace(db, 'STATE')}"
            failures[message] = failures.get(message, 0) + 1
        if os.path.exists(db) and not bad:
            verdict = integrity(db)
            if verdict != "ok":
                wrong.append(f"round {r + 1}: integrity_check: {verdict[:200]}")
            elif alerts(binary, db) != want:
                wrong.append(f"round {r + 1}: the alerts differ from a sequential replay's")
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(db + suffix):
                os.remove(db + suffix)
    problems = []
    if failures:
        problems.append(f"{sum(failures.values())} of {rounds * procs} processes failed, in "
                        f"{failed_rounds} of {rounds} rounds:")
        problems += [f"  {n} x {m}" for m, n in sorted(failures.items(), key=lambda kv: -kv[1])]
    return problems + wrong[:5]


def main():
    binary, shared = os.path.abspath(sys.argv[1]), sys.argv[2]
    generator = need_generator(shared)
    work = tempfile.mkdtemp(prefix="jira-alerts-concurrent-")
    checks = Checks()
    try:
        lines = subprocess.run([sys.executable, generator, *HISTORY], check=True,
                               capture_output=True).stdout.splitlines(keepends=True)
        n = len(lines)
        history = os.path.join(work, "history.ndjson")
        with open(history, "wb") as fh:
            fh.writelines(lines)
        seed = os.path.join(work, "seed.ndjson")
        with open(seed, "wb") as fh:
            fh.writelines(lines[:2000])
        small = os.path.join(work, "small.ndjson")
        with open(small, "wb") as fh:
            fh.writelines(lines[:20])
        del lines
        lines = subprocess.run([sys.executable, generator, *SPLIT_HISTORY], check=True,
                               capture_output=True).stdout.splitlines(keepends=True)
        split_n = len(lines)
        parts = {}
        for count in (2, 3):
            parts[count] = []
            for i, chunk in enumerate(split_by_key(lines, count)):
                path = os.path.join(work, f"part{i + 1}of{count}.ndjson")
                with open(path, "wb") as fh:
                    fh.writelines(chunk)
                parts[count].append(path)
        del lines

        cases = [
            ("same history, 2 processes", [history] * 2, [history], None, False, 2 * n),
            ("same history, 3 processes", [history] * 3, [history], None, False, 3 * n),
            ("halves by issue key, 2 processes", parts[2], parts[2], None, False, split_n),
            ("thirds by issue key, 3 processes", parts[3], parts[3], None, False, split_n),
            ("same history, 2 processes, existing file, alerts reading", [history] * 2,
             [history], seed, True, 2 * n),
        ]
        for name, inputs, reference, seed_input, reader, payloads in cases:
            try:
                problems, note = check(binary, work, name, inputs, reference, seed_input,
                                       reader, payloads)
            except (RuntimeError, subprocess.TimeoutExpired) as e:
                problems, note = [f"{type(e).__name__}: {e}"], ""
            checks.report(f"{name}: {note}" if note else name, problems)
            shutil.rmtree(os.path.join(work, name.replace(" ", "-")), ignore_errors=True)
        # Creating the file is the racy moment: many short rounds of it.
        rounds, procs = 80, 4
        try:
            problems = check_fresh_file_race(binary, work, small, rounds, procs)
        except (RuntimeError, subprocess.TimeoutExpired) as e:
            problems = [f"{type(e).__name__}: {e}"]
        checks.report(f"new file, {procs} processes at once, 20 payloads, {rounds} rounds: "
                      "all succeed and agree", problems)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return checks.finish()


if __name__ == "__main__":
    sys.exit(main())
