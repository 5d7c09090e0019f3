# IPv6 ranges that hold no usable address: discard-only, documentation and
# deprecated site-local.
cluster "c1" {
  kubernetes_version = "1.37.2"
}
network {
  node_subnets  = ["fd00:10::/64", "2001:db8:1::/64"] # ERROR: Invalid node subnet
  pod_cidrs     = ["100::/64"] # ERROR: Invalid pod CIDR
  service_cidrs = ["fec0::/112"] # ERROR: Invalid service CIDR
}
zone "az1" {}
zone "az2" {}
zone "az3" {}
control_plane {
  node "m1" {
    address = "fd00:10::11"
    zone    = "az1"
  }
  node "m2" {
    address = "fd00:10::12"
    zone    = "az2"
  }
  node "m3" {
    address = "fd00:10::13"
    zone    = "az3"
  }
}
load_balancer {
  mode = "colocated"
  vip  = "fd00:10::10"
}
