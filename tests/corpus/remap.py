#!/usr/bin/env python3
"""A history decided again under another mapping equals a fresh replay under it.

Each generated history (in order, and shuffled with payloads delivered twice: late
payloads, duplicates, merges of moved issues) is replayed under the default mapping, then decided again from
its event log alone: once with `rebuild --config NEW` and once with `replay --remap
--config NEW` of further payloads. Both must equal a fresh state file that replayed
the same payloads under NEW from the start, in every row of alerts, aliases, episodes
and the decisions of the event log (action, rule, state, priority, warnings); and both
must differ from the first state (NEW changes things). The recorded settings then
print NEW, and a replay that gives other settings without --remap is refused (exit 2)
without a change. A rebuild under the old mapping gives the old state back.
Usage: remap.py BINARY SHARED_DIR   (exit 77 = skipped: no shared folder)
"""
import os
import sqlite3
import subprocess
import sys

from variants import run_variants

NEW = """
[status]
resolve = ["Done", "Closed", "Won't Do", "In Review"]
category = false

[priority]
default = "HIGH"

[priority.map]
Highest = "HIGH"
Minor = "MEDIUM"
"""
VARIANTS = [
    ("in-order", ["--issues", "60", "--events", "800", "--seed", "21"]),
    ("server", ["--issues", "40", "--events", "500", "--seed", "8", "--server"]),
    ("shuffled-duplicated", ["--issues", "50", "--events", "700", "--seed", "3",
                             "--shuffle", "0.3", "--duplicates", "0.2"]),
]
QUERIES = {
    "alerts": "SELECT id, fingerprint, state, priority, jira_priority, status, opened_at, "
              "resolved_at, updated_at, events, reopens FROM alerts ORDER BY id",
    "aliases": "SELECT key, alert_id FROM aliases ORDER BY key",
    "episodes": "SELECT * FROM episodes ORDER BY alert_id, seq",
    "decisions": "SELECT id, alert_id, action, rule, state, priority, warnings FROM events "
                 "ORDER BY id",
}


def tables(db):
    with sqlite3.connect(db) as con:
        return {name: con.execute(sql).fetchall() for name, sql in QUERIES.items()}


def run(binary, *args, expect=0):
    done = subprocess.run([binary, *args], capture_output=True, text=True)
    if done.returncode != expect:
        raise AssertionError(f"{' '.join(args)}: exit {done.returncode}, not {expect}: "
                             f"{done.stderr.strip()}")
    return done


def differences(name, got, want):
    out = []
    for table in QUERIES:
        if got[table] != want[table]:
            rows = [r for r in got[table] if r not in want[table]][:3]
            out.append(f"{name}: {table} differs, e.g. {rows}")
    return out


def check_variant(binary, generator, work, name, args):
    folder = os.path.join(work, name)
    os.makedirs(folder)
    history, more, config = (os.path.join(folder, f) for f in ("a.ndjson", "b.ndjson", "new.toml"))
    lines = subprocess.run([sys.executable, generator] + args, capture_output=True,
                           check=True).stdout.splitlines(keepends=True)
    cut = len(lines) * 3 // 4
    with open(history, "wb") as fh:
        fh.writelines(lines[:cut])
    with open(more, "wb") as fh:
        fh.writelines(lines[cut:])
    with open(config, "w") as fh:
        fh.write(NEW)
    rebuilt, remapped, fresh, old = (os.path.join(folder, f"{n}.db")
                                     for n in ("rebuilt", "remapped", "fresh", "old"))
    for db in (rebuilt, remapped, old):
        run(binary, "replay", "--quiet", "--db", db, history)
    run(binary, "replay", "--quiet", "--db", old, more)
    before = tables(rebuilt)
    # Other settings without --remap: refused, and nothing changes.
    refused = run(binary, "replay", "--quiet", "--db", rebuilt, "--config", config, more,
                  expect=2)
    problems = [] if "--remap" in refused.stderr else [f"{name}: refusal names no --remap"]
    if tables(rebuilt) != before:
        problems.append(f"{name}: a refused replay changed the state file")
    run(binary, "rebuild", "--db", rebuilt, "--config", config)
    run(binary, "replay", "--quiet", "--db", rebuilt, more)  # the recorded settings now
    run(binary, "replay", "--quiet", "--db", remapped, "--remap", "--config", config, more)
    run(binary, "replay", "--quiet", "--db", fresh, "--config", config, history)
    run(binary, "replay", "--quiet", "--db", fresh, more)
    want = tables(fresh)
    if want["decisions"] == tables(old)["decisions"]:
        problems.append(f"{name}: the new mapping changes nothing: the test proves nothing")
    problems += differences(f"{name} rebuild", tables(rebuilt), want)
    problems += differences(f"{name} replay --remap", tables(remapped), want)
    settings = run(binary, "settings", "--db", remapped).stdout
    if "\"In Review\"" not in settings or "category = false" not in settings:
        problems.append(f"{name}: settings do not print the new mapping:\n{settings}")
    # Back under the defaults: the state of a replay under them.
    run(binary, "rebuild", "--db", remapped, "--config", os.devnull)
    problems += differences(f"{name} rebuild back", tables(remapped), tables(old))
    for p in problems:
        print("FAIL " + p)
    print(f"{'ok' if not problems else 'FAIL'} {name}: {len(want['decisions'])} decisions")
    return not problems


if __name__ == "__main__":
    sys.exit(run_variants(check_variant, VARIANTS, "ja-remap-"))
