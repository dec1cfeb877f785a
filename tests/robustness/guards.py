#!/usr/bin/env python3
"""The state file is never harmed: schema guard, --strict and --dry-run.

Schema guard: a state file whose PRAGMA user_version is newer (99) is refused by
replay, replay --dry-run and alerts with exit status 2 and a message naming both
versions; a file that is not SQLite (text, random bytes, a damaged SQLite file)
and a SQLite database that is not a state file are refused with exit status 2.
In every case the file's sha256 is unchanged and no file appears beside it.

--strict stops at the first rejected payload: exit status 1, no decision record
after the rejected one, and nothing from the run committed: an existing file is
byte-identical afterwards (also when the rejected payload comes after more than
one 10,000-payload batch), a new file holds no alert. --dry-run never creates or
changes a file, even when payloads are rejected, and decides against the current
state (a second run of the same history is all duplicates).
Usage: guards.py BINARY [SHARED_DIR]   (the shared folder is not needed)
"""
import hashlib
import json
import os
import random
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile

sys.dont_write_bytecode = True  # keep the source tree clean of __pycache__
from common import Checks, alerts, describe_status, integrity, run

BASE_TS = 1_767_225_600_000
PROJECTS = ["KAN", "OPS", "PAY"]
STATUSES = [("Open", "new"), ("In Progress", "indeterminate"), ("Done", "done"),
            ("Reopened", "new"), ("Closed", "done")]
PRIORITIES = ["Highest", "High", "Medium", "Low"]


def history(n, issues, seed):
    """n valid payloads over `issues` issue keys, as NDJSON lines (bytes)."""
    rng = random.Random(seed)
    lines = []
    for i in range(n):
        key = f"{PROJECTS[i % len(PROJECTS)]}-{rng.randrange(issues) + 1}"
        status, category = rng.choice(STATUSES)
        p = {"webhookEvent": "jira:issue_created" if i < issues else "jira:issue_updated",
             "timestamp": BASE_TS + i * 1000,
             "issue": {"id": str(10000 + i), "key": key,
                       "fields": {"status": {"name": status,
                                             "statusCategory": {"key": category}},
                                  "priority": {"name": rng.choice(PRIORITIES)},
                                  "summary": f"incident {i}"}},
             "changelog": {"id": str(50000 + i), "items": []}}
        lines.append(json.dumps(p).encode() + b"\n")
    return lines


BAD = (b'{"webhookEvent": "jira:issue_updated", "timestamp": "yesterday", '
       b'"issue": {"key": "BAD-1"}}\n')


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def snapshot(folder):
    """{name: sha256} of every file in folder except SQLite's shared-memory index."""
    return {name: sha256(os.path.join(folder, name)) for name in sorted(os.listdir(folder))
            if not name.endswith("-shm")}


def compare_snapshots(before, after):
    problems = []
    for name in sorted(set(before) | set(after)):
        if name not in after:
            problems.append(f"{name} disappeared")
        elif name not in before:
            problems.append(f"{name} appeared")
        elif before[name] != after[name]:
            problems.append(f"{name} changed (sha256 {before[name][:12]} -> {after[name][:12]})")
    return problems


def records(out):
    return [json.loads(line) for line in out.decode("utf-8").splitlines() if line.strip()]


def expect_exit(problems, what, code, err, want):
    if code != want:
        problems.append(f"{what}: {describe_status(code)}, expected {want}: {err.strip()[-300:]}")


def fresh_state(binary, folder, lines, name="state.db"):
    """A state file with `lines` replayed, its WAL checkpointed away."""
    src = os.path.join(folder, "seed.ndjson")
    with open(src, "wb") as fh:
        fh.writelines(lines)
    db = os.path.join(folder, name)
    code, _, err = run([binary, "replay", "-q", "--db", db, src])
    if code != 0:
        raise RuntimeError(f"seed replay: {describe_status(code)}: {err}")
    os.remove(src)
    return db


# --- schema guard ------------------------------------------------------------

def check_newer_schema(binary, folder, inputs):
    db = fresh_state(binary, folder, history(20, 5, 1))
    con = sqlite3.connect(db)
    ours = con.execute("PRAGMA user_version").fetchone()[0]  # the program's version
    con.execute("PRAGMA user_version = 99")
    con.close()
    problems = []
    before = snapshot(folder)
    for argv in (["replay", "--db", db, inputs],
                 ["replay", "--dry-run", "--db", db, inputs],
                 ["replay", "--strict", "--db", db, inputs],
                 ["alerts", "--db", db]):
        code, _, err = run([binary, *argv])
        what = " ".join(argv[:2])
        expect_exit(problems, what, code, err, 2)
        message = [l for l in err.splitlines() if l.startswith("jira-alerts: ")]
        if not message:
            problems.append(f"{what}: no 'jira-alerts: ' message: {err!r}")
        elif not (re.search(r"\b99\b", message[0]) and re.search(rf"\b{ours}\b", message[0])):
            problems.append(f"{what}: message does not name both versions (99 and {ours}): "
                            f"{message[0]}")
        problems += [f"{what}: {p}" for p in compare_snapshots(before, snapshot(folder))]
    return problems


def check_not_a_state_file(binary, folder, inputs, content, kind):
    db = os.path.join(folder, "state.db")
    if kind == "foreign":
        con = sqlite3.connect(db)
        con.execute("CREATE TABLE notes(id INTEGER PRIMARY KEY, body TEXT)")
        con.execute("INSERT INTO notes(body) VALUES ('keep me')")
        con.commit()
        con.close()
    elif kind == "damaged":
        real = fresh_state(binary, folder, history(50, 10, 2), "real.db")
        with open(real, "rb") as fh:
            head = fh.read(100)  # a valid SQLite header over garbage pages
        os.remove(real)
        with open(db, "wb") as fh:
            fh.write(head + random.Random(3).randbytes(8192 - 100))
    else:
        with open(db, "wb") as fh:
            fh.write(content)
    problems = []
    before = snapshot(folder)
    for argv in (["replay", "--db", db, inputs],
                 ["replay", "--dry-run", "--db", db, inputs],
                 ["alerts", "--db", db]):
        code, _, err = run([binary, *argv])
        what = " ".join(argv[:2])
        expect_exit(problems, what, code, err, 2)
        lines = [l for l in err.splitlines() if l.startswith("jira-alerts: ")]
        if not lines:
            problems.append(f"{what}: no 'jira-alerts: ' message: {err!r}")
        elif kind != "damaged" and not any("state.db" in l for l in lines):
            # (A damaged file's message comes from SQLite and does not name it: reported.)
            problems.append(f"{what}: the message does not name the file: {lines[0]}")
        problems += [f"{what}: {p}" for p in compare_snapshots(before, snapshot(folder))]
    return problems


# --- --strict -----------------------------------------------------------------

def strict_input(folder, before_bad, after_bad, seed):
    path = os.path.join(folder, "strict.ndjson")
    lines = history(before_bad + after_bad, 300, seed)
    with open(path, "wb") as fh:
        fh.writelines(lines[:before_bad])
        fh.write(BAD)
        fh.writelines(lines[before_bad:])
    return path


def check_strict_records(problems, out, before_bad):
    recs = records(out)
    rejects = [i for i, r in enumerate(recs) if r.get("action") == "reject"]
    if not rejects:
        problems.append("no reject record")
    elif rejects[0] != len(recs) - 1:
        problems.append(f"{len(recs) - 1 - rejects[0]} decision records after the rejected "
                        "payload: --strict did not stop")
    elif rejects[0] != before_bad:
        problems.append(f"the reject record is record {rejects[0] + 1}, "
                        f"expected {before_bad + 1}")


def check_strict_existing(binary, folder, before_bad, after_bad):
    db = fresh_state(binary, folder, history(200, 40, 4))
    src = strict_input(folder, before_bad, after_bad, 5)
    problems = []
    before = snapshot(folder)
    want = alerts(binary, db)
    code, out, err = run([binary, "replay", "--strict", "--format", "jsonl", "--db", db, src])
    expect_exit(problems, "replay --strict", code, err, 1)
    if not re.search(r"^jira-alerts: .*strict\.ndjson:\d+:\d+: .*timestamp", err, re.M):
        problems.append(f"no 'path:line:column: reason' line for the rejected payload: "
                        f"{err.strip()[-300:]}")
    check_strict_records(problems, out, before_bad)
    problems += compare_snapshots(before, snapshot(folder))
    verdict = integrity(db)
    if verdict != "ok":
        problems.append(f"integrity_check: {verdict}")
    got = alerts(binary, db)
    if got != want:
        problems.append("the alerts changed")
    return problems


def check_strict_new(binary, folder):
    db = os.path.join(folder, "state.db")
    src = strict_input(folder, 50, 50, 6)
    problems = []
    code, out, err = run([binary, "replay", "--strict", "--format", "jsonl", "--db", db, src])
    expect_exit(problems, "replay --strict", code, err, 1)
    check_strict_records(problems, out, 50)
    if os.path.exists(db):
        verdict = integrity(db)
        if verdict != "ok":
            problems.append(f"integrity_check: {verdict}")
        got = alerts(binary, db)
        if got:
            problems.append(f"the new file holds {len(got)} alerts, expected none")
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
        try:
            for table in ("events", "rejects", "episodes"):
                n = con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
                if n:
                    problems.append(f"the new file holds {n} rows in {table}, expected none")
        finally:
            con.close()
    return problems


def check_strict_valid(binary, folder):
    """--strict with nothing to reject applies everything, like a plain replay."""
    src = os.path.join(folder, "valid.ndjson")
    with open(src, "wb") as fh:
        fh.writelines(history(300, 50, 7))
    problems = []
    plain = os.path.join(folder, "plain.db")
    strict = os.path.join(folder, "strict.db")
    code, _, err = run([binary, "replay", "-q", "--db", plain, src])
    expect_exit(problems, "replay", code, err, 0)
    code, _, err = run([binary, "replay", "-q", "--strict", "--db", strict, src])
    expect_exit(problems, "replay --strict", code, err, 0)
    want, got = alerts(binary, plain), alerts(binary, strict)
    if not want or got != want:
        problems.append(f"--strict gave {len(got)} alerts, a plain replay {len(want)}; "
                        "or they differ")
    return problems


# --- --dry-run -----------------------------------------------------------------

def check_dry_run_new(binary, folder, with_bad):
    src = os.path.join(folder, "input.ndjson")
    lines = history(100, 20, 8)
    with open(src, "wb") as fh:
        fh.writelines(lines[:50] + ([BAD] if with_bad else []) + lines[50:])
    db = os.path.join(folder, "state.db")
    problems = []
    before = snapshot(folder)
    code, out, err = run([binary, "replay", "--dry-run", "--format", "jsonl", "--db", db, src])
    expect_exit(problems, "replay --dry-run", code, err, 1 if with_bad else 0)
    recs = records(out)
    if len(recs) != len(lines) + (1 if with_bad else 0):
        problems.append(f"{len(recs)} decision records, expected one per payload")
    if not any(r.get("action") == "open" for r in recs):
        problems.append("no open decision printed")
    problems += compare_snapshots(before, snapshot(folder))
    return problems


def check_dry_run_existing(binary, folder, with_bad):
    lines = history(400, 60, 9)
    db = fresh_state(binary, folder, lines[:300])
    src = os.path.join(folder, "input.ndjson")
    with open(src, "wb") as fh:
        # The already applied payloads again (all duplicates), a bad one, then new ones.
        fh.writelines(lines[:300] + ([BAD] if with_bad else []) + lines[300:])
    problems = []
    before = snapshot(folder)
    want = alerts(binary, db)
    code, out, err = run([binary, "replay", "--dry-run", "--format", "jsonl", "--db", db, src])
    expect_exit(problems, "replay --dry-run", code, err, 1 if with_bad else 0)
    recs = records(out)
    first = [r.get("action") for r in recs[:300]]
    if first.count("duplicate") != 300:
        problems.append(f"the applied payloads again: {first.count('duplicate')} of 300 "
                        "decided duplicate (--dry-run does not decide against the state)")
    if not re.search(r"dry run", err):
        problems.append(f"the summary line does not say 'dry run': {err.strip()[-200:]}")
    problems += compare_snapshots(before, snapshot(folder))
    if alerts(binary, db) != want:
        problems.append("the alerts changed")
    return problems


def main():
    binary = os.path.abspath(sys.argv[1])
    work = tempfile.mkdtemp(prefix="jira-alerts-guards-")
    checks = Checks()
    inputs = os.path.join(work, "inputs.ndjson")
    with open(inputs, "wb") as fh:
        fh.writelines(history(30, 10, 10))
        fh.write(BAD)

    def case(name, fn, *args):
        folder = tempfile.mkdtemp(dir=work)
        try:
            problems = fn(binary, folder, *args)
        except (RuntimeError, sqlite3.Error, ValueError, subprocess.TimeoutExpired) as e:
            problems = [f"{type(e).__name__}: {e}"]
        checks.report(name, problems)
        shutil.rmtree(folder, ignore_errors=True)

    try:
        case("schema: user_version 99 is refused, untouched", check_newer_schema, inputs)
        case("schema: a text file is refused, untouched", check_not_a_state_file, inputs,
             b"these are my notes, not a database\n" * 50, "bytes")
        case("schema: random bytes are refused, untouched", check_not_a_state_file, inputs,
             random.Random(1).randbytes(16384), "bytes")
        case("schema: a damaged SQLite file is refused, untouched", check_not_a_state_file,
             inputs, None, "damaged")
        case("schema: a foreign SQLite database is refused, untouched",
             check_not_a_state_file, inputs, None, "foreign")
        case("strict: existing file byte-identical (reject after 100)",
             check_strict_existing, 100, 100)
        case("strict: existing file byte-identical (reject after 25,000)",
             check_strict_existing, 25_000, 100)
        case("strict: new file gets no alert", check_strict_new)
        case("strict: valid input is applied as without --strict", check_strict_valid)
        case("dry-run: no file is created (with a reject)", check_dry_run_new, True)
        case("dry-run: no file is created (all valid)", check_dry_run_new, False)
        case("dry-run: existing file unchanged (with a reject)", check_dry_run_existing, True)
        case("dry-run: existing file unchanged (all valid)", check_dry_run_existing, False)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return checks.finish()


if __name__ == "__main__":
    sys.exit(main())
