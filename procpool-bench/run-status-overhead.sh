#!/usr/bin/env bash
# What watching a pool costs (dev.procpool.bench.StatusOverhead): a pool's throughput with nothing
# watching, with a StatusServer polled every 100 ms, and with a JFR recording of every procpool.*
# event, interleaved in one run, on JDK 17 and, when present, JDK 25. Replaces its own section of
# docs/BENCHMARKS.md (from its "<!-- begin: procpool-bench/run-status-overhead.sh" line to the
# next such marker or the end), keeping everything else, then redraws the charts.
#
# Builds nothing: run `mvn -B -q package -DskipTests -pl procpool-bench -am` first.
# Usage: procpool-bench/run-status-overhead.sh [--tasks N] [--rounds R]   (default 100,000 x 7)
# Environment: JAVA17_HOME, JAVA25_HOME, OUT (default docs/BENCHMARKS.md).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
BENCH=procpool-bench
JAR=$BENCH/target/procpool-bench.jar
OUT=${OUT:-docs/BENCHMARKS.md}
BEGIN='<!-- begin: procpool-bench/run-status-overhead.sh -->'

if [[ ! -f $JAR || ! -d $BENCH/target/lib ]]; then
    echo "run-status-overhead.sh: $JAR or $BENCH/target/lib is missing; run 'mvn -B -q package -DskipTests -pl procpool-bench -am' first" >&2
    exit 2
fi
java_major() { "$1/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p'; }
find_jdk() {
    local major=$1 h
    for h in /usr/lib/jvm/java-"$major"-openjdk* /usr/lib/jvm/temurin-"$major"* /usr/lib/jvm/jdk-"$major"*; do
        if [[ -x $h/bin/java && $(java_major "$h") == "$major" ]]; then
            echo "$h"
            return
        fi
    done
}
JAVA17_HOME=${JAVA17_HOME:-$(find_jdk 17)}
JAVA25_HOME=${JAVA25_HOME:-$(find_jdk 25)}
JDKS=()
[[ -n $JAVA17_HOME ]] && JDKS+=("$JAVA17_HOME")
[[ -n $JAVA25_HOME ]] && JDKS+=("$JAVA25_HOME")

SECTION=$(mktemp)
trap 'rm -f "$SECTION"' EXIT
{
    echo "$BEGIN"
    echo "## Watching a pool: status page and JFR against nothing watching"
    echo
    echo "Made with \`procpool-bench/run-status-overhead.sh${*:+ $*}\` at $(git rev-parse --short HEAD 2>/dev/null || echo unknown),"
    echo "$(date -u '+%Y-%m-%d %H:%M UTC'), \`nproc\` = $(nproc). One pool of 2 process workers runs tiny tasks submitted one"
    echo "by one; each round measures it with nothing watching, with a \`StatusServer\` and a client fetching"
    echo "\`/status.json\` every 100 ms, and with a JFR recording of every \`procpool.*\` event, in a rotating"
    echo "order. Goal: both at least 0.95× of nothing watching. Wall-clock throughput swings with whatever else"
    echo "the machine runs; the controller's CPU time per task (the whole controller JVM: pool, status server"
    echo "and its client, JFR) is the steadier measure of what watching adds."
    for home in "${JDKS[@]}"; do
        echo
        echo "Java $(java_major "$home") ($home):"
        echo
        "$home/bin/java" -cp "$JAR:$BENCH/target/lib/*" dev.procpool.bench.StatusOverhead "$@"
    done
} >"$SECTION"
python3 - "$OUT" "$SECTION" "$BEGIN" <<'PY'
import sys
out, section, begin = sys.argv[1:4]
text = open(out, encoding="utf-8").read()
start = text.find(begin)
if start >= 0:
    end = text.find("<!-- ", start + len(begin))
    text = text[:start].rstrip("\n") + ("\n\n" + text[end:] if end >= 0 else "\n")
text = text.rstrip("\n") + "\n\n" + open(section, encoding="utf-8").read().rstrip("\n") + "\n"
open(out, "w", encoding="utf-8").write(text)
PY
python3 procpool-bench/charts.py "$OUT" >&2
echo "run-status-overhead.sh: wrote the section to $OUT" >&2
