#!/usr/bin/env bash
# CUR aggregation: tally (release build) vs DuckDB on the same generated CUR-like Parquet file,
# grouped by day x account x service x owner tag (team) x charge type. Not a timed test.
#   bench/cur-aggregate.sh [ROWS]        default 10,000,000
# Needs python3 and PyPI (pyarrow, duckdb go into .bench-venv). Prints wall time and peak RSS
# of each, the ratio, and both totals (tally sums exact decimals, DuckDB doubles).
set -euo pipefail
cd "$(dirname "$0")/.."
rows=${1:-10000000}
venv=.bench-venv
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet 'pyarrow>=15' 'duckdb>=1.1' numpy
fi
target=${CARGO_TARGET_DIR:-target}
data=${BENCH_DIR:-$target/bench}
mkdir -p "$data"
file="$data/cur-$rows.parquet"
if [ ! -f "$file" ]; then
  echo "generating $rows rows..."
  "$venv/bin/python" bench/gen_cur_parquet.py "$file" "$rows"
fi
cargo build --release --quiet
bin=$target/release/tally

measure() {  # prints "wall_s peak_rss_kb" of "$@"
  /usr/bin/time -f '%e %M' -o "$data/time.txt" "$@" >/dev/null
  cat "$data/time.txt"
}

read -r t_wall t_rss < <(measure "$bin" export --costs "$file" --month 2026-10 --owner-tag team -o "$data/tally.csv")
cat > "$data/duck.py" <<PY
import sys, time, duckdb
con = duckdb.connect()
con.execute("SET threads TO $(nproc)")
t = time.time()
con.execute("""
  COPY (SELECT date_trunc('day', line_item_usage_start_date) AS day, line_item_usage_account_id,
               coalesce(product_product_name, line_item_product_code) AS service,
               resource_tags_user_team AS owner, line_item_line_item_type,
               sum(line_item_unblended_cost) AS cost
        FROM read_parquet('$file') GROUP BY ALL ORDER BY ALL) TO '$data/duck.csv' (HEADER)""")
print(f"{time.time() - t:.3f}", file=sys.stderr)
PY
read -r d_wall d_rss < <(measure "$venv/bin/python" "$data/duck.py" 2>"$data/duck-query.txt")
d_query=$(tail -1 "$data/duck-query.txt")

total() {  # sum of a CSV column, exact
  "$venv/bin/python" -c "
import csv, sys; from decimal import Decimal
r = csv.DictReader(open(sys.argv[1])); print(sum((Decimal(x[sys.argv[2]]) for x in r), Decimal(0)))" "$1" "$2"
}
groups_t=$(($(wc -l < "$data/tally.csv") - 1))
groups_d=$(($(wc -l < "$data/duck.csv") - 1))
size=$(du -m "$file" | cut -f1)
printf 'input: %s rows, %s MB Parquet (%s cores)\n' "$rows" "$size" "$(nproc)"
printf 'tally:  %6.2f s wall  %6d MB peak RSS  %d rows  total %s\n' "$t_wall" $((t_rss / 1024)) "$groups_t" "$(total "$data/tally.csv" BilledCost)"
printf 'duckdb: %6.2f s wall (query %.2f s)  %6d MB peak RSS  %d rows  total %s\n' "$d_wall" "$d_query" $((d_rss / 1024)) "$groups_d" "$(total "$data/duck.csv" cost)"
printf 'ratio tally/duckdb: wall %.2f (vs query only %.2f), RSS %.2f\n' \
  "$(echo "$t_wall / $d_wall" | bc -l)" "$(echo "$t_wall / $d_query" | bc -l)" "$(echo "$t_rss / $d_rss" | bc -l)"
