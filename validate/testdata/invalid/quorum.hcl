cluster "prod" {
  kubernetes_version = "1.36.1"
}
network {
  node_subnets  = ["10.0.0.0/16"]
  pod_cidrs     = ["10.0.0.0/8"] # ERROR: Overlapping address ranges
  service_cidrs = ["fd00::/108"] # ERROR: Mismatched IP families
}
zone "az1" {}
zone "az2" {}
control_plane { # ERROR: Even number of stacked etcd members | WARNING: Zone failure loses etcd quorum
  node "m1" {
    address = "10.0.0.11"
    zone    = "az1"
  }
  node "m2" {
    address = "10.0.0.12"
    zone    = "az1"
  }
  node "m3" {
    address = "10.0.0.13"
    zone    = "az2"
  }
  node "m4" {
    address = "10.0.0.14"
    zone    = "az2"
  }
}
load_balancer { # WARNING: Single load-balancer host
  mode = "dedicated"
  vip  = "10.0.0.11" # ERROR: VIP is a node address
  host "lb1" {
    address = "10.0.0.21"
    zone    = "az1"
  }
}
