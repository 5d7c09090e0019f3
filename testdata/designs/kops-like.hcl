# A kOps-style cluster on AWS: one control-plane node per availability
# zone, the API behind a cloud load balancer at api.CLUSTER, nodes in an
# instance group per zone (t3.xlarge: 4 vCPU, 16 GiB), Cilium, the newest
# stable Kubernetes, and a dotted cluster name as kOps requires.

cluster "k8s.example.com" {
  kubernetes_version = "stable"
}

network {
  node_subnets = ["172.20.32.0/19", "172.20.64.0/19", "172.20.96.0/19"]
  cni          = "cilium"
  pod_cidrs    = ["100.96.0.0/11"]
  service_cidrs = ["100.64.0.0/13"]
  proxy_mode   = "nftables"
}

zone "us-east-1a" {}
zone "us-east-1b" {}
zone "us-east-1c" {}

control_plane {
  node "control-plane-us-east-1a" {
    address = "172.20.40.10"
    zone    = "us-east-1a"
  }
  node "control-plane-us-east-1b" {
    address = "172.20.70.10"
    zone    = "us-east-1b"
  }
  node "control-plane-us-east-1c" {
    address = "172.20.100.10"
    zone    = "us-east-1c"
  }
}

load_balancer {
  mode     = "external"
  endpoint = "api.k8s.example.com:443"
}

node_pool "nodes" {
  zones          = ["us-east-1a", "us-east-1b", "us-east-1c"]
  count_per_zone = 2
  cpu            = 4
  memory         = "16Gi"
}
