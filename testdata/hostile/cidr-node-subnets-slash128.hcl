# EXPECT: error
# IPv6 /128 node subnets.
cluster "hostile" {
  kubernetes_version = "1.37.2"
}
network {
  node_subnets = ["fd00::11/128", "fd00::12/128", "fd00::13/128", "fd00::10/128"]
  pod_cidrs     = ["fd01::/48"]
  service_cidrs = ["fd02::/112"]
}
zone "az1" {}
zone "az2" {}
zone "az3" {}
control_plane {
  node "m1" {
    address = "fd00::11"  # ERROR: Unusable address
    zone    = "az1"
  }
  node "m2" {
    address = "fd00::12"  # ERROR: Unusable address
    zone    = "az2"
  }
  node "m3" {
    address = "fd00::13"  # ERROR: Unusable address
    zone    = "az3"
  }
}
load_balancer {
  mode = "colocated"
  vip  = "fd00::10"  # ERROR: Unusable address
}
node_pool "general" {
  zones          = ["az1", "az2", "az3"]
  count_per_zone = 1
  cpu            = 4
  memory         = "16Gi"
}
