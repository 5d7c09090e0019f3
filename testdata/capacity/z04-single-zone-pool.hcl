# Infeasible after a zone loss (node affinity): monitoring runs on a pool
# confined to az1; losing az1 leaves its Deployments nowhere to go.

cluster "z04" {
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
  zones          = ["az1"]
  count_per_zone = 3
  cpu            = 8
  memory         = "32Gi"
}

node_pool "general" {
  zones          = ["az1", "az2", "az3"]
  count_per_zone = 1
  cpu            = 8
  memory         = "32Gi"
}

storage_class "block" {
  provisioner    = "ebs.csi.aws.com"
  reclaim_policy = "Retain"
  default        = true
}

monitoring {
  storage_class = "block"
  node_pool     = "ops"  # WARNING: Pods that cannot be rescheduled after a zone loss
}

accept "etcd-backup-on-host" {
  reason = "A capacity test design: where the etcd snapshots go does not change where pods fit."
}
