#!/usr/bin/env python3
"""Benchmark jira-alerts against its yardsticks and the targets.

Measures, side by side in one run (machines are noisy, so only the ratios
measured together mean anything):

  1. replay wall time of the 100k corpus vs replay_python.py       (target: >= 6x faster)
  2. replay wall time of the 100k corpus vs a bare one-thread
     simdjson On-Demand scan (simdjson_scan)                        (target: no slower)
     (and, for reference, vs a bare RapidJSON SAX scan, sax_scan, and the
     replay's reading half alone, `jira-alerts lint`)
  3. the wide corpus (100,000 issues): peak RSS of the replay       (target: <= 32 MiB)
     and its wall time per payload vs the 100k corpus's            (target: <= 1.15x)
     (and, for reference, the wide corpus's shape at a tenth of its issues: the
     same mix of events per issue with as few alerts as the 100k corpus, which
     tells the cost of the number of alerts from the cost of the mix)
  4. CI gates on the wide corpus's state file (100,000 alerts):
     check --max-open, check --fail-on, check KEY=STATE, alerts --key, show
     vs `sqlite3 FILE "select count(*) from alerts where state='open'"`
                                                                    (target: each <= 3x, < 16 MiB)
  5. single-payload latency into a file holding ~100,000 alerts
     vs `sqlite3 FILE 'PRAGMA user_version'` on that file           (target: <= 3x)
     and state-file growth per replayed payload (db + -wal)         (target: <= 150 bytes)

and prints payloads/s and MB/s (MB = 10^6 bytes) for every program.

Figures never fail the process: each target is reported as "yes"/"no".
The exit status is non-zero only when a command itself fails (a crash, a
usage or state-file error, a failed compile), or when a prerequisite is missing.

Standard library only. Needs the sqlite3 CLI, g++, the RapidJSON headers and
libsimdjson-dev.
"""
import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MIB = 1024 * 1024

TARGET_SPEEDUP_VS_PYTHON = 6.0   # jira-alerts at least 6x faster than replay_python.py
TARGET_RATIO_VS_SCAN = 1.0       # jira-alerts no slower than the bare simdjson scan
TARGET_RSS_MIB = 32.0            # peak RSS of the replay, the wide corpus's included
TARGET_WIDE_PER_PAYLOAD = 1.15   # wide corpus time per payload vs the 100k corpus's
TARGET_GATE_RATIO = 3.0          # each CI gate vs sqlite3's count of open alerts
TARGET_GATE_RSS_MIB = 16.0       # peak RSS of each CI gate
TARGET_LATENCY_RATIO = 3.0       # single payload vs sqlite3 PRAGMA user_version
TARGET_BYTES_PER_PAYLOAD = 150.0  # state-file growth


class CommandFailed(Exception):
    pass


def log(msg):
    print("bench: " + msg, file=sys.stderr, flush=True)


def tail(path, n=5):
    try:
        with open(path, "rb") as fh:
            lines = fh.read().decode("utf-8", "replace").splitlines()
    except OSError:
        return ""
    return "\n".join(lines[-n:])


def describe_status(status):
    if os.WIFSIGNALED(status):
        return "killed by signal %d" % os.WTERMSIG(status)
    return "exit status %d" % os.waitstatus_to_exitcode(status)


# A child spawned straight from Python starts its life as a copy of Python
# (vfork/fork), and Linux keeps the pre-exec high-water RSS in ru_maxrss, so
# os.wait4 on it reports at least Python's own peak (~17 MiB). This launcher is
# a few kB: it forks and execs the command, reads that grandchild's own rusage
# with wait4, and writes "status maxrss_kib utime stime wall" to a file.
LAUNCHER_SRC = r"""
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
int main(int argc, char** argv) {
  if (argc < 3) { fprintf(stderr, "usage: rusage_launch STATFILE CMD...\n"); return 125; }
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  pid_t pid = fork();
  if (pid < 0) { perror("fork"); return 125; }
  if (pid == 0) { execvp(argv[2], argv + 2); perror(argv[2]); _exit(127); }
  int st = 0; struct rusage ru;
  if (wait4(pid, &st, 0, &ru) < 0) { perror("wait4"); return 125; }
  clock_gettime(CLOCK_MONOTONIC, &t1);
  FILE* f = fopen(argv[1], "w");
  if (!f) { perror(argv[1]); return 125; }
  fprintf(f, "%d %ld %ld.%06ld %ld.%06ld %.9f\n", st, ru.ru_maxrss,
          (long)ru.ru_utime.tv_sec, (long)ru.ru_utime.tv_usec,
          (long)ru.ru_stime.tv_sec, (long)ru.ru_stime.tv_usec,
          (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9);
  return fclose(f) == 0 ? 0 : 125;
}
"""
LAUNCHER = None  # path, set by compile_launcher()


def compile_launcher(work):
    global LAUNCHER
    src = os.path.join(work, "rusage_launch.c")
    exe = os.path.join(work, "rusage_launch")
    current = None
    if os.path.exists(src):
        with open(src) as fh:
            current = fh.read()
    if current != LAUNCHER_SRC or not os.path.exists(exe):
        with open(src, "w") as fh:
            fh.write(LAUNCHER_SRC)
        check_call(["g++", "-O2", "-x", "c++", src, "-o", exe], "compiling the rusage launcher")
    LAUNCHER = exe


class Result:
    def __init__(self, wall, maxrss_kib, cpu, code, out_path, err_path):
        self.wall = wall                # fork to reap, in the launcher
        self.maxrss_kib = maxrss_kib    # the command's own ru_maxrss (KiB on Linux)
        self.cpu = cpu                  # user + system seconds
        self.code = code
        self.out_path = out_path
        self.err_path = err_path


def run_child(argv, label, work, stdin_bytes=None, ok_codes=(0,)):
    """Run one command alone under the launcher; read its own rusage (wait4 in the launcher)."""
    out_path = os.path.join(work, "last-%s.out" % label)
    err_path = os.path.join(work, "last-%s.err" % label)
    stat_path = os.path.join(work, "last-%s.rusage" % label)
    try:
        os.remove(stat_path)
    except FileNotFoundError:
        pass
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        stdin = subprocess.PIPE if stdin_bytes is not None else subprocess.DEVNULL
        proc = subprocess.Popen([LAUNCHER, stat_path] + argv, stdin=stdin, stdout=out, stderr=err)
        if stdin_bytes is not None:
            try:
                proc.stdin.write(stdin_bytes)
                proc.stdin.close()
            except BrokenPipeError:
                pass
        _, lstatus, _ = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(lstatus)  # reaped: keep Popen from waiting again
    if proc.returncode != 0:
        raise CommandFailed("%s: the launcher failed (%s): %s\n%s"
                            % (label, describe_status(lstatus), " ".join(argv), tail(err_path)))
    with open(stat_path) as fh:
        status, maxrss, utime, stime, wall = fh.read().split()
    status = int(status)
    code = os.waitstatus_to_exitcode(status)
    if os.WIFSIGNALED(status) or code not in ok_codes:
        msg = "%s failed (%s): %s" % (label, describe_status(status), " ".join(argv))
        t = tail(err_path) or tail(out_path)
        if t:
            msg += "\n" + t
        raise CommandFailed(msg)
    return Result(float(wall), int(maxrss), float(utime) + float(stime), code, out_path, err_path)


def check_call(argv, what, **kw):
    try:
        subprocess.run(argv, check=True, **kw)
    except FileNotFoundError as e:
        raise CommandFailed("%s: %s" % (what, e))
    except subprocess.CalledProcessError as e:
        raise CommandFailed("%s failed (exit status %d): %s" % (what, e.returncode, " ".join(argv)))


def remove_db(path):
    for suffix in ("", "-wal", "-shm", "-journal"):
        try:
            os.remove(path + suffix)
        except FileNotFoundError:
            pass


def db_size(path):
    size = os.path.getsize(path)
    if os.path.exists(path + "-wal"):
        size += os.path.getsize(path + "-wal")
    return size


def sqlite_scalar(db, sql):
    r = subprocess.run(["sqlite3", db, sql], capture_output=True, text=True)
    if r.returncode != 0:
        raise CommandFailed("sqlite3 %s %r failed: %s" % (db, sql, r.stderr.strip()))
    return r.stdout.strip()


def generate_corpus(gen, work, issues, events, seed, prefix="corpus"):
    """Write (or reuse) gen-jira-corpus output for these parameters."""
    path = os.path.join(work, "%s-i%d-e%d-s%d.ndjson" % (prefix, issues, events, seed))
    if os.path.exists(path):
        log("reusing %s" % path)
        return path
    log("generating %s (gen-jira-corpus --issues %d --events %d --seed %d)" % (path, issues, events, seed))
    tmp = path + ".part"
    t0 = time.perf_counter()
    with open(tmp, "wb") as out:
        check_call([sys.executable, gen, "--issues", str(issues), "--events", str(events),
                    "--seed", str(seed)], "gen-jira-corpus", stdout=out)
    os.replace(tmp, path)
    log("  %.1f MB in %.1f s" % (os.path.getsize(path) / 1e6, time.perf_counter() - t0))
    return path


def count_payloads(path):
    """Payloads in an NDJSON file: its non-blank lines."""
    n = 0
    with open(path, "rb") as fh:
        for line in fh:
            if line.strip():
                n += 1
    return n


def warm(path):
    with open(path, "rb") as fh:
        while fh.read(1 << 20):
            pass


def compile_peer(shared, work, name, libs=()):
    """Compile shared/peers/NAME.cpp with -O2 into the work dir (once per source change)."""
    src = os.path.join(shared, "peers", name + ".cpp")
    exe = os.path.join(work, name)
    if os.path.exists(exe) and os.path.getmtime(exe) >= os.path.getmtime(src):
        return exe
    log("compiling %s" % src)
    check_call(["g++", "-O2", "-std=c++20", src, "-o", exe] + list(libs), "compiling %s.cpp" % name)
    return exe


def payload_count(path):
    """count_payloads, cached beside the corpus (a wide corpus takes seconds to count)."""
    st = os.stat(path)
    cache = path + ".count"
    key = "%d %d" % (st.st_size, st.st_mtime_ns)
    if os.path.exists(cache):
        with open(cache) as fh:
            parts = fh.read().split()
        if len(parts) == 3 and " ".join(parts[:2]) == key:
            return int(parts[2])
    n = count_payloads(path)
    with open(cache, "w") as fh:
        fh.write("%s %d\n" % (key, n))
    return n


def binary_identity(binary):
    st = os.stat(binary)
    return {"binary": os.path.realpath(binary), "size": st.st_size, "mtime_ns": st.st_mtime_ns}


def build_state_file(binary, gen, work, alerts, seed):
    """A state file holding `alerts` alerts, cached per binary build."""
    db = os.path.join(work, "state-%d.db" % alerts)
    meta_path = db + ".json"
    ident = binary_identity(binary)
    if os.path.exists(db) and os.path.exists(meta_path):
        with open(meta_path) as fh:
            meta = json.load(fh)
        if meta.get("identity") == ident:
            log("reusing %s (built with this binary: %s alerts)" % (db, meta["alerts"]))
            return db, meta["alerts"]
        log("%s was built by another binary build: rebuilding it" % db)
    corpus = generate_corpus(gen, work, alerts, alerts, seed, prefix="state-corpus")
    tmp = os.path.join(work, "state-%d.building.db" % alerts)
    remove_db(tmp)
    remove_db(db)
    log("building %s: jira-alerts replay of %s" % (db, os.path.basename(corpus)))
    t0 = time.perf_counter()
    run_child([binary, "replay", "--db", tmp, "--quiet", corpus], "state-build", work, ok_codes=(0, 1))
    log("  built in %.1f s" % (time.perf_counter() - t0))
    # Fold the WAL into the main file so the cached file is one self-contained file.
    sqlite_scalar(tmp, "PRAGMA wal_checkpoint(TRUNCATE)")
    count = int(sqlite_scalar(tmp, "SELECT count(*) FROM alerts"))
    remove_db(db)
    os.replace(tmp, db)
    remove_db(tmp)
    with open(meta_path, "w") as fh:
        json.dump({"identity": ident, "alerts": count}, fh)
    return db, count


def latency_payloads(corpus, n, tag):
    """n distinct single payloads: one issue-created line with issue.key = BENCH<tag>-<i>."""
    template = None
    with open(corpus, "rb") as fh:
        for line in fh:
            if not line.strip():
                continue
            try:
                p = json.loads(line)
            except ValueError:
                continue
            if not isinstance(p, dict) or not isinstance(p.get("issue"), dict) or "key" not in p["issue"]:
                continue
            if template is None or p.get("webhookEvent") == "jira:issue_created":
                template = p
                if p.get("webhookEvent") == "jira:issue_created":
                    break
    if template is None:
        raise CommandFailed("no payload with issue.key in %s to use for the latency test" % corpus)
    out = []
    for i in range(n):
        template["issue"]["key"] = "BENCH%s-%d" % (tag, i + 1)
        out.append((json.dumps(template, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8"))
    return out, template.get("webhookEvent")


def median(xs):
    return statistics.median(xs)


def fmt_s(s):
    return "%.3f s" % s if s >= 1 else "%.1f ms" % (s * 1000)


def yes_no(ok):
    return "yes" if ok else "no"


def print_table(headers, rows):
    widths = [max(len(str(r[i])) for r in [headers] + rows) for i in range(len(headers))]
    line = "  ".join("-" * w for w in widths)
    print("  ".join(str(h).ljust(w) for h, w in zip(headers, widths)))
    print(line)
    for r in rows:
        print("  ".join(str(c).ljust(w) for c, w in zip(r, widths)))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], epilog=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--binary", default=os.path.join(REPO, "build", "src", "jira-alerts"),
                    help="jira-alerts to measure (default: build/src/jira-alerts in the repo)")
    ap.add_argument("--shared", default=os.path.join(os.path.dirname(REPO), "shared"),
                    help="the shared dir with peers/ and tools/ (default: ../shared from the repo root)")
    ap.add_argument("--corpus", help="NDJSON corpus to replay instead of a generated one")
    ap.add_argument("--issues", type=int, default=10000, help="gen-jira-corpus --issues (default 10000)")
    ap.add_argument("--events", type=int, default=100000, help="gen-jira-corpus --events (default 100000)")
    ap.add_argument("--seed", type=int, default=11, help="gen-jira-corpus --seed (default 11)")
    ap.add_argument("--wide-corpus", help="NDJSON corpus to use as the wide corpus instead of a generated one")
    ap.add_argument("--wide-issues", type=int, default=100000,
                    help="gen-jira-corpus --issues of the wide corpus (default 100000)")
    ap.add_argument("--wide-events", type=int, default=400000,
                    help="gen-jira-corpus --events of the wide corpus (default 400000)")
    ap.add_argument("--wide-seed", type=int, default=23,
                    help="gen-jira-corpus --seed of the wide corpus (default 23)")
    ap.add_argument("--runs", type=int, default=3, help="runs of each program, interleaved (default 3)")
    ap.add_argument("--gate-runs", type=int, default=30,
                    help="samples of each CI gate and of the sqlite3 count (default 30)")
    ap.add_argument("--latency-runs", type=int, default=30,
                    help="single-payload samples of each command (default 30)")
    ap.add_argument("--alerts", type=int, default=100000,
                    help="alerts in the state file for the latency test (default 100000)")
    ap.add_argument("--work", default=os.path.join("/tmp", "jira-alerts-bench"),
                    help="work dir for corpora, state files and sax_scan (default /tmp/jira-alerts-bench)")
    ap.add_argument("--smoke", action="store_true",
                    help="tiny and quick: --issues 200 --events 2000 --runs 1, a 2,000-alert state file, "
                         "a wide corpus of 1,000 issues and 4,000 events")
    a = ap.parse_args()
    if a.smoke:
        a.issues, a.events, a.runs, a.alerts, a.latency_runs = 200, 2000, 1, 2000, 10
        a.wide_issues, a.wide_events, a.gate_runs = 1000, 4000, 5
    if a.runs < 1 or a.latency_runs < 1 or a.gate_runs < 1:
        ap.error("--runs, --latency-runs and --gate-runs must be at least 1")

    binary = os.path.abspath(a.binary)
    shared = os.path.abspath(a.shared)
    work = os.path.abspath(a.work)
    gen = os.path.join(shared, "tools", "gen-jira-corpus")
    peer_py = os.path.join(shared, "peers", "replay_python.py")
    if not (os.path.isfile(binary) and os.access(binary, os.X_OK)):
        log("no executable jira-alerts at %s (build it first, or pass --binary)" % binary)
        return 2
    for path in (gen, peer_py, os.path.join(shared, "peers", "sax_scan.cpp"),
                 os.path.join(shared, "peers", "simdjson_scan.cpp")):
        if not os.path.isfile(path):
            log("missing %s (pass --shared)" % path)
            return 2
    for tool in ("sqlite3", "g++"):
        if shutil.which(tool) is None:
            log("%s is not on PATH" % tool)
            return 2
    if work == shared or work.startswith(shared + os.sep):
        log("the work dir must not be inside %s" % shared)
        return 2
    os.makedirs(work, exist_ok=True)

    try:
        return bench(a, binary, shared, work, gen, peer_py)
    except CommandFailed as e:
        log(str(e))
        return 1


def throughput(a, binary, work, corpus, wide, narrow, programs_extra):
    """The replays and the yardsticks, interleaved, the order rotated every run.

    Returns {name: [Result]}, the state-file growth per payload of the 100k corpus's
    replays, the payload counts jira-alerts reported, and the wide corpus's last state
    file (kept for the CI gates). NARROW (none: not run) is the wide corpus's shape at
    a tenth of its issues."""
    state = os.path.join(work, "replay-state.db")
    pystate = os.path.join(work, "python-state.db")
    wide_state = os.path.join(work, "wide-state.db")
    narrow_state = os.path.join(work, "narrow-state.db")
    programs = {
        "jira-alerts": [binary, "replay", "--db", state, "--quiet", corpus],
        "jira-alerts wide": [binary, "replay", "--db", wide_state, "--quiet", wide],
        # The replay's reading half alone (read, frame, extract, decide; no state file):
        # how fast the replay could be if applying cost nothing.
        "jira-alerts lint": [binary, "lint", corpus],
    }
    if narrow:
        programs["jira-alerts narrow"] = [binary, "replay", "--db", narrow_state, "--quiet", narrow]
    programs.update(programs_extra(pystate))
    order = list(programs)
    results = {name: [] for name in programs}
    growth = []
    tool_counts = {name: set() for name in ("jira-alerts", "jira-alerts wide", "jira-alerts narrow")
                   if name in programs}
    for run in range(a.runs):
        shift = run % len(order)
        for name in order[shift:] + order[:shift]:
            remove_db(state)
            remove_db(pystate)
            remove_db(narrow_state)
            if name == "jira-alerts wide":
                remove_db(wide_state)
            log("run %d/%d: %s" % (run + 1, a.runs, name))
            ok = (0, 1) if name.startswith("jira-alerts") else (0,)  # exit 1: some rejected
            r = run_child(programs[name], name.replace(" ", "-"), work, ok_codes=ok)
            results[name].append(r)
            if name == "jira-alerts":
                growth.append(db_size(state) / payload_count(corpus))
            if name in tool_counts:
                m = re.search(r"replayed (\d+) payloads", tail(r.err_path, 1))
                if m:
                    tool_counts[name].add(int(m.group(1)))
    remove_db(state)
    remove_db(pystate)
    remove_db(narrow_state)
    # One self-contained file, as a CI job would find it after a replay and a copy.
    sqlite_scalar(wide_state, "PRAGMA wal_checkpoint(TRUNCATE)")
    return results, growth, tool_counts, wide_state


def latency(a, binary, gen, work, corpus):
    """One payload piped into a file holding ~100k alerts vs sqlite3 PRAGMA user_version."""
    db, built_count = build_state_file(binary, gen, work, a.alerts, a.seed)
    tag = "%x" % int(time.time() * 1000)  # new keys on every benchmark run, so none is a duplicate
    samples, sample_event = latency_payloads(corpus, a.latency_runs + 1, tag)
    before_count = int(sqlite_scalar(db, "SELECT count(*) FROM alerts"))
    warm(db)
    jira_lat, sql_lat = [], []
    replay_cmd = [binary, "replay", "--db", db, "--quiet"]
    pragma_cmd = ["sqlite3", db, "PRAGMA user_version"]
    log("latency: %d single payloads into %s vs %d x sqlite3 PRAGMA user_version"
        % (a.latency_runs, os.path.basename(db), a.latency_runs))
    # one unmeasured warm-up of each
    run_child(replay_cmd, "latency-replay", work, stdin_bytes=samples[0], ok_codes=(0,))
    run_child(pragma_cmd, "latency-sqlite3", work)
    for i in range(a.latency_runs):
        steps = [("j", samples[i + 1]), ("s", None)]
        if i % 2:
            steps.reverse()
        for kind, data in steps:
            if kind == "j":
                jira_lat.append(run_child(replay_cmd, "latency-replay", work, stdin_bytes=data,
                                          ok_codes=(0,)).wall)
            else:
                sql_lat.append(run_child(pragma_cmd, "latency-sqlite3", work).wall)
    return {"db": db, "built": built_count, "before": before_count,
            "after": int(sqlite_scalar(db, "SELECT count(*) FROM alerts")),
            "user_version": sqlite_scalar(db, "PRAGMA user_version"), "event": sample_event,
            "jira": jira_lat, "sqlite3": sql_lat}


def gates(a, binary, work, db):
    """The CI gates on the wide state file vs sqlite3's count of open alerts, interleaved."""
    n = int(sqlite_scalar(db, "SELECT count(*) FROM alerts"))
    # A key from the middle of the file, and an old key when the file has moves.
    key = sqlite_scalar(db, "SELECT fingerprint FROM alerts ORDER BY id LIMIT 1 OFFSET %d" % (n // 2))
    count_sql = "select count(*) from alerts where state='open'"
    commands = {
        "sqlite3 count": ["sqlite3", db, count_sql],
        "check --max-open": [binary, "check", "--db", db, "--max-open", "10"],
        "check --fail-on": [binary, "check", "--db", db, "--fail-on", "HIGH"],
        "check KEY=STATE": [binary, "check", "--db", db, key + "=open"],
        "alerts --key": [binary, "alerts", "--db", db, "--key", key],
        "show KEY": [binary, "show", "--db", db, key],
    }
    log("CI gates: %d samples of each on %s (%d alerts), key %s" % (a.gate_runs, db, n, key))
    warm(db)
    samples = {name: [] for name in commands}
    for name, argv in commands.items():  # one unmeasured warm-up of each
        run_child(argv, "gate", work, ok_codes=(0, 1))
    for i in range(a.gate_runs):
        names = list(commands)
        shift = i % len(names)
        for name in names[shift:] + names[:shift]:
            samples[name].append(run_child(commands[name], "gate", work, ok_codes=(0, 1)))
    return {"db": db, "alerts": n, "open": sqlite_scalar(db, count_sql), "key": key,
            "samples": samples}


def bench(a, binary, shared, work, gen, peer_py):
    t_start = time.perf_counter()
    corpus = os.path.abspath(a.corpus) if a.corpus else generate_corpus(gen, work, a.issues, a.events, a.seed)
    wide = (os.path.abspath(a.wide_corpus) if a.wide_corpus
            else generate_corpus(gen, work, a.wide_issues, a.wide_events, a.wide_seed))
    sax = compile_peer(shared, work, "sax_scan")
    simd = compile_peer(shared, work, "simdjson_scan", ["-lsimdjson"])
    compile_launcher(work)
    # The wide corpus's shape with a tenth of its issues (not for a wide corpus of one's own).
    narrow = (None if a.wide_corpus else
              generate_corpus(gen, work, max(1, a.wide_issues // 10), max(1, a.wide_events // 10),
                              a.wide_seed))
    payloads = {"jira-alerts": payload_count(corpus), "jira-alerts wide": payload_count(wide)}
    if narrow:
        payloads["jira-alerts narrow"] = payload_count(narrow)
    if not all(payloads.values()):
        raise CommandFailed("%s holds no payloads" % " or ".join(filter(None, (corpus, wide, narrow))))
    log("warming the page cache with %s" % corpus)
    warm(corpus)

    def peers(pystate):
        return {"replay_python.py": [sys.executable, peer_py, pystate, corpus],
                "simdjson_scan": [simd, corpus], "sax_scan": [sax, corpus]}

    results, growth, tool_counts, wide_state = throughput(a, binary, work, corpus, wide, narrow, peers)
    lat = latency(a, binary, gen, work, corpus)
    gate = gates(a, binary, work, wide_state)
    report(a, binary, t_start, {"jira-alerts": corpus, "jira-alerts wide": wide, "jira-alerts narrow": narrow},
           payloads, results, growth, tool_counts, lat, gate)
    remove_db(wide_state)
    return 0


def report(a, binary, t_start, corpora, payloads, results, growth, tool_counts, lat, gate):
    """CORPORA: the corpus each replay read, by program name (the narrow one may be None)."""
    corpus = corpora["jira-alerts"]
    sizes = {name: os.path.getsize(path) for name, path in corpora.items() if path}
    med = {name: median([r.wall for r in rs]) for name, rs in results.items()}
    rss = {name: max(r.maxrss_kib for r in rs) / 1024 for name, rs in results.items()}
    cpu = {name: median([r.cpu for r in rs]) for name, rs in results.items()}
    j, py, simd, sx = med["jira-alerts"], med["replay_python.py"], med["simdjson_scan"], med["sax_scan"]
    lint = med["jira-alerts lint"]
    n100k, nwide = payloads["jira-alerts"], payloads["jira-alerts wide"]
    speedup, vs_simd = py / j, j / simd
    per_payload_ratio = (med["jira-alerts wide"] / nwide) / (j / n100k)
    peak = max(rss["jira-alerts"], rss["jira-alerts wide"])
    lat_j, lat_s = median(lat["jira"]), median(lat["sqlite3"])
    lat_ratio = lat_j / lat_s
    bpp = median(growth)
    gate_med = {name: median([r.wall for r in rs]) for name, rs in gate["samples"].items()}
    gate_rss = {name: max(r.maxrss_kib for r in rs) / 1024 for name, rs in gate["samples"].items()}
    count_s = gate_med.pop("sqlite3 count")
    count_rss = gate_rss.pop("sqlite3 count")

    print()
    print("jira-alerts benchmark%s" % (" (smoke: tiny inputs, figures not meaningful)" if a.smoke else ""))
    print("  binary   %s" % binary)
    for label, name in (("corpus", "jira-alerts"), ("wide", "jira-alerts wide"), ("narrow", "jira-alerts narrow")):
        path = corpora[name]
        if not path:
            continue
        print("  %-8s %s: %d payloads, %.1f MB" % (label, path, payloads[name], os.path.getsize(path) / 1e6))
        if tool_counts[name] and tool_counts[name] != {payloads[name]}:
            print("  note     jira-alerts reported %s payloads replayed (non-blank lines: %d)"
                  % ("/".join(map(str, sorted(tool_counts[name]))), payloads[name]))
    print("  runs     %d of each program, interleaved; medians of wall time; peak RSS = max over runs"
          % a.runs)
    print("  host     %d CPUs, load average %.2f %.2f %.2f at the end"
          % ((os.cpu_count() or 0,) + os.getloadavg()))
    print()
    print_table(
        ["program", "median wall", "min", "max", "CPU (user+sys)", "payloads/s", "MB/s", "peak RSS"],
        [[name, fmt_s(med[name]), fmt_s(min(r.wall for r in rs)), fmt_s(max(r.wall for r in rs)),
          fmt_s(cpu[name]), "%.0f" % (payloads.get(name, n100k) / med[name]),
          "%.1f" % (sizes.get(name, os.path.getsize(corpus)) / 1e6 / med[name]),
          "%.1f MiB" % rss[name]]
         for name, rs in results.items()])
    print()
    print("  output of the last run of each:")
    for name, rs in results.items():
        print("    %-18s %s" % (name, tail(rs[-1].err_path if name.startswith("jira-alerts")
                                            else rs[-1].out_path, 1)))
    print()
    print("  latency state file: %s" % lat["db"])
    print("    alerts when built: %d; before the latency runs: %d; after: %d (user_version %s)"
          % (lat["built"], lat["before"], lat["after"], lat["user_version"]))
    print("    %d samples each (after one warm-up), interleaved; payload: %s with a new issue.key each time"
          % (a.latency_runs, lat["event"]))
    print("    jira-alerts replay: median %s (min %s, max %s)"
          % (fmt_s(lat_j), fmt_s(min(lat["jira"])), fmt_s(max(lat["jira"]))))
    print("    sqlite3 PRAGMA:     median %s (min %s, max %s)"
          % (fmt_s(lat_s), fmt_s(min(lat["sqlite3"])), fmt_s(max(lat["sqlite3"]))))
    print()
    print("  CI gates on the wide state file (%d alerts, %s open; key %s), %d samples each, interleaved:"
          % (gate["alerts"], gate["open"], gate["key"], a.gate_runs))
    print("    sqlite3 count:      median %s, peak RSS %.1f MiB" % (fmt_s(count_s), count_rss))
    print()
    rows = [["1. 100k corpus vs Python", fmt_s(j), "%s (replay_python.py)" % fmt_s(py),
             "%.2fx faster" % speedup, ">= %.0fx faster" % TARGET_SPEEDUP_VS_PYTHON,
             yes_no(speedup >= TARGET_SPEEDUP_VS_PYTHON)],
            ["2. 100k corpus vs simdjson scan", fmt_s(j), "%s (simdjson_scan)" % fmt_s(simd),
             "%.2fx the scan's time" % vs_simd, "<= %.1fx (no slower)" % TARGET_RATIO_VS_SCAN,
             yes_no(vs_simd <= TARGET_RATIO_VS_SCAN)],
            ["   (for reference) vs SAX scan", fmt_s(j), "%s (sax_scan)" % fmt_s(sx),
             "%.2fx the scan's time" % (j / sx), "-", "-"],
            ["   (for reference) reading alone", "%s (lint)" % fmt_s(lint), "%s (simdjson_scan)" % fmt_s(simd),
             "%.2fx the scan's time" % (lint / simd), "-", "-"],
            ["3. peak RSS, wide corpus included", "%.1f MiB" % peak, "-", "-",
             "<= %.0f MiB" % TARGET_RSS_MIB, yes_no(peak <= TARGET_RSS_MIB)],
            ["3. wide corpus time per payload", "%.1f us" % (med["jira-alerts wide"] / nwide * 1e6),
             "%.1f us (100k corpus)" % (j / n100k * 1e6), "%.2fx" % per_payload_ratio,
             "<= %.2fx" % TARGET_WIDE_PER_PAYLOAD, yes_no(per_payload_ratio <= TARGET_WIDE_PER_PAYLOAD)]]
    if "jira-alerts narrow" in med:
        narrow_us = med["jira-alerts narrow"] / payloads["jira-alerts narrow"] * 1e6
        wide_us = med["jira-alerts wide"] / nwide * 1e6
        rows += [["   (for reference) wide's shape, 1/10 the issues", "%.1f us" % narrow_us,
                  "%.1f us (100k corpus)" % (j / n100k * 1e6), "%.2fx" % (narrow_us / (j / n100k * 1e6)),
                  "-", "-"],
                 ["   (for reference) wide vs its shape at 1/10", "%.1f us" % wide_us,
                  "%.1f us (1/10 the issues)" % narrow_us, "%.2fx" % (wide_us / narrow_us), "-", "-"]]
    gates_met = True
    for name, t in gate_med.items():
        ok = t / count_s <= TARGET_GATE_RATIO and gate_rss[name] < TARGET_GATE_RSS_MIB
        gates_met = gates_met and ok
        rows.append(["4. %s (%.1f MiB)" % (name, gate_rss[name]), fmt_s(t),
                     "%s (sqlite3 count)" % fmt_s(count_s), "%.2fx" % (t / count_s),
                     "<= %.0fx, < %.0f MiB" % (TARGET_GATE_RATIO, TARGET_GATE_RSS_MIB), yes_no(ok)])
    rows += [["5. one payload into %d alerts" % lat["before"], fmt_s(lat_j),
              "%s (sqlite3 PRAGMA)" % fmt_s(lat_s), "%.2fx" % lat_ratio,
              "<= %.0fx" % TARGET_LATENCY_RATIO, yes_no(lat_ratio <= TARGET_LATENCY_RATIO)],
             ["5. state-file growth", "%.1f B/payload" % bpp, "-", "-",
              "<= %.0f B/payload" % TARGET_BYTES_PER_PAYLOAD, yes_no(bpp <= TARGET_BYTES_PER_PAYLOAD)]]
    print_table(["measure", "jira-alerts", "yardstick", "ratio", "target", "met"], rows)
    print()
    met = sum([speedup >= TARGET_SPEEDUP_VS_PYTHON, vs_simd <= TARGET_RATIO_VS_SCAN,
               peak <= TARGET_RSS_MIB and per_payload_ratio <= TARGET_WIDE_PER_PAYLOAD, gates_met,
               lat_ratio <= TARGET_LATENCY_RATIO and bpp <= TARGET_BYTES_PER_PAYLOAD])
    print("%d of 5 targets met (%.0f s in all)" % (met, time.perf_counter() - t_start))


if __name__ == "__main__":
    sys.exit(main())
