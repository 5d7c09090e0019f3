# EXPECT: error
# Pool "a-b" in zone "c" and pool "a" in zone "b-c" both generate "a-b-c-1".
cluster "hostile" {
  kubernetes_version = "1.37.2"
}
network {
  node_subnets = ["10.0.0.0/16"]
}
zone "c" {}
zone "b-c" {}
zone "d" {}
control_plane {
  node "m1" {
    address = "10.0.0.11"
    zone    = "c"
  }
  node "m2" {
    address = "10.0.0.12"
    zone    = "b-c"
  }
  node "m3" {
    address = "10.0.0.13"
    zone    = "d"
  }
}
load_balancer {
  mode = "colocated"
  vip  = "10.0.0.10"
}
node_pool "a-b" {
  zones          = ["c"]
  count_per_zone = 1
  cpu            = 4
  memory         = "16Gi"
}
node_pool "a" {
  zones          = ["b-c"]
  count_per_zone = 1  # ERROR: Duplicate machine name
  cpu            = 4
  memory         = "16Gi"
}
