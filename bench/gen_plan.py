#!/usr/bin/env python3
"""Generate a `terraform show -json` plan with N AWS resources for the plan-gate bench.

Usage: gen_plan.py OUT.json [N]

Resources of a dozen taggable types, created or updated, with `tags` and `tags_all`; one in
three lacks the `team` tag. Like a real plan it carries both `resource_changes` and
`planned_values` (checkov scans the latter: without it checkov sees no resources at all).
Deterministic: same N, same bytes.
"""
import json
import sys

out = sys.argv[1]
n = int(sys.argv[2]) if len(sys.argv) > 2 else 10_000
types = ["aws_instance", "aws_s3_bucket", "aws_sqs_queue", "aws_sns_topic", "aws_dynamodb_table",
         "aws_lambda_function", "aws_cloudwatch_log_group", "aws_security_group", "aws_ebs_volume",
         "aws_kms_key", "aws_ecr_repository", "aws_db_instance"]
default_tags = {"env": "prod", "cost-center": "cc-1042"}
changes, modules = [], {}
for i in range(n):
    t = types[i % len(types)]
    name = f"r{i}"
    module = f"module.svc{i // 500}"
    tags = {"Name": f"{t}-{i}"}
    if i % 3:
        tags["team"] = f"team-{i % 17}"
    after = {"tags": tags, "tags_all": {**default_tags, **tags}}
    modules.setdefault(module, []).append({
        "address": f"{module}.{t}.{name}",
        "mode": "managed",
        "type": t,
        "name": name,
        "provider_name": "registry.terraform.io/hashicorp/aws",
        "schema_version": 0,
        "values": after,
        "sensitive_values": {"tags": {}, "tags_all": {}},
    })
    changes.append({
        "address": f"{module}.{t}.{name}",
        "module_address": module,
        "mode": "managed",
        "type": t,
        "name": name,
        "provider_name": "registry.terraform.io/hashicorp/aws",
        "change": {
            "actions": ["create"] if i % 5 else ["update"],
            "before": None if i % 5 else {"tags": {}, "tags_all": default_tags},
            "after": after,
            "after_unknown": {"id": True, "arn": True, "tags": {}, "tags_all": {}},
        },
    })
plan = {
    "format_version": "1.2",
    "terraform_version": "1.11.0",
    "planned_values": {"root_module": {"child_modules": [
        {"address": address, "resources": resources} for address, resources in modules.items()
    ]}},
    "resource_changes": changes,
    "configuration": {
        "provider_config": {"aws": {"name": "aws", "full_name": "registry.terraform.io/hashicorp/aws",
                                    "expressions": {"default_tags": [{"tags": {"constant_value": default_tags}}]}}},
        "root_module": {},
    },
}
with open(out, "w") as f:
    json.dump(plan, f, indent=1)
