#!/usr/bin/env bash
# Agent messaging benchmark: two procpool agents in separate worker processes (messages routed by
# the supervisor) vs Python's multiprocessing.Queue between two processes, in the same run
# (dev.procpool.bench.AgentsCompare and src/main/python/mp_queue_bench.py). Prints a markdown table.
# Builds nothing: run `mvn -B -q package -DskipTests -pl procpool-bench -am` from the repository
# root first. Usage: procpool-bench/run-agents-compare.sh [--out FILE]
# Environment: JAVA_HOME (default: java on the PATH), PYTHON (default python3).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
JAR=procpool-bench/target/procpool-bench.jar
if [[ ! -f $JAR || ! -d procpool-bench/target/lib ]]; then
    echo "run-agents-compare.sh: $JAR is missing; run 'mvn -B -q package -DskipTests -pl procpool-bench -am' first" >&2
    exit 2
fi
JAVA=${JAVA_HOME:+$JAVA_HOME/bin/}java
exec "$JAVA" -cp "$JAR:procpool-bench/target/lib/*" dev.procpool.bench.AgentsCompare "$@"
