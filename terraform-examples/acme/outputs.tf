output "account_id" {
  description = "Account the stack is deployed to."
  value       = data.aws_caller_identity.current.account_id
}

output "web_url" {
  description = "Public URL of the web tier."
  value       = "http://${aws_lb.web.dns_name}"
}

output "payments_db_endpoint" {
  description = "Endpoint of the payments database."
  value       = aws_db_instance.payments.endpoint
}
