cluster "c" {
  kubernetes_version = "1.37.2"
}
network {
  node_subnets = ["10.0.0.0/16"]
}
zone "az1" {}
zone "az2" {}
zone "az3" {}
control_plane {
  node "m1" {
    address     = "m1.example.com" # WARNING: API server address not checked | ERROR: Load-balancer host needs an IP address
    ssh_address = "bastion.example.com:2201" # ERROR: Invalid SSH address
    zone        = "az1"
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
node_pool "w" {
  zones = ["az1", "az2", "az3"]
  cpu   = 4
  memory = "8Gi"
  node "w1" {
    address = "w1.example.com"
    zone    = "az1"
  }
  node "w2" {
    address = "w1.example.com" # ERROR: Duplicate address
    zone    = "az2"
  }
  node "w3" {
    address = "10.0.0.1.300" # ERROR: Invalid address
    zone    = "az3"
  }
  node "w4" {
    address = "false" # ERROR: Invalid address
    zone    = "az3"
  }
}
