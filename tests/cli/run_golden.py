#!/usr/bin/env python3
"""Runs the built binary on golden cases and compares stdout, stderr and exit status.

Each case is a folder under cases/ holding:
  cmd              a shell script; $JA is the binary. It runs in a fresh temporary
                   directory (the state file lands there) where fixtures/ is a link to the
                   repository's fixtures, so that source positions read fixtures/...
  stdout, stderr   the expected output (timings in the replay summary are normalised)
  status           the expected exit status of the script's last command
Set UPDATE_GOLDEN=1 to rewrite the expectations from the actual output.
Usage: run_golden.py BINARY CASES_DIR SOURCE_DIR [CASE...]   (no CASE: every case)
CTest runs each case as a test of its own, cli.golden.CASE; `UPDATE_GOLDEN=1 ctest -R
cli.golden` rewrites them all.
"""
import os
import re
import subprocess
import sys
import tempfile

TIMING = re.compile(r" in [0-9.]+ s \([0-9]+ payloads/s\)")


def normalise(text):
    return TIMING.sub(" in T s (R payloads/s)", text)


def run_case(binary, case_dir, source_dir, update):
    with open(os.path.join(case_dir, "cmd"), encoding="utf-8") as fh:
        script = fh.read()
    with tempfile.TemporaryDirectory(prefix="jira-alerts-golden-") as work:
        os.symlink(os.path.join(source_dir, "fixtures"), os.path.join(work, "fixtures"))
        env = dict(os.environ, JA=binary, CASE=case_dir, NO_COLOR="1", LC_ALL="C")
        env.pop("JIRA_ALERTS_DB", None)
        env.pop("JIRA_ALERTS_CONFIG", None)
        proc = subprocess.run(["bash", "-c", script], cwd=work, env=env, capture_output=True,
                              stdin=subprocess.DEVNULL, timeout=120)
    actual = {"stdout": normalise(proc.stdout.decode("utf-8", "replace")),
              "stderr": normalise(proc.stderr.decode("utf-8", "replace")),
              "status": f"{proc.returncode}\n"}
    failures = []
    for name, text in actual.items():
        path = os.path.join(case_dir, name)
        if update:
            with open(path, "w", encoding="utf-8") as fh:
                fh.write(text)
            continue
        expected = open(path, encoding="utf-8").read() if os.path.exists(path) else ""
        if expected != text:
            failures.append(f"--- {name}: expected\n{expected}--- {name}: actual\n{text}")
    return failures


def main():
    binary, cases_dir, source_dir = (os.path.abspath(a) for a in sys.argv[1:4])
    cases_dir = os.path.join(cases_dir, "cases")
    wanted = sys.argv[4:]
    update = os.environ.get("UPDATE_GOLDEN") == "1"
    names = sorted(n for n in os.listdir(cases_dir) if not wanted or n in wanted)
    unknown = sorted(set(wanted) - set(names))
    if unknown:
        print(f"no such case: {', '.join(unknown)}")
        return 2
    failed = 0
    for name in names:
        failures = run_case(binary, os.path.join(cases_dir, name), source_dir, update)
        if failures:
            failed += 1
            print(f"FAIL {name}")
            for f in failures:
                print(f)
        else:
            print(f"ok   {name}")
    print(f"{len(names) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
