# EXPECT: error
# kubernetes_version as a number with a trailing zero: HCL turns 1.30 into
# the string "1.3", which is no supported minor.
cluster "hostile" {
  kubernetes_version = 1.30  # ERROR: Unsupported Kubernetes version
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
