#!/usr/bin/env python3
"""push against a real Alertmanager (Debian's prometheus-alertmanager) on 127.0.0.1.

The test starts Alertmanager on a free loopback port with a minimal configuration (one
route to a receiver that notifies nobody), clustering off and a temporary storage
path, and waits for /-/ready. It replays fixtures/history and pushes: `amtool alert
query -o json` must list exactly the open alerts, with their labels. Then a replay
resolves two of them and another push: those two are gone from the active list.
Sources: a state file with two sources where issues have an alert in both: each source's
alerts carry the label alert_source, so Alertmanager lists both; push --source sends one
source, a later push the other.
Alertmanager is always stopped. Exit 77 (skipped) when it is not installed.
Usage: alertmanager.py BINARY SOURCE_DIR
"""
import contextlib
import json
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request

CONFIG = """route:
  receiver: nobody
  group_wait: 1h
receivers:
  - name: nobody
"""
SEVERITY = {"CRITICAL": "critical", "HIGH": "error", "MEDIUM": "warning", "LOW": "info"}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_ready(url, process, seconds=20):
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if process.poll() is not None:
            return False
        try:
            with urllib.request.urlopen(url + "/-/ready", timeout=1) as r:
                if r.status == 200:
                    return True
        except OSError:
            time.sleep(0.1)
    return False


def run(*args, **kw):
    return subprocess.run(list(args), capture_output=True, text=True, timeout=60,
                          stdin=subprocess.DEVNULL, **kw)


def active(url):
    p = run("amtool", "alert", "query", "-o", "json", f"--alertmanager.url={url}")
    if p.returncode != 0:
        raise RuntimeError(f"amtool: {p.stderr}")
    return {a["labels"]["fingerprint"]: a for a in json.loads(p.stdout)}


def open_alerts(binary, db):
    p = run(binary, "alerts", "--db", db, "--state", "open", "--format", "jsonl")
    return {a["fingerprint"]: a for a in map(json.loads, p.stdout.splitlines())}


def resolving(key, ms):
    return json.dumps({"webhookEvent": "jira:issue_updated", "timestamp": ms,
                       "issue": {"key": key, "fields": {"status": {
                           "name": "Done", "statusCategory": {"key": "done"}}}}}) + "\n"


def check(binary, source, work, url):
    problems = []
    db = os.path.join(work, "state.db")
    p = run(binary, "replay", "--quiet", "--db", db, os.path.join(source, "fixtures", "history"))
    if p.returncode != 0:
        return [f"replay: {p.stderr}"]
    push = [binary, "push", "--db", db, "--to", f"alertmanager={url}", "--deadline", "20"]
    p = run(*push)
    if p.returncode != 0:
        return [f"push exited {p.returncode}: {p.stderr}"]
    expected, listed = open_alerts(binary, db), active(url)
    if set(listed) != set(expected):
        problems.append(f"active {sorted(listed)}, expected the open {sorted(expected)}")
    for key, a in expected.items():
        labels = listed.get(key, {}).get("labels", {})
        want = {"alertname": "JiraIssue", "fingerprint": key, "project": a["project"],
                "priority": a["priority"], "severity": SEVERITY[a["priority"]]}
        if labels != want:
            problems.append(f"{key}: labels {labels}, expected {want}")
        if not listed.get(key, {}).get("generatorURL", "").endswith(f"/browse/{key}"):
            problems.append(f"{key}: no generatorURL to the issue")

    # Resolve two of them a minute ago, push again: they leave the active list.
    gone = sorted(expected)[:2]
    now = int(time.time() * 1000) - 60_000
    batch = os.path.join(work, "resolve.ndjson")
    with open(batch, "w", encoding="utf-8") as fh:
        fh.writelines(resolving(k, now) for k in gone)
    p = run(binary, "replay", "--quiet", "--db", db, batch)
    if p.returncode != 0:
        return problems + [f"replay of the resolutions: {p.stderr}"]
    p = run(*push)
    if p.returncode != 0:
        return problems + [f"second push exited {p.returncode}: {p.stderr}"]
    listed = active(url)
    if set(listed) != set(expected) - set(gone):
        problems.append(f"after resolving {gone}: active {sorted(listed)}")
    return problems


TWO_SOURCES = """[[source]]
name = "all"

[[source]]
name = "kan"
jql = "project = KAN"
"""


def labelled(url):
    """The active alerts that name their source, as {(source, fingerprint): labels}."""
    p = run("amtool", "alert", "query", "-o", "json", f"--alertmanager.url={url}")
    if p.returncode != 0:
        raise RuntimeError(f"amtool: {p.stderr}")
    return {(a["labels"]["alert_source"], a["labels"]["fingerprint"]): a["labels"]
            for a in json.loads(p.stdout) if "alert_source" in a["labels"]}


def open_by_source(db):
    with contextlib.closing(sqlite3.connect(db)) as state:
        return {(s, k): {"alertname": "JiraIssue", "fingerprint": k, "alert_source": s,
                         "project": project, "priority": level, "severity": SEVERITY[level]}
                for s, k, project, level in state.execute(
                    "SELECT s.name, a.fingerprint, a.project, a.priority FROM alerts a JOIN "
                    "alert_sources s ON s.id = a.alert_source_id WHERE a.state = 'open'")}


def check_sources(binary, source, work, url):
    config = os.path.join(work, "two.toml")
    with open(config, "w", encoding="utf-8") as fh:
        fh.write(TWO_SOURCES)
    db = os.path.join(work, "sources.db")
    p = run(binary, "replay", "--quiet", "--db", db, "--config", config,
            os.path.join(source, "fixtures", "history"))
    if p.returncode != 0:
        return [f"replay with two sources: {p.stderr}"]
    expected = open_by_source(db)
    both = {k for s, k in expected if s == "kan"} & {k for s, k in expected if s == "all"}
    if not both:
        return [f"no issue has an open alert in both sources: {sorted(expected)}"]
    push = [binary, "push", "--db", db, "--to", f"alertmanager={url}", "--deadline", "20"]
    p = run(*push, "--source", "kan")
    if p.returncode != 0:
        return [f"push --source kan exited {p.returncode}: {p.stderr}"]
    problems = []
    kan = {key: labels for key, labels in expected.items() if key[0] == "kan"}
    if labelled(url) != kan:
        problems.append(f"after push --source kan: {sorted(labelled(url))}, expected {sorted(kan)}")
    p = run(*push, "--source", "all")
    if p.returncode != 0:
        return problems + [f"push --source all exited {p.returncode}: {p.stderr}"]
    if labelled(url) != expected:
        problems.append(f"after both: {sorted(labelled(url))}, expected {sorted(expected)}")
    return problems


def main():
    binary, source = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    alertmanager = shutil.which("prometheus-alertmanager") or shutil.which("alertmanager")
    if alertmanager is None or shutil.which("amtool") is None:
        print("skip: prometheus-alertmanager or amtool is not installed")
        return 77
    work = tempfile.mkdtemp(prefix="jira-alerts-am-")
    process = None
    try:
        with open(os.path.join(work, "am.yml"), "w", encoding="utf-8") as fh:
            fh.write(CONFIG)
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        log = open(os.path.join(work, "am.log"), "w", encoding="utf-8")
        process = subprocess.Popen(
            [alertmanager, f"--config.file={work}/am.yml", f"--storage.path={work}/data",
             f"--web.listen-address=127.0.0.1:{port}", "--cluster.listen-address=",
             "--log.level=warn"], stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        if not wait_ready(url, process):
            print("FAIL Alertmanager did not become ready:\n" +
                  open(os.path.join(work, "am.log"), encoding="utf-8").read()[-2000:])
            return 1
        problems = check(binary, source, work, url)
        problems += check_sources(binary, source, work, url)
    finally:
        if process is not None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        shutil.rmtree(work, ignore_errors=True)
    for p in problems:
        print("FAIL " + p)
    print("ok   replay + push: the open alerts, with their labels; resolved ones leave; "
          "two sources' alerts of one issue are two alerts"
          if not problems else f"{len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
