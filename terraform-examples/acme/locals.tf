locals {
  # Applied to every taggable resource by the provider's default_tags.
  common_tags = {
    env         = var.environment
    cost-center = var.cost_center
    managed-by  = "terraform"
  }

  # Team ownership, merged into each resource's own tags.
  payments_tags = {
    team = "payments"
  }

  web_tags = {
    team = "web"
  }

  # One log group per service, owned by the team that runs it.
  services = {
    "payments-api" = {
      team      = "payments"
      retention = 30
    }
    "payments-worker" = {
      team      = "payments"
      retention = 30
    }
    "web" = {
      team      = "web"
      retention = 14
    }
  }
}
