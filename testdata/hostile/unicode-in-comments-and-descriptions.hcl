# EXPECT: renders
# Every kind of hostile character in comments and a variable description, where
# it is allowed and must not reach the output: ‮ ​ ﻿ 🚀 а.
variable "w" {
  description = "‮evil​ 🚀 \u0000 {{ }} ${"$"}{x} %%{y}"
  default     = 1
}
# ‮​🚀

cluster "hostile" {
  kubernetes_version = "1.37.2"
}
network {
  node_subnets = ["10.0.0.0/16"]
}
zone "az1" {}
zone "az2" {}
zone "az3" {}
control_plane {
  node "m1" {
    address = "10.0.0.11"
    zone    = "az1"
  }
  node "m2" {
    address = "10.0.0.12"
    zone    = "az2"
  }
  node "m3" {
    address = "10.0.0.13"
    zone    = "az3"
  }
}
load_balancer {
  mode = "colocated"
  vip  = "10.0.0.10"
}
node_pool "general" {
  zones          = ["az1", "az2", "az3"]
  count_per_zone = var.w
  cpu            = 4
  memory         = "16Gi"
}
