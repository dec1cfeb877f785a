#!/usr/bin/env python3
"""`jira-alerts record --apply`: the state equals a replay of the capture; after kill -9
under load, a restart applies exactly what is missing.

usage: apply.py BINARY
"""
import http.client
import json
import os
import sqlite3
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import TIMEOUT, Recorder, main, alerts, capture_lines, payload  # noqa: E402

STATUSES = ["To Do", "In Progress", "Done", "In Progress", "Closed"]
PRIORITIES = ["Highest", "High", "Medium", "Low"]


def replay(binary, work, directory, db):
    out = subprocess.run([binary, "replay", "--quiet", "--db", db, directory], cwd=work,
                         capture_output=True, timeout=TIMEOUT)
    if out.returncode not in (0, 1):
        raise RuntimeError(f"replay {directory}: {out.stderr.decode()[-300:]}")


def count(db, sql):
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=TIMEOUT)
    try:
        return con.execute(sql).fetchone()[0]
    finally:
        con.close()


def send_all(rec, jobs, clients, after=None):
    """Sends (delivery, body) jobs from CLIENTS threads; returns {delivery: status}.
    AFTER = (n, action): ACTION runs once, when the n-th answer has come back."""
    statuses, lock = {}, threading.Lock()
    queue = list(jobs)

    def client():
        con = http.client.HTTPConnection("127.0.0.1", rec.port, timeout=TIMEOUT)
        while True:
            with lock:
                if not queue:
                    break
                delivery, body = queue.pop(0)
            try:
                con.request("POST", "/", body=body, headers={"X-Atlassian-Webhook-Identifier": delivery})
                response = con.getresponse()
                response.read()
                status = response.status
            except (OSError, http.client.HTTPException):
                status = None
                con.close()
                con = http.client.HTTPConnection("127.0.0.1", rec.port, timeout=TIMEOUT)
            with lock:
                statuses[delivery] = status
                if after is not None and len(statuses) == after[0]:
                    after[1]()
        con.close()

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(TIMEOUT)
    return statuses


def equals_replay(binary, work):
    problems = []
    jobs = []
    for step, status in enumerate(STATUSES):
        for issue in range(20):
            body = payload(f"EQ-{issue}", 1_700_000_000_000 + step * 1000 + issue, status,
                           PRIORITIES[(issue + step) % len(PRIORITIES)])
            jobs.append((f"eq-{issue}-{step}", body))
    jobs.append(("eq-0-0", jobs[0][1]))  # a retry: the same delivery again
    jobs.append(("eq-garbage", b"{not json"))
    rec = Recorder(binary, work, ["--out", "eq", "--apply", "--db", "eq.db"])
    try:
        # One client, so that the capture's order is the order sent (a resolve after its open).
        statuses = send_all(rec, jobs, 1)
        bad = {d: s for d, s in statuses.items() if s != 204}
        if bad:
            problems.append(f"not 204: {list(bad.items())[:5]}")
        # Deliveries are applied after they are durable: wait (bounded) until all are.
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            _, metrics = rec.get("/metrics")
            if f"jira_alerts_applied_total {len(jobs)}" in metrics:
                break
            time.sleep(0.05)
        else:
            problems.append(f"/metrics never showed {len(jobs)} payloads applied")
        if 'jira_alerts_open_alerts{priority="' not in metrics:
            problems.append("/metrics lacks open alerts by priority")
        code = rec.terminate()
        if code != 0:
            problems.append(f"exit status {code}")
        replay(binary, work, "eq", "eq-replay.db")
        live, replayed = alerts(binary, os.path.join(work, "eq.db")), alerts(binary, os.path.join(work, "eq-replay.db"))
        if live != replayed:
            diff = [k for k in set(live) | set(replayed) if live.get(k) != replayed.get(k)]
            problems.append(f"--apply state differs from a replay of the capture: {sorted(diff)[:5]}")
        if len(live) != 20:
            problems.append(f"{len(live)} alerts, want 20")
        for sql, want in [("SELECT count(*) FROM events", len(jobs) - 1),
                          ("SELECT count(*) FROM events WHERE action = 'duplicate'", 1),
                          ("SELECT count(*) FROM rejects", 1)]:
            got = count(os.path.join(work, "eq.db"), sql)
            if got != want:
                problems.append(f"{sql}: {got}, want {want}")
    finally:
        rec.kill()
    return problems


def kill_and_restart(binary, work):
    problems = []
    jobs = [(f"k-{i}", payload(f"KILL-{i}", 1_700_000_000_000 + i, STATUSES[i % 3])) for i in range(3000)]
    rec = Recorder(binary, work, ["--out", "kill", "--apply", "--db", "kill.db"])
    statuses = {}
    try:
        # SIGKILL under load: once a quarter of the deliveries have been answered.
        statuses = send_all(rec, jobs, 8, after=(len(jobs) // 4, rec.proc.kill))
    finally:
        rec.kill()
    acknowledged = {d for d, s in statuses.items() if s is not None and 200 <= s < 300}
    if not acknowledged:
        return ["no delivery was acknowledged before the kill"]
    if len(acknowledged) == len(jobs):
        problems.append("every delivery was answered before the kill: the kill came too late")
    ids = [line["headers"]["x-atlassian-webhook-identifier"] for line in capture_lines(os.path.join(work, "kill"))]
    if len(ids) != len(set(ids)):
        problems.append("a delivery is in the capture twice")
    missing = acknowledged - set(ids)
    if missing:
        problems.append(f"{len(missing)} acknowledged deliveries are not in the capture: {sorted(missing)[:5]}")
    # The restart catches up before it listens: once it is ready, the state is complete.
    rec = Recorder(binary, work, ["--out", "kill", "--apply", "--db", "kill.db"])
    try:
        code = rec.terminate()
        if code != 0:
            problems.append(f"restart: exit status {code}")
    finally:
        rec.kill()
    db = os.path.join(work, "kill.db")
    state = alerts(binary, db)
    lost = [d for d in acknowledged if f"KILL-{d[2:]}" not in state]
    if lost:
        problems.append(f"{len(lost)} acknowledged deliveries are not in the state: {sorted(lost)[:5]}")
    events = count(db, "SELECT count(*) FROM events")
    if events != len(ids):
        problems.append(f"{events} events for {len(ids)} captured deliveries: some applied twice or never")
    replay(binary, work, "kill", "kill-replay.db")
    if alerts(binary, os.path.join(work, "kill-replay.db")) != state:
        problems.append("the state after the restart differs from a replay of the capture")
    print(f"     ({len(acknowledged)} of {len(jobs)} deliveries acknowledged before the kill, "
          f"{len(ids)} captured)")
    return problems


def scoped(binary, work):
    """record --apply --jql: only the issues the scope matches get alerts, by the labels
    that only the scope reads; the state equals a replay of the capture with the scope."""
    problems = []
    scope = "labels = oncall AND project != OTHER"
    jobs = []
    for i in range(12):
        doc = json.loads(payload(f"{'OTHER' if i % 3 == 0 else 'SC'}-{i}", 1_700_000_000_000 + i))
        doc["issue"]["fields"]["labels"] = ["oncall"] if i % 2 == 0 else ["later"]
        jobs.append((f"sc-{i}", json.dumps(doc).encode()))
    rec = Recorder(binary, work, ["--out", "sc", "--apply", "--db", "sc.db", "--jql", scope])
    try:
        statuses = send_all(rec, jobs, 1)
        if any(s != 204 for s in statuses.values()):
            problems.append(f"not all 204: {statuses}")
    finally:
        code = rec.terminate()
    if code != 0:
        problems.append(f"exit status {code}")
    out = subprocess.run([binary, "replay", "--quiet", "--db", os.path.join(work, "sc-r.db"),
                          "--jql", scope, "sc"], cwd=work, capture_output=True, timeout=TIMEOUT)
    if out.returncode != 0:
        problems.append(f"replay --jql: {out.stderr.decode()[-300:]}")
    live = alerts(binary, os.path.join(work, "sc.db"))
    want = sorted(f"SC-{i}" for i in range(12) if i % 2 == 0 and i % 3 != 0)
    if sorted(live) != want:
        problems.append(f"alerts {sorted(live)}, want {want}")
    if live != alerts(binary, os.path.join(work, "sc-r.db")):
        problems.append("--apply --jql state differs from replay --jql of the capture")
    return problems


def settings(binary, work):
    """record --apply decides with the settings the state file records: other mapping
    options are refused (exit 2) before it listens; with --remap the recorded history
    is decided again under them, and new deliveries too; a rebuild by another command
    while it runs is followed by the next deliveries."""
    problems = []
    doc = json.loads(payload("ST-1", 1_700_000_000_000))
    doc["issue"]["fields"]["priority"] = {"name": "P1"}
    rec = Recorder(binary, work, ["--out", "st", "--apply", "--db", "st.db"])
    try:
        if rec.post(json.dumps(doc).encode()) != 204:
            problems.append("the first delivery was not answered 204")
    finally:
        rec.terminate()
    refused = subprocess.run([binary, "record", "--listen", "127.0.0.1:0", "--out", "st",
                              "--apply", "--db", "st.db", "--priority", "P1=CRITICAL"],
                             cwd=work, capture_output=True, timeout=TIMEOUT,
                             stdin=subprocess.DEVNULL)
    if refused.returncode != 2 or b"--remap" not in refused.stderr:
        problems.append(f"other settings: exit {refused.returncode}, {refused.stderr[-300:]}")
    if b"listening" in refused.stderr:
        problems.append("other settings: it listened before refusing")
    rec = Recorder(binary, work, ["--out", "st", "--apply", "--db", "st.db", "--remap",
                                  "--priority", "P1=CRITICAL"])
    try:
        doc = json.loads(payload("ST-2", 1_700_000_000_001))
        doc["issue"]["fields"]["priority"] = {"name": "P1"}
        if rec.post(json.dumps(doc).encode()) != 204:
            problems.append("the delivery after --remap was not answered 204")
    finally:
        rec.terminate()
    out = subprocess.run([binary, "alerts", "--db", "st.db", "--format", "csv", "--no-header"],
                         cwd=work, capture_output=True, text=True, timeout=TIMEOUT)
    levels = sorted(line.split(",")[2] for line in out.stdout.splitlines())
    if levels != ["CRITICAL", "CRITICAL"]:
        problems.append(f"after --remap: priorities {levels}, want both CRITICAL")
    # A rebuild by another command while it runs: the next deliveries follow it.
    rec = Recorder(binary, work, ["--out", "st", "--apply", "--db", "st.db"])
    try:
        rebuilt = subprocess.run([binary, "rebuild", "--db", "st.db", "--priority", "P1=LOW"],
                                 cwd=work, capture_output=True, timeout=TIMEOUT)
        if rebuilt.returncode != 0:
            problems.append(f"rebuild beside record: {rebuilt.stderr[-300:]}")
        doc = json.loads(payload("ST-3", 1_700_000_000_002))
        doc["issue"]["fields"]["priority"] = {"name": "P1"}
        if rec.post(json.dumps(doc).encode()) != 204:
            problems.append("the delivery after the rebuild was not answered 204")
    finally:
        rec.terminate()
    if "settings changed" not in rec.stderr():
        problems.append("record did not say that the settings changed")
    out = subprocess.run([binary, "alerts", "--db", "st.db", "--format", "csv", "--no-header"],
                         cwd=work, capture_output=True, text=True, timeout=TIMEOUT)
    levels = sorted(line.split(",")[2] for line in out.stdout.splitlines())
    if levels != ["LOW", "LOW", "LOW"]:
        problems.append(f"after a rebuild beside record: priorities {levels}, want all LOW")
    return problems


SOURCES = """
[[source]]
name = "kan"
path = "/kan"

[[source]]
name = "ops"
jql = "project = OPS"
path = "/ops"

[[source]]
name = "everything"
"""


def per_source(db):
    """{source: sorted fingerprints} of the state file DB."""
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=TIMEOUT)
    try:
        rows = con.execute("SELECT s.name, a.fingerprint FROM alerts a JOIN alert_sources s "
                           "ON s.id = a.alert_source_id ORDER BY 1, 2").fetchall()
    finally:
        con.close()
    out = {}
    for name, key in rows:
        out.setdefault(name, []).append(key)
    return out


def sources_by_path(binary, work):
    """record --apply with sources fed by paths: a delivery goes to the sources of the
    path it came to (within their scope) and to those without a path; a replay of the
    capture with the same config routes it the same way, by the path each line records."""
    problems = []
    with open(os.path.join(work, "teams.toml"), "w") as fh:
        fh.write(SOURCES)
    deliveries = [("/kan", "KAN-1"), ("/ops", "OPS-1"), ("/ops", "KAN-2"), ("/other", "X-1")]
    rec = Recorder(binary, work, ["--out", "tp", "--apply", "--db", "tp.db",
                                  "--config", "teams.toml"])
    try:
        for i, (path, key) in enumerate(deliveries):
            doc = json.loads(payload(key, 1_700_000_000_000 + i))
            doc["issue"]["fields"]["project"] = {"key": key.split("-")[0]}
            if rec.post(json.dumps(doc).encode(), path=path) != 204:
                problems.append(f"{path} {key}: not answered 204")
    finally:
        code = rec.terminate()
    if code != 0:
        problems.append(f"exit status {code}")
    want = {"kan": ["KAN-1"], "ops": ["OPS-1"], "everything": ["KAN-1", "KAN-2", "OPS-1", "X-1"]}
    live = per_source(os.path.join(work, "tp.db"))
    if live != want:
        problems.append(f"alerts by source {live}, want {want}")
    out = subprocess.run([binary, "replay", "--quiet", "--db", "tp-r.db", "--config", "teams.toml",
                          "tp"], cwd=work, capture_output=True, timeout=TIMEOUT)
    if out.returncode != 0:
        problems.append(f"replay of the capture: {out.stderr.decode()[-300:]}")
    elif per_source(os.path.join(work, "tp-r.db")) != want:
        problems.append(f"replay of the capture: {per_source(os.path.join(work, 'tp-r.db'))}")
    # Without a source that takes every path, a delivery to another path is logged once,
    # for no source, and said why.
    with open(os.path.join(work, "paths.toml"), "w") as fh:
        fh.write(SOURCES[:SOURCES.index('[[source]]\nname = "everything"')])
    out = subprocess.run([binary, "replay", "--db", "tp-p.db", "--config", "paths.toml",
                          "--format", "jsonl", "tp"], cwd=work, capture_output=True,
                         timeout=TIMEOUT)
    records = [json.loads(line) for line in out.stdout.decode().splitlines()]
    other = [r["reason"] for r in records if r["fingerprint"] == "X-1"]
    if other != ["recorded at '/other', a path that feeds no source"]:
        problems.append(f"a delivery to a path that feeds no source: {other}")
    # record --apply --source: deliveries to a left-out source's path are logged for no
    # source, and said once per path on standard error.
    rec = Recorder(binary, work, ["--out", "tl", "--apply", "--db", "tl.db",
                                  "--config", "paths.toml", "--source", "kan"])
    try:
        for i, path in enumerate(["/ops", "/ops", "/kan"]):
            if rec.post(payload(f"OPS-{i + 1}", 1_700_000_000_000 + i), path=path) != 204:
                problems.append(f"--source kan, {path}: not answered 204")
    finally:
        code = rec.terminate()
    said = rec.stderr().count("recorded at '/ops', the path of source 'ops', which this run "
                              "does not decide for: logged for no source")
    if code != 0 or said != 1:
        problems.append(f"--source kan: exit {code}, the left-out path said {said} times: "
                        f"{rec.stderr()[-400:]}")
    if per_source(os.path.join(work, "tl.db")) != {"kan": ["OPS-3"]}:
        problems.append(f"--source kan: {per_source(os.path.join(work, 'tl.db'))}")
    return problems


def stop_line(binary, work):
    """record --apply stops with the count of the payloads it applied, in words."""
    rec = Recorder(binary, work, ["--out", "one", "--apply", "--db", "one.db"])
    try:
        status = rec.post(payload("ONE-1", 1_700_000_000_000))
    finally:
        code = rec.terminate()
    last = rec.stderr().strip().splitlines()[-1]
    if status != 204 or code != 0 or last != "jira-alerts: record: stopped: 1 payload applied":
        return [f"answer {status}, exit {code}, last line {last!r}"]
    return []


if __name__ == "__main__":
    sys.exit(main("jira-alerts-apply-", [
        ("--apply: the state equals a replay of the capture", equals_replay),
        ("--apply --jql: only the scope's issues, as a replay with it", scoped),
        ("kill -9 under load, restart: every 2xx applied once", kill_and_restart),
        ("--apply with other settings: refused, or --remap", settings),
        ("--apply with sources fed by paths: each delivery to its path's sources",
         sources_by_path),
        ("--apply: the last line counts the payloads applied", stop_line),
    ]))
