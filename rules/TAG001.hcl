rule "TAG001" {
  name     = "missing-required-tag"
  severity = "error"
  scope    = ["aws_*", "*:*"]
  summary  = "A resource lacks a tag key the policy requires (in code, plan, state or live)."
  fix      = "Add the missing keys to the resource's tags, or to the provider's default_tags."

  docs {
    what = <<-EOT
      Every taggable resource in scope must carry each required tag key: `required_tags` in
      tally.hcl, or `tag "KEY" { required = true }` (or a list of resource types) in a policy
      file, or `report_required_tag_for` in an AWS Organizations tag policy. Effective tags
      are checked: provider `default_tags` count. Reported once per resource, at the layer
      closest to the fix: code (file:line), else plan, else state, else live (only for live
      resources in no state). A key whose presence cannot be known before apply is never
      called missing; `--unknown-tags` decides whether it is reported at all.
    EOT
    why = <<-EOT
      Untagged resources have no owner: their spend lands in "untagged" and nobody answers
      for them. Cost allocation, budgets per team and access policies all key on tags.
    EOT
    example = <<-EOT
      # tally.hcl: required_tags = ["team", "env"]
      resource "aws_sqs_queue" "dead_letter" {
        name = "acme-dlq"
        tags = { env = "prod" }          # TAG001: missing required tag "team"
      }
    EOT
    fix = <<-EOT
      Add the key to the resource's `tags`, or once for every resource of a provider in its
      `default_tags` block. A key with the wrong capitalisation is TAG003, not TAG001.
    EOT
  }
}
