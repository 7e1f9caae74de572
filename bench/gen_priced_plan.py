#!/usr/bin/env python3
"""Generate a plan of N priced resources for timing `tally plan --costs` (issue #20's speed line).

Usage: gen_priced_plan.py OUT.json [N]

Every change of tests/fixtures/pricing/plan.json that the fixture bill
(tests/fixtures/pricing/bill.csv) prices, repeated under new names until there are N, plus the
fixture's launch templates (an auto scaling group reads its instance type from one). Run it as
`tally plan OUT.json --costs tests/fixtures/pricing/bill.csv`. Deterministic.
"""
import json
import os
import sys

out = sys.argv[1]
n = int(sys.argv[2]) if len(sys.argv) > 2 else 10_000
root = os.path.join(os.path.dirname(__file__), "..")
fixture = json.load(open(os.path.join(root, "tests/fixtures/pricing/plan.json")))
# Priced at the fixture bill's rates (usage-based, no-rate and unknown ones left out).
priced = {
    "aws_autoscaling_group.app", "aws_cloudwatch_metric_alarm.cpu", "aws_db_instance.main",
    "aws_docdb_cluster_instance.d", "aws_dynamodb_table.prov", "aws_ebs_volume.data",
    "aws_ebs_volume.io", "aws_ec2_transit_gateway_vpc_attachment.t", "aws_eip.a",
    "aws_eks_cluster.k8s", "aws_eks_node_group.workers", "aws_elasticache_cluster.memc",
    "aws_elasticache_replication_group.cache", "aws_elb.classic", "aws_instance.old",
    "aws_instance.resized", "aws_instance.web", "aws_kms_key.k", "aws_lb.front", "aws_lb.nlb",
    "aws_msk_cluster.kafka", "aws_nat_gateway.a", "aws_opensearch_domain.search",
    "aws_rds_cluster_instance.aurora", "aws_redshift_cluster.dw", "aws_route53_zone.z",
    "aws_secretsmanager_secret.s", "aws_vpc_endpoint.api", "aws_vpn_connection.v",
}
base = [rc for rc in fixture["resource_changes"] if rc["address"] in priced]
templates = [rc for rc in fixture["resource_changes"] if rc["type"] in ("aws_launch_template", "aws_launch_configuration")]
changes = list(templates)
for i in range(n):
    rc = json.loads(json.dumps(base[i % len(base)]))
    rc["name"] = f"{rc['name']}_{i}"
    rc["address"] = f"{rc['type']}.{rc['name']}"
    changes.append(rc)
plan = {k: v for k, v in fixture.items() if k != "resource_changes"}
plan["resource_changes"] = changes
with open(out, "w") as f:
    json.dump(plan, f, indent=1)
