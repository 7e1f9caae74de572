rule "CST001" {
  name     = "untagged-spend"
  severity = "warning"
  summary  = "Usage spend carries no owner tag; spend that cannot carry tags (tax, support, fees) is kept apart."
  fix      = "Tag the resources behind this spend with the owner tag, and make sure the key is activated for cost allocation."

  docs {
    what = <<-EOT
      Month-to-date usage cost lines without the owner tag (`owner_tag`), per account and
      service. Tax, support, fees, credits and refunds cannot carry tags and are reported apart,
      never as untagged.
    EOT
    why = <<-EOT
      Spend without an owner is spend nobody is accountable for; it grows unnoticed.
    EOT
    example = <<-EOT
      owner_tag = "team"
      111111111111 / Amazon Elastic Compute Cloud - Compute: 2,256.46 USD without "team"
    EOT
    fix = <<-EOT
      Find the resources behind the lines (TAG001 and IAC001 usually name them), tag them with
      the owner tag, and check the key is an active cost allocation tag (TAG005).
    EOT
  }
}
