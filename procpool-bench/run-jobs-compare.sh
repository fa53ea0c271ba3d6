#!/usr/bin/env bash
# Jobs benchmark: `procpool run` vs GNU parallel vs `xargs -P` in the same run, -j 2.
# Usage: mvn -B -q install -DskipTests && procpool-bench/run-jobs-compare.sh [JOBS_TRUE] [JOBS_SLEEP] [ROUNDS]
# Prints jobs per second for N runs of `true` and M runs of `sleep 0.05` (the median of ROUNDS runs,
# runners interleaved so that a noisy moment hits them alike), the ratios procpool's targets are set on,
# and the time to start each CLI and run one `true` job. Wall-clock times of whole commands, so each
# includes its start-up. bin/procpool's first run makes its class archive (on JDK 25 an AOT cache,
# in the background); a warm-up run and a wait for it come before anything is timed.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
N=${1:-1000}
M=${2:-200}
ROUNDS=${3:-5}
PROCPOOL=bin/procpool
command -v parallel >/dev/null || { echo "GNU parallel is not installed (apt-get install parallel)" >&2; exit 1; }

# seconds as a float for one command line (output discarded)
secs() {
    local t0 t1
    t0=$(date +%s.%N)
    "$@" >/dev/null 2>&1 </dev/null || true
    t1=$(date +%s.%N)
    echo "$t1 - $t0" | bc -l
}
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
rate() { printf '%.0f' "$(echo "$1 / $2" | bc -l)"; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
seq "$N" > "$tmp/true.txt"
seq "$M" | sed "s/.*/0.05/" > "$tmp/sleep.txt"   # each job: sleep 0.05
"$PROCPOOL" run -j 2 true ::: warm-up >/dev/null
# on JDK 25 the first run's AOT cache is made in the background: wait until none is in the making
cds_dir="${XDG_CACHE_HOME:-$HOME/.cache}/procpool/cds"
for _ in $(seq 120); do
    ls -d "$cds_dir"/cli-*.lock >/dev/null 2>&1 || break
    sleep 0.5 # polling a directory a background JVM writes
done

run_one() { # runner kind
    case $1/$2 in
        xargs/true) secs sh -c "xargs -P 2 -n 1 true < $tmp/true.txt" ;;
        xargs/sleep) secs sh -c "xargs -P 2 -n 1 sleep < $tmp/sleep.txt" ;;
        parallel/true) secs parallel --will-cite -j 2 true :::: "$tmp/true.txt" ;;
        parallel/sleep) secs parallel --will-cite -j 2 sleep :::: "$tmp/sleep.txt" ;;
        procpool/true) secs "$PROCPOOL" run -j 2 true :::: "$tmp/true.txt" ;;
        procpool/sleep) secs "$PROCPOOL" run -j 2 sleep :::: "$tmp/sleep.txt" ;;
        xargs/one) secs sh -c "echo 1 | xargs -P 2 -n 1 true" ;;
        parallel/one) secs parallel --will-cite -j 2 true ::: 1 ;;
        procpool/one) secs "$PROCPOOL" run -j 2 true ::: 1 ;;
    esac
}

for kind in true sleep one; do
    for round in $(seq "$ROUNDS"); do
        for runner in xargs parallel procpool; do
            run_one "$runner" "$kind" >> "$tmp/$runner-$kind"
        done
    done
done

printf '| runner (-j 2) | `true` jobs/s | `sleep 0.05` jobs/s | one `true` job, start to end |\n'
printf '| --- | ---: | ---: | ---: |\n'
declare -A t s o
for runner in xargs parallel procpool; do
    t[$runner]=$(median < "$tmp/$runner-true")
    s[$runner]=$(median < "$tmp/$runner-sleep")
    o[$runner]=$(median < "$tmp/$runner-one")
    printf '| %s | %s | %s | %.0f ms |\n' "$runner" "$(rate "$N" "${t[$runner]}")" "$(rate "$M" "${s[$runner]}")" \
        "$(echo "${o[$runner]} * 1000" | bc -l)"
done
printf '\n`true` jobs: procpool run / GNU parallel = %.2fx (target >= 3), procpool run / xargs -P 2 = %.2fx (target >= 0.8)\n' \
    "$(echo "${t[parallel]} / ${t[procpool]}" | bc -l)" "$(echo "${t[xargs]} / ${t[procpool]}" | bc -l)"
printf '`sleep 0.05` jobs: procpool run / GNU parallel = %.2fx, procpool run / xargs -P 2 = %.2fx (at most %s jobs/s are possible)\n' \
    "$(echo "${s[parallel]} / ${s[procpool]}" | bc -l)" "$(echo "${s[xargs]} / ${s[procpool]}" | bc -l)" 40
