#!/usr/bin/env python3
"""push against local PagerDuty and Opsgenie stand-ins (receiver.py on 127.0.0.1).

Every request must match the vendor's documented shape. Retries: 500s and a 429 with
Retry-After are retried and everything arrives; a hung receiver ends the push at
--deadline with exit 1. The outbox: a push that fails part-way, followed by a good one,
delivers every applied change exactly once and in order per alert; a 400 is reported
with the vendor's message and kept for the next push; --dry-run sends and changes
nothing and masks the secrets; usage errors exit 2. Sources: one issue's alerts in two
sources are two incidents (dedup key and alias NAME/KEY but for the source jira), and
pushes of one source at a time send every change once.
Usage: push_vendors.py BINARY SOURCE_DIR
"""
import collections
import contextlib
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from receiver import Receiver  # noqa: E402

PD_KEY = "R0UT1NGKEYR0UT1NGKEYR0UT1NGKEY01"
OG_KEY = "0b1c2d3e-secret-genie-key-4f5a6b7c8d9e"
TIMEOUT = 30  # no push may take longer, whatever goes wrong


class Failed(Exception):
    pass


def expect(cond, message):
    if not cond:
        raise Failed(message)


class World:
    def __init__(self, binary, source, work):
        self.binary, self.source, self.work = binary, source, work
        self.history = os.path.join(source, "fixtures", "history")

    def run(self, *args, env=None):
        full = dict(os.environ, PAGERDUTY_ROUTING_KEY=PD_KEY, OPSGENIE_API_KEY=OG_KEY, NO_COLOR="1")
        full.pop("JIRA_ALERTS_DB", None)
        full.update(env or {})
        p = subprocess.run([self.binary, *args], capture_output=True, text=True, env=full,
                           timeout=TIMEOUT, stdin=subprocess.DEVNULL)
        for secret in (PD_KEY, OG_KEY):
            expect(secret not in p.stderr, f"{args[0]}: a secret appears on stderr")
        return p

    def fresh(self, name):
        db = os.path.join(self.work, name)
        p = self.run("replay", "--quiet", "--db", db, self.history)
        expect(p.returncode == 0, f"replay: {p.stderr}")
        return db

    def expected_changes(self):
        """(dedup key, action) per applied decision, from 'replay --format pagerduty'; a
        push sends under the key an alert goes by now (a moved issue's new key)."""
        db = os.path.join(self.work, "format.db")
        if os.path.exists(db):
            os.remove(db)
        p = self.run("replay", "--db", db, "--format", "pagerduty", self.history)
        alerts = self.run("alerts", "--db", db, "--format", "jsonl").stdout.splitlines()
        now = {old: a["fingerprint"] for a in map(json.loads, alerts) for old in a["aliases"]}
        return [change(e, now) for e in map(json.loads, p.stdout.splitlines())]


def change(event, renamed=None):
    """A PagerDuty event as (dedup key, action, the change's time)."""
    key = event["dedup_key"]
    return (renamed.get(key, key) if renamed else key, event["event_action"],
            event["payload"]["timestamp"])


def per_alert(changes):
    out = collections.defaultdict(list)
    for key, action, when in changes:
        out[key].append((action, when))
    return dict(out)


def pd_pairs(requests):
    return [change(r["body"]) for r in requests]


def no_problems(receiver):
    expect(not receiver.problems, f"requests off the documented shape: {receiver.problems[:3]}")


def check_retries(w):
    """500, 500, 429 (Retry-After: 1), then all accepted: exit 0, everything once."""
    db = w.fresh("retries.db")
    with Receiver("pagerduty", PD_KEY) as r:
        answers = iter(["error", "error", ("retry", 1)])
        r.plan = lambda request: next(answers, "ok")
        p = w.run("push", "--db", db, "--to", r.url(), "--deadline", "20")
        expect(p.returncode == 0, f"exit {p.returncode}: {p.stderr}")
        no_problems(r)
        expect(pd_pairs(r.delivered) == w.expected_changes(),
               "the delivered events differ from replay --format pagerduty")
        gap = r.requests[3]["time"] - r.requests[2]["time"]
        expect(gap >= 0.9, f"Retry-After: 1 not honoured (next try after {gap:.2f} s)")
        again = w.run("push", "--db", db, "--to", r.url())
        expect(again.returncode == 0 and len(r.requests) == 3 + len(r.delivered),
               "a second push sent something again")


def acknowledged(stderr):
    """The count in push's summary line: 'N requests acknowledged, M left in the outbox'."""
    m = re.search(r"(\d+) requests? acknowledged", stderr)
    expect(m is not None, f"no summary line: {stderr}")
    return int(m.group(1))


def check_outbox(w):
    """The receiver fails after 10 events; a second push delivers the rest, each once."""
    db = w.fresh("outbox.db")
    with Receiver("pagerduty", PD_KEY) as r:
        r.plan = lambda request: "ok" if len(r.delivered) < 10 else "error"
        p = w.run("push", "--db", db, "--to", r.url(), "--deadline", "4")
        expect(p.returncode == 1, f"a failing push exited {p.returncode}: {p.stderr}")
        expect("not delivered" in p.stderr and "HTTP 500" in p.stderr,
               f"undelivered changes not named: {p.stderr}")
        r.settle()
        expect(len(r.delivered) == 10, f"{len(r.delivered)} delivered before the failures")
        # A request the receiver accepted while the push had stopped waiting for the
        # answer (its deadline) was not acknowledged: it may go again, and only it.
        unacknowledged = len(r.delivered) - acknowledged(p.stderr)
        r.plan = lambda request: "ok"
        p = w.run("push", "--db", db, "--to", r.url())
        expect(p.returncode == 0, f"the second push exited {p.returncode}: {p.stderr}")
        no_problems(r)
        got = per_alert(pd_pairs(r.delivered))
        resent = sum(len(a) - len(collapse(a)) for a in got.values())
        expect(resent <= unacknowledged,
               f"{resent} changes delivered twice; {unacknowledged} were unacknowledged")
        expect({k: collapse(a) for k, a in got.items()} == per_alert(w.expected_changes()),
               "not every change delivered, in order per alert")


def collapse(changes):
    """CHANGES with a change sent again right after itself kept once."""
    return [c for i, c in enumerate(changes) if i == 0 or changes[i - 1] != c]


def check_hang(w):
    """A receiver that never answers: the push ends at its deadline, exit 1."""
    db = w.fresh("hang.db")
    with Receiver("pagerduty", PD_KEY) as r:
        r.plan = lambda request: "hang"
        started = time.monotonic()
        p = w.run("push", "--db", db, "--to", r.url(), "--deadline", "1.5")
        took = time.monotonic() - started
        expect(p.returncode == 1, f"exit {p.returncode}: {p.stderr}")
        expect("deadline reached" in p.stderr, f"no deadline message: {p.stderr}")
        expect(took < 10, f"the push outlived its deadline: {took:.1f} s")
        expect(not r.delivered, "something was delivered")
    with Receiver("pagerduty", PD_KEY) as r:
        # A 500, then silence: the report keeps the server's answer.
        r.plan = lambda request: "error" if len(r.requests) == 1 else "hang"
        p = w.run("push", "--db", db, "--to", r.url(), "--deadline", "1.5")
        expect(p.returncode == 1 and "after 2 attempts: HTTP 500: internal error, then no answer"
               in p.stderr, f"the 500 before the silence is not named: {p.stderr}")


def check_rejected(w):
    """A 400 for one alert is permanent for its change, named with the vendor's message;
    the alert's later changes wait, the other alerts go through; the next push sends it."""
    db = w.fresh("rejected.db")
    with Receiver("pagerduty", PD_KEY) as r:
        r.plan = lambda q: ("reject", "Event object is invalid") \
            if q["body"]["dedup_key"] == "OPS-101" else "ok"
        p = w.run("push", "--db", db, "--to", r.url())
        expect(p.returncode == 1, f"exit {p.returncode}: {p.stderr}")
        expect("OPS-101" in p.stderr and "Event object is invalid" in p.stderr,
               f"the vendor's message is missing: {p.stderr}")
        rejected = [q for q in r.requests if q["body"]["dedup_key"] == "OPS-101"]
        expect(len(rejected) == 1, f"OPS-101 was tried {len(rejected)} times, not once")
        expect("OPS-101" not in {k for k, _, _ in pd_pairs(r.delivered)}, "OPS-101 delivered")
        r.plan = lambda q: "ok"
        p = w.run("push", "--db", db, "--to", r.url())
        expect(p.returncode == 0, f"the second push exited {p.returncode}: {p.stderr}")
        expect(per_alert(pd_pairs(r.delivered)) == per_alert(w.expected_changes()),
               "not every change exactly once, in order per alert")


def check_opsgenie(w):
    """Creates and closes by alias with a GenieKey; a second push sends nothing."""
    db = w.fresh("opsgenie.db")
    with Receiver("opsgenie", OG_KEY) as r:
        p = w.run("push", "--db", db, "--to", r.url())
        expect(p.returncode == 0, f"exit {p.returncode}: {p.stderr}")
        no_problems(r)
        actions = [("close" if q["path"].endswith("identifierType=alias") else "create")
                   for q in r.delivered]
        expected = [("close" if a == "resolve" else "create") for _, a, _ in w.expected_changes()]
        expect(actions == expected, "creates and closes differ from the applied decisions")
        count = len(r.requests)
        p = w.run("push", "--db", db, "--to", r.url())
        expect(p.returncode == 0 and len(r.requests) == count, "a second push sent again")


def check_move(w):
    """KAN-12 is pushed, then moves to OPS-140: the next push resolves the incident under
    KAN-12 (PagerDuty) and closes its alias (Opsgenie) before OPS-140's changes."""
    db = os.path.join(w.work, "move.db")
    early = [os.path.join(w.history, n) for n in ("01-outage.ndjson", "02-kan-board.json")]
    late = sorted(os.path.join(w.history, n) for n in os.listdir(w.history))[2:]
    p = w.run("replay", "--quiet", "--db", db, *early)
    expect(p.returncode == 0, f"replay: {p.stderr}")
    with Receiver("pagerduty", PD_KEY) as pd, Receiver("opsgenie", OG_KEY) as og:
        p = w.run("push", "--db", db, "--to", pd.url(), "--to", og.url())
        expect(p.returncode == 0, f"first push: {p.stderr}")
        expect("KAN-12" in {k for k, _, _ in pd_pairs(pd.delivered)}, "KAN-12 not pushed")
        first_pd, first_og = len(pd.delivered), len(og.delivered)
        p = w.run("replay", "--quiet", "--db", db, *late)
        expect(p.returncode == 0, f"replay: {p.stderr}")
        p = w.run("push", "--db", db, "--to", pd.url(), "--to", og.url())
        expect(p.returncode == 0, f"second push: {p.stderr}")
        no_problems(pd)
        no_problems(og)
        later = [(k, a) for k, a, _ in pd_pairs(pd.delivered[first_pd:])]
        expect(("KAN-12", "resolve") in later, f"KAN-12 not resolved after its move: {later}")
        moved = [i for i, (k, _) in enumerate(later) if k == "OPS-140"]
        expect(moved and later.index(("KAN-12", "resolve")) < moved[0],
               "OPS-140's changes went before KAN-12 was resolved")
        expect(later.count(("KAN-12", "resolve")) == 1 and
               all(k != "KAN-12" or a == "resolve" for k, a in later),
               f"KAN-12 after its move: {later}")
        closes = [q["path"] for q in og.delivered[first_og:] if "/close" in q["path"]]
        expect(any("/v2/alerts/KAN-12/close" in c for c in closes),
               f"Opsgenie: KAN-12's alias not closed: {closes}")
        count = len(pd.requests)
        p = w.run("push", "--db", db, "--to", pd.url())
        expect(p.returncode == 0 and len(pd.requests) == count, "a third push sent again")


def check_dry_run(w):
    """--dry-run prints masked requests, sends nothing, and leaves the outbox as it was;
    without the secrets it warns and shows placeholders."""
    db = w.fresh("dry.db")
    with Receiver("opsgenie", OG_KEY) as og, Receiver("pagerduty", PD_KEY) as pd:
        p = w.run("push", "--db", db, "--to", og.url(), "--to", pd.url(), "--dry-run")
        expect(p.returncode == 0, f"exit {p.returncode}: {p.stderr}")
        expect(not og.requests and not pd.requests, "--dry-run sent requests")
        expect(PD_KEY not in p.stdout and OG_KEY not in p.stdout, "--dry-run shows a secret")
        expect("Authorization: GenieKey ********" in p.stdout, "no masked GenieKey header")
        expect(p.stdout.count("POST http://127.0.0.1") == 2 * len(w.expected_changes()),
               "--dry-run does not show one request per change and target")
        # No secrets: a warning each and placeholders in the requests; still nothing sent.
        p = w.run("push", "--db", db, "--to", og.url(), "--to", pd.url(), "--dry-run",
                  env={"PAGERDUTY_ROUTING_KEY": "", "OPSGENIE_API_KEY": ""})
        expect(p.returncode == 0, f"--dry-run without secrets: exit {p.returncode}: {p.stderr}")
        expect(p.stderr.count("warning: --to ") == 2 and "no routing key" in p.stderr and
               "no API key" in p.stderr, f"--dry-run without secrets: {p.stderr}")
        expect(p.stdout.count('"routing_key":"<routing key: none>"') == len(w.expected_changes())
               and p.stdout.count("Authorization: GenieKey <API key: none>\n")
               == len(w.expected_changes()), "--dry-run does not show the missing secrets")
        expect(not og.requests and not pd.requests, "--dry-run without secrets sent requests")
        p = w.run("push", "--db", db, "--to", pd.url())
        expect(p.returncode == 0 and len(pd.delivered) == len(w.expected_changes()),
               "after --dry-run, a push did not send everything")


def check_bare_urls(w):
    """URLs without a path, or with only '/': PagerDuty events go to '/', Opsgenie's and
    Alertmanager's paths below the host; --dry-run shows the same."""
    for endpoint in ("", "/"):
        db = w.fresh(f"bare{len(endpoint)}.db")
        with Receiver("pagerduty", PD_KEY, endpoint) as pd, \
                Receiver("opsgenie", OG_KEY) as og:
            og_url = og.url() + endpoint
            p = w.run("push", "--db", db, "--to", pd.url(), "--to", og_url, "--dry-run")
            expect(p.returncode == 0, f"--dry-run: exit {p.returncode}: {p.stderr}")
            expect(f"POST http://127.0.0.1:{pd.port}/\n" in p.stdout and
                   f"POST http://127.0.0.1:{og.port}/v2/alerts\n" in p.stdout,
                   f"--dry-run to {pd.url()}: {p.stdout[:200]!r}")
            p = w.run("push", "--db", db, "--to", pd.url(), "--to", og_url)
            expect(p.returncode == 0, f"push to {pd.url()}: exit {p.returncode}: {p.stderr}")
            no_problems(pd)
            no_problems(og)
            expect(pd_pairs(pd.delivered) == w.expected_changes() and
                   len(og.delivered) == len(pd.delivered),
                   f"{len(pd.delivered)} and {len(og.delivered)} delivered to {pd.url()}, {og_url}")
    p = w.run("push", "--db", db, "--to", "alertmanager=http://127.0.0.1:9/", "--dry-run")
    expect(p.returncode == 0 and "POST http://127.0.0.1:9/api/v2/alerts\n" in p.stdout,
           f"--dry-run to alertmanager=http://127.0.0.1:9/: {p.stdout[:200]!r} {p.stderr}")


TWO_SOURCES = """[[source]]
name = "jira"

[[source]]
name = "kan"
jql = "project = KAN"
"""


def platform_key(source, key):
    return key if source == "jira" else f"{source}/{key}"


def check_sources(w):
    """Two sources, one issue in both: two incidents; push --source one at a time, with
    changes applied between, sends every change once, in order per alert."""
    config = os.path.join(w.work, "two.toml")
    with open(config, "w", encoding="utf-8") as fh:
        fh.write(TWO_SOURCES)
    files = sorted(os.path.join(w.history, n) for n in os.listdir(w.history))
    db = os.path.join(w.work, "sources.db")
    p = w.run("replay", "--quiet", "--db", db, "--config", config, *files[:2])
    expect(p.returncode == 0, f"replay: {p.stderr}")
    with Receiver("pagerduty", PD_KEY) as pd, Receiver("opsgenie", OG_KEY) as og:
        p = w.run("push", "--db", db, "--source", "kan", "--to", pd.url())
        expect(p.returncode == 0, f"push --source kan: {p.stderr}")
        kan_first = {k for k, _, _ in pd_pairs(pd.delivered)}
        expect(kan_first and all(k.startswith("kan/KAN-") for k in kan_first),
               f"push --source kan sent {sorted(kan_first)}")
        p = w.run("replay", "--quiet", "--db", db, *files[2:])
        expect(p.returncode == 0, f"replay: {p.stderr}")
        p = w.run("push", "--db", db, "--source", "jira", "--to", pd.url())
        expect(p.returncode == 0, f"push --source jira: {p.stderr}")
        jira = {k for k, _, _ in pd_pairs(pd.delivered)} - kan_first
        expect(jira and all("/" not in k for k in jira), f"push --source jira sent {sorted(jira)}")
        p = w.run("push", "--db", db, "--to", pd.url())  # every source: kan's later changes
        expect(p.returncode == 0, f"push: {p.stderr}")
        count = len(pd.requests)
        p = w.run("push", "--db", db, "--to", pd.url())
        expect(p.returncode == 0 and len(pd.requests) == count, "a last push sent again")
        no_problems(pd)
        fresh = os.path.join(w.work, "sources-format.db")
        p = w.run("replay", "--db", fresh, "--config", config, "--format", "pagerduty", *files)
        # A push sends under the key an alert goes by now (a moved issue's new key).
        with contextlib.closing(sqlite3.connect(fresh)) as state:
            now = {platform_key(source, alias): platform_key(source, key)
                   for alias, key, source in state.execute(
                       "SELECT l.key, a.fingerprint, s.name FROM aliases l JOIN alerts a ON "
                       "a.id = l.alert_id JOIN alert_sources s ON s.id = a.alert_source_id")}
        expected = per_alert(change(json.loads(e), now) for e in p.stdout.splitlines())
        expect("KAN-15" in expected and "kan/KAN-15" in expected,
               f"KAN-15 is not in both sources: {sorted(expected)}")
        expect(per_alert(pd_pairs(pd.delivered)) == expected,
               "not every change of both sources once, in order per alert, under its key")
        p = w.run("push", "--db", db, "--to", og.url())
        expect(p.returncode == 0, f"push to Opsgenie: {p.stderr}")
        no_problems(og)
        aliases = {q["body"]["alias"] for q in og.delivered if "alias" in q["body"]}
        expect({"KAN-15", "kan/KAN-15"} <= aliases, f"Opsgenie aliases: {sorted(aliases)}")
        expect(any(q["path"] == "/v2/alerts/kan%2FKAN-4/close?identifierType=alias"
                   for q in og.delivered), "Opsgenie: kan/KAN-4 not closed by its alias")
    p = w.run("push", "--db", db, "--source", "kna", "--to", "alertmanager=http://127.0.0.1:9")
    expect(p.returncode == 2 and "no source 'kna'" in p.stderr and "did you mean 'kan'" in p.stderr,
           f"an unknown --source: exit {p.returncode}: {p.stderr}")


def check_usage(w):
    db = w.fresh("usage.db")
    blank_key = os.path.join(w.work, "blank.key")
    with open(blank_key, "w") as fh:
        fh.write("  \n")
    for args, env, words in [
        (["--to", "pagerduty=http://127.0.0.1:9/v2/enqueue"], {"PAGERDUTY_ROUTING_KEY": ""},
         "PAGERDUTY_ROUTING_KEY"),
        (["--to", "slack=http://127.0.0.1:9"], {}, "expected alertmanager=URL"),
        (["--to", "alertmanager"], {}, "needs the Alertmanager's URL"),
        (["--to", "alertmanager=ftp://127.0.0.1"], {}, "only http and https"),
        (["--to", "alertmanager=http://127.0.0.1:9", "--deadline", "0"], {}, "--deadline"),
        (["--to", "pagerduty=http://127.0.0.1:9/v2/enqueue", "--pagerduty-key-file",
          os.path.join(w.work, "missing")], {},
         f"--pagerduty-key-file: cannot read '{os.path.join(w.work, 'missing')}': No such file"),
        (["--to", "opsgenie=http://127.0.0.1:9", "--opsgenie-key-file", w.work], {},
         f"--opsgenie-key-file: '{w.work}' is a directory, not a file"),
        (["--to", "opsgenie=http://127.0.0.1:9", "--opsgenie-key-file", blank_key], {},
         f"--opsgenie-key-file: '{blank_key}' holds no secret"),
    ]:
        p = w.run("push", "--db", db, *args, env=env)
        expect(p.returncode == 2 and words in p.stderr,
               f"push {' '.join(args)}: exit {p.returncode}: {p.stderr}")
    p = w.run("push", "--db", os.path.join(w.work, "none.db"), "--to", "alertmanager=http://x")
    expect(p.returncode == 2 and "no state file" in p.stderr, f"missing state file: {p.stderr}")
    expect(not os.path.exists(os.path.join(w.work, "none.db")), "push created a state file")


def main():
    binary, source = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    work = tempfile.mkdtemp(prefix="jira-alerts-push-")
    failed = 0
    try:
        w = World(binary, source, work)
        for check in (check_retries, check_outbox, check_hang, check_rejected, check_opsgenie,
                      check_move, check_dry_run, check_bare_urls, check_sources, check_usage):
            try:
                check(w)
                print(f"ok   {check.__name__}: {check.__doc__.splitlines()[0] if check.__doc__ else ''}")
            except (Failed, subprocess.TimeoutExpired) as e:
                failed += 1
                print(f"FAIL {check.__name__}: {e}")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"{10 - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
