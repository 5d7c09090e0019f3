# Infeasible (volume binding, spread): the class provisions in az1 and az2 only,
# yet three Prometheus replicas spread evenly over the three zones of their
# pool.

cluster "i05" {
  kubernetes_version = "1.37.2"
}

network {
  node_subnets = ["10.30.0.0/16"]
}

zone "az1" {}
zone "az2" {}
zone "az3" {}

control_plane {
  node "m1" {
    address = "10.30.0.11"
    zone    = "az1"
  }
  node "m2" {
    address = "10.30.0.12"
    zone    = "az2"
  }
  node "m3" {
    address = "10.30.0.13"
    zone    = "az3"
  }
}

load_balancer {
  mode = "colocated"
  vip  = "10.30.0.10"
}

node_pool "ops" {
  zones          = ["az1", "az2", "az3"]
  count_per_zone = 2
  cpu            = 8
  memory         = "32Gi"
}

storage_class "block" {
  provisioner    = "ebs.csi.aws.com"
  reclaim_policy = "Retain"
  default        = true
  zones          = ["az1", "az2"]
}

monitoring {
  storage_class = "block"
  node_pool     = "ops"
  prometheus_replicas = 3  # ERROR: Pods that cannot be scheduled
}

accept "etcd-backup-on-host" {
  reason = "A capacity test design: where the etcd snapshots go does not change where pods fit."
}
