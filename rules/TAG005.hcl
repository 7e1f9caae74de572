rule "TAG005" {
  name     = "tag-not-cost-allocation-active"
  severity = "warning"
  summary  = "A required tag key is not activated as a cost allocation tag, so spend cannot be split by it."
  fix      = "Activate the key under Billing > Cost allocation tags in the payer account (and backfill)."

  docs {
    what = <<-EOT
      For every tag key the policy requires, checks its status in the cost allocation tag list
      (`ListCostAllocationTags`, recorded in the snapshot). Inactive or unlisted keys are
      reported. Silent when the snapshot holds no activation status.
    EOT
    why = <<-EOT
      Cost Explorer and the Cost and Usage Report only carry tags that are activated: a key
      every resource has is useless for cost allocation until it is.
    EOT
    example = <<-EOT
      required_tags = ["team", "cost-center"]
      snapshot: team Active, cost-center Inactive
      TAG005: required tag key "cost-center" is inactive as a cost allocation tag
    EOT
    fix = <<-EOT
      In the payer (management) account: Billing > Cost allocation tags, activate the key, and
      request a backfill for past months if needed.
    EOT
  }
}
