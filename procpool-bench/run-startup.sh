#!/usr/bin/env bash
# Start-up figures on JDK 17 and 25, in one run: a one-shot process worker against a bare
# hello-world JVM (dev.procpool.bench.StartCompare), and `bin/procpool run true ::: 1` start to end
# with its class archive (made by warm-up runs first) and without (PROCPOOL_CDS=0), beside a bare
# hello-world JVM measured the same way. Prints Markdown with min / median / max and the load.
#
# Builds nothing: run `mvn -B -q install -DskipTests` from the repository root first.
# Usage: procpool-bench/run-startup.sh [RUNS]   (default 21)
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
RUNS=${1:-21}
BENCH=procpool-bench
CP="$BENCH/target/procpool-bench.jar:$BENCH/target/lib/*"
[[ -f $BENCH/target/procpool-bench.jar ]] || { echo "run 'mvn -B -q install -DskipTests' first" >&2; exit 2; }

jdks=(/usr/lib/jvm/java-17-openjdk-amd64)
for candidate in /usr/lib/jvm/temurin-25*; do
    [[ -x "$candidate/bin/java" ]] && jdk25="$candidate"
done
[[ -n "${jdk25:-}" ]] && jdks+=("$jdk25")

cache=$(mktemp -d)
trap 'rm -rf "$cache"' EXIT

for home in "${jdks[@]}"; do
    echo "## $("$home/bin/java" -version 2>&1 | head -n 1)"
    echo
    echo "### One-shot process worker vs hello world"
    echo
    "$home/bin/java" -cp "$CP" dev.procpool.bench.StartCompare "$RUNS"
    echo
    echo "### \`bin/procpool run true ::: 1\`, start to end"
    echo
    rm -rf "$cache"/*
    # warm-up: the first run makes the archive (an AOT cache in the background on JDK 25)
    JAVA_HOME=$home XDG_CACHE_HOME=$cache bin/procpool run true ::: 1
    for _ in $(seq 60); do
        ls "$cache"/procpool/cds/cli-*.aot "$cache"/procpool/cds/cli-*.jsa >/dev/null 2>&1 \
            && ! ls -d "$cache"/procpool/cds/*.lock >/dev/null 2>&1 && break
        sleep 1 # a harness waiting for a background JVM's file, not a test
    done
    JAVA_HOME=$home XDG_CACHE_HOME=$cache python3 - "$RUNS" "$home" "$BENCH/target/procpool-bench.jar" <<'PY'
import os, subprocess, sys, time
runs, home, bench = int(sys.argv[1]), sys.argv[2], sys.argv[3]
series = {
    "bare hello-world JVM (`java -cp procpool-bench.jar HelloWorld`)": ([home + "/bin/java", "-cp", bench, "dev.procpool.bench.HelloWorld"], {}),
    "`bin/procpool run true ::: 1` with its class archive": (["bin/procpool", "run", "true", ":::", "1"], {}),
    "`bin/procpool run true ::: 1` without (`PROCPOOL_CDS=0`)": (["bin/procpool", "run", "true", ":::", "1"], {"PROCPOOL_CDS": "0"}),
}
def once(cmd, extra):
    env = dict(os.environ, **extra)
    t0 = time.perf_counter()
    subprocess.run(cmd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, check=True)
    return (time.perf_counter() - t0) * 1000
for cmd, extra in series.values():
    once(cmd, extra)
load_before = open("/proc/loadavg").read().split()[:3]
samples = {name: [] for name in series}
names = list(series)
for i in range(runs):
    for k in range(len(names)):
        name = names[(i + k) % len(names)]  # rotate the order
        samples[name].append(once(*series[name]))
load_after = open("/proc/loadavg").read().split()[:3]
print(f"{runs} runs per series, load average before {' '.join(load_before)}, after {' '.join(load_after)}\n")
print("| series | min | median | max | median / hello world |")
print("| --- | ---: | ---: | ---: | ---: |")
ref = sorted(samples[names[0]])[runs // 2]
for name in names:
    s = sorted(samples[name])
    print(f"| {name} | {s[0]:.1f} ms | {s[runs // 2]:.1f} ms | {s[-1]:.1f} ms | {s[runs // 2] / ref:.2f}× |")
PY
    echo
done
