#!/usr/bin/env python3
"""Python references for procpool's pool benchmarks (standard library only), 2 processes:

  - multiprocessing.Pool.map over --map-inputs trivial inputs with its default chunking;
  - concurrent.futures.ProcessPoolExecutor.submit one by one, a future each, --ppe-tasks tasks;
  - multiprocessing.Pool.imap_unordered(chunksize=1) over --tasks tasks.

Each is the best of --repeats runs on a warm pool. Prints one flat JSON object.
"""
import argparse
import concurrent.futures
import json
import multiprocessing
import platform
import time


def inc(x):
    return x + 1


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--processes", type=int, default=2)
    ap.add_argument("--map-inputs", type=int, default=1000000)
    ap.add_argument("--ppe-tasks", type=int, default=20000)
    ap.add_argument("--tasks", type=int, default=200000)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    out = {"python_version": platform.python_version(), "processes": args.processes}

    with multiprocessing.Pool(args.processes) as pool:
        pool.map(inc, range(1000))
        best = 0.0
        for _ in range(args.repeats):
            t0 = time.perf_counter()
            r = pool.map(inc, range(args.map_inputs))
            dt = time.perf_counter() - t0
            assert len(r) == args.map_inputs and r[-1] == args.map_inputs
            best = max(best, args.map_inputs / dt)
        out["map_per_s"] = best
        best = 0.0
        for _ in range(args.repeats):
            t0 = time.perf_counter()
            n = sum(1 for _ in pool.imap_unordered(inc, range(args.tasks), chunksize=1))
            dt = time.perf_counter() - t0
            assert n == args.tasks
            best = max(best, args.tasks / dt)
        out["imap_unordered_c1_per_s"] = best

    with concurrent.futures.ProcessPoolExecutor(args.processes) as ex:
        list(ex.map(inc, range(100)))
        best = 0.0
        for _ in range(args.repeats):
            t0 = time.perf_counter()
            futures = [ex.submit(inc, i) for i in range(args.ppe_tasks)]
            for f in futures:
                f.result()
            dt = time.perf_counter() - t0
            best = max(best, args.ppe_tasks / dt)
        out["ppe_submit_per_s"] = best
    print(json.dumps(out))


if __name__ == "__main__":
    main()
