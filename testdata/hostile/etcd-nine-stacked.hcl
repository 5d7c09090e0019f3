# EXPECT: renders
# Nine stacked masters with dedicated load balancers: a large etcd, warned.
cluster "hostile" {
  kubernetes_version = "1.37.2"
}
network {
  node_subnets = ["10.0.0.0/16"]
}
zone "az1" {}
zone "az2" {}
zone "az3" {}
control_plane {  # WARNING: Large etcd cluster
  node "m1" {
    address = "10.0.0.11"
    zone    = "az2"
  }
  node "m2" {
    address = "10.0.0.12"
    zone    = "az3"
  }
  node "m3" {
    address = "10.0.0.13"
    zone    = "az1"
  }
  node "m4" {
    address = "10.0.0.14"
    zone    = "az2"
  }
  node "m5" {
    address = "10.0.0.15"
    zone    = "az3"
  }
  node "m6" {
    address = "10.0.0.16"
    zone    = "az1"
  }
  node "m7" {
    address = "10.0.0.17"
    zone    = "az2"
  }
  node "m8" {
    address = "10.0.0.18"
    zone    = "az3"
  }
  node "m9" {
    address = "10.0.0.19"
    zone    = "az1"
  }
}
load_balancer {
  mode = "dedicated"
  vip  = "10.0.0.10"
  host "lb1" {
    address = "10.0.0.41"
    zone    = "az1"
  }
  host "lb2" {
    address = "10.0.0.42"
    zone    = "az2"
  }
}
node_pool "general" {
  zones          = ["az1", "az2", "az3"]
  count_per_zone = 1
  cpu            = 4
  memory         = "16Gi"
}
