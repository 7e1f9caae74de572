variable "name" {
  description = "Prefix for resource names."
  type        = string
  default     = "acme"
}

variable "region" {
  description = "AWS region of the production stack."
  type        = string
  default     = "eu-west-1"
}

variable "environment" {
  description = "Deployment environment, used in names and the env tag."
  type        = string
}

variable "cost_center" {
  description = "Finance cost center billed for this stack."
  type        = string
}

variable "platform_team" {
  description = "Team that owns the shared network."
  type        = string
  default     = "platform"
}

variable "azs" {
  description = "Availability zones to spread subnets over."
  type        = list(string)
  default     = ["eu-west-1a", "eu-west-1b", "eu-west-1c"]
}

variable "vpc_cidr" {
  description = "CIDR block of the VPC."
  type        = string
  default     = "10.42.0.0/16"
}

variable "web_instance_type" {
  description = "Instance type of the web tier."
  type        = string
  default     = "m6i.xlarge"
}

variable "web_capacity" {
  description = "Desired number of web instances."
  type        = number
  default     = 3
}

variable "db_instance_class" {
  description = "Instance class of the payments database."
  type        = string
  default     = "db.r6g.4xlarge"
}

variable "job_queue_shards" {
  description = "Number of payment job queues (one consumer group each)."
  type        = number
  default     = 2
}
