resource "aws_lambda_function" "payments_api" {
  function_name = "${var.name}-payments-api"
  role          = aws_iam_role.payments_api.arn
  runtime       = "python3.12"
  handler       = "payments_api.handler"
  memory_size   = 1024
  timeout       = 15

  s3_bucket = aws_s3_bucket.artifacts.id
  s3_key    = "payments-api/payments-api-1.14.2.zip"

  environment {
    variables = {
      JOB_QUEUE_URLS = join(",", aws_sqs_queue.jobs[*].url)
      SESSIONS_TABLE = aws_dynamodb_table.sessions.name
    }
  }

  tags = merge(local.payments_tags, {
    service = "payments-api"
  })
}

# Payment jobs are sharded over a few queues; each shard has its own consumer group.
resource "aws_sqs_queue" "jobs" {
  count = var.job_queue_shards

  name                       = "${var.name}-payments-jobs-${count.index}"
  visibility_timeout_seconds = 90
  message_retention_seconds  = 345600

  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.dead_letter.arn
    maxReceiveCount     = 5
  })

  tags = merge(local.payments_tags, {
    shard = tostring(count.index)
  })
}

resource "aws_sqs_queue" "dead_letter" {
  name                      = "${var.name}-payments-dlq"
  message_retention_seconds = 1209600

  tags = {
    Name = "${var.name}-payments-dlq"
  }
}

# New in this change: container image for the payments API migration off Lambda.
resource "aws_ecr_repository" "api" {
  name                 = "${var.name}/payments-api"
  image_tag_mutability = "IMMUTABLE"

  image_scanning_configuration {
    scan_on_push = true
  }

  tags = {
    Name = "${var.name}-payments-api"
  }
}
