#!/usr/bin/env python3
"""alerts --at T equals a fresh replay of only the payloads with timestamp <= T.

A generated, partly shuffled history, with payloads delivered twice, is replayed whole
into one state file, and the same history is replayed twice into another. For several
cut times T, `alerts --at T` on each file is compared with `alerts` on a fresh state file
that replayed only the lines whose timestamp is <= T (state, priority, summary,
fingerprint, status, jira_priority, reopens, episodes, opened_at, resolved_at, updated_at,
events). Every difference fails: duplicates are counted once, late payloads that share an
identity are applied once, and a second replay of the same inputs changes nothing. The
same instant written as ISO-8601 and as @SECONDS gives the same answer; the cut times must
see at least half as many different states as there are cuts.
Usage: alerts_at.py BINARY SHARED_DIR   (exit 77 = skipped: no shared folder)
"""
import json
from datetime import datetime, timezone
import os
import subprocess
import sys

from variants import run_variants

FIELDS = ("state", "priority", "summary", "fingerprint", "status", "jira_priority", "reopens",
          "episodes", "opened_at", "resolved_at", "updated_at", "events")
VARIANTS = [
    ("shuffled", ["--issues", "30", "--events", "300", "--seed", "5", "--shuffle", "0.1"]),
    ("shuffled-duplicated", ["--issues", "40", "--events", "600", "--seed", "12",
                             "--shuffle", "0.3", "--duplicates", "0.1"]),
    ("late-duplicates", ["--issues", "60", "--events", "1500", "--seed", "44",
                         "--shuffle", "0.5", "--duplicates", "0.3"]),
    ("server", ["--issues", "25", "--events", "300", "--seed", "13", "--server",
                "--shuffle", "0.2"]),
]


def listing(binary, db, *extra):
    out = subprocess.run([binary, "alerts", "--db", db, "--format", "jsonl", *extra],
                         capture_output=True, text=True, check=True).stdout
    return {a["fingerprint"]: a for a in map(json.loads, out.splitlines())}


def check_variant(binary, generator, work, name, args):
    folder = os.path.join(work, name)
    os.makedirs(folder)
    lines = subprocess.run([sys.executable, generator] + args, capture_output=True,
                           check=True).stdout.splitlines(keepends=True)
    history = os.path.join(folder, "history.ndjson")
    with open(history, "wb") as fh:
        fh.writelines(lines)
    full = os.path.join(folder, "full.db")
    twice = os.path.join(folder, "twice.db")
    for db, runs in ((full, 1), (twice, 2)):
        for _ in range(runs):
            subprocess.run([binary, "replay", "--quiet", "--db", db, history],
                           capture_output=True, check=True)
    stamps = sorted({json.loads(line)["timestamp"] for line in lines})
    cuts = [stamps[0] - 1, stamps[0]] + [stamps[len(stamps) * k // 8] for k in range(1, 8)]
    cuts += [stamps[len(stamps) // 3] + 1, stamps[-1]]
    problems = []
    snapshots = set()
    for t in cuts:
        prefix = os.path.join(folder, f"prefix-{t}.ndjson")
        with open(prefix, "wb") as fh:
            fh.writelines(l for l in lines if json.loads(l)["timestamp"] <= t)
        db = os.path.join(folder, f"prefix-{t}.db")
        want = {}
        if os.path.getsize(prefix) > 0:  # an empty input is a rejected payload
            subprocess.run([binary, "replay", "--quiet", "--db", db, prefix],
                           capture_output=True, check=True)
            want = listing(binary, db)
        snapshots.add(json.dumps(want, sort_keys=True))
        for label, state in (("", full), (" (replayed twice)", twice)):
            got = listing(binary, state, "--at", str(t))
            problems += compare(f"T={t}{label}", want, got)
        # The ISO-8601 and @SECONDS forms of the same instant give the same answer.
        iso = datetime.fromtimestamp(t // 1000, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")
        for form in (f"{iso}.{t % 1000:03d}Z", f"@{t // 1000}.{t % 1000:03d}"):
            problems += compare(f"T={t} as --at {form}", want,
                                listing(binary, full, "--at", form))
        # Seconds with a fraction but without the @ are refused (exit 2).
        bad = subprocess.run([binary, "alerts", "--db", full, "--format", "jsonl", "--at",
                              f"{t // 1000}.{t % 1000:03d}"], capture_output=True, text=True)
        if bad.returncode != 2:
            problems.append(f"T={t}: a malformed --at was accepted (exit {bad.returncode})")
    # The cuts must see the history change, or the comparisons prove little.
    if len(snapshots) < len(cuts) // 2:
        problems.append(f"only {len(snapshots)} different states over {len(cuts)} cut times")
    print(f"{'ok  ' if not problems else 'FAIL'} {name}: {len(cuts)} cut times, "
          f"{len(snapshots)} different states")
    for p in problems[:20]:
        print("    " + p)
    if len(problems) > 20:
        print(f"    ... and {len(problems) - 20} more")
    return not problems


def compare(when, want, got):
    problems = []
    if set(want) != set(got):
        problems.append(f"{when}: alerts {sorted(set(got) ^ set(want))[:10]} differ")
    for key in sorted(set(want) & set(got)):
        for field in FIELDS:
            if got[key][field] != want[key][field]:
                problems.append(f"{when} {key}: {field} is {got[key][field]!r}, "
                                f"expected {want[key][field]!r}")
    return problems


def main():
    return run_variants(check_variant, VARIANTS, "jira-alerts-at-")


if __name__ == "__main__":
    sys.exit(main())
