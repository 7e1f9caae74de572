#!/usr/bin/env bash
# End-to-end audit: `tally audit --snapshot S --state T` as a user runs it (the whole process,
# reading both files, the audit, rendering), on a generated estate (bench/gen_estate.py: LIVE
# live resources in the snapshot, STATE in the Terraform state). Not a timed test.
#   bench/audit-e2e.sh [LIVE] [STATE] [RUNS]     default 1,000,000 x 100,000, 5 runs
# Each run times Markdown, table and JSON output in turn (interleaved, the machine is shared)
# with /usr/bin/time: wall and peak RSS. JSON goes to a file; its throughput is the report's
# size over the whole run's wall time (reading and auditing included, so a lower bound).
# The estate is generated once into $BENCH_DIR (default target/bench; keep it outside the
# repository for the full size). The last line is a RESULT line for bench/all.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
live=${1:-1000000}
state=${2:-100000}
runs=${3:-5}
target=${CARGO_TARGET_DIR:-target}
data=${BENCH_DIR:-$target/bench}
dir="$data/estate-$live-$state"
if [ ! -f "$dir/terraform.tfstate" ]; then
  echo "generating $live live x $state state resources..."
  python3 bench/gen_estate.py "$dir" "$live" "$state"
fi
if [ -n "${TALLY_BIN:-}" ]; then
  bin=$TALLY_BIN
else
  cargo build --release --quiet
  bin=$target/release/tally
fi

measure() {  # prints "wall_s peak_rss_kb" of "$@"; findings make tally exit 1, not a failure
  /usr/bin/time -f '%e %M' -o "$data/time.txt" "$@" >/dev/null || [ "$?" -le 1 ]
  tail -1 "$data/time.txt"
}
audit=("$bin" audit --snapshot "$dir/snapshot.json" --state "$dir/terraform.tfstate" --owner-tag team)

md_w=() md_r=() tb_w=() tb_r=() js_w=() js_r=()
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
for i in $(seq 1 "$runs"); do
  read -r w r < <(measure "${audit[@]}" --format markdown -o "$data/audit.md"); md_w+=("$w") md_r+=("$r")
  read -r w r < <(measure "${audit[@]}" --format table -o "$data/audit.txt"); tb_w+=("$w") tb_r+=("$r")
  read -r w r < <(measure "${audit[@]}" --format json -o "$data/audit.json"); js_w+=("$w") js_r+=("$r")
  printf 'run %d: markdown %5.2f s %5d MB | table %5.2f s %5d MB | json %5.2f s %5d MB | load %s\n' "$i" \
    "${md_w[-1]}" $((md_r[-1] / 1024)) "${tb_w[-1]}" $((tb_r[-1] / 1024)) "${js_w[-1]}" $((js_r[-1] / 1024)) \
    "$(cut -d' ' -f1 /proc/loadavg)"
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
mib() { echo $(( $(median "$@" | cut -d. -f1) / 1024 )); }
json_mb=$(echo "$(stat -c %s "$data/audit.json") / 1000000" | bc -l)
findings=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['summary']['findings']['total'])" "$data/audit.json")
printf '\ninput: %s live (%s MB snapshot) x %s state (%s MB), %s cores, load %s before, %s after\n' \
  "$live" "$(du -m "$dir/snapshot.json" | cut -f1)" "$state" "$(du -m "$dir/terraform.tfstate" | cut -f1)" \
  "$(nproc)" "$load_before" "$load_after"
printf 'markdown: median %s s, peak RSS median %s MiB\n' "$(median "${md_w[@]}")" "$(mib "${md_r[@]}")"
printf 'table:    median %s s, peak RSS median %s MiB\n' "$(median "${tb_w[@]}")" "$(mib "${tb_r[@]}")"
printf 'json:     median %s s, peak RSS median %s MiB, %.0f MB report (%s findings), %.0f MB/s end to end\n' \
  "$(median "${js_w[@]}")" "$(mib "${js_r[@]}")" "$json_mb" "$findings" \
  "$(echo "$json_mb / $(median "${js_w[@]}")" | bc -l)"
# RESULT name tally_s peer peer_s ratio tally_peak_mib peer_peak_mib
printf 'RESULT audit-%sx%s %s - - - %s -\n' "$live" "$state" "$(median "${md_w[@]}")" "$(mib "${md_r[@]}")"
