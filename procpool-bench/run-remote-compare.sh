#!/usr/bin/env bash
# Remote workers benchmark: a remote worker through a worker-server on 127.0.0.1 vs a local process
# worker, in the same run (dev.procpool.bench.RemoteCompare), on JDK 17 and, when present, JDK 25.
# Writes its section of docs/BENCHMARKS.md (between its begin/end markers, after the
# "<!-- appended:" line that run-compare.sh keeps), replacing an earlier run's.
#
# Builds nothing: `mvn -B -q package -DskipTests` (or install) from the repository root first.
# Environment: JAVA17_HOME, JAVA25_HOME, OUT (default docs/BENCHMARKS.md). Takes ~1 minute per JDK.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
JAR=procpool-bench/target/procpool-bench.jar
CP="$JAR:procpool-bench/target/lib/*"
OUT=${OUT:-docs/BENCHMARKS.md}
[[ -f $JAR ]] || { echo "run-remote-compare.sh: $JAR is missing; build first" >&2; exit 2; }
pick() { for h in "$@"; do [[ -x $h/bin/java ]] && { echo "$h"; return; }; done; }
JAVA17_HOME=${JAVA17_HOME:-$(pick /usr/lib/jvm/java-17-openjdk* /usr/lib/jvm/temurin-17*)}
JAVA25_HOME=${JAVA25_HOME:-$(pick /usr/lib/jvm/temurin-25* /usr/lib/jvm/java-25-openjdk*)}
BEGIN="<!-- begin: procpool-bench/run-remote-compare.sh -->"
END="<!-- end: procpool-bench/run-remote-compare.sh -->"
SECTION=$(mktemp)
{
    echo "$BEGIN"
    echo "## Remote workers"
    echo
    echo "\`procpool-bench/run-remote-compare.sh\` at $(git rev-parse --short HEAD), $(date -u +%Y-%m-%d), $(nproc) CPUs,"
    echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg). A persistent worker computing \`x + 1\`:"
    echo "round trips one call at a time (5,000 after 5,000 of warm-up), then a burst of 100,000 calls"
    echo "enqueued at once and collected; then 10 one-shot workers started one after another. The remote"
    echo "worker runs on a worker-server spawned as its own JVM on 127.0.0.1: each call crosses two"
    echo "loopback TCP hops (controller -> server -> worker JVM) instead of one, with no TLS. Local one-shot"
    echo "workers use class data sharing (a jar classpath), the server's workers do not. With a load"
    echo "average well above the 2 CPUs, the tails and the start times are noise; the medians hold up best."
    echo "Bursts go faster through the server, probably because it reads what arrived and writes it on in one system call,"
    echo "so the worker wakes once per batch instead of once per call (a batching the local path leaves to"
    echo "the controller's flusher)."
    for JH in "$JAVA17_HOME" "$JAVA25_HOME"; do
        [[ -n $JH ]] || continue
        echo
        echo "JDK $("$JH/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.version = //p'):"
        echo
        "$JH/bin/java" -cp "$CP" dev.procpool.bench.RemoteCompare
    done
    echo
    echo "$END"
} > "$SECTION"
if grep -qF "$BEGIN" "$OUT"; then
    python3 - "$OUT" "$SECTION" "$BEGIN" "$END" <<'PY'
import sys
out, section, begin, end = sys.argv[1:]
text = open(out).read()
a = text.index(begin)
b = text.index(end) + len(end)
open(out, "w").write(text[:a] + open(section).read().rstrip("\n") + text[b:])
PY
else
    grep -q '^<!-- appended:' "$OUT" || echo "<!-- appended: sections below are written by other harnesses; run-compare.sh keeps everything from here on -->" >> "$OUT"
    { echo; cat "$SECTION"; } >> "$OUT"
fi
rm -f "$SECTION"
cat "$OUT" | sed -n "/$(printf '%s' "$BEGIN" | sed 's/[][\/.*]/\\&/g')/,\$p"
# the comparison tables as SVG charts beside $OUT, embedded after each table
python3 procpool-bench/charts.py "$OUT" >&2
