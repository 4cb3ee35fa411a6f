#!/bin/sh
# Reproduces the SPIN figures of benchmarks/spin/RESULTS.md: the twin
# three-clients-two-supplicants.pml verified exhaustively by SPIN's generated
# verifier (pan), compiled with gcc -O2, on one core, with partial-order
# reduction off (-DNOREDUCE) and on, RUNS times each; prints every run and the
# median of each figure. Not part of the test suite.
#
#   benchmarks/spin/run.sh [RUNS]          (default 3)
#   EXTRA="-DNIB=1 -DHANDOFF" benchmarks/spin/run.sh   (a knob of the model)
#
# Needs spin (Debian: apt-get install spin) and gcc. Works in a temporary
# directory; the source tree is not touched.
set -eu

RUNS=${1:-3}
EXTRA=${EXTRA:-}
HERE=$(cd "$(dirname "$0")" && pwd)
MODEL=three-clients-two-supplicants.pml
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

echo "machine: $(nproc) cores; $(lscpu | sed -n 's/^Model name: *//p')"
echo "compiler: $(gcc --version | head -n 1)"
echo "spin: $(spin -V)"
echo "model: $MODEL ${EXTRA:+(spin $EXTRA)}"
echo

cp "$HERE/$MODEL" "$WORK/"
cd "$WORK"
spin $EXTRA -a "$MODEL" >/dev/null
gcc -O2 -DSAFETY -DNOREDUCE -o pan-noreduce pan.c
gcc -O2 -DSAFETY -o pan-reduce pan.c

# one run: prints "vector stored transitions memMB seconds errors depth"
measure() {
    # -m1000000: search depth bound (the model's depth is under 100)
    ./"$1" -m1000000 >out.txt 2>&1 || true
    if grep -q "errors: [1-9]" out.txt; then
        grep -E "^pan:" out.txt | head -n 3 >&2
    fi
    awk '
        /^State-vector/             { v = $2; d = $6; sub(/,$/, "", d) }
        / states, stored/           { s = $1 }
        / transitions \(= stored/   { t = $1 }
        /total actual memory usage/ { m = $1 }
        /^pan: elapsed time/        { e = $4 }
        /errors:/                   { err = $NF }
        END { printf "%s %s %s %s %s %s %s\n", v, s, t, m, e, err, d }' out.txt
}

median() { sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

for mode in noreduce reduce; do
    : >"runs-$mode.txt"
    i=1
    while [ "$i" -le "$RUNS" ]; do
        measure "pan-$mode" >>"runs-$mode.txt"
        i=$((i + 1))
    done
    echo "== pan compiled with -DSAFETY $([ $mode = noreduce ] && echo -DNOREDUCE) ($mode), $RUNS runs"
    echo "   vector(B) states     transitions  depth  memory(MB) seconds   errors"
    awk '{ printf "   %-9s %-10s %-12s %-6s %-10s %-9s %s\n", $1, $2, $3, $7, $4, $5, $6 }' "runs-$mode.txt"
    vec=$(awk '{ print $1 }' "runs-$mode.txt" | median)
    st=$(awk '{ print $2 }' "runs-$mode.txt" | median)
    tr=$(awk '{ print $3 }' "runs-$mode.txt" | median)
    mem=$(awk '{ print $4 }' "runs-$mode.txt" | median)
    sec=$(awk '{ print $5 }' "runs-$mode.txt" | median)
    dep=$(awk '{ print $7 }' "runs-$mode.txt" | median)
    echo "   median: $st states, $tr transitions, depth $dep, vector $vec B, $mem MB, $sec s," \
        "$(awk -v s="$st" -v t="$sec" 'BEGIN { printf "%.0f", s / t }') states/s," \
        "$(awk -v s="$tr" -v t="$sec" 'BEGIN { printf "%.0f", s / t }') transitions/s"
    eval "st_$mode=$st"
    echo
done
echo "reduction ratio (states without / with reduction): $(awk -v a="$st_noreduce" -v b="$st_reduce" 'BEGIN { printf "%.3f", a / b }')"
