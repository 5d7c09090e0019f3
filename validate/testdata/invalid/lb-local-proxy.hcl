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
  schedulable = true
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
  mode      = "local-proxy" # ERROR: Local proxy without workers
  vip       = "10.0.0.10" # ERROR: VIP with a local proxy
  port      = 8443 # ERROR: Port of a local proxy
  interface = "eth1" # ERROR: Interface without a VIP
}
