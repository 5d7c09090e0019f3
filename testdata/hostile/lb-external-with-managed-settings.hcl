# EXPECT: error
# An external load balancer with host, vip, port, interface and router id.
cluster "hostile" {
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
load_balancer {
  mode              = "external"
  endpoint          = "api.example.com:6443"
  vip               = "10.0.0.10"  # ERROR: VIP with an external load balancer
  port              = 6443  # ERROR: Port with an external load balancer
  interface         = "eth0"  # ERROR: Interface with an external load balancer
  virtual_router_id = 51  # ERROR: Virtual router id with an external load balancer
  host "lb1" {  # ERROR: Host of an external load balancer
    address = "10.0.0.21"
    zone    = "az1"
  }
}
node_pool "general" {
  zones          = ["az1", "az2", "az3"]
  count_per_zone = 1
  cpu            = 4
  memory         = "16Gi"
}
