rule "CST002" {
  name     = "unmanaged-spend"
  severity = "warning"
  summary  = "Spend of a live resource that is in no Terraform state."
  fix      = "Import the resource into Terraform or delete it."

  docs {
    what = <<-EOT
      Resource-level cost lines of live resources in no Terraform state (IAC001 warnings), with
      the amount spent month to date. Resources owned elsewhere (ASG, CloudFormation) are not
      counted.
    EOT
    why = <<-EOT
      Money spent outside code review: the most expensive ClickOps first.
    EOT
    example = <<-EOT
      live: ml-experiment (g5.12xlarge, us-east-1), in no state
      CST002: 2,212.80 USD month to date
    EOT
    fix = <<-EOT
      Import the resource into Terraform, or stop and delete it.
    EOT
  }
}
