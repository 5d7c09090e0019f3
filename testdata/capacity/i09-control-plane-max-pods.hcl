# Infeasible (pod count): control-plane nodes that run at most six pods hold
# their six static pods and no more, so kube-proxy finds no room on them.

cluster "i09" {
  kubernetes_version = "1.37.2"
}

network {
  node_subnets = ["10.30.0.0/16"]
}

zone "az1" {}
zone "az2" {}
zone "az3" {}

control_plane {  # ERROR: Pods that cannot be scheduled
  max_pods = 6
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

node_pool "general" {
  zones          = ["az1", "az2", "az3"]
  count_per_zone = 1
  cpu            = 8
  memory         = "32Gi"
}

accept "etcd-backup-on-host" {
  reason = "A capacity test design: where the etcd snapshots go does not change where pods fit."
}
