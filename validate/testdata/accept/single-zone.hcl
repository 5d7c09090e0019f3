# A lab in one rack: three stacked masters in one zone. Losing the rack
# loses etcd's quorum, which the design accepts.
cluster "lab" {
  kubernetes_version = "1.37.2"
}
network {
  node_subnets = ["10.0.0.0/16"]
}
zone "rack1" {}
control_plane {
  node "m1" {
    address = "10.0.0.11"
    zone    = "rack1"
  }
  node "m2" {
    address = "10.0.0.12"
    zone    = "rack1"
  }
  node "m3" {
    address = "10.0.0.13"
    zone    = "rack1"
  }
}
load_balancer {
  mode = "colocated"
  vip  = "10.0.0.10"
}
node_pool "w" {
  zones          = ["rack1"]
  count_per_zone = 2
  cpu            = 4
  memory         = "16Gi"
}
accept "etcd-zone-quorum" {
  zone   = "rack1"
  reason = "One-rack lab cluster; it is rebuilt from Git if the rack fails."
}
