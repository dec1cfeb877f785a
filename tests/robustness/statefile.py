#!/usr/bin/env python3
"""The state-file path: what --db names is what every command uses, or a clear refusal.

- A symbolic link to the state file: a small replay through the link keeps its WAL beside
  the target, and every report through the link sees it (check, alerts, show, stats).
- A state file with a second hard link is refused by every command (exit 2, the reason).
- --db '' (an empty variable in --db "$STATE"), a missing parent directory, a directory, a read-only
  directory or file, and no permission: exit 2 with one line naming the path and the cause,
  and nothing created.
- --db is a plain path: 'file:z.db?mode=memory' and '//abs/path' name the same file for
  replay and for the reports, and the state is kept there.
- Reports on a file without -wal and -shm leave none behind and keep the file's bytes.
- A state file that cannot grow (RLIMIT_FSIZE, as on a full disk): exit 2 and one line
  naming the file, the operation and the system's reason.
Usage: statefile.py BINARY
"""
import hashlib
import json
import os
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile

sys.dont_write_bytecode = True  # keep the source tree clean of __pycache__
from common import Checks, describe_status, run

BASE_TS = 1_767_225_600_000


def payload(key, ts, status="Open", category="new", event="jira:issue_updated"):
    return json.dumps({"webhookEvent": event, "timestamp": ts,
                       "issue": {"id": "1", "key": key,
                                 "fields": {"status": {"name": status,
                                                       "statusCategory": {"key": category}},
                                            "priority": {"name": "High"},
                                            "summary": f"{key} at {ts}"}}}) + "\n"


def write(path, text):
    with open(path, "w") as fh:
        fh.write(text)
    return path


def sha256(path):
    with open(path, "rb") as fh:
        return hashlib.sha256(fh.read()).hexdigest()


def jira(binary, *argv, **kw):
    return run([binary, *argv], limit=False, **kw)


def expect(problems, what, result, status, *words):
    code, out, err = result
    if code != status:
        problems.append(f"{what}: {describe_status(code)}, expected {status}: {err.strip()[-300:]}")
        return
    lines = [l for l in err.splitlines() if l.startswith("jira-alerts: ")]
    if status == 2 and len(lines) != 1:
        problems.append(f"{what}: expected one 'jira-alerts: ' line, got {err!r}")
    for w in words:
        if w not in err:
            problems.append(f"{what}: the message does not say {w!r}: {err.strip()}")


def fold_wal(db):
    """Folds the WAL into the main file and removes -wal and -shm, as sqlite3 does."""
    subprocess.run(["sqlite3", db, "PRAGMA wal_checkpoint(TRUNCATE);"], check=True,
                   capture_output=True)
    for suffix in ("-wal", "-shm"):
        if os.path.exists(db + suffix):
            os.remove(db + suffix)


def check_symlink(binary, folder):
    problems = []
    os.mkdir(os.path.join(folder, "real"))
    real = os.path.join(folder, "real", "state.db")
    first = write(os.path.join(folder, "a.ndjson"), payload("S-1", BASE_TS, event="jira:issue_created")
                  + payload("S-2", BASE_TS + 1, event="jira:issue_created"))
    expect(problems, "replay", jira(binary, "replay", "-q", "--db", real, first), 0)
    fold_wal(real)
    link = os.path.join(folder, "link.db")
    os.symlink("real/state.db", link)
    second = write(os.path.join(folder, "b.ndjson"), payload("S-1", BASE_TS + 10, "Done", "done"))
    expect(problems, "replay through the link", jira(binary, "replay", "-q", "--db", link, second), 0)
    if os.path.exists(link + "-wal"):
        problems.append("a -wal appeared beside the link, not beside the target")
    code, _, err = jira(binary, "check", "--db", link, "S-1=open")
    if code != 1:
        problems.append(f"check S-1=open through the link: {describe_status(code)}, expected 1 "
                        f"(S-1 was resolved by the second replay)")
    expect(problems, "check S-1=resolved", jira(binary, "check", "--db", link, "S-1=resolved",
                                                "S-2=open"), 0)
    code, out, _ = jira(binary, "alerts", "--db", link, "--state", "resolved", "--format", "jsonl")
    if [json.loads(l)["fingerprint"] for l in out.decode().splitlines()] != ["S-1"]:
        problems.append(f"alerts --state resolved through the link: {out.decode()!r}")
    code, out, _ = jira(binary, "show", "--db", link, "S-1", "--format", "jsonl")
    if code != 0 or '"state":"resolved"' not in out.decode().splitlines()[0]:
        problems.append(f"show S-1 through the link: {out.decode()[:200]!r}")
    return problems


def check_hard_link(binary, folder):
    problems = []
    db = os.path.join(folder, "state.db")
    src = write(os.path.join(folder, "a.ndjson"), payload("S-1", BASE_TS, event="jira:issue_created"))
    expect(problems, "replay", jira(binary, "replay", "-q", "--db", db, src), 0)
    fold_wal(db)
    os.link(db, os.path.join(folder, "other.db"))
    before = sha256(db)
    for argv in (["replay", src], ["replay", "--dry-run", src], ["alerts"], ["show", "S-1"],
                 ["check", "S-1=open"], ["stats"], ["rejects"], ["rejects", "--drop-all"]):
        for name in ("state.db", "other.db"):
            path = os.path.join(folder, name)
            expect(problems, f"{argv[0]} --db {name}", jira(binary, *argv, "--db", path), 2,
                   f"'{path}' has 2 hard links")
    if sha256(db) != before:
        problems.append("the file changed")
    extra = sorted(set(os.listdir(folder)) - {"state.db", "other.db", "a.ndjson"})
    if extra:
        problems.append(f"files appeared: {extra}")
    return problems


def as_user(uid):
    """preexec_fn that drops root, so that permissions apply to the child."""
    def drop():
        os.setgid(uid)
        os.setuid(uid)
    return drop


def check_unusable_paths(binary, folder):
    problems = []
    src = write(os.path.join(folder, "a.ndjson"), payload("S-1", BASE_TS, event="jira:issue_created"))
    expect(problems, "--db ''", jira(binary, "replay", "--db", "", src), 2, "--db", "empty")
    expect(problems, "alerts --db ''", jira(binary, "alerts", "--db", ""), 2, "--db", "empty")
    missing = os.path.join(folder, "nope", "state.db")
    expect(problems, "missing directory", jira(binary, "replay", "--db", missing, src), 2, missing,
           "does not exist")
    expect(problems, "a directory", jira(binary, "replay", "--db", folder, src), 2, folder,
           "is a directory")
    expect(problems, "alerts on a directory", jira(binary, "alerts", "--db", folder), 2,
           "is a directory")

    # Permissions: as an unprivileged user (root passes every permission check).
    shared = tempfile.mkdtemp(prefix="jira-alerts-perm-")
    os.chmod(shared, 0o755)
    try:
        locked = os.path.join(shared, "locked")
        os.mkdir(locked)
        db = os.path.join(locked, "state.db")
        expect(problems, "replay", jira(binary, "replay", "-q", "--db", db, src), 0)
        fold_wal(db)
        os.chmod(db, 0o444)
        os.chmod(locked, 0o555)
        readable = os.path.join(shared, "a.ndjson")
        shutil.copy(src, readable)
        os.chmod(readable, 0o644)
        nobody = 65534
        drop = as_user(nobody) if os.geteuid() == 0 else None

        def as_nobody(*argv):
            proc = subprocess.run([binary, *argv], capture_output=True, preexec_fn=drop,
                                  timeout=60)
            return proc.returncode, proc.stdout, proc.stderr.decode("utf-8", "replace")

        expect(problems, "replay into a read-only file and directory",
               as_nobody("replay", "--db", db, readable), 2, db, "Permission denied")
        expect(problems, "a new file in a read-only directory",
               as_nobody("replay", "--db", os.path.join(locked, "new.db"), readable), 2,
               "new.db", "Permission denied")
        expect(problems, "alerts on a read-only file in a read-only directory",
               as_nobody("alerts", "--db", db), 0)
        os.chmod(locked, 0o755)
        expect(problems, "replay into a read-only file", as_nobody("replay", "--db", db, readable),
               2, db, "Permission denied")
        os.chmod(db, 0o600)
        expect(problems, "alerts on a file it may not read", as_nobody("alerts", "--db", db), 2,
               db, "Permission denied")
        for suffix in ("-wal", "-shm"):
            if os.path.exists(db + suffix):
                problems.append(f"{suffix} appeared beside the read-only file")
    finally:
        subprocess.run(["chmod", "-R", "u+w", shared])
        shutil.rmtree(shared, ignore_errors=True)
    return problems


def check_plain_paths(binary, folder):
    problems = []
    src = write(os.path.join(folder, "a.ndjson"), payload("S-1", BASE_TS, event="jira:issue_created"))
    for name in ("file:z.db?mode=memory", "file:y.db", ":memory:"):
        expect(problems, f"replay --db {name}",
               jira(binary, "replay", "-q", "--db", name, src, cwd=folder), 0)
        if not os.path.isfile(os.path.join(folder, name)):
            problems.append(f"--db {name!r} did not keep its state in the file of that name")
        code, out, err = jira(binary, "alerts", "--db", name, "--format", "jsonl", cwd=folder)
        if code != 0 or len(out.splitlines()) != 1:
            problems.append(f"alerts --db {name!r}: {describe_status(code)}, {out!r} {err}")
    for stray in ("z.db", "y.db"):
        if os.path.exists(os.path.join(folder, stray)):
            problems.append(f"--db was read as a URI: {stray} appeared")
    # '//' at the start of an absolute path is the same file.
    db = os.path.join(folder, "state.db")
    expect(problems, "replay --db /abs", jira(binary, "replay", "-q", "--db", db, src), 0)
    code, out, err = jira(binary, "alerts", "--db", "/" + db, "--format", "jsonl")
    if code != 0 or len(out.splitlines()) != 1:
        problems.append(f"alerts --db //{db}: {describe_status(code)}: {err.strip()}")
    return problems


def check_disk_full(binary, folder):
    """A state file that cannot grow: exit 2, naming the file, the operation and the cause."""
    lines = "".join(payload(f"S-{i}", BASE_TS + i, event="jira:issue_created") for i in range(20000))
    src = write(os.path.join(folder, "a.ndjson"), lines)
    db = os.path.join(folder, "state.db")

    def limit():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (1 << 20, 1 << 20))
    proc = subprocess.run([binary, "replay", "-q", "--db", db, src], capture_output=True,
                          preexec_fn=limit, timeout=60)
    err = proc.stderr.decode("utf-8", "replace")
    problems = []
    if proc.returncode != 2:
        problems.append(f"{describe_status(proc.returncode)}, expected 2: {err.strip()[-300:]}")
    if not re.search(r"^jira-alerts: state file '[^']*state\.db': (committing|writing to \w+): "
                     r".*File too large", err, re.M):
        problems.append(f"the message does not name the file, the operation and the cause: "
                        f"{err.strip()[-300:]}")
    return problems


def check_reports_leave_nothing(binary, folder):
    problems = []
    db = os.path.join(folder, "state.db")
    src = write(os.path.join(folder, "a.ndjson"), payload("S-1", BASE_TS, event="jira:issue_created")
                + payload("S-1", BASE_TS + 5, "Done", "done"))
    expect(problems, "replay", jira(binary, "replay", "-q", "--db", db, src), 0)
    fold_wal(db)
    before = sha256(db)
    for argv in (["alerts"], ["alerts", "--at", str(BASE_TS + 1)], ["show", "S-1"],
                 ["check", "S-1=resolved"], ["stats"], ["rejects"],
                 ["replay", "--dry-run", src]):
        code, _, err = jira(binary, *argv, "--db", db)
        if code != 0:
            problems.append(f"{argv[0]}: {describe_status(code)}: {err.strip()}")
        left = sorted(n for n in os.listdir(folder) if n.startswith("state.db-"))
        if left:
            problems.append(f"{' '.join(argv)} left {left} behind")
            for name in left:
                os.remove(os.path.join(folder, name))
    if sha256(db) != before:
        problems.append("the reports changed the file")
    return problems


def check_copy_without_wal(binary, folder):
    problems = []
    db = os.path.join(folder, "state.db")
    src = write(os.path.join(folder, "a.ndjson"), payload("S-1", BASE_TS, event="jira:issue_created"))
    expect(problems, "replay", jira(binary, "replay", "-q", "--db", db, src), 0)
    if not os.path.exists(db + "-wal"):
        return problems + ["a one-payload replay left no -wal: nothing to copy without it"]
    copy = os.path.join(folder, "copy.db")
    shutil.copyfile(db, copy)
    for argv in (["alerts"], ["show", "S-1"], ["check", "S-1=open"], ["stats"]):
        expect(problems, f"{argv[0]} --db copy.db", jira(binary, *argv, "--db", copy), 2,
               f"state file '{copy}' is empty: a copy made without its -wal file?")
    empty = write(os.path.join(folder, "empty.db"), "")
    code, _, err = jira(binary, "alerts", "--db", empty)
    if code != 2 or err.strip() != f"jira-alerts: state file '{empty}' is empty":
        problems.append(f"alerts --db empty.db: {describe_status(code)}: {err.strip()}")
    return problems


def main():
    binary = os.path.abspath(sys.argv[1])
    if shutil.which("sqlite3") is None:
        print("skipped: no sqlite3 shell")
        return 77
    work = tempfile.mkdtemp(prefix="jira-alerts-statefile-")
    checks = Checks()

    def case(name, fn):
        folder = tempfile.mkdtemp(dir=work)
        try:
            problems = fn(binary, folder)
        except (OSError, subprocess.SubprocessError, ValueError) as e:
            problems = [f"{type(e).__name__}: {e}"]
        checks.report(name, problems)

    try:
        case("a symbolic link reads the WAL beside its target", check_symlink)
        case("a second hard link is refused by every command", check_hard_link)
        case("unusable paths: one line naming the path and the cause", check_unusable_paths)
        case("--db is a plain path for every command", check_plain_paths)
        case("reports leave no -wal or -shm and keep the bytes", check_reports_leave_nothing)
        case("a state file that cannot grow: the file, the operation, the cause", check_disk_full)
        case("a copy of the main file alone: the message names the missing -wal",
             check_copy_without_wal)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return checks.finish()


if __name__ == "__main__":
    sys.exit(main())
