# Untainted workers in two of the three zones: the zone spread also counts
# the third (its control-plane node), so at most one pod per zone fits.
# The search nodes' memory (twice the heap) exceeds every untainted worker.
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
node_pool "general" {
  zones          = ["az1", "az2"]
  count_per_zone = 2
  cpu            = 8
  memory         = "32Gi"
}
node_pool "tainted" {
  zones          = ["az3"]
  count_per_zone = 2
  cpu            = 8
  memory         = "256Gi"
  taint {
    key    = "dedicated"
    effect = "NoSchedule"
  }
}
storage_class "ssd" {
  provisioner = "ebs.csi.aws.com"
}
monitoring {
  storage_class         = "ssd"
  prometheus_replicas   = 2
  alertmanager_replicas = 3 # ERROR: Workload does not fit its nodes
}
logging {
  storage_class = "ssd"
  heap          = "20g" # ERROR: Pod larger than a node
}
