#!/usr/bin/env python3
"""`rejects --export` onto a disk that fills up half-way.

Three rejected payloads (small, large, small) are exported into a folder where the
large one does not fit: on a 32 KiB tmpfs when this process may mount one (root),
and always under a file-size limit (RLIMIT_FSIZE, SIGXFSZ ignored), which fails
the write the same way. Each time: exit status 2; the error names the file, the
operation and the cause; no temporary file is left; the file written before the
failure is listed on stdout and recorded (exported_to), the others are not; and
fixing that file and replaying it takes its rejection off the list.
Usage: export_full.py BINARY [SHARED_DIR]   (the shared folder is not needed)
"""
import os
import resource
import signal
import subprocess
import sys
import tempfile

sys.dont_write_bytecode = True  # keep the source tree clean of __pycache__
from common import TIMEOUT, Checks, describe_status, query, run

FILE_LIMIT = 128 << 10
LARGE = 256 << 10
VALID = (b'{"webhookEvent":"jira:issue_created","timestamp":1,'
         b'"issue":{"key":"OPS-1","fields":{"status":{"name":"Open"}}}}')


def bad(pad=0):
    return b'{"webhookEvent": 5, "pad": "' + b"x" * pad + b'"}'


def prepare(binary, folder):
    """A state file with three rejects (small, large, small), its WAL folded in."""
    inputs = os.path.join(folder, "h.ndjson")
    with open(inputs, "wb") as fh:
        fh.write(bad() + b"\n" + bad(LARGE) + b"\n" + bad() + b"\n")
    db = os.path.join(folder, "state.db")
    code, _, err = run([binary, "replay", "--db", db, "--quiet", inputs])
    if code != 1:
        raise RuntimeError(f"replay: {describe_status(code)}: {err}")
    # The export's own writes to the state file must fit under the file-size limit.
    subprocess.run(["sqlite3", db, "PRAGMA wal_checkpoint(TRUNCATE)"], check=True,
                   capture_output=True)
    return db


def limited_file_size():
    """preexec_fn: writes past FILE_LIMIT fail with EFBIG instead of killing the process."""
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (FILE_LIMIT, FILE_LIMIT))


def check_export(binary, folder, target, cause, preexec=None):
    problems = []
    db = prepare(binary, folder)
    proc = subprocess.run([binary, "rejects", "--db", db, "--export", target],
                          capture_output=True, timeout=TIMEOUT, preexec_fn=preexec,
                          stdin=subprocess.DEVNULL)
    err = proc.stderr.decode("utf-8", "replace")
    if proc.returncode != 2:
        problems.append(f"export: {describe_status(proc.returncode)}, expected exit status 2")
    for part in (".reject-2.json.tmp", "write", cause):
        if part not in err:
            problems.append(f"the error does not name {part!r}: {err.strip()!r}")
    left = sorted(os.listdir(target)) if os.path.isdir(target) else []
    if left != ["reject-1.json"]:
        problems.append(f"the folder holds {left}, expected only reject-1.json")
    listed = proc.stdout.decode().split()
    if listed != [os.path.join(target, "reject-1.json")]:
        problems.append(f"stdout lists {listed}, expected the one file written")
    recorded = query(db, "SELECT id, exported_to FROM rejects ORDER BY id")
    want = [(1, os.path.join(os.path.realpath(target), "reject-1.json")), (2, None), (3, None)]
    if [(i, p and os.path.realpath(p)) for i, p in recorded] != want:
        problems.append(f"exported_to is {recorded}, expected {want}")
    if not problems:
        with open(os.path.join(target, "reject-1.json"), "wb") as fh:
            fh.write(VALID)
        code, _, err = run([binary, "replay", "--db", db, "--quiet", target])
        ids = [r[0] for r in query(db, "SELECT id FROM rejects ORDER BY id")]
        if code != 0 or ids != [2, 3]:
            problems.append(f"replaying the fixed file: {describe_status(code)}, rejects {ids} "
                            f"left, expected [2, 3]: {err.strip()}")
    return problems


def try_tmpfs(mountpoint):
    os.makedirs(mountpoint)
    proc = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=32k", "tmpfs", mountpoint],
                          capture_output=True)
    return proc.returncode == 0


def main():
    binary = os.path.abspath(sys.argv[1])
    checks = Checks()
    with tempfile.TemporaryDirectory(prefix="jira-alerts-export-") as folder:
        checks.report("export under a file-size limit (EFBIG)", check_export(
            binary, folder, os.path.join(folder, "out"), os.strerror(27), limited_file_size))
    with tempfile.TemporaryDirectory(prefix="jira-alerts-export-") as folder:
        mountpoint = os.path.join(folder, "full")
        if os.geteuid() == 0 and try_tmpfs(mountpoint):
            try:
                checks.report("export onto a full tmpfs (ENOSPC)", check_export(
                    binary, folder, os.path.join(mountpoint, "out"), os.strerror(28)))
            finally:
                subprocess.run(["umount", mountpoint], capture_output=True)
        else:
            print("skip export onto a full tmpfs (cannot mount one here)")
    return checks.finish()


if __name__ == "__main__":
    sys.exit(main())
