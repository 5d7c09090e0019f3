# Every worker is tainted: monitoring without a node_pool has nowhere to
# run. Logging names a pool, whose taints it then tolerates, but asks for
# more search nodes than the pool has nodes.
cluster "c1" {
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
  mode = "colocated"
  vip  = "10.0.0.10"
}
node_pool "kafka" {
  zones          = ["az1", "az2", "az3"]
  count_per_zone = 1
  cpu            = 8
  memory         = "32Gi"
  taint {
    key    = "dedicated"
    value  = "kafka"
    effect = "NoSchedule"
  }
}
node_pool "batch" {
  zones          = ["az1", "az2", "az3"]
  count_per_zone = 2
  cpu            = 8
  memory         = "32Gi"
  taint {
    key    = "dedicated"
    effect = "NoExecute"
  }
}
storage_class "ssd" {
  provisioner = "ebs.csi.aws.com"
}
monitoring { # ERROR: No node without a taint
  storage_class = "ssd"
}
logging {
  storage_class = "ssd"
  node_pool     = "kafka"
  replicas      = 4 # ERROR: Workload does not fit its pool
}
