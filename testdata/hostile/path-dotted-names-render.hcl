# EXPECT: renders
# Dotted node names (FQDNs) are valid and stay single files.
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
  node "kmaster1.example.com" {
    address = "10.0.0.11"
    zone    = "az1"
  }
  node "kmaster2.example.com" {
    address = "10.0.0.12"
    zone    = "az2"
  }
  node "a.b.c.d.e" {
    address = "10.0.0.13"
    zone    = "az3"
  }
}
load_balancer {
  mode = "colocated"
  vip  = "10.0.0.10"
}
node_pool "general" {
  zones          = ["az1", "az2", "az3"]
  cpu            = 4
  memory         = "16Gi"
  node "worker.yaml" {
    zone = "az1"
  }
  node "x.conf.d" {
    zone = "az2"
  }
}
