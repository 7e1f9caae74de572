provider "aws" {
  region = var.region

  # env and cost-center reach every taggable resource through default_tags;
  # each resource still has to say which team owns it.
  default_tags {
    tags = local.common_tags
  }
}
