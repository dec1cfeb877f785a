#!/usr/bin/env python3
"""Hostile input gets a clear rejection, never a crash, hang or runaway memory.

Every case writes one input file in a temporary folder (nothing big is committed):
a valid payload (HEAD-1), the hostile bytes, then a valid payload (TAIL-1) on a
line of its own, and replays it into a fresh state file under a 1 GiB address
space limit (RLIMIT_AS) and a generous timeout that only a hang can reach.
Each case then checks:
  - the exit status (1 when something is rejected, 0 when everything is valid;
    'decided' cases may be either, but must be consistent with what happened),
    and no signal;
  - one `jira-alerts: PATH:LINE:COLUMN: REASON` line on stderr per rejected
    payload (naming the reason where the case says which), and a stderr of
    bounded size (the hostile bytes are not echoed back);
  - one `reject` decision record per rejected payload, and the same number of
    rows in the rejects table (a payload over 64 MiB keeps its full size and
    only its first 64 KiB);
  - HEAD-1 and TAIL-1 are applied (`alerts --format jsonl`), and the payload
    carrying the hostile bytes is applied exactly when it was not rejected;
  - `PRAGMA integrity_check` says ok.
Usage: hostile.py BINARY [SHARED_DIR]   (the shared folder is not needed)
"""
import gzip
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile

sys.dont_write_bytecode = True  # keep the source tree clean of __pycache__
from common import Checks, alerts, describe_status, integrity, query, run

BASE_TS = 1_767_225_600_000  # 2026-01-01T00:00:00Z
DEEP = 500_000
MIB = 1 << 20


def payload(key, ts, summary=None, extra=None, status="Open", fields_extra=None):
    """One valid jira:issue_created payload as a dict."""
    fields = {"status": {"name": status, "statusCategory": {"key": "new"}},
              "priority": {"name": "High"}, "summary": summary or f"summary of {key}",
              "project": {"key": key.rsplit("-", 1)[0]}}
    if fields_extra:
        fields.update(fields_extra)
    p = {"webhookEvent": "jira:issue_created", "timestamp": ts,
         "issue": {"id": "10001", "key": key, "fields": fields}}
    if extra:
        p.update(extra)
    return p


def line(p):
    return json.dumps(p, ensure_ascii=False).encode("utf-8")


HEAD = line(payload("HEAD-1", BASE_TS))
TAIL = line(payload("TAIL-1", BASE_TS + 1000))


def with_member(raw_value, key="BAD-1"):
    """A valid payload for `key` whose ignored member 'x' holds raw_value (bytes)."""
    base = line(payload(key, BASE_TS + 500))
    assert base.endswith(b"}")
    return base[:-1] + b', "x": ' + raw_value + b"}"


def with_field(path, raw_value, key="BAD-1"):
    """A payload for `key` with the field at `path` (dotted) replaced by raw_value (bytes)."""
    marker = "@@MARK@@"
    p = payload(key, BASE_TS + 500)
    p.setdefault("changelog", {"id": "10100", "items": []})
    node = p
    parts = path.split(".")
    for part in parts[:-1]:
        node = node.setdefault(part, {})
    node[parts[-1]] = marker
    return line(p).replace(json.dumps(marker).encode(), raw_value)


class Case:
    """One hostile input.

    parts: list of bytes (or callables writing to a file object) forming the middle
    rejects: expected number of rejected payloads; 'decided' means 0 or 1
    reason: regex the reason of (every) reject line must match
    bad_key: the key of the hostile payload, applied exactly when not rejected
    """

    def __init__(self, name, parts, rejects=1, reason=None, bad_key=None, head=True,
                 tail=True, extra_inputs=None, line_no=None, oversize=False, check=None,
                 gzip=False, cut=0, unreadable=False):
        self.name = name
        self.parts = parts
        self.rejects = rejects
        self.reason = reason
        self.bad_key = bad_key
        self.head = head
        self.tail = tail
        self.extra_inputs = extra_inputs or []
        self.line_no = line_no
        self.oversize = oversize
        self.check = check
        self.gzip = gzip  # the whole input gzip-compressed
        self.cut = cut  # bytes cut off the end of the (compressed) file
        self.unreadable = unreadable  # exit status 2 (an unreadable input) is acceptable


def deep_arrays(n):
    return b"[" * n + b"]" * n


def deep_objects(n):
    return b'{"a":' * n + b"1" + b"}" * n


def many_keys(n, prefix="k"):
    return b",".join(b'"%s%d":%d' % (prefix.encode(), i, i % 10) for i in range(n))


def two_million_keys_top(fh):
    """A valid payload whose top-level object has 2,000,000 extra members."""
    base = line(payload("BAD-1", BASE_TS + 500))
    fh.write(base[:-1] + b"," + many_keys(2_000_000) + b"}")


def two_million_keys_fields(fh):
    """A valid payload whose issue.fields object has 2,000,000 extra members."""
    base = line(payload("BAD-1", BASE_TS + 500, fields_extra={"zz": 0}))
    marker = b'"zz": 0'
    assert marker in base
    fh.write(base.replace(marker, many_keys(2_000_000, "customfield_")))


def two_million_repeats(fh):
    """A valid payload whose ignored member 'x' is repeated 2,000,000 times."""
    base = line(payload("BAD-1", BASE_TS + 500))
    fh.write(base[:-1] + b"," + b",".join([b'"x":1'] * 2_000_000) + b"}")


def huge_string(fh):
    """A valid payload whose ignored member holds a 100 MB string."""
    base = line(payload("BAD-1", BASE_TS + 500))
    fh.write(base[:-1] + b', "x": "')
    chunk = b"a" * MIB
    for _ in range(100):
        fh.write(chunk)
    fh.write(b'"}')


def spaces(fh):
    chunk = b" " * MIB
    for _ in range(50):
        fh.write(chunk)


def zeros(fh):
    chunk = b"\0" * MIB
    for _ in range(200):
        fh.write(chunk)


def binary(size):
    return random.Random(1).randbytes(size)


def build_cases():
    digits = b"9" * 5000
    bad = "BAD-1"
    cases = [
        # Nesting, as a whole payload and inside a member of a valid one.
        Case("nesting: 500,000 arrays as a payload", [deep_arrays(DEEP)]),
        Case("nesting: 500,000 objects as a payload", [deep_objects(DEEP)]),
        Case("nesting: 500,000 arrays in a member", [with_member(deep_arrays(DEEP))],
             bad_key=bad, reason=r"(?i)nest|deep"),
        Case("nesting: 500,000 objects in a member", [with_member(deep_objects(DEEP))],
             bad_key=bad, reason=r"(?i)nest|deep"),
        Case("nesting: 500,000 unclosed arrays", [b"[" * DEEP]),
        Case("nesting: 500,000 unclosed objects in a member",
             [line(payload(bad, BASE_TS + 500))[:-1] + b', "x": ' + b'{"a":' * DEEP],
             bad_key=bad),
        # Sizes.
        Case("size: 100 MB string in a member", [huge_string], bad_key=bad,
             reason=r"payload of \d+ bytes is larger than the limit of 64 MiB", oversize=True),
        Case("size: 50 MB line of spaces", [spaces], rejects=0),
        Case("size: 2,000,000 keys in the payload object", [two_million_keys_top],
             rejects="decided", bad_key=bad),
        Case("size: 2,000,000 keys in issue.fields", [two_million_keys_fields],
             rejects="decided", bad_key=bad),
        Case("size: 2,000,000 repeats of one ignored key",
             [two_million_repeats],
             rejects="decided", bad_key=bad),
        # Binary and control bytes.
        Case("binary: 1 MiB of random bytes", [binary(MIB)], rejects="some"),
        Case("binary: 1 MiB of random bytes alone", [binary(MIB)], rejects="some",
             head=False, tail=False),
        Case("NUL: raw NUL byte in the summary",
             [line(payload(bad, BASE_TS + 500, summary="before@after")).replace(b"@", b"\0")],
             bad_key=bad, line_no=2),
        Case("NUL: raw NUL byte in an ignored member", [with_member(b'"a\0b"')],
             bad_key=bad, line_no=2),
        Case("NUL: raw NUL byte between tokens",
             [line(payload(bad, BASE_TS + 500)).replace(b', "issue"', b',\0"issue"')],
             bad_key=bad, line_no=2),
        Case("NUL: NUL bytes on a line of their own", [b"\0" * 1000], rejects="some"),
        Case("NUL: escaped \\u0000 in the summary",
             [line(payload(bad, BASE_TS + 500)).replace(b'"summary of BAD-1"',
                                                        b'"before\\u0000after"')],
             rejects="decided", bad_key=bad,
             check=lambda got: None if got.get("summary") == "before\u0000after" else
             f"summary stored as {got.get('summary')!r}, sent 'before\\u0000after'"),
        # Numbers.
        Case("number: 5,000 digits as timestamp", [with_field("timestamp", digits)],
             bad_key=bad, reason=r"timestamp|number"),
        Case("number: 5,000 digits as issue.id", [with_field("issue.id", digits)],
             rejects="decided", bad_key=bad),
        Case("number: 5,000 digits as changelog.id", [with_field("changelog.id", digits)],
             rejects="decided", bad_key=bad),
        Case("number: 5,000 digits in an ignored member", [with_member(digits)],
             rejects="decided", bad_key=bad),
        Case("number: 1e999999 as timestamp", [with_field("timestamp", b"1e999999")],
             bad_key=bad, reason=r"timestamp|number"),
        Case("number: -5,000 digits as timestamp", [with_field("timestamp", b"-" + digits)],
             bad_key=bad, reason=r"timestamp|number"),
        # Wrong types.
        Case("type: issue is 42", [with_field("issue", b"42")], bad_key=bad,
             reason=r"'issue'"),
        Case("type: timestamp is 'yesterday'", [with_field("timestamp", b'"yesterday"')],
             bad_key=bad, reason=r"'timestamp'"),
        Case("type: webhookEvent is 7", [with_field("webhookEvent", b"7")], bad_key=bad,
             reason=r"webhookEvent"),
        Case("type: issue.fields.status is 'Open'",
             [with_field("issue.fields.status", b'"Open"')], bad_key=bad,
             reason=r"issue\.fields\.status"),
        Case("type: changelog.items is 'x'", [with_field("changelog.items", b'"x"')],
             bad_key=bad, reason=r"changelog\.items"),
        Case("type: changelog.items is [1]", [with_field("changelog.items", b"[1]")],
             bad_key=bad, reason=r"changelog\.items"),
        Case("type: issue.key is 42", [with_field("issue.key", b"42")], bad_key=bad,
             reason=r"issue\.key"),
        Case("type: issue.fields.priority is 5",
             [with_field("issue.fields.priority", b"5")], bad_key=bad,
             reason=r"issue\.fields\.priority"),
        Case("type: issue.fields.summary is []",
             [with_field("issue.fields.summary", b"[]")], bad_key=bad,
             reason=r"issue\.fields\.summary"),
        Case("type: issue.fields is true", [with_field("issue.fields", b"true")],
             bad_key=bad, reason=r"issue\.fields"),
        Case("type: timestamp is 1.5", [with_field("timestamp", b"1.5")], bad_key=bad,
             reason=r"timestamp"),
        Case("type: payload is a string", [b'"jira:issue_created"'], reason=r"(?i)object"),
        Case("type: payload is null", [b"null"], reason=r"(?i)object"),
        # Truncated payloads.
        Case("truncated: half an NDJSON line",
             [line(payload(bad, BASE_TS + 500))[:150]], bad_key=bad, line_no=2),
        Case("truncated: half a pretty-printed payload",
             [json.dumps(payload(bad, BASE_TS + 500), indent=2).encode()[:200]],
             bad_key=bad),
        Case("truncated: inside a string at the end of the input",
             [line(payload(bad, BASE_TS + 500))[:100]], bad_key=bad, tail=False),
        Case("truncated: an unterminated string before a valid line",
             [b'{"webhookEvent": "jira:issue_created", "x": "never closed'], bad_key=bad),
        # Invalid UTF-8, in read and in ignored members.
        Case("UTF-8: 0xFF in the summary",
             [line(payload(bad, BASE_TS + 500, summary="a@b")).replace(b"@", b"\xff")],
             bad_key=bad, reason=r"(?i)utf-?8|encoding|invalid"),
        Case("UTF-8: overlong '/' in the summary",
             [line(payload(bad, BASE_TS + 500, summary="a@b")).replace(b"@", b"\xc0\xaf")],
             bad_key=bad, reason=r"(?i)utf-?8|encoding|invalid"),
        Case("UTF-8: encoded surrogate in the summary",
             [line(payload(bad, BASE_TS + 500, summary="a@b")).replace(b"@", b"\xed\xa0\x80")],
             bad_key=bad, reason=r"(?i)utf-?8|encoding|invalid"),
        Case("UTF-8: cut multi-byte sequence in the issue key",
             [line(payload("BAD-1@", BASE_TS + 500)).replace(b"@", b"\xe2\x82")],
             reason=r"(?i)utf-?8|encoding|invalid"),
        Case("UTF-8: 0xFF in an ignored member", [with_member(b'"a\xffb"')],
             bad_key=bad, reason=r"(?i)utf-?8|encoding|invalid"),
        Case("UTF-8: 0xFF in an object key", [with_member(b'{"\xff": 1}')],
             bad_key=bad, reason=r"(?i)utf-?8|encoding|invalid"),
        # Compressed input: a small gzip bomb (200 MB of NUL bytes in 200 kB), a damaged
        # stream: the payloads before the damage are applied, the payload it cuts and
        # the damage itself are rejected.
        Case("gzip: 200 MB of NUL bytes, compressed", [zeros], gzip=True,
             reason=r"payload of \d+ bytes is larger than the limit of 64 MiB", oversize=True),
        Case("gzip: stream cut short", [HEAD + b"\n"] * 200, gzip=True, cut=20,
             rejects="some", tail=False, reason=r"gzip data cut short|truncated"),
        # Empty inputs: the valid payloads come from a second operand.
        Case("empty file", [], head=False, tail=False, extra_inputs=["tail"]),
        Case("whitespace-only file", [b" \n\t\n  \r\n"], head=False, tail=False,
             extra_inputs=["tail"]),
    ]
    return cases


REJECT_LINE = re.compile(r"^jira-alerts: (?P<path>.+?):(?P<line>\d+):(?P<col>\d+): (?P<reason>.+)$")


def write_input(path, case):
    with (gzip.open(path, "wb") if case.gzip else open(path, "wb")) as fh:
        if case.head:
            fh.write(HEAD + b"\n")
        for part in case.parts:
            if callable(part):
                part(fh)
            else:
                fh.write(part)
        if case.tail:
            # A valid payload on a line of its own, starting in column 1.
            fh.write(b"\n" + TAIL + b"\n")
    if case.cut:
        os.truncate(path, os.path.getsize(path) - case.cut)


def check_case(binary, folder, case, env):
    """Returns (problems, note): note says what a 'decided' case came to."""
    os.makedirs(folder)
    name = "input.ndjson"
    write_input(os.path.join(folder, name), case)
    inputs = [name]
    if case.extra_inputs:
        with open(os.path.join(folder, "tail.ndjson"), "wb") as fh:
            fh.write(TAIL + b"\n")
        inputs.append("tail.ndjson")
    db = "state.db"
    problems = []
    try:
        code, out, err = run([binary, "replay", "--format", "jsonl", "--db", db, *inputs],
                             cwd=folder, env=env)
    except subprocess.TimeoutExpired:
        return ["replay did not finish within the timeout (hang)"], ""
    finally:
        os.remove(os.path.join(folder, name))  # free the disk early
    if code < 0:
        problems.append(f"replay {describe_status(code)}; stderr: {err.strip()[-500:]}")
        return problems, ""
    if len(err) > 4 * MIB:
        problems.append(f"stderr is {len(err)} bytes: the hostile input is echoed back")
    # Decision records.
    records = []
    for raw in out.decode("utf-8", "replace").splitlines():
        try:
            records.append(json.loads(raw))
        except ValueError:
            problems.append(f"stdout line is not JSON: {raw[:200]!r}")
    rejected = [r for r in records if r.get("action") == "reject"]
    lines = [m for m in map(REJECT_LINE.match, err.splitlines()) if m]
    if case.rejects == "decided":
        want_rejects = len(rejected)
        if want_rejects > 1:
            problems.append(f"{want_rejects} reject records, expected 0 or 1")
    elif case.rejects == "some":
        want_rejects = len(rejected)
        if want_rejects < 1:
            problems.append("no reject record")
    else:
        want_rejects = case.rejects
        if len(rejected) != want_rejects:
            problems.append(f"{len(rejected)} reject records, expected {want_rejects}: "
                            f"{[r.get('reason') for r in rejected][:3]}")
    want_code = 1 if want_rejects else 0
    if code != want_code:
        problems.append(f"{describe_status(code)}, expected {want_code} "
                        f"({want_rejects} rejected); stderr: {err.strip()[-300:]}")
    if code == 2 and case.unreadable:
        problems = [p for p in problems if not p.startswith("exit status 2")]
        message = [l for l in err.splitlines() if l.startswith("jira-alerts: ") and name in l]
        if not message:
            problems.append(f"exit status 2 without a message naming the input: {err[-300:]!r}")
        try:
            verdict = integrity(os.path.join(folder, db))
            if verdict != "ok":
                problems.append(f"integrity_check: {verdict[:300]}")
        except Exception as e:  # noqa: BLE001 - any failure to read the state is a problem
            problems.append(f"cannot read the state file: {e}")
        return problems, f" -> exit status 2: {message[0][:150] if message else ''}"
    if code == 2:
        return problems, ""
    if len(lines) != want_rejects:
        problems.append(f"{len(lines)} 'jira-alerts: path:line:column: reason' lines on stderr,"
                        f" expected {want_rejects}: {err.strip()[:300]!r}")
    empty_path = case.extra_inputs and not case.parts
    for m in lines:
        if m["path"] not in inputs:
            problems.append(f"error names {m['path']!r}, not the input: {m.group(0)[:200]}")
        if int(m["line"]) < 1 or int(m["col"]) < 1:
            problems.append(f"error position is not 1-based: {m.group(0)[:200]}")
        if case.reason and not re.search(case.reason, m["reason"]):
            problems.append(f"reason does not match /{case.reason}/: {m['reason'][:200]!r}")
        if case.line_no and int(m["line"]) != case.line_no:
            problems.append(f"error on line {m['line']}, expected {case.line_no}")
        if len(m.group(0)) > 2000:
            problems.append(f"error line is {len(m.group(0))} characters long")
    if empty_path and lines and lines[0]["path"] != name:
        problems.append(f"the empty input is not the one named: {lines[0].group(0)}")
    # The state file.
    try:
        verdict = integrity(os.path.join(folder, db))
        if verdict != "ok":
            problems.append(f"integrity_check: {verdict[:300]}")
        stored = query(os.path.join(folder, db), "SELECT size, length(raw) FROM rejects")
        if len(stored) != want_rejects:
            problems.append(f"{len(stored)} rows in rejects, expected {want_rejects}")
        if case.oversize and stored:
            size, kept = stored[0]
            if size is None or size <= 64 * MIB:
                problems.append(f"rejects.size is {size}, expected the full size (> 64 MiB)")
            if kept != 64 * 1024:
                problems.append(f"rejects.raw keeps {kept} bytes, expected the first 64 KiB")
        got = alerts(binary, db=os.path.join(folder, db))
    except Exception as e:  # noqa: BLE001 - any failure to read the state is a problem
        problems.append(f"cannot read the state file: {e}")
        return problems, ""
    want = set()
    if case.head:
        want.add("HEAD-1")
    if case.tail or case.extra_inputs:
        want.add("TAIL-1")
    for key in sorted(want):
        if key not in got:
            problems.append(f"valid payload {key} was not applied")
        elif got[key]["state"] != "open" or got[key]["events"] != 1:
            problems.append(f"{key}: {got[key]}")
    if case.bad_key:
        applied = case.bad_key in got
        if want_rejects and applied:
            problems.append(f"{case.bad_key} was applied, expected it rejected")
        if not want_rejects and not applied:
            problems.append(f"{case.bad_key} was neither rejected nor applied")
        if applied and case.check:
            msg = case.check(got[case.bad_key])
            if msg:
                problems.append(msg)
        want.add(case.bad_key)
    others = sorted(set(got) - want)
    if others:
        problems.append(f"unexpected alerts: {others[:5]}")
    note = ""
    if case.rejects == "decided":
        outcome = "rejected" if want_rejects else "applied"
        reason = f": {rejected[0].get('reason')}" if rejected else ""
        note = f" -> {outcome}{reason[:120]}"
    return problems, note


def main():
    binary = os.path.abspath(sys.argv[1])
    only = os.environ.get("HOSTILE_ONLY")  # a regex to run some cases while debugging
    work = tempfile.mkdtemp(prefix="jira-alerts-hostile-")
    checks = Checks()
    # Once with the default parsers (simdjson, then RapidJSON for what it does not
    # accept), once with the reference parser alone: the decisions must not differ.
    parsers = [("", None), (" [rapidjson]", "rapidjson")]
    try:
        for suffix, parser in parsers:
            env = dict(os.environ)
            env.pop("JIRA_ALERTS_PARSER", None)
            env.pop("JIRA_ALERTS_DB", None)
            env.pop("JIRA_ALERTS_CONFIG", None)
            if parser:
                env["JIRA_ALERTS_PARSER"] = parser
            for index, case in enumerate(build_cases()):
                if only and not re.search(only, case.name):
                    continue
                folder = os.path.join(work, f"case{index:02d}")
                problems, note = check_case(binary, folder, case, env)
                checks.report(case.name + suffix + note, problems)
                shutil.rmtree(folder, ignore_errors=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return checks.finish()


if __name__ == "__main__":
    sys.exit(main())
