resource "aws_cloudwatch_log_group" "service" {
  for_each = local.services

  name              = "/${var.name}/${var.environment}/${each.key}"
  retention_in_days = each.value.retention

  tags = {
    team    = each.value.team
    service = each.key
  }
}

# New in this change: where alarms go. Owner to be decided, so no team yet.
resource "aws_sns_topic" "alerts" {
  name = "${var.name}-${var.environment}-alerts"

  tags = {
    Name = "${var.name}-${var.environment}-alerts"
  }
}
