# The kubeadm guide "Creating Highly Available Clusters with kubeadm",
# stacked etcd, with the load balancer its companion page ("Options for
# Software Load Balancing") runs as static pods on the control-plane
# nodes: keepalived holds the VIP, HAProxy listens on 8443 beside the API
# servers on 6443. A dotted cluster name, an extra name for the API
# certificate, and workers known by DNS name only.

cluster "ha.example.com" {
  kubernetes_version = "1.37.2"
}

network {
  node_subnets = ["192.168.10.0/24"]
  cni          = "calico"
  pod_cidrs    = ["10.244.0.0/16"] # Calico's default would hold the node subnet
}

zone "rack-a" {}
zone "rack-b" {}
zone "rack-c" {}

control_plane {
  extra_sans = ["k8s-api.ha.example.com"]
  node "cp-a" {
    address = "192.168.10.11"
    zone    = "rack-a"
  }
  node "cp-b" {
    address = "192.168.10.12"
    zone    = "rack-b"
  }
  node "cp-c" {
    address = "192.168.10.13"
    zone    = "rack-c"
  }
}

load_balancer {
  mode = "colocated"
  vip  = "192.168.10.10"
  port = 8443
}

node_pool "workers" {
  zones = ["rack-a", "rack-b", "rack-c"]
  cpu   = 8
  memory = "32Gi"
  node "worker-a" {
    address = "worker-a.ha.example.com"
    zone    = "rack-a"
  }
  node "worker-b" {
    address = "worker-b.ha.example.com"
    zone    = "rack-b"
  }
  node "worker-c" {
    address = "worker-c.ha.example.com"
    zone    = "rack-c"
  }
}
