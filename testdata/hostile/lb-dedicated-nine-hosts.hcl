# EXPECT: renders
# Nine dedicated hosts, the most keepalived priorities allow.
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
  mode = "dedicated"
  vip  = "10.0.0.10"
  host "lb0" {
    address = "10.0.0.30"
    zone    = "az1"
  }
  host "lb1" {
    address = "10.0.0.31"
    zone    = "az2"
  }
  host "lb2" {
    address = "10.0.0.32"
    zone    = "az3"
  }
  host "lb3" {
    address = "10.0.0.33"
    zone    = "az1"
  }
  host "lb4" {
    address = "10.0.0.34"
    zone    = "az2"
  }
  host "lb5" {
    address = "10.0.0.35"
    zone    = "az3"
  }
  host "lb6" {
    address = "10.0.0.36"
    zone    = "az1"
  }
  host "lb7" {
    address = "10.0.0.37"
    zone    = "az2"
  }
  host "lb8" {
    address = "10.0.0.38"
    zone    = "az3"
  }
}
node_pool "general" {
  zones          = ["az1", "az2", "az3"]
  count_per_zone = 1
  cpu            = 4
  memory         = "16Gi"
}
