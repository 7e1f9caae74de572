"""Write a CUR 2.0 Parquet file the way AWS Data Exports does for bench/cur-aggregate.sh:
snake_case columns, tags in the `resource_tags` map column (`user_*` keys), product attributes
in the `product` map (`product_name`), N rows over one month. 60 accounts, 300 services,
8,000 resources, 40 teams (10% of usage untagged), hourly usage with some Savings Plan covered
usage, daily credits, and month-long tax lines; amounts as doubles like AWS writes them.

    python bench/gen_cur2_parquet.py OUT.parquet ROWS
"""
import sys

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

out, rows = sys.argv[1], int(sys.argv[2])
rng = np.random.default_rng(22)
chunk = 1_000_000
month = np.datetime64("2026-10-01T00:00:00", "ms")
next_month = np.datetime64("2026-11-01T00:00:00", "ms")
n_accounts, n_services, n_resources, n_teams = 60, 300, 8000, 40
accounts = np.array([f"{100000000000 + i * 7919:012d}" for i in range(n_accounts)])
codes = np.array([f"AmazonSvc{i:03d}" for i in range(n_services)])
names = np.array([f"Amazon Service {i:03d}" for i in range(n_services)])
teams = np.array([f"team-{i:02d}" for i in range(n_teams)])
envs = np.array(["prod", "staging", "dev"])
resources = np.array([f"arn:aws:svc:eu-west-1:1:res/r-{i:05d}" for i in range(n_resources)])
# Usage, SavingsPlanCoveredUsage, Credit, Tax
types = np.array(["Usage", "SavingsPlanCoveredUsage", "Credit", "Tax"])
map_type = pa.map_(pa.string(), pa.string())


def tag_maps(res, tagged, usage):
    """resource_tags per row: user_team (when tagged) and user_env, none on non-usage lines."""
    out = []
    for r, t, u in zip(res.tolist(), tagged.tolist(), usage.tolist()):
        if not u:
            out.append([])
        elif t:
            out.append([("user_team", teams[r % n_teams]), ("user_env", envs[r % 3])])
        else:
            out.append([("user_env", envs[r % 3])])
    return pa.array(out, map_type)


# The product map repeats per service: build each service's entry once.
product_entries = [[("product_name", names[i]), ("servicecode", codes[i])] for i in range(n_services)]

writer = None
written = 0
while written < rows:
    n = min(chunk, rows - written)
    hour = rng.integers(0, 31 * 24, n)
    t = rng.choice(4, n, p=[0.90, 0.07, 0.02, 0.01])
    start = np.where(t == 3, month, month + hour.astype("timedelta64[h]"))
    end = np.where(t == 3, next_month, start + np.timedelta64(1, "h"))
    svc = rng.integers(0, n_services, n)
    res = rng.integers(0, n_resources, n)
    usage = t <= 1
    tagged = rng.random(n) >= 0.1
    cost = np.round(rng.random(n) * 2.0, 10)
    cost = np.where(t == 2, -cost / 10, cost)
    sp_eff = np.where(t == 1, np.round(cost * 0.72, 10), 0.0)
    table = pa.table(
        {
            "bill_billing_period_start_date": pa.array(np.full(n, month), pa.timestamp("ms", tz="UTC")),
            "bill_payer_account_id": pa.array(np.full(n, accounts[0])),
            "line_item_usage_start_date": pa.array(start, pa.timestamp("ms", tz="UTC")),
            "line_item_usage_end_date": pa.array(end, pa.timestamp("ms", tz="UTC")),
            "line_item_usage_account_id": pa.array(accounts[res % n_accounts]),
            "line_item_line_item_type": pa.array(types[t]),
            "line_item_product_code": pa.array(codes[svc]),
            "line_item_usage_type": pa.array(np.char.add("EU-Usage-", (svc % 17).astype(str))),
            "line_item_resource_id": pa.array(np.where(usage, resources[res], None)),
            "line_item_currency_code": pa.array(np.full(n, "USD")),
            "line_item_unblended_cost": pa.array(cost, pa.float64()),
            "line_item_net_unblended_cost": pa.array(cost, pa.float64()),
            "savings_plan_savings_plan_effective_cost": pa.array(sp_eff, pa.float64()),
            "product": pa.array([product_entries[s] for s in svc.tolist()], map_type),
            "resource_tags": tag_maps(res, tagged, usage),
        }
    )
    if writer is None:
        writer = pq.ParquetWriter(out, table.schema, compression="snappy")
    writer.write_table(table, row_group_size=chunk)
    written += n
writer.close()
