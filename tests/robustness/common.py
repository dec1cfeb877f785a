"""Helpers shared by the robustness tests (standard library only).

Each test script prints one line per check ('ok   name' or 'FAIL name' with the
problems indented below it), then 'N passed, N failed', and exits 1 on failure.
"""
import json
import os
import resource
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile

# Generous: only a hang should ever reach it.
TIMEOUT = 60
ADDRESS_SPACE = 1 << 30  # 1 GiB


def limit_address_space():
    """preexec_fn: cap the child's address space, so runaway memory fails fast."""
    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE, ADDRESS_SPACE))


def run(argv, *, limit=True, timeout=TIMEOUT, cwd=None, env=None, stdin=None):
    """Runs argv; returns (returncode, stdout bytes, stderr text) or raises TimeoutExpired."""
    proc = subprocess.run(argv, capture_output=True, timeout=timeout, cwd=cwd, env=env,
                          stdin=stdin if stdin is not None else subprocess.DEVNULL,
                          preexec_fn=limit_address_space if limit else None)
    return proc.returncode, proc.stdout, proc.stderr.decode("utf-8", "replace")


def describe_status(code):
    """'exit status N' or 'killed by signal NAME' for a returncode."""
    if code < 0:
        try:
            return f"killed by signal {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exit status {code}"


def alerts(binary, db, limit=True):
    """`alerts --format jsonl` as {fingerprint: record}; raises on failure."""
    code, out, err = run([binary, "alerts", "--db", db, "--format", "jsonl"], limit=limit)
    if code != 0:
        raise RuntimeError(f"alerts on {db}: {describe_status(code)}: {err.strip()[-500:]}")
    records = [json.loads(line) for line in out.decode("utf-8").splitlines() if line.strip()]
    return {r["fingerprint"]: r for r in records}


def integrity(db):
    """PRAGMA integrity_check of db, as one string ('ok' when sound)."""
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=TIMEOUT)
    try:
        rows = con.execute("PRAGMA integrity_check").fetchall()
    finally:
        con.close()
    return "; ".join(str(r[0]) for r in rows)


def check_copy(db, sql="PRAGMA integrity_check"):
    """Runs sql on a copy of db and its journal or WAL, opened read-write.

    A file left by a killed process may hold a hot rollback journal (killed while
    the file was switched to WAL) or a WAL to recover: any writer, like the
    sqlite3 shell, repairs that on open, but a read-only connection cannot. The
    copy lets the check do so without touching the file under test.
    Returns the rows.
    """
    folder = tempfile.mkdtemp(prefix="jira-alerts-check-")
    try:
        copy = os.path.join(folder, os.path.basename(db))
        for suffix in ("", "-wal", "-journal"):
            if os.path.exists(db + suffix):
                shutil.copyfile(db + suffix, copy + suffix)
        con = sqlite3.connect(copy, timeout=TIMEOUT)
        try:
            return con.execute(sql).fetchall()
        finally:
            con.close()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def query(db, sql, params=()):
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=TIMEOUT)
    try:
        return con.execute(sql, params).fetchall()
    finally:
        con.close()


def episodes(db):
    """Every episode of every alert, keyed by fingerprint and seq."""
    return query(db, "SELECT a.fingerprint, e.seq, e.opened_at, e.resolved_at, e.priority "
                     "FROM episodes e JOIN alerts a ON a.id = e.alert_id ORDER BY 1, 2")


class Checks:
    """Collects named checks and prints them as they finish."""

    def __init__(self):
        self.passed = 0
        self.failed = 0

    def report(self, name, problems):
        print(f"{'ok  ' if not problems else 'FAIL'} {name}", flush=True)
        for p in problems[:20]:
            print("    " + p, flush=True)
        if len(problems) > 20:
            print(f"    ... and {len(problems) - 20} more", flush=True)
        if problems:
            self.failed += 1
        else:
            self.passed += 1

    def finish(self):
        print(f"{self.passed} passed, {self.failed} failed", flush=True)
        return 1 if self.failed else 0


def diff_alerts(want, got, fields=None, limit=10):
    """Problems between two {fingerprint: record} maps (all fields unless `fields`)."""
    problems = []
    missing = sorted(set(want) - set(got))
    extra = sorted(set(got) - set(want))
    if missing:
        problems.append(f"{len(missing)} alerts missing, e.g. {missing[:5]}")
    if extra:
        problems.append(f"{len(extra)} alerts extra, e.g. {extra[:5]}")
    shown = 0
    count = 0
    for key in sorted(set(want) & set(got)):
        a, b = want[key], got[key]
        names = fields or sorted(set(a) | set(b))
        for f in names:
            if a.get(f) != b.get(f):
                count += 1
                if shown < limit:
                    problems.append(f"{key}: {f} is {b.get(f)!r}, expected {a.get(f)!r}")
                    shown += 1
    if count > shown:
        problems.append(f"... {count - shown} more field differences")
    return problems


def need_generator(shared):
    generator = os.path.join(shared, "tools", "gen-jira-corpus")
    if not os.path.exists(generator):
        print(f"skipped: no generator at {generator}")
        sys.exit(77)
    return generator
