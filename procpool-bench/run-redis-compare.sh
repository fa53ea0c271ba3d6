#!/usr/bin/env bash
# Runs dev.procpool.bench.RedisCompare (the pool over Redis, beside a local pool in the same run)
# and puts its table in docs/BENCHMARKS.md as the section after the line
# "<!-- appended: by procpool-bench/run-redis-compare.sh -->", replacing that section if it is
# there and keeping every other section (run-compare.sh keeps the appended ones too).
#
# Builds nothing: build the bench jar and its lib/ first, e.g. `mvn -B -q package -pl procpool-bench -am -DskipTests`.
# Needs redis-server on the PATH. Environment: JAVA_HOME (default: the java on the PATH), OUT (default docs/BENCHMARKS.md).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
BENCH=procpool-bench
CP="$BENCH/target/procpool-bench.jar:$BENCH/target/lib/*"
OUT=${OUT:-docs/BENCHMARKS.md}
JAVA=${JAVA_HOME:+$JAVA_HOME/bin/}java
MARK='<!-- appended: by procpool-bench/run-redis-compare.sh -->'

if [[ ! -f $BENCH/target/procpool-bench.jar || ! -d $BENCH/target/lib ]]; then
    echo "run-redis-compare.sh: build the bench first (mvn -B -q package -pl procpool-bench -am -DskipTests)" >&2
    exit 2
fi
command -v redis-server >/dev/null || { echo "run-redis-compare.sh: redis-server is not installed" >&2; exit 2; }

table="$BENCH/target/redis-compare.md"
shown="$JAVA -cp '$CP' dev.procpool.bench.RedisCompare --out $table"
echo "== $shown" >&2
"$JAVA" -cp "$CP" dev.procpool.bench.RedisCompare --out "$table" >/dev/null

section=$(cat <<SECTION
$MARK

## A pool over Redis

\`dev.procpool.bench.RedisCompare\` starts a \`redis-server\` 7 on 127.0.0.1 (no persistence) and 1, then 2,
then 3 node JVMs (\`RedisNode\`, 2 worker processes each, prefetch 64), all on this machine, and sends
trivial tasks (\`() -> x * x\`) from a \`RedisPool\` in the benchmark's JVM: throughput is 20,000 tasks put
with \`submitAll\` until every future is done (best of 3 after a warm-up round), the round trip is one
\`submit(...).future().get()\` at a time (300 after 50 warm-up). The reference is a local \`Pool\` with 2
process workers measured in the same run. Every node, worker, Redis and the controller share this
machine's CPUs, so adding nodes adds contention, not capacity: the rows show the cost of the trip through
Redis, not scale-out.

- Date: $(date -u '+%Y-%m-%d %H:%M UTC'); commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown); \`nproc\` = $(nproc)
- Java: $("$JAVA" -version 2>&1 | sed -n 2p); $(redis-server --version | cut -d' ' -f1-3)
- Made with: \`procpool-bench/run-redis-compare.sh\`, which ran \`$shown\`

$(cat "$table")
SECTION
)

if [[ -f $OUT ]] && grep -qF "$MARK" "$OUT"; then
    # drop the old section: from its mark to the next appended mark or the end
    python3 - "$OUT" "$MARK" <<'PY'
import sys
path, mark = sys.argv[1], sys.argv[2]
lines = open(path).read().split("\n")
start = lines.index(mark)
end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith(("<!-- appended:", "<!-- begin:"))), len(lines))
open(path, "w").write("\n".join(lines[:start] + lines[end:]).rstrip("\n") + "\n")
PY
fi
printf '\n%s\n' "$section" >>"$OUT"
echo "run-redis-compare.sh: wrote $OUT" >&2
# the comparison tables as SVG charts beside $OUT, embedded after each table
python3 procpool-bench/charts.py "$OUT" >&2
