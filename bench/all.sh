#!/usr/bin/env bash
# Every bench, at a small and a full size, and one table of tally's time against its peers
# (checkov for the plan gate, DuckDB for cost files) and of plan pricing (no peer). Standard
# tools only: bash, python3, bc, GNU time (/usr/bin/time). Not a timed test; the numbers in
# README.md and docs/performance.md come from this command.
#   bench/all.sh [small|full|both]            default both
# Environment:
#   RUNS        runs per bench (default 5; medians are reported)
#   BENCH_DIR   where generated data goes (default target/bench; the full size needs ~2 GB,
#               keep it outside the repository)
#   BENCH_VENV  the Python venv for checkov, DuckDB and pyarrow (default .bench-venv; created
#               and filled on first use)
#   TALLY_BIN   a tally binary built elsewhere (default: cargo build --release, once)
#   REGIONS=1   also run bench/regions.sh (needs .moto-venv from scripts/test)
# Sizes: small = 1,000-resource plan and priced plan, 1M-line CUR 2.0, 100k x 10k audit, 5 x 20
# .tf modules; full = 10,000-resource plans, 10M-line CUR 2.0 and legacy CUR, 1M x 100k audit,
# 50 x 100.
set -euo pipefail
cd "$(dirname "$0")/.."
which=${1:-both}
runs=${RUNS:-5}
target=${CARGO_TARGET_DIR:-target}
export BENCH_DIR=${BENCH_DIR:-$target/bench}
export BENCH_VENV=${BENCH_VENV:-.bench-venv}
mkdir -p "$BENCH_DIR"
if [ -z "${TALLY_BIN:-}" ]; then
  cargo build --release --quiet
  TALLY_BIN=$target/release/tally
fi
export TALLY_BIN
log="$BENCH_DIR/all.log"
: > "$log"

run() {  # run one bench, its output to the terminal and the log
  echo "== bench/$*" | tee -a "$log"
  "bench/$1" "${@:2}" 2>&1 | tee -a "$log"
}

sizes=()
case "$which" in
  small) sizes=(small) ;;
  full) sizes=(full) ;;
  both) sizes=(small full) ;;
  *) echo "usage: bench/all.sh [small|full|both]" >&2; exit 2 ;;
esac
for size in "${sizes[@]}"; do
  if [ "$size" = small ]; then
    run plan-vs-checkov.sh 1000 "$runs"
    run plan-costs.sh 1000 "$runs"
    SHAPE=cur2 run cur-aggregate.sh 1000000 "$runs"
    run audit-e2e.sh 100000 10000 "$runs"
    run hcl-throughput.sh 5 20
  else
    run plan-vs-checkov.sh 10000 "$runs"
    run plan-costs.sh 10000 "$runs"
    SHAPE=cur2 run cur-aggregate.sh 10000000 "$runs"
    SHAPE=legacy run cur-aggregate.sh 10000000 "$runs"
    run audit-e2e.sh 1000000 100000 "$runs"
    run hcl-throughput.sh 50 100
  fi
done
if [ "${REGIONS:-0}" = 1 ]; then
  run regions.sh
fi

echo
printf 'tally against its peers: medians of %s runs, %s cores, load average now %s\n' \
  "$runs" "$(nproc)" "$(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-30s %10s %-8s %10s %10s %12s %12s\n' bench 'tally s' peer 'peer s' 'time ratio' 'tally MiB' 'peer MiB'
grep '^RESULT ' "$log" | while read -r _ name t peer p ratio tm pm; do
  [ "$ratio" = - ] || ratio=$(printf '%.3f' "$ratio")
  printf '%-30s %10s %-8s %10s %10s %12s %12s\n' "$name" "$t" "$peer" "$p" "$ratio" "$tm" "$pm"
done
echo "time ratio = tally / peer (below 1: tally is faster); checkov's speed-up is its inverse."
