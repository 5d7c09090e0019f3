# EXPECT: renders
# Nine external members: allowed, warned.
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
etcd {  # WARNING: Large etcd cluster
  topology = "external"
  member "e0" {
    address = "10.0.0.30"
    zone    = "az1"
  }
  member "e1" {
    address = "10.0.0.31"
    zone    = "az2"
  }
  member "e2" {
    address = "10.0.0.32"
    zone    = "az3"
  }
  member "e3" {
    address = "10.0.0.33"
    zone    = "az1"
  }
  member "e4" {
    address = "10.0.0.34"
    zone    = "az2"
  }
  member "e5" {
    address = "10.0.0.35"
    zone    = "az3"
  }
  member "e6" {
    address = "10.0.0.36"
    zone    = "az1"
  }
  member "e7" {
    address = "10.0.0.37"
    zone    = "az2"
  }
  member "e8" {
    address = "10.0.0.38"
    zone    = "az3"
  }
}
load_balancer {
  mode = "colocated"
  vip  = "10.0.0.10"
}
node_pool "general" {
  zones          = ["az1", "az2", "az3"]
  count_per_zone = 1
  cpu            = 4
  memory         = "16Gi"
}
