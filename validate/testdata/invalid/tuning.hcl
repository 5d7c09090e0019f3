# Out-of-range max_pods and tuning overrides.

cluster "tuning" {
  kubernetes_version = "1.37.2"
}

network {
  node_subnets = ["10.30.0.0/16"]
}

zone "az1" {}
zone "az2" {}
zone "az3" {}

control_plane {
  max_pods = 0 # ERROR: Invalid max_pods
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
  max_pods       = 200 # ERROR: More pods per node than Kubernetes supports
  cpu            = 8
  memory         = "64Gi"
}

storage_class "block" {
  provisioner    = "ebs.csi.aws.com"
  reclaim_policy = "Retain"
  default        = true
}

logging {
  backend       = "opensearch"
  storage_class = "block"
  node_pool     = "ops"
}

tuning {
  max_requests_inflight          = 0 # ERROR: Invalid max_requests_inflight
  max_mutating_requests_inflight = 800
  etcd_quota                     = "16Gi" # ERROR: etcd quota above 8Gi
  events_etcd_servers            = ["http://10.30.0.50:2379"] # ERROR: Invalid etcd server
  scheduler_qps                  = -5 # ERROR: Invalid scheduler_qps
  coredns_replicas               = 4
  prometheus_memory              = "8Gi" # ERROR: Prometheus size without monitoring
}
