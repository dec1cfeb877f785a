#!/usr/bin/env python3
"""Benchmark `jira-alerts record` against record_python.py, the receiver a user would
otherwise write (shared/peers: the standard library's threading HTTP server, append and
fsync per request).

For each receiver, in one run, on 127.0.0.1 only: `hey` posts the same gen-jira-corpus
payload (one of median size) N times over 32 concurrent keep-alive connections; the
figures are deliveries/s and the p50/p99 latency of the answers. hey sends one body, so
with --apply every delivery after the first is applied as a duplicate (bench/run.py
measures the replay of distinct payloads, the path the applier runs); for --apply the
run also waits until /metrics counts every delivery applied and reports how long that
took after the last answer (the apply lag). Each receiver's CPU time per delivery (user +
system, from /proc, the apply included) is shown too: on a machine shared with other work
it moves much less than the rates do. The receivers:

  record           jira-alerts record --out DIR
  record --apply   jira-alerts record --out DIR --apply --db FILE (applied as it arrives)
  python peer      shared/peers/record_python.py PORT DIR

Targets (issue's): each jira-alerts receiver >= 5x the peer's deliveries/s, p99 < 50 ms.
Figures never fail the run: targets are printed as met yes/no. The exit status is
non-zero only when a command fails (1) or a prerequisite is missing (2). Every server is
started on port 0, awaited by its 'listening on' line, and stopped (SIGTERM, then kill).
"""
import argparse
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import time
import urllib.request

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TARGET_SPEEDUP = 5.0
TARGET_P99_MS = 50.0
CONCURRENCY = 32
TIMEOUT = 120


def log(msg):
    print("bench record: " + msg, file=sys.stderr, flush=True)


class Server:
    """A receiver started on a free loopback port; always stopped."""

    def __init__(self, argv, work, name):
        self.log_path = os.path.join(work, name + ".log")
        self.log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(argv, cwd=work, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL, stderr=self.log)
        deadline = time.monotonic() + 30
        self.port = None
        while time.monotonic() < deadline and self.port is None:
            with open(self.log_path, "rb") as f:
                found = re.search(rb"listening on 127\.0\.0\.1:(\d+)", f.read())
            if found:
                self.port = int(found.group(1))
            elif self.proc.poll() is not None:
                break
            else:
                time.sleep(0.02)
        if self.port is None:
            self.stop()
            raise RuntimeError(f"{name} did not start: see {self.log_path}")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


def hey(port, body, n):
    """Runs hey; returns (deliveries/s, p50 ms, p99 ms, non-2xx count)."""
    out = subprocess.run(["hey", "-n", str(n), "-c", str(CONCURRENCY), "-m", "POST", "-D", body,
                          "-T", "application/json", "-t", "20", f"http://127.0.0.1:{port}/jira"],
                         capture_output=True, timeout=TIMEOUT, check=True).stdout.decode()
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50 = float(re.search(r"50%+ in ([\d.]+) secs", out).group(1)) * 1000
    p99 = float(re.search(r"99%+ in ([\d.]+) secs", out).group(1)) * 1000
    codes = {int(c): int(k) for c, k in re.findall(r"\[(\d+)\]\s+(\d+) responses", out)}
    bad = sum(k for c, k in codes.items() if not 200 <= c < 300)
    return rate, p50, p99, bad


def cpu_seconds(pid):
    """User + system CPU seconds of process PID so far (None where /proc has no stat)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


def apply_lag(port, deliveries):
    """Milliseconds until /metrics counts DELIVERIES applied (None: not within TIMEOUT)."""
    started = time.monotonic()
    while time.monotonic() - started < TIMEOUT:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as r:
            found = re.search(rb"^jira_alerts_applied_total (\d+)$", r.read(), re.M)
        if found and int(found.group(1)) >= deliveries:
            return (time.monotonic() - started) * 1000
        time.sleep(0.005)
    return None


def median_body(gen, work):
    """A gen-jira-corpus payload of median size, written to a file."""
    corpus = subprocess.run([sys.executable, gen, "--issues", "50", "--events", "400", "--seed", "5"],
                            capture_output=True, timeout=TIMEOUT, check=True).stdout.splitlines()
    corpus = [line for line in corpus if line.strip()]
    corpus.sort(key=len)
    path = os.path.join(work, "body.json")
    with open(path, "wb") as f:
        f.write(corpus[len(corpus) // 2])
    return path, len(corpus[len(corpus) // 2])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], epilog=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--binary", default=os.path.join(REPO, "build", "src", "jira-alerts"))
    ap.add_argument("--shared", default=os.path.join(os.path.dirname(REPO), "shared"))
    ap.add_argument("--requests", type=int, default=20000, help="deliveries per run (default 20000)")
    ap.add_argument("--runs", type=int, default=3, help="runs of each receiver, interleaved (default 3)")
    ap.add_argument("--work", default=os.path.join("/tmp", "jira-alerts-bench-record"))
    ap.add_argument("--smoke", action="store_true", help="a few hundred deliveries, one run: checks that it works")
    a = ap.parse_args()
    if a.smoke:
        a.requests, a.runs = 320, 1
    gen = os.path.join(a.shared, "tools", "gen-jira-corpus")
    peer = os.path.join(a.shared, "peers", "record_python.py")
    for path, what in [(a.binary, "the jira-alerts binary"), (gen, "gen-jira-corpus"), (peer, "record_python.py")]:
        if not os.path.exists(path):
            log(f"missing {what}: {path}")
            return 2
    if shutil.which("hey") is None:
        log("missing hey (apt-get install hey)")
        return 2
    binary = os.path.abspath(a.binary)
    shutil.rmtree(a.work, ignore_errors=True)
    os.makedirs(a.work)
    body, size = median_body(gen, a.work)
    receivers = {
        "record": lambda d: [binary, "record", "--listen", "127.0.0.1:0", "--out", d],
        "record --apply": lambda d: [binary, "record", "--listen", "127.0.0.1:0", "--out", d,
                                     "--apply", "--db", d + ".db"],
        "python peer": lambda d: [sys.executable, peer, "0", d],
    }
    results = {name: [] for name in receivers}
    try:
        for run in range(a.runs):
            names = list(receivers)
            names = names[run % len(names):] + names[:run % len(names)]  # rotate the order
            for name in names:
                directory = os.path.join(a.work, f"{name.replace(' ', '_').replace('-', '')}-{run}")
                server = Server(receivers[name](directory), a.work, f"{name.replace(' ', '_')}-{run}")
                try:
                    hey(server.port, body, CONCURRENCY * 4)  # warm up: connections, page cache
                    cpu_before = cpu_seconds(server.proc.pid)
                    figures = hey(server.port, body, a.requests)
                    lag = None
                    if "--apply" in name:
                        lag = apply_lag(server.port, CONCURRENCY * 4 + a.requests)
                        if lag is None:
                            raise RuntimeError(f"{name}: not every delivery applied in {TIMEOUT} s")
                    cpu_after = cpu_seconds(server.proc.pid)
                    cpu = None if cpu_before is None or cpu_after is None else \
                        (cpu_after - cpu_before) / a.requests * 1e6
                    figures += (cpu, lag)
                    results[name].append(figures)
                finally:
                    server.stop()
                log(f"run {run + 1}/{a.runs} {name}: {results[name][-1][0]:.0f} deliveries/s")
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired, RuntimeError) as e:
        log(f"failed: {e}")
        return 1
    report(a, results, size)
    return 0


def report(a, results, size):
    print(f"jira-alerts record benchmark{' (smoke: figures not meaningful)' if a.smoke else ''}")
    print(f"  {a.requests} deliveries of {size} bytes per run, {CONCURRENCY} connections, "
          f"{a.runs} run(s) each, median shown; {os.cpu_count()} CPUs")
    peer_rate = statistics.median(r[0] for r in results["python peer"])
    print(f"  {'receiver':<16} {'deliveries/s':>12} {'p50 ms':>8} {'p99 ms':>8} {'non-2xx':>8} "
          f"{'vs peer':>8} {'CPU us':>7}  targets (>= {TARGET_SPEEDUP:g}x, p99 < {TARGET_P99_MS:g} ms)")
    for name, runs in results.items():
        rate = statistics.median(r[0] for r in runs)
        p50 = statistics.median(r[1] for r in runs)
        p99 = statistics.median(r[2] for r in runs)
        bad = sum(r[3] for r in runs)
        ratio = rate / peer_rate if peer_rate else 0
        cpus = [r[4] for r in runs if r[4] is not None]
        cpu = f"{statistics.median(cpus):>7.0f}" if cpus else f"{'-':>7}"
        met = "" if name == "python peer" else \
            f"  {'yes' if ratio >= TARGET_SPEEDUP else 'no'}, {'yes' if p99 < TARGET_P99_MS else 'no'}"
        print(f"  {name:<16} {rate:>12.0f} {p50:>8.2f} {p99:>8.2f} {bad:>8} {ratio:>7.1f}x {cpu}{met}")
        if runs[0][5] is not None:
            print(f"  {'':<16} apply lag after the last answer: "
                  f"{statistics.median(r[5] for r in runs):.0f} ms (median)")


if __name__ == "__main__":
    sys.exit(main())
