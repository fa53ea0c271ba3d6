#!/usr/bin/env bash
# Jobs benchmark: `procpool run` vs GNU parallel vs `xargs -P` in the same run, -j 2.
# Usage: mvn -B -q install -DskipTests && procpool-bench/run-jobs-compare.sh [JOBS_TRUE] [JOBS_SLEEP]
# Prints jobs per second for N runs of `true` and M runs of `sleep 0.05`, and the time to start the
# CLI and run one `true` job. Wall-clock times of whole commands, so each includes its start-up.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
N=${1:-1000}
M=${2:-200}
PROCPOOL=bin/procpool
command -v parallel >/dev/null || { echo "GNU parallel is not installed (apt-get install parallel)" >&2; exit 1; }

# seconds as a float for one command line (stdout discarded)
secs() {
    local t0 t1
    t0=$(date +%s.%N)
    "$@" >/dev/null 2>&1 </dev/null || true
    t1=$(date +%s.%N)
    echo "$t1 - $t0" | bc -l
}
rate() { printf '%.0f' "$(echo "$1 / $2" | bc -l)"; }

seq "$N" > /tmp/jobs-bench-true.txt
seq "$M" | sed "s/.*/0.05/" > /tmp/jobs-bench-sleep.txt   # each job: sleep 0.05
printf '%-34s %10s %10s\n' "runner (-j 2)" "true/s" "sleep/s"
for runner in xargs parallel procpool; do
    case $runner in
        xargs)
            a=$(secs sh -c "xargs -P 2 -n 1 true < /tmp/jobs-bench-true.txt")
            b=$(secs sh -c "xargs -P 2 -n 1 sleep < /tmp/jobs-bench-sleep.txt") ;;
        parallel)
            a=$(secs parallel --will-cite -j 2 true :::: /tmp/jobs-bench-true.txt)
            b=$(secs parallel --will-cite -j 2 sleep :::: /tmp/jobs-bench-sleep.txt) ;;
        procpool)
            a=$(secs "$PROCPOOL" run -j 2 true :::: /tmp/jobs-bench-true.txt)
            b=$(secs "$PROCPOOL" run -j 2 sleep :::: /tmp/jobs-bench-sleep.txt) ;;
    esac
    printf '%-34s %10s %10s\n' "$runner" "$(rate "$N" "$a")" "$(rate "$M" "$b")"
done
one=$(secs "$PROCPOOL" run -j 2 true ::: 1)
gone=$(secs parallel --will-cite -j 2 true ::: 1)
printf 'one `true` job, start to end: procpool run %.0f ms, GNU parallel %.0f ms\n' "$(echo "$one*1000" | bc -l)" "$(echo "$gone*1000" | bc -l)"
