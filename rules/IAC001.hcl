rule "IAC001" {
  name     = "unmanaged-resource"
  severity = "warning"
  scope    = ["*:*"]
  summary  = "A live resource is in no Terraform state; its owner is inferred where possible."
  fix      = "Import the resource into Terraform, or delete it if nobody needs it."

  docs {
    what = <<-EOT
      Every live resource (tagging API and AWS Config) is matched by ARN against every loaded
      Terraform state. One that is in none is reported. When its tags prove another owner (an
      Auto Scaling group, a CloudFormation stack, Kubernetes, Elastic Beanstalk) it is reported
      at `info` with that owner, and with the owner's Terraform address when Terraform manages it.
    EOT
    why = <<-EOT
      ClickOps resources escape review, cost money nobody budgets for, and are lost in the next
      disaster recovery. Owned resources are shown, not alarmed on: they are not ClickOps.
    EOT
    example = <<-EOT
      live: arn:aws:ec2:eu-west-1:111111111111:instance/i-03c5e7a9b1d2f4680 (Name = bastion-manual)
      no state has it, no owner tag proves otherwise
      IAC001 (warning): in no Terraform state and no owner could be inferred
    EOT
    fix = <<-EOT
      Import it (`import { to = aws_instance.bastion, id = "i-..." }`) and describe it in code,
      or delete it. If it must stay outside Terraform for a while, grant an exemption in writing.
    EOT
  }
}
