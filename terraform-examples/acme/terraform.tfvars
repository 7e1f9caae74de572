environment = "prod"
cost_center = "cc-1042"
region      = "eu-west-1"
