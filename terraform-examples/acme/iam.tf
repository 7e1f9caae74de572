resource "aws_iam_role" "payments_api" {
  name               = "${var.name}-payments-api"
  assume_role_policy = data.aws_iam_policy_document.lambda_assume.json

  tags = local.payments_tags
}

resource "aws_iam_role_policy_attachment" "payments_api_logs" {
  role       = aws_iam_role.payments_api.name
  policy_arn = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
}
