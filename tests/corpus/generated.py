#!/usr/bin/env python3
"""Generated histories end in exactly the state the rules must reach.

gen-jira-corpus writes payload histories with --expect, the final state per issue
key. Each variant is replayed into a fresh state file and every alert is compared
with the expectation: state, priority and summary.
Usage: generated.py BINARY SHARED_DIR   (exit 77 = skipped: no shared folder)
"""
import gzip
import json
import os
import subprocess
import sys

from variants import run_variants

SIZE = ["--issues", "150", "--events", "2500"]
VARIANTS = [
    ("cloud", ["--seed", "3"], "ndjson"),
    ("server", ["--seed", "4", "--server"], "ndjson"),
    ("shuffled", ["--seed", "5", "--shuffle", "0.2"], "ndjson"),
    ("duplicated", ["--seed", "6", "--duplicates", "0.2"], "ndjson"),
    ("shuffled-duplicated-server", ["--seed", "7", "--server", "--shuffle", "0.1",
                                    "--duplicates", "0.1"], "ndjson"),
    ("split", ["--seed", "8", "--shuffle", "0.05"], "split"),
    ("pretty", ["--seed", "9", "--duplicates", "0.05"], "pretty"),
    ("gzip", ["--seed", "10", "--server", "--shuffle", "0.05"], "gzip"),
    ("bad", ["--seed", "11", "--bad", "12"], "ndjson"),
]


def check_variant(binary, generator, work, name, args, shape):
    folder = os.path.join(work, name)
    os.makedirs(folder)
    expect_path = os.path.join(folder, "expect.json")
    cmd = [sys.executable, generator] + SIZE + args + ["--expect", expect_path]
    if shape == "split":
        inputs = os.path.join(folder, "payloads")
        subprocess.run(cmd + ["--split", inputs], check=True)
    else:
        if shape == "pretty":
            cmd.append("--pretty")
        out = subprocess.run(cmd, check=True, capture_output=True).stdout
        inputs = os.path.join(folder, "history.ndjson")
        if shape == "gzip":
            inputs += ".gz"
            with gzip.open(inputs, "wb") as fh:
                fh.write(out)
        else:
            with open(inputs, "wb") as fh:
                fh.write(out)
    db = os.path.join(folder, "state.db")
    replay = subprocess.run([binary, "replay", "--quiet", "--db", db, inputs],
                            capture_output=True, text=True)
    bad = int(args[args.index("--bad") + 1]) if "--bad" in args else 0
    problems = []
    if replay.returncode != (1 if bad else 0):
        problems.append(f"replay exit status {replay.returncode}: {replay.stderr[-2000:]}")
    summary = replay.stderr.strip().splitlines()[-1] if replay.stderr.strip() else ""
    if f", {bad} reject" not in summary:
        problems.append(f"expected {bad} rejected payloads: {summary}")
    listing = subprocess.run([binary, "alerts", "--db", db, "--format", "jsonl"],
                             capture_output=True, text=True, check=True).stdout
    alerts = {a["fingerprint"]: a for a in map(json.loads, listing.splitlines())}
    expected = json.load(open(expect_path, encoding="utf-8"))
    for key, want in expected.items():
        got = alerts.get(key)
        if got is None:
            problems.append(f"{key}: no alert, expected {want}")
            continue
        for field in ("state", "priority", "summary"):
            if got[field] != want[field]:
                problems.append(f"{key}: {field} is {got[field]!r}, expected {want[field]!r}")
    extra = set(alerts) - set(expected)
    if extra:
        problems.append(f"alerts not in the expectation: {sorted(extra)[:10]}")
    # Replaying the same inputs again changes nothing.
    again = subprocess.run([binary, "replay", "--quiet", "--db", db, inputs],
                           capture_output=True, text=True)
    last = again.stderr.strip().splitlines()[-1]
    if " 0 open, 0 update, 0 resolve, 0 reopen," not in last:
        problems.append(f"second replay changed state: {last}")
    print(f"{'ok  ' if not problems else 'FAIL'} {name}: {len(expected)} alerts ({summary})")
    for p in problems[:20]:
        print("    " + p)
    return not problems


def main():
    return run_variants(check_variant, VARIANTS, "jira-alerts-generated-")


if __name__ == "__main__":
    sys.exit(main())
