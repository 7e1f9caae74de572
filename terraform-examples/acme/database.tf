resource "aws_db_subnet_group" "payments" {
  name       = "${var.name}-payments"
  subnet_ids = values(module.network.private_subnet_ids)

  tags = local.payments_tags
}

resource "aws_security_group" "db" {
  name        = "${var.name}-payments-db"
  description = "PostgreSQL from inside the VPC"
  vpc_id      = module.network.vpc_id

  ingress {
    description = "PostgreSQL"
    from_port   = 5432
    to_port     = 5432
    protocol    = "tcp"
    cidr_blocks = [var.vpc_cidr]
  }

  tags = merge(local.payments_tags, {
    Name = "${var.name}-payments-db"
  })
}

resource "aws_db_instance" "payments" {
  identifier     = "${var.name}-payments-db"
  engine         = "postgres"
  engine_version = "16.4"
  instance_class = var.db_instance_class

  allocated_storage     = 500
  max_allocated_storage = 1000
  storage_type          = "gp3"
  storage_encrypted     = true

  db_name                     = "payments"
  username                    = "payments_admin"
  manage_master_user_password = true

  db_subnet_group_name   = aws_db_subnet_group.payments.name
  vpc_security_group_ids = [aws_security_group.db.id]
  multi_az               = true

  backup_retention_period   = 14
  deletion_protection       = true
  skip_final_snapshot       = false
  final_snapshot_identifier = "${var.name}-payments-db-final"

  tags = merge(local.payments_tags, {
    Name = "${var.name}-payments-db"
  })
}

resource "aws_dynamodb_table" "sessions" {
  name         = "${var.name}-sessions"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "session_id"

  attribute {
    name = "session_id"
    type = "S"
  }

  ttl {
    attribute_name = "expires_at"
    enabled        = true
  }

  point_in_time_recovery {
    enabled = true
  }

  tags = {
    Name = "${var.name}-sessions"
    team = data.aws_ssm_parameter.sessions_owner.value
  }
}
