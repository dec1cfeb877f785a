#!/usr/bin/env python3
"""One capture of a whole site, split into sources, equals per-source replays.

Each generated site-wide history (in order; Server shape; shuffled with payloads
delivered twice: late payloads, duplicates, merges of moved issues) is replayed once
with a config of several sources: four split by project, one of them with mapping
settings of its own, and one that overlaps them all (by priority). Then, for every
source, the same payloads are replayed into a state file of its own with the source's
scope alone (--jql) and its settings. Each source of the shared file must equal its
own file in every row of alerts, aliases, episodes and the decisions of each alert's
event log, compared by key (ids differ); and a source scoped by project alone must
equal a replay, with no scope, of its projects' payloads filtered here. A payload no source takes is logged once,
for no source, and the payloads of a source are replayed again under --source alone
without a change.
Usage: sources.py BINARY SHARED_DIR   (exit 77 = skipped: no shared folder)
"""
import json
import os
import re
import sqlite3
import subprocess
import sys

from variants import run_variants

# name, scope, the source's own settings (over the top-level ones): {table: TOML lines}
SOURCES = [
    ("payments", "project = PAY",
     {"priority": 'default = "HIGH"', "priority.map": 'Minor = "MEDIUM"'}),
    ("platform", "project in (SRE, INFRA)", {}),
    ("product", "project in (WEB, KAN) OR labels = customer-facing", {}),
    ("data", "project IN (DATA, SEC)", {"status": "category = false"}),
    ("urgent", "priority in (Highest, Blocker, Critical)", {}),
]
TOP = {"priority.map": 'Major = "CRITICAL"'}


def toml(settings, prefix=""):
    return "".join(f"[{prefix}{table}]\n{lines}\n" for table, lines in settings.items())


def merged(own):
    out = dict(TOP)
    for table, lines in own.items():
        out[table] = out[table] + "\n" + lines if table in out else lines
    return out
VARIANTS = [
    ("in-order", ["--issues", "80", "--events", "900", "--seed", "4"]),
    ("server", ["--issues", "50", "--events", "600", "--seed", "9", "--server"]),
    ("shuffled-duplicated", ["--issues", "60", "--events", "800", "--seed", "13",
                             "--shuffle", "0.3", "--duplicates", "0.2"]),
]
# Each query takes the source's id (?1) and reads its rows by key, not by id.
QUERIES = {
    "alerts": "SELECT fingerprint, project, state, priority, jira_priority, status, summary, "
              "opened_at, resolved_at, updated_at, events, reopens FROM alerts "
              "WHERE alert_source_id = ?1 ORDER BY fingerprint",
    "aliases": "SELECT l.key, a.fingerprint FROM aliases l JOIN alerts a ON a.id = l.alert_id "
               "WHERE l.alert_source_id = ?1 ORDER BY l.key",
    "episodes": "SELECT a.fingerprint, e.seq, e.opened_at, e.resolved_at, e.priority "
                "FROM episodes e JOIN alerts a ON a.id = e.alert_id "
                "WHERE a.alert_source_id = ?1 ORDER BY a.fingerprint, e.seq",
    "decisions": "SELECT a.fingerprint, e.line, e.issue_key, e.action, e.rule, e.state, "
                 "e.priority, e.warnings FROM events e JOIN alerts a ON a.id = e.alert_id "
                 "WHERE a.alert_source_id = ?1 ORDER BY a.fingerprint, e.id",
}


def source_id(db, name):
    with sqlite3.connect(db) as con:
        return con.execute("SELECT id FROM alert_sources WHERE name = ?", (name,)).fetchone()[0]


def tables(db, name):
    sid = source_id(db, name)
    with sqlite3.connect(db) as con:
        return {t: con.execute(sql, (sid,)).fetchall() for t, sql in QUERIES.items()}


def run(binary, *args):
    done = subprocess.run([binary, *args], capture_output=True, text=True)
    if done.returncode != 0:
        raise AssertionError(f"{' '.join(args)}: exit {done.returncode}: {done.stderr.strip()}")
    return done


def write(path, text):
    with open(path, "w") as fh:
        fh.write(text)


def differences(name, got, want):
    out = []
    for table in QUERIES:
        if got[table] != want[table]:
            extra = [r for r in got[table] if r not in want[table]][:2]
            missing = [r for r in want[table] if r not in got[table]][:2]
            out.append(f"{name}: {table} differs: extra {extra}, missing {missing}")
    return out


def project_of(line):
    """The project of a payload's issue (its project key, else its key's prefix)."""
    try:
        issue = json.loads(line).get("issue") or {}
    except ValueError:
        return None
    project = ((issue.get("fields") or {}).get("project") or {}).get("key")
    return project or (issue.get("key") or "").partition("-")[0] or None


def check_by_project(binary, folder, name, history, site):
    """The sources scoped by project alone equal a replay of their projects' payloads,
    filtered here, with no scope at all: the routing is checked by a second means."""
    with open(history, "rb") as fh:
        lines = fh.readlines()
    problems = []
    for source, scope, own in SOURCES:
        match = re.fullmatch(r"project (?:=|in|IN) \(?([A-Z, ]+)\)?", scope)
        if not match:
            continue
        projects = {p.strip() for p in match.group(1).split(",")}
        filtered = os.path.join(folder, f"{source}-only.ndjson")
        with open(filtered, "wb") as fh:
            fh.writelines(l for l in lines if project_of(l) in projects)
        config = os.path.join(folder, f"{source}-only.toml")
        write(config, toml(merged(own)))
        db = os.path.join(folder, f"{source}-only.db")
        run(binary, "replay", "--db", db, "--quiet", "--config", config, filtered)
        got, want = tables(site, source), tables(db, "jira")
        # Lines differ (the filtered file is shorter): compare the decisions without them.
        for t in (got, want):
            t["decisions"] = [r[:1] + r[2:] for r in t["decisions"]]
        problems += differences(f"{name}/{source} by project", got, want)
    return problems


def check_variant(binary, generator, work, name, args):
    folder = os.path.join(work, name)
    os.makedirs(folder)
    history = os.path.join(folder, "site.ndjson")
    with open(history, "wb") as fh:
        subprocess.run([sys.executable, generator] + args, stdout=fh, check=True)
    config = os.path.join(folder, "teams.toml")
    write(config, toml(TOP) + "".join(f'\n[[source]]\nname = "{n}"\njql = "{q}"\n' +
                                      toml(own, "source.") for n, q, own in SOURCES))
    site = os.path.join(folder, "site.db")
    run(binary, "replay", "--db", site, "--quiet", "--config", config, history)
    problems = []
    counts = {}
    for source, scope, own in SOURCES:
        alone_config = os.path.join(folder, f"{source}.toml")
        write(alone_config, toml(merged(own)))
        alone = os.path.join(folder, f"{source}.db")
        run(binary, "replay", "--db", alone, "--quiet", "--config", alone_config, "--jql", scope,
            history)
        got, want = tables(site, source), tables(alone, "jira")
        counts[source] = len(want["alerts"])
        problems += differences(f"{name}/{source}", got, want)
    with sqlite3.connect(site) as con:
        outside = con.execute("SELECT count(*) FROM events WHERE alert_source_id IS NULL "
                              "AND rule = 'out_of_scope' AND alert_id IS NULL").fetchone()[0]
        unrouted = con.execute("SELECT count(*) FROM events WHERE alert_source_id IS NULL "
                               "AND rule != 'out_of_scope'").fetchone()[0]
    if unrouted:
        problems.append(f"{name}: {unrouted} events without a source that are not out of scope")
    if min(counts.values()) == 0 or outside == 0:
        problems.append(f"{name}: the variant does not exercise every source and the outside: "
                        f"{counts}, {outside} outside")
    problems += check_by_project(binary, folder, name, history, site)
    # Again, one source at a time: everything is a duplicate, nothing changes.
    before = tables(site, "payments")
    run(binary, "replay", "--db", site, "--quiet", "--source", "payments", history)
    if tables(site, "payments")["alerts"] != before["alerts"]:
        problems.append(f"{name}: replaying payments again changed its alerts")
    for p in problems:
        print("FAIL", p)
    print(f"{name}: alerts per source {counts}, {outside} payloads outside every scope")
    return not problems


if __name__ == "__main__":
    sys.exit(run_variants(check_variant, VARIANTS, "ja-sources-"))
