rule "CST003" {
  name     = "cost-mover"
  severity = "info"
  summary  = "Spend moved sharply week over week."
  fix      = "Check what changed for this owner and service."

  docs {
    what = <<-EOT
      Compares each owner's and service's spend of the last complete week with the week before
      and reports the largest movers and anomalies.
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
