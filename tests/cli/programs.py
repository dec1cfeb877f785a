#!/usr/bin/env python3
"""The two programs: jira-alerts starts without cpp-httplib, OpenSSL or libarchive (no
DT_NEEDED entry names them), opens libarchive and libcrypto when an input needs them, and
runs record and push as jira-alerts-net, found beside it; without jira-alerts-net those
two say where they looked.
Usage: programs.py BINARY
"""
import hashlib
import hmac
import json
import lzma
import os
import re
import shutil
import subprocess
import sys
import tempfile

LAZY = ("libcpp-httplib", "libssl", "libcrypto", "libarchive")

failures = []


def check(ok, what):
    print(("ok   " if ok else "FAIL ") + what)
    if not ok:
        failures.append(what)


def needed(binary):
    """The DT_NEEDED entries of BINARY."""
    dump = subprocess.run(["objdump", "-p", binary], capture_output=True, text=True, check=True)
    return re.findall(r"^\s*NEEDED\s+(\S+)", dump.stdout, re.M)


def run(args, **kw):
    return subprocess.run(args, capture_output=True, text=True, timeout=60, **kw)


def main():
    binary = os.path.abspath(sys.argv[1])
    helper = os.path.join(os.path.dirname(binary), "jira-alerts-net")
    if shutil.which("objdump") is None:
        print("skipped: objdump (binutils) is not installed")
        return 77

    libs = needed(binary)
    check(libs and not [n for n in libs if n.startswith(LAZY)],
          "jira-alerts links none of %s: %s" % (", ".join(LAZY), " ".join(libs)))
    check(any(n.startswith("libcpp-httplib") for n in needed(helper)),
          "jira-alerts-net links cpp-httplib")

    with tempfile.TemporaryDirectory() as tmp:
        body = ('{"webhookEvent":"jira:issue_created","timestamp":1700000000000,'
                '"issue":{"key":"LZ-1","fields":{"status":{"name":"Open"}}}}')
        xz = os.path.join(tmp, "history.ndjson.xz")
        with lzma.open(xz, "wb") as out:
            out.write((body + "\n").encode())
        r = run([binary, "replay", "--db", os.path.join(tmp, "a.db"), "--quiet", xz])
        shown = run([binary, "alerts", "--db", os.path.join(tmp, "a.db"), "--format", "jsonl"])
        check(r.returncode == 0 and '"LZ-1"' in shown.stdout,
              "an xz input is read through libarchive, opened when needed: %s%s"
              % (r.stderr.strip(), shown.stdout.strip()))

        signature = "sha256=" + hmac.new(b"k", body.encode(), hashlib.sha256).hexdigest()
        capture = os.path.join(tmp, "capture.ndjson")
        with open(capture, "w") as out:
            out.write(json.dumps({"received_at": 1, "path": "/", "body": body,
                                  "headers": {"x-hub-signature": signature}}) + "\n")
            out.write(json.dumps({"received_at": 2, "path": "/", "body": body.replace("LZ-1", "LZ-2"),
                                  "headers": {"x-hub-signature": signature}}) + "\n")
        secret = os.path.join(tmp, "secret")
        with open(secret, "w") as out:
            out.write("k\n")
        r = run([binary, "replay", "--db", os.path.join(tmp, "b.db"), "--secret-file", secret, capture])
        check(r.returncode == 1 and "open      LZ-1" in r.stdout and "signature mismatch" in r.stdout,
              "signatures are checked through libcrypto, opened when needed:\n" + r.stdout + r.stderr)

        r = run([binary, "push", "--db", os.path.join(tmp, "a.db"), "--dry-run",
                 "--to", "alertmanager=http://127.0.0.1:9"])
        check(r.returncode == 0 and '"fingerprint":"LZ-1"' in r.stdout,
              "push runs as jira-alerts-net: " + r.stdout[:200] + r.stderr)

        alone = os.path.join(tmp, "bin")
        os.mkdir(alone)
        shutil.copy(binary, alone)
        lone = os.path.join(alone, os.path.basename(binary))
        for command in (["record", "--out", os.path.join(tmp, "cap")],
                        ["push", "--db", os.path.join(tmp, "a.db"), "--to", "alertmanager=http://127.0.0.1:9"]):
            r = run([lone] + command)
            check(r.returncode == 2 and "is done by jira-alerts-net, which is not at" in r.stderr
                  and os.path.join(alone, "jira-alerts-net") in r.stderr,
                  "without jira-alerts-net, %s says where it looked: %s" % (command[0], r.stderr.strip()))
        r = run([lone, "replay", "--db", os.path.join(tmp, "c.db"), "--quiet", xz])
        check(r.returncode == 0, "every other command works without it: " + r.stderr.strip())

        # A helper that is there but cannot start (its interpreter is missing) is not
        # reported as missing.
        broken = os.path.join(alone, "jira-alerts-net")
        with open(broken, "w") as out:
            out.write("#!/nonexistent/interpreter\n")
        os.chmod(broken, 0o755)
        r = run([lone, "push", "--db", os.path.join(tmp, "a.db"), "--to", "alertmanager=http://127.0.0.1:9"])
        check(r.returncode == 2 and ("push: cannot run '%s'" % broken) in r.stderr,
              "a helper that cannot start is named: " + r.stderr.strip())

        # jira-alerts-net of another version than the jira-alerts that runs it refuses.
        r = run([helper, "push", "--db", os.path.join(tmp, "a.db"), "--dry-run",
                 "--to", "alertmanager=http://127.0.0.1:9"],
                env=dict(os.environ, JIRA_ALERTS_CALLER_VERSION="0.0.0-other"))
        check(r.returncode == 2 and "jira-alerts 0.0.0-other ran jira-alerts-net" in r.stderr
              and not r.stdout, "another version's jira-alerts-net refuses: " + r.stderr.strip())

    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
