rule "IAC002" {
  name     = "missing-resource"
  severity = "warning"
  scope    = ["aws_*"]
  summary  = "A resource in Terraform state no longer exists live."
  fix      = "Run terraform plan to see the drift; re-create it with apply or remove it from code and state."

  docs {
    what = <<-EOT
      A managed resource in state is called missing only where the snapshot can vouch for it:
      the tagging API answered for its account and region, the resource has user tags (the
      tagging API never lists untagged resources), and the inventory returned other resources
      of the same service in that account.
    EOT
    why = <<-EOT
      Someone deleted it by hand: the next apply re-creates it, or a dependency silently broke.
    EOT
    example = <<-EOT
      state: aws_sqs_queue.jobs[1] (arn:aws:sqs:eu-west-1:111111111111:acme-payments-jobs-1)
      live:  not found, other SQS queues of the account were listed
      IAC002: in Terraform state but not found live
    EOT
    fix = <<-EOT
      Run `terraform plan`: re-create the resource with `terraform apply`, or remove it from the
      code (and state) if it is no longer wanted.
    EOT
  }
}
