#!/usr/bin/env bash
# Jobs benchmark: `procpool run` vs GNU parallel vs `xargs -P 2` in the same run, -j 2.
# Usage: mvn -B -q package -DskipTests && procpool-bench/run-jobs-compare.sh [ROUNDS] [PIPE_MIB] [PIPE_ROUNDS]
#
# Times whole commands (wall clock, so each includes its runner's start-up), the runners
# interleaved round by round so that a noisy moment hits them alike:
#   - 1,000 `true` jobs and 10,000 `echo N` jobs (output to /dev/null), -j 2 / -P 2;
#   - one `true` job, from the command's start to its end;
#   - --pipe: PIPE_MIB MiB of lines (default 1024) into `wc -l` per block, procpool run --pipe
#     (stdin from the file) vs GNU parallel --pipe (same) and --pipepart -a FILE.
# Prints a Markdown section: medians, the spread (min-max) of the rounds, the ratios, and the load
# average before and after (the machine may be shared: a load well above 0 makes every figure noisy).
# bin/procpool's first run writes its class-data-sharing archive (on JDK 25 an AOT cache, made in the
# background); a warm-up run and a wait for it come before anything is timed.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROUNDS=${1:-5}
PIPE_MIB=${2:-1024}
PIPE_ROUNDS=${3:-3}
TRUE_JOBS=${TRUE_JOBS:-1000}   # smaller counts only to try the script out
ECHO_JOBS=${ECHO_JOBS:-10000}
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
minmax() { sort -g | awk 'NR==1{lo=$1} {hi=$1} END {printf "%s %s\n", lo, hi}'; }
load() { cut -d' ' -f1-3 /proc/loadavg; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
seq "$TRUE_JOBS" > "$tmp/true.txt"
seq "$ECHO_JOBS" > "$tmp/echo.txt"
# PIPE_MIB MiB of numbered lines
(set +o pipefail; seq 1 200000000 | head -c $((PIPE_MIB * 1024 * 1024)) > "$tmp/lines.txt")
"$PROCPOOL" run -j 2 true ::: warm-up >/dev/null
# on JDK 25 the first run's AOT cache is made in the background: wait until none is in the making
cds_dir="${XDG_CACHE_HOME:-$HOME/.cache}/procpool/cds"
for _ in $(seq 120); do
    ls -d "$cds_dir"/cli-*.lock >/dev/null 2>&1 || break
    sleep 0.5 # polling a directory a background JVM writes
done
load_before=$(load)

run_one() { # runner kind
    case $1/$2 in
        xargs/true) secs sh -c "xargs -P 2 -n 1 true < $tmp/true.txt" ;;
        xargs/echo) secs sh -c "xargs -P 2 -n 1 echo < $tmp/echo.txt" ;;
        parallel/true) secs parallel --will-cite -j 2 true :::: "$tmp/true.txt" ;;
        parallel/echo) secs parallel --will-cite -j 2 echo :::: "$tmp/echo.txt" ;;
        procpool/true) secs "$PROCPOOL" run -j 2 true :::: "$tmp/true.txt" ;;
        procpool/echo) secs "$PROCPOOL" run -j 2 echo :::: "$tmp/echo.txt" ;;
        xargs/one) secs sh -c "echo 1 | xargs -P 2 -n 1 true" ;;
        parallel/one) secs parallel --will-cite -j 2 true ::: 1 ;;
        procpool/one) secs "$PROCPOOL" run -j 2 true ::: 1 ;;
        procpool/pipe) secs sh -c "$PROCPOOL run -j 2 --pipe wc -l < $tmp/lines.txt" ;;
        parallel/pipe) secs sh -c "parallel --will-cite -j 2 --pipe wc -l < $tmp/lines.txt" ;;
        pipepart/pipe) secs parallel --will-cite -j 2 --pipepart -a "$tmp/lines.txt" wc -l ;;
    esac
}

for kind in true echo one; do
    for round in $(seq "$ROUNDS"); do
        for runner in xargs parallel procpool; do
            run_one "$runner" "$kind" >> "$tmp/$runner-$kind"
        done
    done
done
for round in $(seq "$PIPE_ROUNDS"); do
    for runner in procpool parallel pipepart; do
        run_one "$runner" pipe >> "$tmp/$runner-pipe"
    done
done
load_after=$(load)
# every round's seconds, kept beside the summary (stderr), so a run is never lost to a formatting slip
for f in "$tmp"/*-true "$tmp"/*-echo "$tmp"/*-one "$tmp"/*-pipe; do
    echo "$(basename "$f"): $(tr '\n' ' ' < "$f")" >&2
done

declare -A med lo hi
for f in "$tmp"/*-true "$tmp"/*-echo "$tmp"/*-one "$tmp"/*-pipe; do
    k=$(basename "$f")
    med[$k]=$(median < "$f")
    read -r lo[$k] hi[$k] < <(minmax < "$f")
done
rate() { printf "%'.0f" "$(echo "$1 / $2" | bc -l)"; }
ms() { printf '%.0f' "$(echo "$1 * 1000" | bc -l)"; }
x() { printf '%.2f' "$(echo "$1 / $2" | bc -l)"; }

java_version=$(${JAVA_HOME:+$JAVA_HOME/bin/}java -version 2>&1 | head -n 1)
cat <<EOF
Made with \`procpool-bench/run-jobs-compare.sh $ROUNDS $PIPE_MIB $PIPE_ROUNDS\` at $(git rev-parse --short HEAD) on
$(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs, $java_version, $(parallel --version | head -n 1).
Load average (1, 5, 15 min) before: $load_before; after: $load_after.

| runner (-j 2) | 1,000 \`true\`: jobs/s (spread) | 10,000 \`echo\`: jobs/s (spread) | one \`true\` job, start to end (spread) |
| --- | ---: | ---: | ---: |
EOF
for runner in xargs parallel procpool; do
    printf '| %s | %s (%s–%s) | %s (%s–%s) | %s ms (%s–%s) |\n' "$runner" \
        "$(rate "$TRUE_JOBS" "${med[$runner-true]}")" "$(rate "$TRUE_JOBS" "${hi[$runner-true]}")" "$(rate "$TRUE_JOBS" "${lo[$runner-true]}")" \
        "$(rate "$ECHO_JOBS" "${med[$runner-echo]}")" "$(rate "$ECHO_JOBS" "${hi[$runner-echo]}")" "$(rate "$ECHO_JOBS" "${lo[$runner-echo]}")" \
        "$(ms "${med[$runner-one]}")" "$(ms "${lo[$runner-one]}")" "$(ms "${hi[$runner-one]}")"
done
cat <<EOF

| --pipe, $PIPE_MIB MiB of lines into \`wc -l\` | MB/s (spread) |
| --- | ---: |
EOF
mb() { printf '%.0f' "$(echo "$PIPE_MIB * 1.048576 / $1" | bc -l)"; }
for runner in procpool parallel pipepart; do
    name=$runner
    [[ $runner == procpool ]] && name='`procpool run --pipe < FILE`'
    [[ $runner == parallel ]] && name='GNU `parallel --pipe < FILE`'
    [[ $runner == pipepart ]] && name='GNU `parallel --pipepart -a FILE`'
    printf '| %s | %s (%s–%s) |\n' "$name" "$(mb "${med[$runner-pipe]}")" "$(mb "${hi[$runner-pipe]}")" "$(mb "${lo[$runner-pipe]}")"
done
cat <<EOF

Ratios (medians; higher is better for procpool): 1,000 \`true\`: $(x "${med[parallel-true]}" "${med[procpool-true]}")× GNU parallel
(goal ≥ 3), $(x "${med[xargs-true]}" "${med[procpool-true]}")× xargs (goal ≥ 1.0); 10,000 \`echo\`: $(x "${med[parallel-echo]}" "${med[procpool-echo]}")× GNU parallel,
$(x "${med[xargs-echo]}" "${med[procpool-echo]}")× xargs; one job: GNU parallel's time / procpool's = $(x "${med[parallel-one]}" "${med[procpool-one]}") (goal ≥ 1);
--pipe: $(x "${med[parallel-pipe]}" "${med[procpool-pipe]}")× GNU --pipe, $(x "${med[pipepart-pipe]}" "${med[procpool-pipe]}")× GNU --pipepart (goal ≥ 1.0).
EOF
