#!/usr/bin/env bash
# CUR aggregation: `tally export` (release build) vs DuckDB on the same generated CUR
# Parquet file, run interleaved (tally, DuckDB, tally, ...) because the machine is shared.
# Not a timed test.
#   bench/cur-aggregate.sh [ROWS] [RUNS]        default 10,000,000 rows, 3 runs each
#   SHAPE=legacy bench/cur-aggregate.sh ...      the older flat shape (one column per tag)
# SHAPE=cur2 (the default) is the shape AWS Data Exports writes: tags in the `resource_tags`
# map, the product name in the `product` map, 60 accounts, 300 services, 8,000 resources
# (bench/gen_cur2_parquet.py). SHAPE=legacy is a legacy CUR Parquet with one column per tag,
# 10 accounts and 35 services (bench/gen_cur_parquet.py).
# Needs python3 and PyPI (pyarrow, duckdb go into .bench-venv). Prints each run's wall time and
# peak RSS, the ranges, the ratios, the load average, and both totals.
#
# The same work on both sides. tally's export reads every line, keys it by what its
# aggregation keeps (charge day and end day, billing period, account, service, owner tag,
# line-item type -> charge category, currency; other tag columns are not read for an export
# without --by-resource), sums billed and effective cost as exact decimals with a line count,
# checks that the export's total reconciles with the input's, and writes one CSV row per key
# with FOCUS columns. The DuckDB query groups by exactly that key and computes the same three
# aggregates, written as CSV too. It sums doubles, not decimals: its total differs from the
# exact one in the last digits. Both get the machine's cores (2 here).
set -euo pipefail
cd "$(dirname "$0")/.."
rows=${1:-10000000}
runs=${2:-3}
venv=${BENCH_VENV:-.bench-venv}
# One venv for every bench script (plan-vs-checkov.sh puts checkov there): install what is missing.
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
if ! "$venv/bin/python" -c 'import pyarrow, duckdb, numpy' 2>/dev/null; then
  "$venv/bin/pip" install --quiet 'pyarrow>=15' 'duckdb>=1.1' numpy
fi
target=${CARGO_TARGET_DIR:-target}
data=${BENCH_DIR:-$target/bench}
mkdir -p "$data"
shape=${SHAPE:-cur2}
case "$shape" in
  cur2) file="$data/cur2-$rows.parquet" gen=bench/gen_cur2_parquet.py
        service="coalesce(product['product_name'], line_item_product_code)"
        owner="resource_tags['user_team']"
        effective="CASE line_item_line_item_type WHEN 'SavingsPlanCoveredUsage' THEN savings_plan_savings_plan_effective_cost ELSE line_item_unblended_cost END" ;;
  legacy) file="$data/cur-$rows.parquet" gen=bench/gen_cur_parquet.py
        service="coalesce(product_product_name, line_item_product_code)"
        owner="resource_tags_user_team"
        effective="line_item_unblended_cost" ;;
  *) echo "SHAPE is cur2 or legacy" >&2; exit 2 ;;
esac
if [ ! -f "$file" ]; then
  echo "generating $rows rows ($shape)..."
  "$venv/bin/python" "$gen" "$file" "$rows"
fi
# TALLY_BIN: a tally binary built elsewhere (to compare two builds on the same file).
if [ -n "${TALLY_BIN:-}" ]; then
  bin=$TALLY_BIN
else
  cargo build --release --quiet
  bin=$target/release/tally
fi

measure() {  # prints "wall_s peak_rss_kb" of "$@"
  /usr/bin/time -f '%e %M' -o "$data/time.txt" "$@" >/dev/null
  cat "$data/time.txt"
}

# Days as tally computes them: UTC day numbers from epoch milliseconds. The end day is the day
# boundary at or after the line's end (an hourly line ends on day + 1). DuckDB's date_trunc on
# a TIMESTAMP WITH TIME ZONE goes through ICU and took three quarters of its time (4.3-4.8 s
# instead of 1.0-1.3 s): that measured ICU, not aggregation. With no tag column but the
# owner's in the key, this is tally's read-time key for an export without --by-resource.
cat > "$data/duck.py" <<PY
import sys, time, duckdb
con = duckdb.connect()
con.execute("SET threads TO $(nproc)")
t = time.time()
con.execute("""
  COPY (SELECT epoch_ms(line_item_usage_start_date) // 86400000 AS day,
               (epoch_ms(line_item_usage_end_date) + 86399999) // 86400000 AS end_day,
               epoch_ms(bill_billing_period_start_date) // 86400000 AS billing_period,
               line_item_usage_account_id AS account,
               $service AS service,
               $owner AS owner, line_item_line_item_type AS type,
               coalesce(line_item_currency_code, 'USD') AS currency,
               sum(line_item_unblended_cost) AS billed, sum($effective) AS effective,
               count(*) AS lines
        FROM read_parquet('$file') GROUP BY ALL ORDER BY ALL) TO '$data/duck.csv' (HEADER)""")
print(f"{time.time() - t:.3f}", file=sys.stderr)
PY

t_walls=() t_rsss=() d_walls=() d_rsss=() d_queries=()
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
for i in $(seq 1 "$runs"); do
  read -r w r < <(measure "$bin" export --costs "$file" --month 2026-10 --owner-tag team -o "$data/tally.csv")
  t_walls+=("$w") t_rsss+=("$r")
  read -r w r < <(measure "$venv/bin/python" "$data/duck.py" 2>"$data/duck-query.txt")
  d_walls+=("$w") d_rsss+=("$r") d_queries+=("$(tail -1 "$data/duck-query.txt")")
  printf 'run %d: tally %5.2f s %4d MB | duckdb %5.2f s (query %5.2f s) %4d MB | load %s\n' "$i" \
    "${t_walls[-1]}" $((t_rsss[-1] / 1024)) "${d_walls[-1]}" "${d_queries[-1]}" $((d_rsss[-1] / 1024)) \
    "$(cut -d' ' -f1 /proc/loadavg)"
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

range() { printf '%s\n' "$@" | sort -g | sed -n '1p;$p' | paste -sd- ; }
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
mb() { for k in "$@"; do echo $((k / 1024)); done; }
total() {  # sum of a CSV column, exact
  "$venv/bin/python" -c "
import csv, sys; from decimal import Decimal
r = csv.DictReader(open(sys.argv[1])); print(sum((Decimal(x[sys.argv[2]]) for x in r), Decimal(0)))" "$1" "$2"
}
groups_t=$(($(wc -l < "$data/tally.csv") - 1))
groups_d=$(($(wc -l < "$data/duck.csv") - 1))
size=$(du -m "$file" | cut -f1)
tm=$(median "${t_walls[@]}") dm=$(median "${d_walls[@]}") qm=$(median "${d_queries[@]}")
printf '\ninput: %s rows (%s shape), %s MB Parquet, %s cores, load average %s before, %s after\n' \
  "$rows" "$shape" "$size" "$(nproc)" "$load_before" "$load_after"
printf 'tally:  wall %s s (median %s)  peak RSS %s MB  %d rows  total %s (exact)\n' \
  "$(range "${t_walls[@]}")" "$tm" "$(range $(mb "${t_rsss[@]}"))" "$groups_t" "$(total "$data/tally.csv" BilledCost)"
printf 'duckdb: wall %s s (median %s), query only %s s (median %s)  peak RSS %s MB  %d rows  total %s (doubles)\n' \
  "$(range "${d_walls[@]}")" "$dm" "$(range "${d_queries[@]}")" "$qm" "$(range $(mb "${d_rsss[@]}"))" "$groups_d" \
  "$(total "$data/duck.csv" billed)"
printf 'ratio tally/duckdb (medians): wall %.2f, vs query only %.2f; peak RSS %.2f\n' \
  "$(echo "$tm / $dm" | bc -l)" "$(echo "$tm / $qm" | bc -l)" \
  "$(echo "$(median "${t_rsss[@]}") / $(median "${d_rsss[@]}")" | bc -l)"
echo "DuckDB's wall time includes starting Python and importing duckdb (about 0.1-0.2 s); tally's"
echo "includes everything: reading, exact decimal sums, the FOCUS CSV and its reconciliation check."
# RESULT name tally_s peer peer_s ratio tally_peak_mib peer_peak_mib
printf 'RESULT cur-%s-%s %s duckdb %s %s %s %s\n' "$shape" "$rows" "$tm" "$dm" "$(echo "$tm / $dm" | bc -l)" \
  "$(($(median "${t_rsss[@]}" | cut -d. -f1) / 1024))" "$(($(median "${d_rsss[@]}" | cut -d. -f1) / 1024))"
