# Built-in rules of tally. Ids are stable; names describe the problem (ruff style).
# `severity` is the default; `tally.hcl` and the command line can override it.
# Each rule's full docs (what, why, example, fix) live beside it; `fix` is the one-line hint
# every finding carries.

rule "TAG001" {
  name     = "missing-required-tag"
  severity = "error"
  summary  = "A resource lacks a tag key the policy requires (in code, plan, state or live)."
  fix      = "Add the missing keys to the resource's tags, or to the provider's default_tags."
}

rule "TAG002" {
  name     = "tag-value-not-allowed"
  severity = "error"
  summary  = "A tag value is not in the policy's allowed list, wildcard or pattern."
  fix      = "Change the value to one the policy allows."
}

rule "TAG003" {
  name     = "tag-key-wrong-case"
  severity = "warning"
  summary  = "A tag key differs only in case from the required key, or case variants are in use side by side."
  fix      = "Rename the key to the exact capitalisation the policy requires."
}

rule "TAG004" {
  name     = "tag-drift"
  severity = "warning"
  summary  = "Tags in Terraform state differ from the live resource's tags (aws: keys ignored)."
  fix      = "Run terraform apply to restore the declared tags, or adopt the live change in code."
}

rule "TAG005" {
  name     = "tag-not-cost-allocation-active"
  severity = "warning"
  summary  = "A required tag key is not activated as a cost allocation tag, so spend cannot be split by it."
  fix      = "Activate the key under Billing > Cost allocation tags in the payer account (and backfill)."
}

rule "IAC001" {
  name     = "unmanaged-resource"
  severity = "warning"
  summary  = "A live resource is in no Terraform state; its owner is inferred where possible."
  fix      = "Import the resource into Terraform, or delete it if nobody needs it."
}

rule "IAC002" {
  name     = "missing-resource"
  severity = "warning"
  summary  = "A resource in Terraform state no longer exists live."
  fix      = "Run terraform plan to see the drift; re-create it with apply or remove it from code and state."
}

rule "CST001" {
  name     = "untagged-spend"
  severity = "warning"
  summary  = "Usage spend carries no owner tag; spend that cannot carry tags (tax, support, fees) is kept apart."
  fix      = "Tag the resources behind this spend with the owner tag, and make sure the key is activated for cost allocation."
}

rule "CST002" {
  name     = "unmanaged-spend"
  severity = "warning"
  summary  = "Spend of a live resource that is in no Terraform state."
  fix      = "Import the resource into Terraform or delete it."
}

rule "CST003" {
  name     = "cost-mover"
  severity = "info"
  summary  = "Spend moved sharply week over week."
  fix      = "Check what changed for this owner and service."
}

rule "BUD001" {
  name     = "budget-exceeded"
  severity = "error"
  summary  = "Actual spend in the period is above the budget's limit."
  fix      = "Reduce spend in the budget's scope or raise the limit with its owner's approval."
}

rule "BUD002" {
  name     = "budget-forecast-exceeded"
  severity = "warning"
  summary  = "Spend is forecast to exceed the budget's limit by the end of the period."
  fix      = "Act before period end: reduce spend in the budget's scope or agree a higher limit."
}

rule "BUD003" {
  name     = "budget-burn-rate"
  severity = "warning"
  summary  = "At the current daily pace the budget runs out before the period ends."
  fix      = "Slow the daily spend in the budget's scope."
}

rule "EXM001" {
  name     = "exemption-invalid"
  severity = "warning"
  summary  = "An exemption is expired, unapproved, or matches nothing."
  fix      = "Renew or approve the exemption in writing, or remove it."
}
