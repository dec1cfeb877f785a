"""A local stand-in for PagerDuty's Events API v2 and Opsgenie's Alert API.

Binds 127.0.0.1 on a free port, checks every request against the documented shape
(required fields, enums, length limits, headers) and answers as told: 202, a 500, a
429 with Retry-After, a 400 with the vendor's error body, or a hang (bounded).
"""
import datetime
import http.server
import json
import threading
import time

SEVERITIES = {"critical", "error", "warning", "info"}
PD_ACTIONS = {"trigger", "acknowledge", "resolve"}
OG_PRIORITIES = {"P1", "P2", "P3", "P4", "P5"}
HANG_LIMIT = 10.0  # a hung answer never holds a thread longer than this


def _iso8601(text):
    try:
        datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
        return True
    except ValueError:
        return False


def _text(obj, name, limit, problems, required=False, where=""):
    value = obj.get(name)
    if value is None:
        if required:
            problems.append(f"{where}{name} is required")
        return
    if not isinstance(value, str):
        problems.append(f"{where}{name} must be a string")
    elif required and not value:
        problems.append(f"{where}{name} is empty")
    elif len(value) > limit:
        problems.append(f"{where}{name} is {len(value)} characters, over {limit}")


def check_pagerduty(path, headers, body, key, endpoint="/v2/enqueue"):
    problems = []
    if path != endpoint:
        problems.append(f"path {path}")
    if body.get("routing_key") != key:
        problems.append("routing_key is not the key given")
    if body.get("event_action") not in PD_ACTIONS:
        problems.append(f"event_action {body.get('event_action')!r}")
    _text(body, "dedup_key", 255, problems, required=True)
    payload = body.get("payload")
    if body.get("event_action") == "trigger" or payload is not None:
        if not isinstance(payload, dict):
            return problems + ["payload must be an object"]
        _text(payload, "summary", 1024, problems, required=True, where="payload.")
        _text(payload, "source", 255, problems, required=True, where="payload.")
        if payload.get("severity") not in SEVERITIES:
            problems.append(f"payload.severity {payload.get('severity')!r}")
        if "timestamp" in payload and not _iso8601(payload["timestamp"]):
            problems.append(f"payload.timestamp {payload['timestamp']!r}")
        _text(payload, "component", 255, problems, where="payload.")
        if not isinstance(payload.get("custom_details", {}), dict):
            problems.append("payload.custom_details must be an object")
    for link in body.get("links", []):
        if not isinstance(link, dict) or not isinstance(link.get("href"), str):
            problems.append("links[] needs href")
    return problems


def check_opsgenie(path, headers, body, key):
    problems = []
    if headers.get("Authorization") != f"GenieKey {key}":
        problems.append("Authorization is not 'GenieKey <key>'")
    if path == "/v2/alerts":
        _text(body, "message", 130, problems, required=True)
        _text(body, "alias", 512, problems)
        _text(body, "description", 15000, problems)
        _text(body, "entity", 512, problems)
        _text(body, "source", 100, problems)
        _text(body, "user", 100, problems)
        _text(body, "note", 25000, problems)
        tags = body.get("tags", [])
        if not isinstance(tags, list) or len(tags) > 20 or any(
                not isinstance(t, str) or len(t) > 50 for t in tags):
            problems.append(f"tags {tags!r}")
        details = body.get("details", {})
        if not isinstance(details, dict) or any(not isinstance(v, str) for v in details.values()):
            problems.append("details must map names to strings")
        elif sum(len(k) + len(v) for k, v in details.items()) > 8000:
            problems.append("details over 8000 characters")
        if body.get("priority", "P3") not in OG_PRIORITIES:
            problems.append(f"priority {body.get('priority')!r}")
    elif path.startswith("/v2/alerts/") and path.endswith("/close?identifierType=alias"):
        _text(body, "source", 100, problems)
        _text(body, "user", 100, problems)
        _text(body, "note", 25000, problems)
    else:
        problems.append(f"path {path}")
    return problems


class Receiver:
    """VENDOR is 'pagerduty' or 'opsgenie'. PLAN(request) returns what to answer:
    'ok', 'error' (500), ('retry', seconds) (429), ('reject', message) (400) or 'hang'.
    PagerDuty events are expected at ENDPOINT, the path of url()."""

    def __init__(self, vendor, key, endpoint="/v2/enqueue"):
        self.vendor, self.key = vendor, key
        self.endpoint = endpoint if vendor == "pagerduty" else ""
        self.lock = threading.Lock()
        self.requests = []      # every request: (time, path, body)
        self.delivered = []     # bodies answered 202
        self.problems = []
        self.busy = 0           # requests being handled
        self.plan = lambda request: "ok"
        self.stop = threading.Event()
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_POST(self):
                with outer.lock:
                    outer.busy += 1
                try:
                    length = int(self.headers.get("Content-Length", "0"))
                    raw = self.rfile.read(length)
                    outer.handle(self, raw)
                finally:
                    with outer.lock:
                        outer.busy -= 1

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.server.shutdown()
        self.server.server_close()

    def settle(self, seconds=10):
        """Waits (at most SECONDS) until no request is being handled: one the client gave
        up on may still be on its way into DELIVERED."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            with self.lock:
                if self.busy == 0:
                    return
            time.sleep(0.01)

    def url(self):
        return f"{self.vendor}=http://127.0.0.1:{self.port}{self.endpoint}"

    def handle(self, h, raw):
        problems = []
        if h.headers.get("Content-Type", "").split(";")[0] != "application/json":
            problems.append(f"Content-Type {h.headers.get('Content-Type')!r}")
        try:
            body = json.loads(raw)
        except ValueError:
            body, problems = {}, problems + ["body is not JSON"]
        obj = body if isinstance(body, dict) else {}
        if self.vendor == "pagerduty":
            problems += check_pagerduty(h.path, h.headers, obj, self.key, self.endpoint or "/")
        else:
            problems += check_opsgenie(h.path, h.headers, obj, self.key)
        request = {"path": h.path, "body": body, "time": time.monotonic()}
        with self.lock:
            self.requests.append(request)
            if problems:
                self.problems.append((h.path, problems))
            answer = "ok" if problems else self.plan(request)
        if problems:
            return self.reply(h, 400, {"message": "; ".join(problems)})
        if answer == "hang":
            self.stop.wait(HANG_LIMIT)
            return self.reply(h, 202, {"status": "success"}, deliver=False)
        if answer == "error":
            return self.reply(h, 500, {"message": "internal error"})
        if isinstance(answer, tuple) and answer[0] == "retry":
            return self.reply(h, 429, {"message": "rate limited"},
                              {"Retry-After": str(answer[1])})
        if isinstance(answer, tuple) and answer[0] == "reject":
            return self.reply(h, 400, {"status": "invalid event", "message": answer[1],
                                       "errors": ["rejected on purpose"]})
        with self.lock:
            self.delivered.append(request)
        return self.reply(h, 202, {"status": "success", "message": "Event processed",
                                   "result": "Request will be processed", "requestId": "r"})

    def reply(self, h, status, obj, headers=None, deliver=True):
        data = json.dumps(obj).encode()
        try:
            h.send_response(status)
            h.send_header("Content-Type", "application/json")
            h.send_header("Content-Length", str(len(data)))
            for name, value in (headers or {}).items():
                h.send_header(name, value)
            h.end_headers()
            h.wfile.write(data)
        except OSError:
            pass  # the client gave up (a hang): nothing to answer
