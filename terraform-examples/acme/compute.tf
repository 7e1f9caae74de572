resource "aws_security_group" "alb" {
  name        = "${var.name}-web-alb"
  description = "Public HTTP(S) into the web load balancer"
  vpc_id      = module.network.vpc_id

  ingress {
    description = "HTTP"
    from_port   = 80
    to_port     = 80
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }

  ingress {
    description = "HTTPS"
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }

  egress {
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = ["0.0.0.0/0"]
  }

  tags = merge(local.web_tags, {
    Name = "${var.name}-web-alb"
  })
}

resource "aws_security_group" "web" {
  name        = "${var.name}-web"
  description = "Web instances, reachable from the load balancer only"
  vpc_id      = module.network.vpc_id

  ingress {
    description     = "App port from the ALB"
    from_port       = 8080
    to_port         = 8080
    protocol        = "tcp"
    security_groups = [aws_security_group.alb.id]
  }

  egress {
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = ["0.0.0.0/0"]
  }

  tags = merge(local.web_tags, {
    Name = "${var.name}-web"
  })
}

resource "aws_launch_template" "web" {
  name                   = "${var.name}-web"
  image_id               = data.aws_ami.al2023.id
  instance_type          = var.web_instance_type
  vpc_security_group_ids = [aws_security_group.web.id]

  metadata_options {
    http_tokens = "required"
  }

  tags = local.web_tags
}

# Auto Scaling groups ignore the provider's default_tags: every tag the group and its
# instances need is spelled out in tag blocks.
resource "aws_autoscaling_group" "web" {
  name                = "${var.name}-web"
  min_size            = 2
  max_size            = 6
  desired_capacity    = var.web_capacity
  vpc_zone_identifier = values(module.network.private_subnet_ids)
  target_group_arns   = [aws_lb_target_group.web.arn]
  health_check_type   = "ELB"

  launch_template {
    id      = aws_launch_template.web.id
    version = "$Latest"
  }

  tag {
    key                 = "Name"
    value               = "${var.name}-web"
    propagate_at_launch = true
  }

  tag {
    key                 = "team"
    value               = "web"
    propagate_at_launch = true
  }

  tag {
    key                 = "env"
    value               = var.environment
    propagate_at_launch = true
  }

  tag {
    key                 = "cost-center"
    value               = var.cost_center
    propagate_at_launch = true
  }
}

resource "aws_lb" "web" {
  name               = "${var.name}-web"
  load_balancer_type = "application"
  internal           = false
  security_groups    = [aws_security_group.alb.id]
  subnets            = values(module.network.public_subnet_ids)

  tags = merge(local.web_tags, {
    Name = "${var.name}-web"
  })
}

resource "aws_lb_target_group" "web" {
  name     = "${var.name}-web"
  port     = 8080
  protocol = "HTTP"
  vpc_id   = module.network.vpc_id

  health_check {
    path    = "/healthz"
    matcher = "200"
  }

  tags = local.web_tags
}

resource "aws_lb_listener" "http" {
  load_balancer_arn = aws_lb.web.arn
  port              = 80
  protocol          = "HTTP"

  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.web.arn
  }

  tags = local.web_tags
}
