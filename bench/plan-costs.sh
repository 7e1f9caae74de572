#!/usr/bin/env bash
# Plan pricing speed (issue #20's speed line): `tally plan PLAN --costs BILL` on a generated plan
# of N priced resources (bench/gen_priced_plan.py: the fixture plan's priced changes repeated,
# priced at tests/fixtures/pricing/bill.csv's rates), in every format the gate writes. Not a
# timed test; there is no peer to compare with.
#   bench/plan-costs.sh [N] [RUNS]        default 10,000 resources, 11 runs
# Each run times table, JSON, Markdown and SARIF in turn (interleaved, the machine is shared),
# each written to a file with -o. Wall time is read from bash's EPOCHREALTIME around the
# process (no fork of a timer in the interval); peak RSS from one more run of each under GNU
# time. Prints medians; the last lines are RESULT lines for bench/all.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-10000}
runs=${2:-11}
target=${CARGO_TARGET_DIR:-target}
data=${BENCH_DIR:-$target/bench}
mkdir -p "$data"
plan="$data/priced-plan-$n.json"
[ -f "$plan" ] || python3 bench/gen_priced_plan.py "$plan" "$n"
bill=tests/fixtures/pricing/bill.csv
if [ -n "${TALLY_BIN:-}" ]; then
  bin=$TALLY_BIN
else
  cargo build --release --quiet
  bin=$target/release/tally
fi
formats=(table json markdown sarif)

wall_of() {  # wall seconds of one run of "$@"; tally exits 1 on findings, not a failure
  local s=$EPOCHREALTIME
  "$@" >/dev/null 2>&1 || [ "$?" -le 1 ]
  echo "$EPOCHREALTIME - $s" | bc -l
}
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }

declare -A times
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
for _ in $(seq 1 "$runs"); do
  for f in "${formats[@]}"; do
    times[$f]+="$(wall_of "$bin" plan "$plan" --costs "$bill" --format "$f" -o "$data/plan-costs.$f") "
  done
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
printf 'plan --costs: %d priced resources (%.1f MB), %s cores, load %s before, %s after\n' "$n" \
  "$(echo "$(stat -c %s "$plan") / 1000000" | bc -l)" "$(nproc)" "$load_before" "$load_after"
results=()
for f in "${formats[@]}"; do
  # shellcheck disable=SC2086 # the times are one space-separated list
  t=$(median ${times[$f]})
  /usr/bin/time -f '%M' -o "$data/plan-costs.time" "$bin" plan "$plan" --costs "$bill" --format "$f" \
    -o "$data/plan-costs.$f" >/dev/null 2>&1 || [ "$?" -le 1 ]
  peak=$(( $(tail -1 "$data/plan-costs.time") / 1024 ))
  printf '%-8s median %.3f s of %d runs, %s MiB peak, %s bytes of output\n' "$f" "$t" "$runs" "$peak" \
    "$(stat -c %s "$data/plan-costs.$f")"
  results+=("$(printf 'RESULT plan-costs-%s-%s %.4f - - - %s -' "$n" "$f" "$t" "$peak")")
done
# RESULT name tally_s peer peer_s ratio tally_peak_mib peer_peak_mib
printf '%s\n' "${results[@]}"
