#!/usr/bin/env python3
"""Every example that `jira-alerts --help`, each `jira-alerts COMMAND --help` and the
EXAMPLES section of the man page show, and every ```sh block of the README, runs as shown against the bundled sample
(fixtures/history), in a temporary directory where the files the examples name exist:
jira-alerts.db replayed from the sample, captures/ (the sample's files, also as
captures/2026-01.ndjson.gz and captures/2026-02/), history.ndjson(.gz), old.ndjson.gz,
new.json, expectations.txt, jira-alerts.toml, teams.toml (two sources) and hooks/.

Each example starts from that state file as the sample left it.
An example runs when it exits 0: a check that fails on the sample, a usage error or an
unusable input is a broken example, and so is a --jql scope that leaves every payload out. Examples that need
what the sample cannot give are left out by the EXCLUDED rules below, each with its reason,
and listed in the output.
Usage: examples.py BINARY SOURCE_DIR
"""
import gzip
import os
import re
import shutil
import subprocess
import sys
import tempfile

# (pattern, reason): an example matching the pattern is not run.
EXCLUDED = [
    (r"\bcurl\b", "talks to a server over the network"),
    (r"^\s*(\S+ \| )?jira-alerts (record|push)\b", "needs a server or a network"),
    (r"--secret-file", "needs signed envelopes; the sample is not signed"),
    (r"rejects --drop \d", "drops rejects by id; the sample has no rejected payloads"),
    (r"completion (zsh|fish) >", "writes into the user's shell configuration"),
    (r"\$EDITOR", "opens an interactive editor"),
]


# A replay's summary when no payload changed an alert: a scope example that shows nothing.
SCOPED_OUT = re.compile(r"replayed [1-9]\d* payloads? .*: 0 open, 0 update, 0 resolve, 0 reopen, "
                        r"\d+ ignore, 0 duplicate, 0 stale")

# (pattern, reason): a README block matching the pattern is not run.
README_EXCLUDED = [
    (r"apt-get", "installs packages and builds: that is what CI does"),
    (r"\.ci/run", "the whole CI run"),
    (r"bench/run\.py", "the benchmark: minutes, and it needs a Release build"),
    (r"cmake ", "builds or installs the project"),
]


def readme_examples(readme_path):
    """Each ```sh block of the README, run as one script (heredocs and continued lines
    stay whole)."""
    text = open(readme_path, encoding="utf-8").read()
    return [("README", block.strip()) for block in re.findall(r"^```sh\n(.*?)^```", text, re.M | re.S)]


def man_examples(man_path):
    """Each command line of the .EX blocks of the man page's EXAMPLES section."""
    page = open(man_path, encoding="utf-8").read()
    section = page.split("\n.SH EXAMPLES\n", 1)[1].split("\n.SH ", 1)[0]
    examples = []
    for block in re.findall(r"^\.EX\n(.*?)^\.EE", section, re.M | re.S):
        text = block.replace("\\-", "-").replace("\\(aq", "'").replace("\\e", "\\")
        pending = ""
        for line in text.splitlines():
            line = pending + line.strip()
            if line.endswith("|") or line.endswith("\\"):
                pending = line.rstrip("\\") + " "
                continue
            pending = ""
            if line:
                examples.append(("man page EXAMPLES", line))
    return examples


def help_examples(binary):
    """Each example of every --help: (where, command line)."""
    top = subprocess.run([binary, "--help"], capture_output=True, text=True, check=True).stdout
    commands = re.findall(r"^  (\w+)\s{2,}", top.split("Subcommands:")[1], re.M)
    examples = []
    for command in [None] + commands:
        args = [binary] + ([command] if command else []) + ["--help"]
        text = subprocess.run(args, capture_output=True, text=True, check=True).stdout
        block = text.split("Examples:\n", 1)[1].split("\n\n", 1)[0] if "Examples:\n" in text else ""
        pending = ""
        for line in block.splitlines():
            line = pending + line.strip()
            if line.endswith("|"):  # continues on the next line
                pending = line + " "
                continue
            pending = ""
            # A comment follows the command after a run of three spaces or more.
            examples.append((f"{command or 'jira-alerts'} --help", re.split(r"\s{3,}", line)[0]))
    return examples


def sandbox(work, binary, source_dir):
    history = os.path.join(source_dir, "fixtures", "history")
    os.symlink(os.path.join(source_dir, "fixtures"), os.path.join(work, "fixtures"))
    shutil.copytree(history, os.path.join(work, "captures"))
    data = b"".join(open(os.path.join(history, n), "rb").read() for n in sorted(os.listdir(history)))
    open(os.path.join(work, "history.ndjson"), "wb").write(data)
    with gzip.open(os.path.join(work, "history.ndjson.gz"), "wb") as fh:
        fh.write(data)
    shutil.copy(os.path.join(history, "04-ops-101-reopened.json"), os.path.join(work, "new.json"))
    with gzip.open(os.path.join(work, "captures", "2026-01.ndjson.gz"), "wb") as fh:
        fh.write(data)
    with gzip.open(os.path.join(work, "old.ndjson.gz"), "wb") as fh:
        fh.write(data)
    shutil.copytree(history, os.path.join(work, "captures", "2026-02"))
    shutil.copytree(history, os.path.join(work, "hooks"))
    with gzip.open(os.path.join(work, "day.ndjson.gz"), "wb") as fh:
        fh.write(data)
    open(os.path.join(work, "jira-alerts.toml"), "w").write(
        '[status]\nresolve = ["Done", "Closed", "Resolved", "Mitigated"]\n'
        '[priority.map]\n"P1" = "CRITICAL"\n')
    open(os.path.join(work, "teams.toml"), "w").write(
        '[[source]]\nname = "kan"\njql = "project = KAN"\n'
        '[[source]]\nname = "ops"\njql = "project = OPS"\n')
    open(os.path.join(work, "expectations.txt"), "w").write("# the moved issue\nKAN-12=resolved\n")
    subprocess.run([binary, "replay", "--quiet", "fixtures/history"], cwd=work, check=True,
                   capture_output=True)


STATE = ("jira-alerts.db", "jira-alerts.db-wal", "jira-alerts.db-shm")


def restore_state(work, pristine):
    """Every example starts from the sample's state file, whatever the one before did
    (a rebuild under other settings, a remap)."""
    for name in STATE:
        path = os.path.join(work, name)
        if os.path.exists(path):
            os.remove(path)
        if os.path.exists(os.path.join(pristine, name)):
            shutil.copy(os.path.join(pristine, name), path)


def main():
    binary, source_dir = (os.path.abspath(a) for a in sys.argv[1:3])
    examples = help_examples(binary) + man_examples(os.path.join(source_dir, "man", "jira-alerts.1"))
    readme = readme_examples(os.path.join(source_dir, "README.md"))
    failures, ran, skipped = [], 0, 0
    with tempfile.TemporaryDirectory(prefix="jira-alerts-examples-") as work:
        sandbox(work, binary, source_dir)
        pristine = tempfile.mkdtemp(dir=work, prefix=".state-")
        for name in STATE:
            if os.path.exists(os.path.join(work, name)):
                shutil.copy(os.path.join(work, name), pristine)
        bindir = os.path.join(work, "bin")
        os.mkdir(bindir)
        os.symlink(binary, os.path.join(bindir, "jira-alerts"))
        env = dict(os.environ, PATH=bindir + os.pathsep + os.environ["PATH"], HOME=work,
                   NO_COLOR="1")
        env.pop("JIRA_ALERTS_DB", None)
        env.pop("JIRA_ALERTS_CONFIG", None)
        for where, example in examples + readme:
            rules = EXCLUDED + (README_EXCLUDED if where == "README" else [])
            reason = next((r for p, r in rules if re.search(p, example, re.M)), None)
            if reason:
                skipped += 1
                print(f"skip {where}: {example}  ({reason})")
                continue
            restore_state(work, pristine)
            proc = subprocess.run(["bash", "-o", "pipefail", "-c", example], cwd=work, env=env,
                                  capture_output=True, text=True, stdin=subprocess.DEVNULL,
                                  timeout=60)
            ran += 1
            if proc.returncode != 0:
                failures.append(f"{where}: '{example}' exited {proc.returncode}: "
                                f"{proc.stderr.strip()[-300:]}")
            elif "--jql" in example and SCOPED_OUT.search(proc.stderr):
                failures.append(f"{where}: '{example}': its --jql leaves every payload of the "
                                "sample outside the scope")
    for f in failures:
        print("FAIL " + f)
    print(f"{ran} examples ran, {skipped} left out by rule, {len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
