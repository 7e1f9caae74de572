variable "name" {
  description = "Name prefix for the VPC and everything in it."
  type        = string
}

variable "cidr" {
  description = "CIDR block of the VPC; subnets are /24s carved out of it."
  type        = string
}

variable "azs" {
  description = "Availability zones; one public and one private subnet each."
  type        = list(string)
}

variable "tags" {
  description = "Tags added to every resource of the module (on top of the provider's default_tags)."
  type        = map(string)
  default     = {}
}
