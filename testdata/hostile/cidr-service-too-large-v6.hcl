# EXPECT: error
# A /64 IPv6 service range.
cluster "hostile" {
  kubernetes_version = "1.37.2"
}
network {
  node_subnets = ["fd00::/64"]
  pod_cidrs     = ["fd01::/48"]
  service_cidrs = ["fd02::/64"]  # ERROR: Service CIDR too large
}
zone "az1" {}
zone "az2" {}
zone "az3" {}
control_plane {
  node "m1" {
    address = "fd00::11"
    zone    = "az1"
  }
  node "m2" {
    address = "fd00::12"
    zone    = "az2"
  }
  node "m3" {
    address = "fd00::13"
    zone    = "az3"
  }
}
load_balancer {
  mode = "colocated"
  vip  = "fd00::10"
}
node_pool "general" {
  zones          = ["az1", "az2", "az3"]
  count_per_zone = 1
  cpu            = 4
  memory         = "16Gi"
}
