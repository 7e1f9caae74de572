#!/usr/bin/env python3
"""Generate a large Terraform tree for the HCL throughput bench.

Usage: gen_tf_tree.py OUT_DIR [MODULES] [FILES_PER_MODULE]

A root module calls MODULES local modules (with tags passed down and a provider with
default_tags); each module holds FILES_PER_MODULE .tf files of realistic resources whose tags use
merge(), locals, variables, conditionals and for_each. Deterministic: same arguments, same bytes.
"""
import os
import sys

out = sys.argv[1]
modules = int(sys.argv[2]) if len(sys.argv) > 2 else 50
per_module = int(sys.argv[3]) if len(sys.argv) > 3 else 100

os.makedirs(out, exist_ok=True)
with open(os.path.join(out, "main.tf"), "w") as f:
    f.write('''provider "aws" {
  region = "eu-west-1"
  default_tags {
    tags = local.common_tags
  }
}

locals {
  common_tags = {
    env         = var.env
    cost-center = "cc-${var.cost_center}"
    managed-by  = "terraform"
  }
}

variable "env" {
  default = "prod"
}

variable "cost_center" {
  default = "1042"
}
''')
    for m in range(modules):
        f.write(f'''
module "svc{m:03d}" {{
  source = "./modules/svc{m:03d}"
  name   = "svc{m:03d}"
  tags   = merge(local.common_tags, {{ team = "team-{m % 7}" }})
}}
''')

for m in range(modules):
    d = os.path.join(out, "modules", f"svc{m:03d}")
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "variables.tf"), "w") as f:
        f.write('''variable "name" {
  type = string
}

variable "tags" {
  type    = map(string)
  default = {}
}

locals {
  tags     = merge(var.tags, { service = var.name })
  replicas = { a = "eu-west-1a", b = "eu-west-1b", c = "eu-west-1c" }
}
''')
    for i in range(per_module - 1):
        with open(os.path.join(d, f"r{i:03d}.tf"), "w") as f:
            f.write(f'''# Resources of {m}/{i}: queues, buckets and instances with merged tags.
resource "aws_sqs_queue" "q{i}" {{
  name                      = "${{var.name}}-q{i}"
  message_retention_seconds = 1209600
  tags = merge(local.tags, {{
    Name      = "${{var.name}}-q{i}"
    component = "queue"
  }})
}}

resource "aws_s3_bucket" "b{i}" {{
  bucket = lower("${{var.name}}-bucket-{i}")
  tags   = merge(local.tags, {{ Name = upper(var.name), tier = {i} % 2 == 0 ? "hot" : "cold" }})
}}

resource "aws_instance" "i{i}" {{
  for_each      = local.replicas
  ami           = "ami-0123456789abcdef0"
  instance_type = "t3.micro"
  tags = merge(local.tags, {{
    Name = format("%s-%s-{i}", var.name, each.key)
    az   = each.value
  }})
}}

resource "aws_cloudwatch_log_group" "l{i}" {{
  name              = "/svc/${{var.name}}/{i}"
  retention_in_days = 30
  tags              = local.tags
}}
''')
