# EXPECT: error
# A /7 pod range: kubeadm refuses more than 16 bits between the pod range and
# the per-node /24.
cluster "hostile" {
  kubernetes_version = "1.37.2"
}
network {
  node_subnets = ["192.168.0.0/16"]
  pod_cidrs     = ["10.0.0.0/7"]  # ERROR: Pod CIDR too large
  service_cidrs = ["172.16.0.0/16"]
}
zone "az1" {}
zone "az2" {}
zone "az3" {}
control_plane {
  node "m1" {
    address = "192.168.0.11"
    zone    = "az1"
  }
  node "m2" {
    address = "192.168.0.12"
    zone    = "az2"
  }
  node "m3" {
    address = "192.168.0.13"
    zone    = "az3"
  }
}
load_balancer {
  mode = "colocated"
  vip  = "192.168.0.10"
}
node_pool "general" {
  zones          = ["az1", "az2", "az3"]
  count_per_zone = 1
  cpu            = 4
  memory         = "16Gi"
}
