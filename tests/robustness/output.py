#!/usr/bin/env python3
"""Output that cannot be written: an error, except a reader that went away.

- Every command with standard output on /dev/full (help and version included) exits 2
  with 'cannot write to standard output: No space left on device'.
- alerts --format csv into a file that cannot grow past 64 KiB (RLIMIT_FSIZE, as on a
  full file system) exits 2 and says why.
- replay ... | head: the reader closes after one line; the replay still applies all its
  input (the state equals a quiet replay's), prints its summary on stderr and exits 0;
  'check | head' keeps check's own exit status; 'push --dry-run | head' exits 0 quietly.
Usage: output.py BINARY
"""
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile

sys.dont_write_bytecode = True  # keep the source tree clean of __pycache__
from common import Checks, alerts, describe_status, run

BASE_TS = 1_767_225_600_000
FULL = "No space left on device"


def history(path, n):
    with open(path, "w") as fh:
        for i in range(n):
            fh.write(json.dumps({
                "webhookEvent": "jira:issue_created", "timestamp": BASE_TS + i,
                "issue": {"id": str(i), "key": f"OPS-{i + 1}",
                          "fields": {"status": {"name": "Open", "statusCategory": {"key": "new"}},
                                     "priority": {"name": "High"},
                                     "summary": f"incident number {i} " + "x" * 40}}}) + "\n")
    return path


def push_dry_run(db):
    """push --dry-run: the requests it would send, well over a pipe's buffer; no traffic."""
    return ["push", "--db", db, "--to", "alertmanager=http://127.0.0.1:9", "--dry-run"]


def check_dev_full(binary, folder, inputs, db):
    problems = []
    commands = [["replay", "--db", os.path.join(folder, "new.db"), inputs],
                ["replay", "--dry-run", "--db", db, inputs],
                ["alerts", "--db", db], ["alerts", "--db", db, "--format", "csv"],
                ["alerts", "--db", db, "--at", str(BASE_TS + 10)],
                ["show", "OPS-1", "--db", db], ["check", "OPS-1=open", "--db", db],
                ["stats", "--db", db], ["rejects", "--db", db], ["lint", inputs], push_dry_run(db),
                ["--help"], ["alerts", "--help"], ["--version"]]
    with open("/dev/full", "wb") as full:
        for argv in commands:
            proc = subprocess.run([binary, *argv], stdout=full, stderr=subprocess.PIPE,
                                  timeout=60)
            err = proc.stderr.decode("utf-8", "replace")
            if proc.returncode != 2 or f"cannot write to standard output: {FULL}" not in err:
                problems.append(f"{' '.join(argv[:2])}: {describe_status(proc.returncode)}, "
                                f"expected 2 naming the write error: {err.strip()[-200:]}")
    return problems


def check_file_size_limit(binary, folder, db):
    def limit():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (64 << 10, 64 << 10))
    target = os.path.join(folder, "alerts.csv")
    with open(target, "wb") as fh:
        proc = subprocess.run([binary, "alerts", "--db", db, "--format", "csv"], stdout=fh,
                              stderr=subprocess.PIPE, preexec_fn=limit, timeout=60)
    err = proc.stderr.decode("utf-8", "replace")
    problems = []
    if proc.returncode != 2 or "cannot write to standard output" not in err:
        problems.append(f"alerts --format csv past the file size limit: "
                        f"{describe_status(proc.returncode)}, expected 2: {err.strip()[-200:]}")
    return problems


def read_one_line(argv):
    """Runs argv with stdout a pipe that is closed after the first line."""
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    first = proc.stdout.readline()
    proc.stdout.close()
    err = proc.stderr.read().decode("utf-8", "replace")
    return proc.wait(timeout=60), first, err


def check_closed_pipe(binary, folder, inputs, db):
    problems = []
    piped = os.path.join(folder, "piped.db")
    code, first, err = read_one_line([binary, "replay", "--db", piped, inputs])
    if code != 0:
        problems.append(f"replay | head -1: {describe_status(code)}, expected 0: {err[-200:]}")
    if not first:
        problems.append("replay printed no first decision")
    if "replayed 3000 payloads" not in err:
        problems.append(f"no summary line on stderr: {err.strip()[-200:]}")
    if "cannot write" in err:
        problems.append(f"a closed pipe was reported as an error: {err.strip()[-200:]}")
    got, want = alerts(binary, piped), alerts(binary, db)
    if got != want:
        problems.append(f"replay | head kept {len(got)} alerts, a quiet replay {len(want)}")
    code, _, err = read_one_line([binary, "check", "OPS-1=resolved", "OPS-2=open", "--db", db])
    if code != 1:
        problems.append(f"check | head -1: {describe_status(code)}, expected check's own 1")
    for argv in (["alerts", "--db", db], push_dry_run(db)):
        code, _, err = read_one_line([binary, *argv])
        if code != 0 or "cannot write" in err:
            problems.append(f"{argv[0]} | head -1: {describe_status(code)}: {err.strip()[-200:]}")
    return problems


def main():
    binary = os.path.abspath(sys.argv[1])
    work = tempfile.mkdtemp(prefix="jira-alerts-output-")
    checks = Checks()
    try:
        inputs = history(os.path.join(work, "history.ndjson"), 3000)
        db = os.path.join(work, "state.db")
        code, _, err = run([binary, "replay", "-q", "--db", db, inputs])
        if code != 0:
            raise RuntimeError(f"seed replay: {describe_status(code)}: {err}")
        for name, fn, args in (
                ("/dev/full: every command exits 2 and names the error", check_dev_full,
                 (inputs, db)),
                ("a file that cannot grow: exit 2 and the reason", check_file_size_limit, (db,)),
                ("a closed pipe stops the records, not the replay", check_closed_pipe,
                 (inputs, db))):
            folder = tempfile.mkdtemp(dir=work)
            try:
                problems = fn(binary, folder, *args)
            except (OSError, subprocess.SubprocessError, RuntimeError) as e:
                problems = [f"{type(e).__name__}: {e}"]
            checks.report(name, problems)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return checks.finish()


if __name__ == "__main__":
    sys.exit(main())
