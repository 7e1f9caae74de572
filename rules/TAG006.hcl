rule "TAG006" {
  name     = "prohibited-tag"
  severity = "warning"
  scope    = ["aws_*", "*:*"]
  summary  = "A resource carries a tag key the policy prohibits."
  fix      = "Remove the prohibited key (or rename it to the key the policy expects)."

  docs {
    what = <<-EOT
      `prohibited_tags = ["temp*", "Owner"]` in a policy file or tally.hcl lists keys (with `*`
      wildcards, compared ignoring case) that no resource may carry. Checked on code, plan,
      state and live like TAG001. `aws:` system tags are never prohibited.
    EOT
    why = <<-EOT
      Retired keys keep old reports and access rules alive, and keys such as "temp" or
      "do-not-delete" are promises nobody keeps.
    EOT
    example = <<-EOT
      prohibited_tags = ["temp*"]

      resource "aws_instance" "test" {
        tags = { team = "web", temporary = "yes" }   # TAG006: prohibited tag "temporary"
      }
    EOT
    fix = <<-EOT
      Remove the key from the resource's tags (or from default_tags), or rename it to the key
      the policy uses instead.
    EOT
  }
}
