rule "BUD002" {
  name     = "budget-forecast-exceeded"
  severity = "warning"
  summary  = "Spend is forecast to reach the budget's forecast threshold (default: its limit) by the end of the period."
  fix      = "Act before period end: reduce spend in the budget's scope or agree a higher limit."

  docs {
    what = <<-EOT
      For every budget not already exceeded: the forecast for the period end against the
      limit. Fires when the forecast reaches `alert_at_forecast` percent of the limit (default
      100). AWS Budgets bring their own forecast; budgets in tally.hcl use a linear forecast
      (actual per elapsed day times days in the period).
    EOT
    why = <<-EOT
      Acting in the middle of the month is cheap; explaining the overrun afterwards is not.
    EOT
    example = <<-EOT
      budget "web" { limit = "900.00", alert_at_forecast = 100 }
      BUD002: forecast 1,016.36 USD against a limit of 900.00 USD
    EOT
    fix = <<-EOT
      Act before period end: reduce spend in the budget's scope or agree a higher limit.
    EOT
  }
}
