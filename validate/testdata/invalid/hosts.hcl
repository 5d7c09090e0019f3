cluster "prod" {
  kubernetes_version = "v1.37.2"
}
network {
  node_subnets = ["10.0.0.0/16"]
  cni          = "calcio" # ERROR: Invalid CNI
}
zone "az1" {}
zone "az2" {}
control_plane { # WARNING: Zone failure loses etcd quorum | ERROR: Even number of stacked etcd members
  node "m1" {
    address = "10.0.0.11"
    zone    = "az1"
  }
  node "m2" {
    address = "10.0.0.11" # ERROR: Duplicate address
    zone    = "az1"
  }
  node "m1" { # ERROR: Duplicate machine name
    address = "10.1.0.13" # ERROR: Address outside the node subnets
    zone    = "az3" # ERROR: Undeclared zone
  }
  node "../escape" { # ERROR: Invalid node name
    address = "10.0.0.300" # ERROR: Invalid address
    zone    = "az2"
  }
}
load_balancer {
  mode = "colocated"
  vip  = "10.0.0.12"
  port = 6443 # ERROR: Port taken by the API server
}
