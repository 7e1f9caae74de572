rule "TAG002" {
  name     = "tag-value-not-allowed"
  severity = "error"
  scope    = ["aws_*", "*:*"]
  summary  = "A tag value is not in the policy's allowed list, wildcard or pattern."
  fix      = "Change the value to one the policy allows."

  docs {
    what = <<-EOT
      For each `tag "KEY"` policy with `allowed` values (exact strings, `*` wildcards such as
      "web*") and/or a `pattern` (a regular expression), the value of KEY on every resource in
      the policy's scope must match: one of `allowed` when given, and `pattern` when given.
      Values are compared case-sensitively, as AWS does. An AWS Organizations tag policy's
      `tag_value` is read the same way. A value that is only known after apply is never a
      violation. One finding per resource lists every offending key.
    EOT
    why = <<-EOT
      A typo in a value ("paymnets") splits one team's spend in two and breaks every report,
      budget and access policy that filters on the correct value.
    EOT
    example = <<-EOT
      # policy.hcl
      tag "team" {
        allowed = ["payments", "web*", "platform"]
      }

      resource "aws_s3_bucket" "exports" {
        tags = { team = "paymnets" }     # TAG002: "paymnets" is not allowed for "team"
      }
    EOT
    fix = <<-EOT
      Correct the value. If the value is legitimate, add it to the policy's `allowed` list
      (reviewed like any other policy change).
    EOT
  }
}
