# Infeasible (resources, spread): three Prometheus replicas of 20Gi take one
# node in each zone; the search nodes, spread evenly over the zones, find room
# only on the second node of az1, and the spread keeps a second one off it.

cluster "i11" {
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
  cpu            = 8
  memory         = "32Gi"
  node "ops-a1" {
    zone = "az1"
  }
  node "ops-a2" {
    zone = "az1"
  }
  node "ops-b1" {
    zone = "az2"
  }
  node "ops-c1" {
    zone = "az3"
  }
}

storage_class "block" {
  provisioner    = "ebs.csi.aws.com"
  reclaim_policy = "Retain"
  default        = true
}

monitoring {
  storage_class = "block"
  node_pool     = "ops"  # WARNING: Pods that cannot be rescheduled after a zone loss
  prometheus_replicas = 3
}

tuning {
  prometheus_memory = "20Gi"
}

logging {
  backend       = "opensearch"
  storage_class = "block"
  node_pool     = "ops"  # ERROR: Pods that cannot be scheduled
  heap          = "4g"
}

accept "etcd-backup-on-host" {
  reason = "A capacity test design: where the etcd snapshots go does not change where pods fit."
}
