#!/usr/bin/env python3
"""Generate a real-shaped plan for timing `tally plan` (issues #20 and #21): the 24 changes of
the Terraform 1.11 + AWS provider 5.100 fixture plan (tests/fixtures/pricing/terraform/plan.json,
every attribute a real provider writes, `planned_values`, `prior_state` and `configuration`
as Terraform wrote them) repeated N times, each copy's names suffixed `_i`.

Usage: gen_real_plan.py OUT.json [N]   (N = 300 gives 7,200 changes, 19 MB)

Run it as `tally plan OUT.json --costs tests/fixtures/pricing/bill.csv` or with
`--required-tag team`. Deterministic.
"""
import copy
import json
import os
import sys

out = sys.argv[1]
n = int(sys.argv[2]) if len(sys.argv) > 2 else 300
root = os.path.join(os.path.dirname(__file__), "..")
plan = json.load(open(os.path.join(root, "tests/fixtures/pricing/terraform/plan.json")))
changes = []
for i in range(n):
    for rc in plan["resource_changes"]:
        c = copy.deepcopy(rc)
        base = f"{rc['type']}.{rc['name']}"
        c["name"] = f"{rc['name']}_{i}"
        c["address"] = rc["address"].replace(base, f"{base}_{i}", 1)
        changes.append(c)
plan["resource_changes"] = changes
with open(out, "w") as f:
    json.dump(plan, f, indent=2)
