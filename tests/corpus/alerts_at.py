#!/usr/bin/env python3
"""alerts --at T equals a fresh replay of only the payloads with timestamp <= T.

A generated, partly shuffled history is replayed whole into one state file. For several
cut times T, `alerts --at T` on that file is compared with `alerts` on a fresh state file
that replayed only the lines whose timestamp is <= T (state, priority, summary,
fingerprint, status, jira_priority, reopens, episodes, opened_at, resolved_at, updated_at).

The summary is exact when the event log records a stale payload's summary. A replayer
that does not (events.summary is kept for applied payloads only) leaves the summary of
an alert whose newest payload at T was stale when recorded unknowable: such a mismatch
is counted and reported, not failed.
Usage: alerts_at.py BINARY SHARED_DIR   (exit 77 = skipped: no shared folder)
"""
import json
import os
import sqlite3
import subprocess
import sys

from variants import run_variants

FIELDS = ("state", "priority", "summary", "fingerprint", "status", "jira_priority", "reopens",
          "episodes", "opened_at", "resolved_at", "updated_at")
VARIANTS = [
    ("shuffled", ["--issues", "30", "--events", "300", "--seed", "5", "--shuffle", "0.1"]),
    ("shuffled-duplicated", ["--issues", "40", "--events", "600", "--seed", "12",
                             "--shuffle", "0.3", "--duplicates", "0.1"]),
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
    subprocess.run([binary, "replay", "--quiet", "--db", full, history], capture_output=True,
                   check=True)
    payloads = [json.loads(line) for line in lines]
    stamps = sorted({p["timestamp"] for p in payloads})
    with sqlite3.connect(f"file:{full}?mode=ro", uri=True) as con:
        action_at = dict(con.execute("SELECT line, action FROM events"))
        stale_summaries = con.execute("SELECT count(*) FROM events WHERE action = 'stale' "
                                      "AND summary IS NOT NULL").fetchone()[0] > 0
    unknowable = 0
    cuts = [stamps[0] - 1, stamps[0]] + [stamps[len(stamps) * k // 8] for k in range(1, 8)]
    cuts += [stamps[len(stamps) // 3] + 1, stamps[-1]]
    problems = []
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
        got = listing(binary, full, "--at", str(t))
        if set(want) != set(got):
            problems.append(f"T={t}: alerts {sorted(set(got) ^ set(want))[:10]} differ")
        # The payload an alert's summary comes from at T: its newest, the last of equals.
        deciding = {}
        for number, p in enumerate(payloads, 1):
            key = (p.get("issue") or {}).get("key")
            if key and p["timestamp"] <= t and p["webhookEvent"].startswith("jira:issue_"):
                if key not in deciding or p["timestamp"] >= payloads[deciding[key] - 1]["timestamp"]:
                    deciding[key] = number
        for key in sorted(set(want) & set(got)):
            for field in FIELDS:
                if got[key][field] != want[key][field]:
                    if (field == "summary" and not stale_summaries
                            and action_at.get(deciding.get(key)) == "stale"):
                        unknowable += 1
                        continue
                    problems.append(f"T={t} {key}: {field} is {got[key][field]!r}, "
                                    f"expected {want[key][field]!r}")
        # The ISO-8601 form of the same instant gives the same answer.
        iso = subprocess.run([binary, "alerts", "--db", full, "--format", "jsonl", "--at",
                              f"{t // 1000}.{t % 1000:03d}"], capture_output=True, text=True)
        if iso.returncode != 2:
            problems.append(f"T={t}: a malformed --at was accepted")
    note = f" ({unknowable} summaries of stale payloads not recorded)" if unknowable else ""
    print(f"{'ok  ' if not problems else 'FAIL'} {name}: {len(cuts)} cut times{note}")
    for p in problems[:20]:
        print("    " + p)
    return not problems


def main():
    return run_variants(check_variant, VARIANTS, "jira-alerts-at-")


if __name__ == "__main__":
    sys.exit(main())
