data "aws_caller_identity" "current" {}

data "aws_ami" "al2023" {
  most_recent = true
  owners      = ["amazon"]

  filter {
    name   = "name"
    values = ["al2023-ami-2023.*-x86_64"]
  }
}

# Ownership of the sessions table is still being settled between teams; the current
# owner is recorded in Parameter Store and read at plan time.
data "aws_ssm_parameter" "sessions_owner" {
  name = "/${var.name}/${var.environment}/owners/sessions-table"
}

data "aws_iam_policy_document" "lambda_assume" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }
  }
}
