#!/usr/bin/env python3
"""The same payloads in any delivery order give the same state and the same history.

One generated history, in order, is delivered in several other orders: reversed, shuffled
whole, shuffled locally (each payload moved up to 50 places), shuffled and split over two
runs, and shuffled with a fifth of the payloads delivered twice. Each delivery is
replayed into a fresh state file, and every file must answer exactly as the in-order one:
`alerts --state all`, `show` of every alert (its record, its episodes and its timeline in
event order, with what each payload did there), `stats`, and `alerts --at T` for many T.
Only what is about the delivery itself may differ: the source position of each event and
the action it was decided when it arrived (`decided`), and the duplicate deliveries,
which are listed as duplicates and left out of the comparison.
Usage: event_time.py BINARY SHARED_DIR   (exit 77 = skipped: no shared folder)
"""
import json
import os
import random
import subprocess
import sys

from variants import run_variants

HISTORY = ["--issues", "25", "--events", "500", "--seed", "21"]
CUTS = 10  # alerts --at at this many event times


def reorder(lines, how, rng):
    """LINES delivered as HOW says: a list of files, each a list of lines."""
    if how == "in-order":
        return [lines]
    if how == "reversed":
        return [lines[::-1]]
    shuffled = lines[:]
    if how == "local":
        for i in range(len(shuffled)):
            j = min(len(shuffled) - 1, i + rng.randrange(51))
            shuffled[i], shuffled[j] = shuffled[j], shuffled[i]
        return [shuffled]
    rng.shuffle(shuffled)
    if how == "two-runs":
        half = len(shuffled) // 2
        return [shuffled[:half], shuffled[half:]]
    if how == "duplicated":
        out = []
        for line in shuffled:
            out.append(line)
            if rng.random() < 0.2:  # again, somewhere later
                out.insert(rng.randrange(len(out) - 1, len(out) + 40), line)
        return [out]
    return [shuffled]


def run(binary, *args):
    return subprocess.run([binary, *args], capture_output=True, text=True, check=True).stdout


def without_delivery(show_output):
    """show --format jsonl without what depends on the delivery: each event's source and
    decided, the duplicates, and ignored events delivered again (never duplicates)."""
    kept = []
    for record in map(json.loads, show_output.splitlines()):
        if record["kind"] == "event":
            if record["action"] == "duplicate":
                continue
            record.pop("source")
            record.pop("decided", None)
        line = json.dumps(record, sort_keys=True)
        if record.get("action") == "ignore" and kept and line in kept:
            continue
        kept.append(line)
    return kept


def answers(binary, db, cuts):
    """Everything the file says about its alerts and their history."""
    listing = run(binary, "alerts", "--db", db, "--state", "all", "--format", "jsonl")
    out = {"alerts": listing, "stats": run(binary, "stats", "--db", db, "--format", "jsonl")}
    for alert in map(json.loads, listing.splitlines()):
        key = alert["fingerprint"]
        out[f"show {key}"] = without_delivery(run(binary, "show", "--db", db, key, "--format",
                                                  "jsonl"))
    for t in cuts:
        out[f"alerts --at {t}"] = run(binary, "alerts", "--db", db, "--state", "all", "--at",
                                      f"@{t // 1000}.{t % 1000:03d}", "--format", "jsonl")
    return out


def check_variant(binary, generator, work, name, args):
    folder = os.path.join(work, name)
    os.makedirs(folder)
    lines = subprocess.run([sys.executable, generator] + args, capture_output=True, text=True,
                           check=True).stdout.splitlines(keepends=True)
    stamps = sorted({json.loads(line)["timestamp"] for line in lines})
    cuts = [stamps[0] - 1] + [stamps[len(stamps) * k // CUTS] for k in range(1, CUTS)]
    cuts.append(stamps[-1])
    rng = random.Random(name)
    problems = []
    want = None
    for how in ("in-order", "reversed", "shuffled", "local", "two-runs", "duplicated"):
        db = os.path.join(folder, f"{how}.db")
        late = 0
        for n, part in enumerate(reorder(lines, how, rng)):
            path = os.path.join(folder, f"{how}-{n}.ndjson")
            with open(path, "w", encoding="utf-8") as fh:
                fh.writelines(part)
            replay = subprocess.run([binary, "replay", "--db", db, "--format", "jsonl", path],
                                    capture_output=True, text=True, check=True)
            late += sum(json.loads(r)["action"] == "stale" for r in replay.stdout.splitlines())
        got = answers(binary, db, cuts)
        if want is None:
            want = got
            continue
        if late == 0:
            problems.append(f"{how}: no payload came late, the order proves nothing")
        for what in want:
            if got[what] != want[what]:
                problems.append(f"{how}: {what} differs from the delivery in order")
    print(f"{'ok  ' if not problems else 'FAIL'} {name}: {len(want)} answers compared per order")
    for p in problems[:20]:
        print("    " + p)
    if len(problems) > 20:
        print(f"    ... and {len(problems) - 20} more")
    return not problems


def main():
    return run_variants(check_variant, [("cloud", HISTORY),
                                        ("server", HISTORY[:-1] + ["22", "--server"])],
                        "jira-alerts-event-time-")


if __name__ == "__main__":
    sys.exit(main())
