#!/usr/bin/env python3
"""Generate a large estate for the end-to-end audit bench: a tally snapshot and a Terraform state.

Usage: gen_estate.py OUT_DIR [LIVE] [STATE]   (default 1,000,000 live x 100,000 state)

Writes OUT_DIR/snapshot.json and OUT_DIR/terraform.tfstate. Shaped like an organisation:
20 accounts x 4 regions, a dozen resource types, tag maps of 2 to 7 tags drawn from a few
hundred repeated tag sets (teams, environments, cost centres, services), mixed owners:
  - every state resource is live (1 in 50 with drifted tags in AWS);
  - of the rest, 40% carry an auto scaling group tag, 30% a Kubernetes cluster tag, 10% are
    tagged by hand with a team, 20% have no owner at all (ClickOps);
  - one live resource in ten has resource-level spend in the snapshot's cost lines.
Deterministic: same sizes, same bytes. The data goes outside the repository (e.g. /work/ext/perf).
"""
import json
import os
import sys

out = sys.argv[1]
live_n = int(sys.argv[2]) if len(sys.argv) > 2 else 1_000_000
state_n = int(sys.argv[3]) if len(sys.argv) > 3 else 100_000
os.makedirs(out, exist_ok=True)

ACCOUNTS = [f"{100000000000 + 7919 * i:012d}" for i in range(20)]
REGIONS = ["eu-west-1", "us-east-1", "us-west-2", "ap-southeast-2"]
TEAMS = [f"team-{i}" for i in range(40)]
ENVS = ["prod", "staging", "dev", "sandbox"]
SERVICES = [f"svc-{i}" for i in range(120)]

# (terraform type, tagging-API type, ARN of (account, region, i))
TYPES = [
    ("aws_instance", "ec2:instance", lambda a, r, i: f"arn:aws:ec2:{r}:{a}:instance/i-{i:017x}"),
    ("aws_ebs_volume", "ec2:volume", lambda a, r, i: f"arn:aws:ec2:{r}:{a}:volume/vol-{i:017x}"),
    ("aws_s3_bucket", "s3", lambda a, r, i: f"arn:aws:s3:::bucket-{a}-{i}"),
    ("aws_sqs_queue", "sqs", lambda a, r, i: f"arn:aws:sqs:{r}:{a}:queue-{i}"),
    ("aws_sns_topic", "sns", lambda a, r, i: f"arn:aws:sns:{r}:{a}:topic-{i}"),
    ("aws_dynamodb_table", "dynamodb:table", lambda a, r, i: f"arn:aws:dynamodb:{r}:{a}:table/table-{i}"),
    ("aws_lambda_function", "lambda:function", lambda a, r, i: f"arn:aws:lambda:{r}:{a}:function:fn-{i}"),
    ("aws_cloudwatch_log_group", "logs:log-group", lambda a, r, i: f"arn:aws:logs:{r}:{a}:log-group:/app/lg-{i}"),
    ("aws_kms_key", "kms:key", lambda a, r, i: f"arn:aws:kms:{r}:{a}:key/{i:08x}-0000-4000-8000-{i:012x}"),
    ("aws_ecr_repository", "ecr:repository", lambda a, r, i: f"arn:aws:ecr:{r}:{a}:repository/repo-{i}"),
    ("aws_db_instance", "rds:db", lambda a, r, i: f"arn:aws:rds:{r}:{a}:db:db-{i}"),
    ("aws_security_group", "ec2:security-group", lambda a, r, i: f"arn:aws:ec2:{r}:{a}:security-group/sg-{i:017x}"),
]


def where(i):
    # Resources of one account and region come in runs, as collection writes them.
    return ACCOUNTS[(i // 997) % len(ACCOUNTS)], REGIONS[(i // 251) % len(REGIONS)]


def base_tags(i):
    # A few hundred distinct tag sets, repeated: team, env, cost centre, service, sometimes Name.
    t = {"team": TEAMS[i % len(TEAMS)], "env": ENVS[(i // 7) % len(ENVS)],
         "cost-center": f"cc-{1000 + (i % len(TEAMS)) * 3}"}
    if i % 3 == 0:
        t["service"] = SERVICES[i % len(SERVICES)]
    if i % 5 == 0:
        t["managed-by"] = "terraform"
    return t


def live_tags(i):
    t = base_tags(i)
    if i < state_n:
        if i % 50 == 0:
            t["team"] = "someone-else"
        return t
    k = i % 10
    if k < 4:
        t["aws:autoscaling:groupName"] = f"asg-{i % 300}"
    elif k < 7:
        t[f"kubernetes.io/cluster/k8s-{i % 200}"] = "owned"
    elif k < 8:
        pass
    else:
        del t["team"]
        if i % 4 == 0:
            t = {}
    if i % 11 == 0:
        t["Name"] = f"node-{i}"
    return t


def resource(i):
    a, r = where(i)
    tf, api, arn = TYPES[i % len(TYPES)]
    return a, r, tf, api, arn(a, r, i)


def write_snapshot():
    path = os.path.join(out, "snapshot.json")
    with open(path, "w") as f:
        attempts = [{"account": a, "region": r, "source": s, "status": "ok"}
                    for a in ACCOUNTS for r in REGIONS for s in ("tagging-api", "config")]
        attempts += [{"account": a, "region": "global", "source": "cost-explorer", "status": "ok"}
                     for a in ACCOUNTS]
        head = {"format": "tally-snapshot", "version": 1, "collected_at": "2026-11-18T06:00:00Z",
                "as_of": "2026-11-18",
                "collection": {"accounts": ACCOUNTS, "regions": REGIONS, "attempts": attempts,
                               "paid_requests": 20}}
        text = json.dumps(head, indent=2)
        f.write(text[:-2] + ',\n  "resources": [\n')
        for i in range(live_n):
            a, r, _, api, arn = resource(i)
            sources = ["config", "tagging-api"] if i % 3 == 0 else ["tagging-api"]
            rec = {"arn": arn, "account": a, "region": r, "type": api, "tags": live_tags(i),
                   "sources": sources}
            f.write(("    " if i == 0 else ",\n    ") + json.dumps(rec, separators=(",", ":")))
        f.write('\n  ],\n  "costs": {\n    "metric": "UnblendedCost",\n    "lines": [\n')
        for j in range(live_n // 10):
            i = j * 10 + 8
            a, r, _, _, arn = resource(i)
            line = {"period": {"start": "2026-11-01", "end": "2026-11-18"}, "account": a,
                    "service": "Amazon Elastic Compute Cloud - Compute", "resource_id": arn,
                    "tags": {}, "amount": f"{12 + j % 1000}.{j % 100:02d}", "currency": "USD",
                    "charge_category": "usage"}
            f.write(("      " if j == 0 else ",\n      ") + json.dumps(line, separators=(",", ":")))
        f.write('\n    ]\n  },\n  "budgets": [],\n  "cost_allocation_tags": []\n}\n')


def write_state():
    path = os.path.join(out, "terraform.tfstate")
    blocks = {}
    for i in range(state_n):
        a, r, tf, _, arn = resource(i)
        module = f"module.svc{i // 1000}"
        key = (module, tf)
        tags = base_tags(i)
        attrs = {"arn": arn, "id": arn.rsplit("/", 1)[-1].rsplit(":", 1)[-1], "tags": tags,
                 "tags_all": tags}
        blocks.setdefault(key, []).append({"index_key": len(blocks.get(key, [])), "schema_version": 0,
                                           "attributes": attrs, "sensitive_attributes": []})
    resources = [{"module": m, "mode": "managed", "type": tf, "name": "this",
                  "provider": f"provider[\"registry.terraform.io/hashicorp/aws\"]",
                  "instances": insts} for (m, tf), insts in blocks.items()]
    state = {"version": 4, "terraform_version": "1.11.0", "serial": 1,
             "lineage": "00000000-0000-4000-8000-000000000000", "outputs": {},
             "resources": resources, "check_results": None}
    with open(path, "w") as f:
        json.dump(state, f, separators=(",", ":"))


write_snapshot()
write_state()
