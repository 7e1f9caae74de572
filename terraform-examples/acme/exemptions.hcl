# Exceptions to acme's tag and Terraform policy, granted in writing. tally applies an entry only
# while it names an approver and its expiry date is not past (against the snapshot's as_of,
# 2026-11-18); otherwise the entry is reported (EXM001) and its findings stay.

# Valid: the bastion stays outside Terraform for now. Its IAC001 and CST002 move to the
# report's "exempted" list; its missing tags (TAG001) are not covered and are still reported.
exemption "bastion-break-glass" {
  rules       = ["IAC001", "CST002"]
  resources   = ["arn:aws:ec2:eu-west-1:111111111111:instance/i-03c5e7a9b1d2f4680"]
  reason      = "Break-glass bastion kept outside Terraform until SSM Session Manager is rolled out (SEC-214)."
  approved_by = "maria.santos@acme.example (security lead)"
  expires     = "2026-12-31"
}

# Expired: the CI bucket was to get an owner by the end of September. It did not, so this
# entry no longer applies: EXM001 reports it and the bucket's TAG001 is reported again.
exemption "artifacts-bucket-owner" {
  rules       = ["TAG001"]
  resources   = ["aws_s3_bucket.artifacts"]
  reason      = "CI bucket shared by all teams; ownership to be decided in the Q3 platform review."
  approved_by = "tom.becker@acme.example (head of platform)"
  expires     = "2026-09-30"
}
