rule "CST003" {
  name     = "cost-mover"
  severity = "info"
  summary  = "Spend moved sharply week over week."
  fix      = "Check what changed for this owner and service."

  docs {
    what = <<-EOT
      Compares each owner's and service's spend of the last 7 complete days (before the data's
      as_of, or before the end of a `tally report` period) with the 7 days before, and reports
      each that changed by at least 30% and at least 50 in the spend's currency (tally.hcl: a
      `movers` block with `min_change_pct` and `min_change`). Untagged usage and untaggable charges
      are compared too. Only daily cost lines count, and only when they cover all 14 days; with
      month-to-date totals the rule is silent rather than guess.
    EOT
    why = <<-EOT
      A cost jump found in the weekly review costs days; found at the month's invoice it costs
      the month.
    EOT
    example = <<-EOT
      team web, Amazon EC2: 310.00 USD last week, 120.00 USD the week before (+158%)
    EOT
    fix = <<-EOT
      Look at what changed for that owner and service (deploys, scaling, data transfer) and
      decide whether the new level is intended.
    EOT
  }
}
