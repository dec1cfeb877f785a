#!/usr/bin/env python3
"""Every real Jira payload in shared/corpus/real gets the decision SPEC §4 allows.

Each file is replayed on its own into a fresh state file. The program must not
crash; an issue event must be decided (open/update/resolve/...) unless the payload
is unusable by the rules of SPEC §4, which this script checks independently:
duplicate members the rules read, a field the rules read of the wrong type, a
timestamp that is neither integer milliseconds nor ISO-8601, an unusable key.
Other events are ignored.
Usage: real_corpus.py BINARY SHARED_DIR   (exit 77 = skipped: no shared folder)
"""
import json
import os
import re
import subprocess
import sys
import tempfile

ISSUE_EVENTS = {"jira:issue_created", "jira:issue_updated", "jira:issue_deleted"}
ISO = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}([.,]\d+)?)?([Zz]|[+-]\d{2}(:?\d{2})?)?$")
READ = {  # path of an object -> members the rules read
    (): {"webhookEvent", "timestamp", "issue", "changelog", "transition", "user"},
    ("issue",): {"key", "id", "fields"},
    ("issue", "fields"): {"status", "priority", "summary", "project"},
    ("issue", "fields", "status"): {"name", "statusCategory"},
    ("issue", "fields", "status", "statusCategory"): {"key"},
    ("issue", "fields", "priority"): {"name"},
    ("issue", "fields", "project"): {"key"},
    ("changelog",): {"id", "items"},
    ("transition",): {"to_status"},
    ("user",): {"displayName"},
}


class Unusable(Exception):
    pass


def pairs_checker(pairs):
    return pairs  # keep duplicates visible


def walk(node, path):
    """Returns a dict view of NODE (a list of pairs), checking duplicates the rules read."""
    if not isinstance(node, list) or (node and not isinstance(node[0], tuple)):
        return node
    read = READ.get(path, set())
    seen = set()
    out = {}
    for key, value in node:
        if key in read:
            if key in seen:
                raise Unusable(f"field {'.'.join(path + (key,))} appears twice")
            seen.add(key)
        out[key] = walk(value, path + (key,)) if key in read else value
    return out


def expect_type(value, types, what):
    if value is not None and not isinstance(value, types):
        raise Unusable(f"{what} has type {type(value).__name__}")


def unusable_reason(text):
    """None when the payload is usable under SPEC §4, else why not."""
    try:
        doc = json.loads(text, object_pairs_hook=pairs_checker)
    except ValueError as e:
        return f"invalid JSON: {e}"
    if not isinstance(doc, list) or (doc and not isinstance(doc[0], tuple)):
        return "not an object"
    try:
        p = walk(doc, ())
        event = p.get("webhookEvent")
        if "webhookEvent" in p and not isinstance(event, str):
            return "webhookEvent is not a string"
        ts = p.get("timestamp")
        if isinstance(ts, bool) or (ts is not None and not isinstance(ts, (int, str))):
            return "timestamp of the wrong type"
        if isinstance(ts, str) and not ISO.match(ts):
            return f"timestamp {ts!r} is not ISO-8601"
        for name in ("issue", "changelog", "transition", "user"):
            expect_type(p.get(name), dict, name)
        issue = p.get("issue") or {}
        expect_type(issue.get("key"), str, "issue.key")
        expect_type(issue.get("id"), (str, int), "issue.id")
        expect_type(issue.get("fields"), dict, "issue.fields")
        fields = issue.get("fields") or {}
        expect_type(fields.get("status"), dict, "status")
        expect_type(fields.get("priority"), (dict, str), "priority")
        expect_type(fields.get("summary"), str, "summary")
        expect_type(fields.get("project"), dict, "project")
        if event is None and not (p.get("issue") is not None and p.get("transition") is not None):
            return "no webhookEvent"
        effective = event or "jira:issue_updated"
        if effective in ISSUE_EVENTS:
            key = issue.get("key")
            if not isinstance(key, str) or not (1 <= len(key.encode()) <= 255) or \
                    any(c.isspace() or ord(c) < 32 for c in key):
                return "no usable issue.key"
    except Unusable as e:
        return str(e)
    return None


def main():
    binary, shared = os.path.abspath(sys.argv[1]), sys.argv[2]
    corpus = os.path.join(shared, "corpus", "real")
    if not os.path.isdir(corpus):
        print(f"skipped: no corpus at {corpus}")
        return 77
    files = sorted(os.path.join(d, f) for d, _, names in os.walk(corpus) for f in names
                   if f.endswith(".json"))
    failures = []
    counts = {}
    with tempfile.TemporaryDirectory(prefix="jira-alerts-real-") as work:
        for i, path in enumerate(files):
            db = os.path.join(work, f"{i}.db")
            proc = subprocess.run([binary, "replay", "--db", db, "--format", "jsonl", path],
                                  capture_output=True, text=True)
            name = os.path.relpath(path, corpus)
            if proc.returncode not in (0, 1):
                failures.append(f"{name}: exit status {proc.returncode}: {proc.stderr.strip()}")
                continue
            records = [json.loads(line) for line in proc.stdout.splitlines()]
            if len(records) != 1:
                failures.append(f"{name}: {len(records)} decisions for one payload")
                continue
            action = records[0]["action"]
            counts[action] = counts.get(action, 0) + 1
            text = open(path, encoding="utf-8-sig").read()
            reason = unusable_reason(text)
            doc = json.loads(text)
            event = doc.get("webhookEvent") if isinstance(doc, dict) else None
            is_issue = (event in ISSUE_EVENTS or
                        (event is None and isinstance(doc, dict) and doc.get("issue") is not None
                         and doc.get("transition") is not None))
            if reason:
                if action != "reject":
                    failures.append(f"{name}: unusable ({reason}) but decided {action!r}")
            elif action == "reject":
                failures.append(f"{name}: usable but rejected: {records[0]['reason']}")
            elif is_issue and action not in ("open", "update", "resolve", "reopen"):
                failures.append(f"{name}: issue event decided {action!r}")
            elif not is_issue and action != "ignore":
                failures.append(f"{name}: {event!r} decided {action!r}, expected ignore")
            if proc.returncode != (1 if action == "reject" else 0):
                failures.append(f"{name}: exit status {proc.returncode} for {action!r}")
    for f in failures:
        print("FAIL " + f)
    print(f"{len(files)} files: " + ", ".join(f"{v} {k}" for k, v in sorted(counts.items())))
    print(f"{len(files) - len(failures)} passed, {len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
