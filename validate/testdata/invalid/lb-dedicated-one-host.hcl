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
load_balancer { # WARNING: Single load-balancer host
  mode              = "dedicated"
  virtual_router_id = 9 # ERROR: Virtual router id without keepalived
  host "lb1" {
    address = "lb1.example.com"
    zone    = "az1"
  }
}
