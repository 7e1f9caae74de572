resource "aws_s3_bucket" "assets" {
  bucket = "${var.name}-${var.environment}-web-assets"

  tags = merge(local.web_tags, {
    Name = "${var.name}-web-assets"
  })
}

# Build artifacts (Lambda packages, AMI manifests). Nobody added a team when CI was set up.
resource "aws_s3_bucket" "artifacts" {
  bucket = "${var.name}-${var.environment}-build-artifacts"

  tags = {
    Name = "${var.name}-build-artifacts"
  }
}

resource "aws_s3_bucket_versioning" "artifacts" {
  bucket = aws_s3_bucket.artifacts.id

  versioning_configuration {
    status = "Enabled"
  }
}

# New in this change: monthly settlement exports for finance.
resource "aws_s3_bucket" "exports" {
  bucket = "${var.name}-${var.environment}-payments-exports"

  tags = merge(local.payments_tags, {
    Name = "${var.name}-payments-exports"
  })
}
