rule "EXM001" {
  name     = "exemption-invalid"
  severity = "warning"
  summary  = "An exemption is expired, unapproved, or matches nothing."
  fix      = "Renew or approve the exemption in writing, or remove it."

  docs {
    what = <<-EOT
      Every entry of the exemptions file (`exemptions = "exemptions.hcl"` in tally.hcl, or
      `--exemptions FILE`) must name an approver (`approved_by`) and an expiry date (`expires`)
      not before the report's date (the snapshot's `as_of`, else `--today`, else the system
      date). An entry that fails either does not apply: its findings stay, and EXM001 reports
      the entry at its file:line. A valid entry that matched no finding is reported at `info`
      (only where the command could have produced findings of its rules).
    EOT
    why = <<-EOT
      Exceptions must be granted in writing, by someone, for a time. An exemption nobody
      approved or that quietly outlived its reason is how a policy erodes.
    EOT
    example = <<-EOT
      exemption "artifacts-bucket" {
        rules       = ["TAG001"]
        resources   = ["aws_s3_bucket.artifacts"]
        reason      = "CI bucket, owner to be decided"
        approved_by = "cto@acme.example"
        expires     = "2026-10-31"               # EXM001 on 2026-11-18: expired
      }
    EOT
    fix = <<-EOT
      Renew the exemption with a new `expires` and approval, add the approver, or remove the
      entry (and fix the findings it covered). Remove entries that match nothing.
    EOT
  }
}
