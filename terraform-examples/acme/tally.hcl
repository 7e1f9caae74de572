# Audit configuration of the acme example: `cargo run -- audit terraform-examples/acme`.
code     = "."
state    = ["terraform.tfstate"]
plan     = "plan.json"
snapshot = "snapshot.json"

owner_tag     = "team"
required_tags = ["team", "env", "cost-center"]

# The weekly review keeps each week's report here and shows trends over them (tally report).
history = "history"

# Exceptions granted in writing (approver, reason, expiry): see exemptions.hcl.
exemptions = "exemptions.hcl"

# Team budgets. tally computes actual (month-to-date usage carrying the team tag) and a
# linear forecast from the snapshot's cost lines.
budget "payments" {
  tags     = { team = ["payments"] }
  limit    = "3000.00"
  currency = "USD"
  period   = "monthly"
}

budget "web" {
  tags     = { team = ["web"] }
  limit    = "900.00"
  currency = "USD"
  period   = "monthly"
}

budget "platform" {
  tags     = { team = ["platform"] }
  limit    = "400.00"
  currency = "USD"
  period   = "monthly"
}
