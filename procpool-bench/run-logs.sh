#!/usr/bin/env bash
# Log flood benchmark: log lines per second brought home from a flooding worker
# (stdout lines and SLF4J events), each beside a reference from the same run, on JDK 17 and, when
# present, JDK 25 (dev.procpool.bench.LogFlood). Replaces its own section at the end of
# docs/BENCHMARKS.md (after its "<!-- appended: by procpool-bench/run-logs.sh" line), keeping
# everything else.
#
# Builds nothing: run `mvn -B -q package -DskipTests -pl procpool-bench -am` first.
# Usage: procpool-bench/run-logs.sh [--lines N]     (default 300,000 per run; ~1 minute per JDK)
# Environment: JAVA17_HOME, JAVA25_HOME, OUT (default docs/BENCHMARKS.md).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
BENCH=procpool-bench
JAR=$BENCH/target/procpool-bench.jar
CP="$JAR:$BENCH/target/lib/*"
OUT=${OUT:-docs/BENCHMARKS.md}
MARK='<!-- appended: by procpool-bench/run-logs.sh'

if [[ ! -f $JAR || ! -d $BENCH/target/lib ]]; then
    echo "run-logs.sh: $JAR or $BENCH/target/lib is missing; run 'mvn -B -q package -DskipTests -pl procpool-bench -am' first" >&2
    exit 2
fi

java_major() { "$1/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p'; }
find_jdk() { # $1 = major version; prints a JDK home or nothing
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
if ((${#JDKS[@]} == 0)); then
    echo "run-logs.sh: no JDK 17 or 25 found; set JAVA17_HOME or JAVA25_HOME" >&2
    exit 2
fi

SECTION=$(mktemp)
trap 'rm -f "$SECTION"' EXIT
commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
{
    echo "$MARK; rerunning it replaces this section -->"
    echo
    echo "## Logs brought home"
    echo
    echo "Made with \`procpool-bench/run-logs.sh${*:+ $*}\` at $commit, $(date -u '+%Y-%m-%d %H:%M UTC'),"
    echo "\`nproc\` = $(nproc), load average before: $(cut -d' ' -f1-3 /proc/loadavg). One worker floods; the clock"
    echo "runs from the call to the last line or event counted in the controller (worker already up and"
    echo "warmed). Ratios compare with the reference measured in the same run."
    echo
    for home in "${JDKS[@]}"; do
        major=$(java_major "$home")
        out="$BENCH/target/logflood-$major.md"
        echo "== JDK $major: $home/bin/java -cp '$CP' dev.procpool.bench.LogFlood --out $out $*" >&2
        "$home/bin/java" -cp "$CP" dev.procpool.bench.LogFlood --out "$out" "$@" >/dev/null
        echo "Command: \`$home/bin/java -cp '$CP' dev.procpool.bench.LogFlood --out $out${*:+ $*}\`"
        echo
        cat "$out"
        echo
    done
} > "$SECTION"

# drop an earlier run's section (up to the next appended section, if any), then append this one
python3 - "$OUT" "$SECTION" "$MARK" <<'PY'
import sys
out, section, mark = sys.argv[1], sys.argv[2], sys.argv[3]
try:
    lines = open(out, encoding="utf-8").read().split("\n")
except FileNotFoundError:
    lines = []
kept, skipping = [], False
for line in lines:
    if line.startswith(mark):
        skipping = True
        continue
    if skipping and line.startswith(("<!-- appended:", "<!-- begin:")):
        skipping = False
    if not skipping:
        kept.append(line)
text = "\n".join(kept).rstrip("\n") + "\n\n" + open(section, encoding="utf-8").read().rstrip("\n") + "\n"
open(out, "w", encoding="utf-8").write(text)
PY
echo "run-logs.sh: wrote the section to $OUT" >&2
# the comparison tables as SVG charts beside $OUT, embedded after each table
python3 procpool-bench/charts.py "$OUT" >&2
