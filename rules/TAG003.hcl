rule "TAG003" {
  name     = "tag-key-wrong-case"
  severity = "warning"
  scope    = ["aws_*", "*:*"]
  summary  = "A tag key differs only in case from the required key, or case variants are in use side by side."
  fix      = "Rename the key to the exact capitalisation the policy requires."

  docs {
    what = <<-EOT
      Two checks. (1) Per resource: a tag policy fixes the spelling of its key (`tag "CostCenter"`,
      `case = "exact"`, the default; or `tag_key` in an AWS Organizations tag policy); a key that
      equals it ignoring case but not exactly ("costcenter") is reported. `case = "insensitive"`
      accepts any capitalisation. (2) Across the estate: when one key is used with different
      capitalisations side by side ("Owner" on some resources, "owner" on others) and no policy
      fixes its spelling, one finding names every variant and how many resources use it.
      `aws:` system tags are ignored.
    EOT
    why = <<-EOT
      Tag keys are case-sensitive in AWS: Cost Explorer, cost allocation tags, IAM conditions and
      budgets treat "Owner" and "owner" as two different keys, so spend and access silently split.
    EOT
    example = <<-EOT
      tag "CostCenter" {
        required = true
      }

      resource "aws_instance" "api" {
        tags = { costcenter = "cc-1042" }   # TAG003: key "costcenter" should be "CostCenter"
      }
    EOT
    fix = <<-EOT
      Rename the key to the policy's spelling in code (and let Terraform retag), or pick one
      spelling for an unpinned key and pin it with a `tag` policy.
    EOT
  }
}
