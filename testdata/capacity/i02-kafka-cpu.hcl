# Infeasible (resources): each Kafka broker asks for every core of its node.

cluster "i02" {
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

node_pool "kafka" {
  zones          = ["az1", "az2", "az3"]
  count_per_zone = 1
  cpu            = 16
  memory         = "64Gi"
  taint {
    key    = "example.com/dedicated"
    value  = "kafka"
    effect = "NoSchedule"
  }
}

storage_class "block" {
  provisioner    = "ebs.csi.aws.com"
  reclaim_policy = "Retain"
  default        = true
}

kafka "events" {
  node_pool     = "kafka"  # ERROR: Pods that cannot be scheduled
  storage_class = "block"
  cpu           = "16"
}

accept "etcd-backup-on-host" {
  reason = "A capacity test design: where the etcd snapshots go does not change where pods fit."
}
