"""Write a CUR-like legacy Parquet file (snake_case columns, one column per tag) for
bench/cur-aggregate.sh: N rows over one month, hourly usage lines with a few tax and credit
lines, 10 accounts, 35 services, 5,000 resources, 15 teams (10% untagged), amounts as doubles.

    python bench/gen_cur_parquet.py OUT.parquet ROWS
"""
import sys

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

out, rows = sys.argv[1], int(sys.argv[2])
rng = np.random.default_rng(42)
chunk = 1_000_000
month = np.datetime64("2026-10-01T00:00:00", "ms")
accounts = np.array([f"{100000000000 + i * 7919:012d}" for i in range(10)])
services = np.array([f"Amazon Service {i:02d}" for i in range(35)])
codes = np.array([f"AmazonSvc{i:02d}" for i in range(35)])
teams = np.array([None] + [f"team-{i:02d}" for i in range(15)], dtype=object)
envs = np.array(["prod", "staging", "dev", None], dtype=object)
resources = np.array([f"arn:aws:svc:eu-west-1:1:res/r-{i:05d}" for i in range(5000)])
types = np.array(["Usage", "Tax", "Credit"])

writer = None
written = 0
while written < rows:
    n = min(chunk, rows - written)
    hour = rng.integers(0, 31 * 24, n)
    start = month + hour.astype("timedelta64[h]")
    t = rng.choice(3, n, p=[0.98, 0.01, 0.01])
    svc = rng.integers(0, 35, n)
    res = rng.integers(0, 5000, n)
    team_idx = np.where(rng.random(n) < 0.1, 0, 1 + res % 15)
    cost = np.round(rng.random(n) * 2.0, 8)
    cost = np.where(t == 2, -cost / 10, cost)
    table = pa.table(
        {
            "bill_billing_period_start_date": pa.array(np.full(n, month), pa.timestamp("ms", tz="UTC")),
            "line_item_usage_start_date": pa.array(start, pa.timestamp("ms", tz="UTC")),
            "line_item_usage_end_date": pa.array(start + np.timedelta64(1, "h"), pa.timestamp("ms", tz="UTC")),
            "line_item_usage_account_id": pa.array(accounts[res % 10]),
            "line_item_line_item_type": pa.array(types[t]),
            "line_item_product_code": pa.array(codes[svc]),
            "product_product_name": pa.array(services[svc]),
            "line_item_resource_id": pa.array(np.where(t == 0, resources[res], None)),
            "line_item_currency_code": pa.array(np.full(n, "USD")),
            "line_item_unblended_cost": pa.array(cost, pa.float64()),
            "resource_tags_user_team": pa.array(np.where(t == 0, teams[team_idx], None)),
            "resource_tags_user_env": pa.array(np.where(t == 0, envs[res % 4], None)),
        }
    )
    if writer is None:
        writer = pq.ParquetWriter(out, table.schema, compression="snappy")
    writer.write_table(table, row_group_size=chunk)
    written += n
writer.close()
