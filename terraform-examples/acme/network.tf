module "network" {
  source = "./modules/network"

  name = "${var.name}-${var.environment}"
  cidr = var.vpc_cidr
  azs  = var.azs

  tags = {
    team = var.platform_team
  }
}
