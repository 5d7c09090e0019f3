# EXPECT: error
# An IPv6 control-plane node in an IPv4 cluster: kube-apiserver refuses an
# advertise address of another family than its service range.
cluster "hostile" {
  kubernetes_version = "1.37.2"
}
network {
  node_subnets = ["10.0.0.0/16", "fd00::/64"]
}
zone "az1" {}
zone "az2" {}
zone "az3" {}
control_plane {
  node "m1" {
    address = "fd00::11"  # ERROR: Address family differs from the service range
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
  mode = "dedicated"
  vip  = "10.0.0.10"
  host "lb1" {
    address = "10.0.0.21"
    zone    = "az1"
  }
  host "lb2" {
    address = "10.0.0.22"
    zone    = "az2"
  }
}
node_pool "general" {
  zones          = ["az1", "az2", "az3"]
  count_per_zone = 1
  cpu            = 4
  memory         = "16Gi"
}
