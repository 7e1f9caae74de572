rule "TAG004" {
  name     = "tag-drift"
  severity = "warning"
  summary  = "Tags in Terraform state differ from the live resource's tags (aws: keys ignored)."
  fix      = "Run terraform apply to restore the declared tags, or adopt the live change in code."

  docs {
    what = <<-EOT
      For every live resource managed by a Terraform state, compares the tags Terraform last
      applied (`tags_all` in state) with the live tags: keys added, removed or changed outside
      Terraform. `aws:` system tags are ignored.
    EOT
    why = <<-EOT
      A console retag is invisible to code review and is undone by the next apply, or worse,
      moves spend to another owner until then.
    EOT
    example = <<-EOT
      state: aws_db_instance.payments tags_all = { team = "payments" }
      live:  team = "data", owner = "jane.doe@acme.example"
      TAG004: team changed, owner added
    EOT
    fix = <<-EOT
      Decide which side is right: run `terraform apply` to restore the declared tags, or change
      the code to the new tags so the next apply keeps them.
    EOT
  }
}
