# EXPECT: renders
# IPv6 with dedicated load-balancer hosts and mixed-case addresses.
cluster "hostile" {
  kubernetes_version = "1.37.2"
}
network {
  node_subnets = ["fd00::/64"]
  pod_cidrs     = ["fd01::/48"]
  service_cidrs = ["fd02::/112"]
}
zone "az1" {}
zone "az2" {}
zone "az3" {}
control_plane {
  node "m1" {
    address = "FD00::11"
    zone    = "az1"
  }
  node "m2" {
    address = "fd00:0::12"
    zone    = "az2"
  }
  node "m3" {
    address = "fd00::13"
    zone    = "az3"
  }
}
load_balancer {
  mode = "dedicated"
  vip  = "fd00::10"
  host "lb1" {
    address = "fd00::21"
    zone    = "az1"
  }
  host "lb2" {
    address = "fd00::22"
    zone    = "az2"
  }
}
node_pool "general" {
  zones          = ["az1", "az2", "az3"]
  count_per_zone = 1
  cpu            = 4
  memory         = "16Gi"
}
