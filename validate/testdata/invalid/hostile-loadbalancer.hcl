cluster "lb" {
  kubernetes_version = "1.37.2"
}
network {
  node_subnets = ["10.0.0.0/16"]
}
zone "az1" {}
zone "az2" {}
zone "az3" {}
control_plane { # WARNING: Large etcd cluster
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
  node "m4" {
    address = "10.0.0.14"
    zone    = "az1"
  }
  node "m5" {
    address = "10.0.0.15"
    zone    = "az2"
  }
  node "m6" {
    address = "10.0.0.16"
    zone    = "az3"
  }
  node "m7" {
    address = "10.0.0.17"
    zone    = "az1"
  }
  node "m8" {
    address = "10.0.0.18"
    zone    = "az2"
  }
  node "m9" {
    address = "10.0.0.19"
    zone    = "az3"
  }
  node "m10" {
    address = "10.0.0.20"
    zone    = "az1"
  }
  node "m11" {
    address = "10.0.0.21"
    zone    = "az2"
  }
}
load_balancer { # ERROR: Too many load-balancer hosts
  mode      = "colocated"
  vip       = "10.0.0.10"
  port      = 2379 # ERROR: Port taken by etcd
  interface = "eth0:1" # ERROR: Invalid interface
}
