# EXPECT: error
# Eleven masters with a co-located load balancer: keepalived priorities cannot
# keep a failing host below every healthy one past nine peers (and pass 255 at 79).
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
  node "m10" {
    address = "10.0.0.20"
    zone    = "az2"
  }
  node "m11" {
    address = "10.0.0.21"
    zone    = "az3"
  }
}
load_balancer {  # ERROR: Too many load-balancer hosts
  mode = "colocated"
  vip  = "10.0.0.10"
}
node_pool "general" {
  zones          = ["az1", "az2", "az3"]
  count_per_zone = 1
  cpu            = 4
  memory         = "16Gi"
}
