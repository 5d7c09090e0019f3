# EXPECT: error
# 5,000 zones generated with a dynamic block, and a pool of 1,000 nodes in each:
# five million nodes must be refused before any is listed.
locals {
  many = [for p in setproduct(range(100), range(50)) : "z${p[0]}-${p[1]}"]
}

cluster "hostile" {
  kubernetes_version = "1.37.2"
}
network {
  node_subnets = ["10.0.0.0/16"]
}
zone "az1" {}
zone "az2" {}
zone "az3" {}
dynamic "zone" {
  for_each = local.many
  labels   = [zone.value]
  content {}
}
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
  zones          = local.many
  count_per_zone = 1000  # ERROR: Too many machines
  cpu            = 4
  memory         = "16Gi"
}
