# Feasible: every worker pool is tainted, and monitoring names its pool, whose
# taint blueprint then tolerates; CoreDNS runs on the control plane.

cluster "f08" {
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
  taint {
    key    = "example.com/dedicated"
    value  = "ops"
    effect = "NoSchedule"
  }
}

storage_class "block" {
  provisioner    = "ebs.csi.aws.com"
  reclaim_policy = "Retain"
  default        = true
}

monitoring {
  storage_class = "block"
  node_pool     = "ops"
}

accept "etcd-backup-on-host" {
  reason = "A capacity test design: where the etcd snapshots go does not change where pods fit."
}
