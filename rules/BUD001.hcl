rule "BUD001" {
  name     = "budget-exceeded"
  severity = "error"
  summary  = "Actual spend in the period is at or above the budget's alert threshold (default: its limit)."
  fix      = "Reduce spend in the budget's scope or raise the limit with its owner's approval."

  docs {
    what = <<-EOT
      For every budget (declared in tally.hcl or read from AWS Budgets): actual spend in the
      period to date against the limit. Fires when actual reaches `alert_at_actual` percent of
      the limit (default 100). Budgets in tally.hcl are computed from cost lines in their scope
      (tags, accounts, services), or read from the AWS Budget named by `aws_budget`.
    EOT
    why = <<-EOT
      A budget is a promise to finance; an exceeded one needs a decision, not a surprise at
      month end.
    EOT
    example = <<-EOT
      budget "payments" {
        tags            = { team = ["payments"] }
        limit           = "3000.00"
        alert_at_actual = 90
      }
      BUD001: 3,080.82 USD spent of 3,000.00 USD (102.7%)
    EOT
    fix = <<-EOT
      Reduce spend in the budget's scope, or agree a higher limit with the budget's owner and
      change it in tally.hcl (or AWS Budgets).
    EOT
  }
}
