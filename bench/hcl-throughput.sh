#!/usr/bin/env bash
# HCL parse + tag-evaluation throughput of `tally lint` on a generated tree (not a timed test).
#   bench/hcl-throughput.sh [MODULES] [FILES_PER_MODULE]     default 50 x 100 = 5,050 .tf files
# Reports MB/s on one core (taskset -c 0) and on all cores, best of 3 runs each.
set -euo pipefail
cd "$(dirname "$0")/.."
modules=${1:-50}
per=${2:-100}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
python3 bench/gen_tf_tree.py "$dir/tree" "$modules" "$per"
files=$(find "$dir/tree" -name '*.tf' | wc -l)
bytes=$(find "$dir/tree" -name '*.tf' -print0 | xargs -0 cat | wc -c)
if [ -n "${TALLY_BIN:-}" ]; then
  bin=$TALLY_BIN
else
  cargo build --release --quiet
  bin=${CARGO_TARGET_DIR:-target}/release/tally
fi

best() {  # best wall time in seconds of 3 runs of "$@"
  local best=""
  for _ in 1 2 3; do
    local s e t
    s=$(date +%s.%N)
    "$@" lint "$dir/tree" --required-tag team --format json -o "$dir/out.json" || [ $? -le 1 ]
    e=$(date +%s.%N)
    t=$(echo "$e - $s" | bc -l)
    if [ -z "$best" ] || [ "$(echo "$t < $best" | bc -l)" = 1 ]; then best=$t; fi
  done
  echo "$best"
}

one=$(best taskset -c 0 "$bin")
all=$(best "$bin")
resources=$(python3 -c "import json;print(json.load(open('$dir/out.json'))['inputs']['terraform_resources'])")
mb=$(echo "$bytes / 1000000" | bc -l)
printf 'tree: %d .tf files, %.1f MB, %d resource instances\n' "$files" "$mb" "$resources"
printf '1 core:    %.2f s  %.1f MB/s\n' "$one" "$(echo "$mb / $one" | bc -l)"
printf '%d cores:   %.2f s  %.1f MB/s\n' "$(nproc)" "$all" "$(echo "$mb / $all" | bc -l)"
# RESULT name tally_s peer peer_s ratio tally_peak_mib peer_peak_mib
printf 'RESULT lint-%sfiles %s - - - - -\n' "$files" "$all"
