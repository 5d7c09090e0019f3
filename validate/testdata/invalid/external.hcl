cluster "prod" {
  kubernetes_version = "1.35.0"
}
network {
  node_subnets = ["10.0.0.0/24", "10.0.1.0/24"]
}
zone "az1" {}
zone "az2" {}
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
    zone    = "az2"
  }
}
etcd { # WARNING: Zone failure loses etcd quorum
  topology = "external"
  member "e1" {
    address = "10.0.1.21"
    zone    = "az1"
  }
  member "e2" {
    address = "10.0.1.22"
    zone    = "az1"
  }
  member "e3" {
    address = "10.0.1.23"
    zone    = "az2"
  }
}
load_balancer {
  mode = "dedicated"
  vip  = "10.0.1.10" # ERROR: VIP outside the load-balancer hosts' subnet
  host "lb1" {
    address = "10.0.0.21"
    zone    = "az1"
  }
  host "lb2" {
    address = "10.0.0.22"
    zone    = "az2"
  }
}
node_pool "data" {
  zones          = ["az1", "az2"]
  count_per_zone = 2
  cpu            = 0 # ERROR: Invalid CPU count
  memory         = "64 GB" # ERROR: Invalid memory size
  labels = { "node-role.kubernetes.io/kafka" = "true" } # ERROR: Label a kubelet may not set
  taint {
    key    = "dedicated"
    effect = "NoScheduled" # ERROR: Invalid taint effect
  }
}
