#!/usr/bin/env python3
"""Replay time of a history delivered out of order, against the same history in order.

Late payloads make jira-alerts derive their alerts' episodes again in event time; that
must cost work only for the alerts that got them. gen-jira-corpus writes the same
payloads twice, in order and with --shuffle (a fraction of them delivered up to 50
places late); each is replayed --runs times into a fresh state file, interleaved, and
the medians of wall and CPU time are compared. Both replays must end in the same alerts
and the same stats (checked), so that the two runs did the same work.

    bench/shuffle.py                 # 100k corpus, --shuffle 0.3, 3 runs
    bench/shuffle.py --smoke         # tiny corpus, one run: checks that it works

The figures never fail the run; exit 1 when a command fails or the two replays
disagree, 2 when a prerequisite is missing.
"""
import argparse
import os
import resource
import statistics
import subprocess
import sys
import time

TARGET = 1.5  # shuffled / in order, median wall time


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def corpus(gen, work, issues, events, seed, shuffle):
    """The gen-jira-corpus output for these parameters, written once into WORK."""
    name = "corpus-i%d-e%d-s%d" % (issues, events, seed)
    if shuffle:
        name += "-shuffle%g" % shuffle
    path = os.path.join(work, name + ".ndjson")
    if os.path.exists(path):
        log("reusing %s" % path)
        return path
    log("generating %s" % path)
    args = [sys.executable, gen, "--issues", str(issues), "--events", str(events),
            "--seed", str(seed)]
    if shuffle:
        args += ["--shuffle", str(shuffle)]
    with open(path + ".part", "wb") as out:
        subprocess.run(args, stdout=out, check=True)
    os.replace(path + ".part", path)
    return path


def remove_db(db):
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(db + suffix):
            os.remove(db + suffix)


def replay(binary, path, db):
    """Wall and CPU seconds of one replay of PATH into a fresh DB, and its summary line."""
    remove_db(db)
    with open(path, "rb") as fh:  # page-cache warm
        while fh.read(1 << 20):
            pass
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.monotonic()
    done = subprocess.run([binary, "replay", "--quiet", "--db", db, path],
                          capture_output=True, text=True)
    wall = time.monotonic() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        log("replay of %s failed (exit %d): %s" % (path, done.returncode, done.stderr[-2000:]))
        sys.exit(1)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, done.stderr.strip().splitlines()[-1]


def answers(binary, db):
    """What the state file says: every alert and the stats (episodes, time to resolve)."""
    out = []
    for cmd in (["alerts", "--state", "all"], ["stats"]):
        out.append(subprocess.run([binary, *cmd, "--db", db, "--format", "jsonl"],
                                  capture_output=True, text=True, check=True).stdout)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--binary", default="build/src/jira-alerts")
    ap.add_argument("--shared", default="../shared")
    ap.add_argument("--issues", type=int, default=10000)
    ap.add_argument("--events", type=int, default=100000)
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--shuffle", type=float, default=0.3)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--work", default="/tmp/jira-alerts-bench")
    ap.add_argument("--smoke", action="store_true", help="tiny corpus, one run")
    a = ap.parse_args()
    if a.smoke:
        a.issues, a.events, a.runs = 200, 2000, 1
    gen = os.path.join(a.shared, "tools", "gen-jira-corpus")
    for need in (gen, a.binary):
        if not os.path.exists(need):
            log("missing: %s" % need)
            return 2
    os.makedirs(a.work, exist_ok=True)
    inputs = {
        "in order": corpus(gen, a.work, a.issues, a.events, a.seed, 0),
        "shuffled %g" % a.shuffle: corpus(gen, a.work, a.issues, a.events, a.seed, a.shuffle),
    }
    times = {label: ([], []) for label in inputs}
    summaries, states = {}, {}
    labels = list(inputs)
    for run in range(a.runs):
        for label in labels[run % 2:] + labels[:run % 2]:  # the order rotates each run
            db = os.path.join(a.work, "shuffle-bench.db")
            wall, cpu, summaries[label] = replay(a.binary, inputs[label], db)
            times[label][0].append(wall)
            times[label][1].append(cpu)
            states[label] = answers(a.binary, db)
            remove_db(db)
    if states[labels[0]] != states[labels[1]]:
        log("the two replays end in different alerts or stats")
        return 1
    base_wall = statistics.median(times[labels[0]][0])
    base_cpu = statistics.median(times[labels[0]][1])
    print("%-14s %10s %10s %8s %8s" % ("INPUT", "WALL", "CPU", "xWALL", "xCPU"))
    for label in labels:
        wall, cpu = statistics.median(times[label][0]), statistics.median(times[label][1])
        print("%-14s %9.2fs %9.2fs %7.2fx %7.2fx" % (label, wall, cpu, wall / base_wall,
                                                     cpu / base_cpu))
    for label in labels:
        print("%s: %s" % (label, summaries[label]))
    ratio = statistics.median(times[labels[1]][0]) / base_wall
    print("target: shuffled <= %.1fx the wall time in order: %s (%.2fx, median of %d)"
          % (TARGET, "yes" if ratio <= TARGET else "no", ratio, a.runs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
