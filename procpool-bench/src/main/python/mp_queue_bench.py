#!/usr/bin/env python3
"""Python multiprocessing.Queue reference for procpool's agent messaging benchmark (stdlib only).

Two processes (the platform's default start method) exchange short strings through
multiprocessing.Queue:
  - throughput: the producer puts --messages strings on one queue, the consumer gets them all
    and acknowledges on a second queue; messages per second from the first put to the
    acknowledgement, best of --repeats runs;
  - ping-pong: one process sends a string, the other echoes it on a second queue; round-trip
    median and 99th percentile over --rounds exchanges after --warmup.

Prints one JSON object on stdout (flat keys, so the Java harness can read it with a regex).
"""
import argparse
import json
import multiprocessing
import platform
import statistics
import sys
import time


def consumer(inq, ackq, total):
    for _ in range(total):
        inq.get()
    ackq.put("done")


def echo(inq, outq):
    while True:
        m = inq.get()
        if m is None:
            return
        outq.put(m)


def percentile(sorted_values, p):
    i = min(len(sorted_values) - 1, max(0, int(round(p / 100.0 * (len(sorted_values) - 1)))))
    return sorted_values[i]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--messages", type=int, default=200_000)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--rounds", type=int, default=5_000)
    ap.add_argument("--warmup", type=int, default=500)
    a = ap.parse_args()

    best = 0.0
    runs = []
    for _ in range(a.repeats):
        inq, ackq = multiprocessing.Queue(), multiprocessing.Queue()
        p = multiprocessing.Process(target=consumer, args=(inq, ackq, a.messages))
        p.start()
        inq.put("warm")  # the consumer is up before the clock starts
        t0 = time.perf_counter()
        for i in range(a.messages - 1):
            inq.put("message")
        ackq.get()
        rate = (a.messages - 1) / (time.perf_counter() - t0)
        p.join()
        runs.append(rate)
        best = max(best, rate)

    inq, outq = multiprocessing.Queue(), multiprocessing.Queue()
    p = multiprocessing.Process(target=echo, args=(inq, outq))
    p.start()
    for _ in range(a.warmup):
        inq.put("ping")
        outq.get()
    rtts = []
    for _ in range(a.rounds):
        t0 = time.perf_counter()
        inq.put("ping")
        outq.get()
        rtts.append((time.perf_counter() - t0) * 1e6)
    inq.put(None)
    p.join()
    rtts.sort()
    print(json.dumps({
        "python_version": platform.python_version(),
        "start_method": multiprocessing.get_start_method(),
        "queue_msgs_per_s": round(best),
        "queue_msgs_per_s_runs": " ".join(str(round(r)) for r in runs),
        "queue_rtt_median_us": round(statistics.median(rtts), 1),
        "queue_rtt_p99_us": round(percentile(rtts, 99), 1),
    }))


if __name__ == "__main__":
    sys.exit(main())
