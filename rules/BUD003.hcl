rule "BUD003" {
  name     = "budget-burn-rate"
  severity = "warning"
  summary  = "At the current daily pace the budget runs out before the period ends."
  fix      = "Slow the daily spend in the budget's scope."

  docs {
    what = <<-EOT
      The recent daily spend in the budget's scope, projected forward: the day the remaining
      budget runs out, when that day is before the period ends.
    EOT
    why = <<-EOT
      A linear month-to-date forecast hides a recent jump in daily spend; the burn rate shows it.
    EOT
    example = <<-EOT
      budget "web": 600.00 USD left, spending 80.00 USD a day, runs out on the 25th
    EOT
    fix = <<-EOT
      Find what raised the daily spend and slow it, or agree a higher limit in time.
    EOT
  }
}
