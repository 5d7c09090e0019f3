cluster "c1" {
  kubernetes_version = "1.34.3"
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
  mode = "colocated"
  vip  = "10.0.0.10"
}
node_pool "general" {
  zones          = ["az1", "az2", "az3"]
  count_per_zone = 1
  cpu            = 4
  memory         = "16Gi"
}
namespace "team-a" {}
storage_class "ssd" {
  provisioner = "kubernetes.io/no-provisioner"
}
node_pool "two-zones" {
  zones          = ["az1", "az2"]
  count_per_zone = 2
  cpu            = 8
  memory         = "32Gi"
}
kafka "events" { # ERROR: Rack awareness needs Kubernetes 1.35
  node_pool     = "two-zones" # WARNING: Losing one zone loses the KRaft quorum | WARNING: Losing one zone stops writes
  brokers       = 4
  storage_class = "ssd"
}
spark "jobs" {
  node_pool       = "general"
  executor_memory = "64g" # ERROR: Pod larger than a node
}
