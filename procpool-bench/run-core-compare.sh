#!/usr/bin/env bash
# The pool engine's hot path beside its references (dev.procpool.bench.CoreCompare), on every
# JDK given: submit one by one with a future on 2 process workers vs the persistent-worker
# enqueue path (and Python's ProcessPoolExecutor.submit from mp_pool_bench.py); warm round trips
# through a pool and a persistent worker vs a raw 16-byte loopback TCP echo between two JVMs, with
# this JVM and its peers on one CPU ("same") and on two ("across", taskset), context switches per
# round trip on each side. Prints "key value" lines, the load average before and after each run.
#
# Usage: procpool-bench/run-core-compare.sh JAVA_HOME... (default: the java on the PATH)
# Environment: CP (default: the bench jar and its lib/ after `mvn -B -q install -DskipTests`),
#              PYTHON (default python3; empty to skip the Python reference).
# Needs 2 CPUs and taskset (util-linux).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CP=${CP:-$ROOT/procpool-bench/target/procpool-bench.jar:$ROOT/procpool-bench/target/lib/*}
PYTHON=${PYTHON-python3}
HOMES=("$@")
if ((${#HOMES[@]} == 0)); then
    HOMES=("$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")")
fi
load() { echo "load $(cut -d' ' -f1-3 /proc/loadavg)"; }
if [[ -n $PYTHON ]]; then
    echo "== python ProcessPoolExecutor.submit, 2 processes; $(load)"
    "$PYTHON" "$ROOT/procpool-bench/src/main/python/mp_pool_bench.py" --map-inputs 10000 --tasks 10000 --ppe-tasks 20000 \
        | tr -d '{}"' | tr ',' '\n' | grep ppe_submit
    echo "   $(load)"
fi
for home in "${HOMES[@]}"; do
    java=$home/bin/java
    echo "== $("$java" -version 2>&1 | head -1): throughput; $(load)"
    "$java" -cp "$CP" dev.procpool.bench.CoreCompare throughput 2>/dev/null
    for regime in same across; do
        echo "== $("$java" -version 2>&1 | head -1): round trips, $regime CPU; $(load)"
        taskset -c 0 "$java" -cp "$CP" dev.procpool.bench.CoreCompare roundtrip "$regime" 2>/dev/null
    done
    echo "   $(load)"
done
