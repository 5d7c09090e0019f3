cluster "c" {
  kubernetes_version = "1.37.2"
}
network {
  node_subnets = ["10.0.0.0/24", "10.1.0.0/24"]
}
zone "az1" {}
zone "az2" {}
zone "az3" {}
control_plane {
  node "m1" {
    address = "m1.example.com" # WARNING: API server address not checked
    zone    = "az1"
  }
  node "m2" {
    address = "10.0.0.12"
    zone    = "az2"
  }
  node "m3" {
    address = "10.1.0.13"
    zone    = "az3"
  }
}
load_balancer {
  mode              = "kube-vip"
  vip               = "10.0.0.10" # ERROR: VIP outside the load-balancer hosts' subnet
  port              = 8443 # ERROR: Port of a kube-vip VIP
  virtual_router_id = 7 # ERROR: Virtual router id with kube-vip
}
