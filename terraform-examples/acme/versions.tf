terraform {
  required_version = ">= 1.6.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.80"
    }
  }

  # Production state lives in S3; this example ships a local copy (terraform.tfstate)
  # so the audit runs offline.
  # backend "s3" {
  #   bucket = "acme-terraform-state"
  #   key    = "prod/core.tfstate"
  #   region = "eu-west-1"
  # }
}
