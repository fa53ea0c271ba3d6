#!/usr/bin/env python3
"""Python multiprocessing references for procpool's benchmarks (standard library only).

Measures, on one warm multiprocessing.Pool(2) with the platform's default start method:
  - Pool.apply round trip of a trivial function: median (and spread) over --rounds calls,
    after --warmup calls;
  - Pool.imap_unordered throughput over --tasks trivial tasks with chunksize=1, best of
    --repeats runs;
  - the same with each of --chunks, best of --repeats runs each, and the best of them.

Prints one JSON object on stdout (flat keys, so the Java harness can read it with a regex).
"""
import argparse
import json
import multiprocessing
import platform
import statistics
import sys
import time


def ident(x):
    return x


def percentile(sorted_values, p):
    if not sorted_values:
        return float("nan")
    i = min(len(sorted_values) - 1, max(0, int(round(p / 100.0 * (len(sorted_values) - 1)))))
    return sorted_values[i]


def throughput(pool, tasks, chunksize, repeats):
    best = 0.0
    runs = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        n = 0
        for _ in pool.imap_unordered(ident, range(tasks), chunksize=chunksize):
            n += 1
        dt = time.perf_counter() - t0
        if n != tasks:
            raise RuntimeError("got %d results for %d tasks" % (n, tasks))
        rate = tasks / dt
        runs.append(rate)
        best = max(best, rate)
    return best, runs


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--processes", type=int, default=2)
    ap.add_argument("--warmup", type=int, default=2000)
    ap.add_argument("--rounds", type=int, default=5000)
    ap.add_argument("--tasks", type=int, default=200000)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--chunks", default="10,100,1000,10000")
    args = ap.parse_args()
    chunks = [int(c) for c in args.chunks.split(",") if c]

    out = {
        "python_version": platform.python_version(),
        "start_method": multiprocessing.get_start_method(),
        "processes": args.processes,
    }
    with multiprocessing.Pool(args.processes) as pool:
        # make sure every worker process is up and has run something
        pool.map(ident, range(1000), chunksize=1)
        for i in range(args.warmup):
            pool.apply(ident, (i,))
        samples = []
        for i in range(args.rounds):
            t0 = time.perf_counter_ns()
            pool.apply(ident, (i,))
            samples.append(time.perf_counter_ns() - t0)
        samples.sort()
        out["apply_rounds"] = len(samples)
        out["apply_median_us"] = statistics.median(samples) / 1000.0
        out["apply_p10_us"] = percentile(samples, 10) / 1000.0
        out["apply_p90_us"] = percentile(samples, 90) / 1000.0
        out["apply_p99_us"] = percentile(samples, 99) / 1000.0

        # a warm-up pass of imap_unordered itself
        throughput(pool, min(args.tasks, 20000), 1, 1)
        best1, runs1 = throughput(pool, args.tasks, 1, args.repeats)
        out["tasks"] = args.tasks
        out["imap1_tasks_per_s"] = best1
        out["imap1_runs"] = ",".join("%.0f" % r for r in runs1)
        best_chunk, best_rate = 1, best1
        for c in chunks:
            rate, _ = throughput(pool, args.tasks, c, args.repeats)
            out["imap_chunk_%d_tasks_per_s" % c] = rate
            if rate > best_rate:
                best_chunk, best_rate = c, rate
        out["imap_best_chunksize"] = best_chunk
        out["imap_best_tasks_per_s"] = best_rate
    json.dump(out, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
