# EXPECT: renders
# Carrier-grade NAT nodes and a 172.16/12 pod range: unusual, valid.
cluster "hostile" {
  kubernetes_version = "1.37.2"
}
network {
  node_subnets = ["100.64.0.0/16"]
  pod_cidrs     = ["172.16.0.0/12"]
  service_cidrs = ["10.96.0.0/28"]
}
zone "az1" {}
zone "az2" {}
zone "az3" {}
control_plane {
  node "m1" {
    address = "100.64.0.11"
    zone    = "az1"
  }
  node "m2" {
    address = "100.64.0.12"
    zone    = "az2"
  }
  node "m3" {
    address = "100.64.0.13"
    zone    = "az3"
  }
}
load_balancer {
  mode = "colocated"
  vip  = "100.64.0.10"
}
node_pool "general" {
  zones          = ["az1", "az2", "az3"]
  count_per_zone = 1
  cpu            = 4
  memory         = "16Gi"
}
