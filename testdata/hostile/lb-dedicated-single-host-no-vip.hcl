# EXPECT: renders
# One dedicated host and no vip: HAProxy alone on that host (no keepalived),
# the API reached at the host's own address; a warned single point of failure.
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
    address = "m2.example.com" # WARNING: API server address not checked
    zone    = "az2"
  }
  node "m3" {
    address = "10.0.0.13"
    zone    = "az3"
  }
}
load_balancer { # WARNING: Single load-balancer host
  mode = "dedicated"
  host "lb1" {
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
