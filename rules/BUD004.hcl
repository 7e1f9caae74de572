rule "BUD004" {
  name     = "plan-pushes-budget-over"
  severity = "warning"
  summary  = "The plan's monthly cost pushes a budget's forecast over its limit."
  fix      = "Reduce what the plan adds, or agree a higher limit before applying it."

  docs {
    what = <<-EOT
      With a plan and cost files (`tally plan --costs`, or `plan` and `costs` in tally.hcl), each
      change is priced at the effective rates of the bill. For every monthly budget the plan
      touches (scoped to an owner whose resources it prices, or with no tag scope), the plan's
      monthly delta is added to the budget's forecast. The rule fires exactly when the forecast
      is below the limit and forecast + delta reaches it.
    EOT
    why = <<-EOT
      A pull request is the cheapest moment to learn that a change will not fit a team's
      budget; after apply, the overspend is already running.
    EOT
    example = <<-EOT
      budget "web": the plan adds 73.00 USD a month for web; forecast 300.00 USD + 73.00 USD = 373.00 USD reaches the limit of 350.00 USD
    EOT
    fix = <<-EOT
      Size the change down (a smaller instance type, fewer replicas), retire something the team
      no longer needs, or raise the budget's limit with its owner before merging.
    EOT
  }
}
