# A KubeOne cluster on machines it did not create (cloudProvider none):
# three control-plane hosts and two static workers, each reached over SSH
# at its publicAddress and serving the cluster at its privateAddress,
# behind a load balancer KubeOne's apiEndpoint names. KubeOne's defaults
# for the network (its canal CNI is Calico's policy engine on flannel;
# blueprint renders calico).

cluster "kubeone-demo" {
  kubernetes_version = "1.36.5"
}

network {
  node_subnets  = ["172.31.0.0/16"]
  cni           = "calico"
  pod_cidrs     = ["10.244.0.0/16"]
  service_cidrs = ["10.96.0.0/12"]
}

zone "dc1" {}

control_plane {
  extra_sans = ["kubeone-api.example.com"]
  node "ip-172-31-10-10" {
    address     = "172.31.10.10"
    ssh_address = "203.0.113.10"
    zone        = "dc1"
  }
  node "ip-172-31-10-11" {
    address     = "172.31.10.11"
    ssh_address = "203.0.113.11"
    zone        = "dc1"
  }
  node "ip-172-31-10-12" {
    address     = "172.31.10.12"
    ssh_address = "203.0.113.12"
    zone        = "dc1"
  }
}

load_balancer {
  mode     = "external"
  endpoint = "kubeone-lb.example.com:6443"
}

node_pool "static" {
  zones = ["dc1"]
  node "ip-172-31-20-10" {
    address     = "172.31.20.10"
    ssh_address = "203.0.113.20"
    zone        = "dc1"
  }
  node "ip-172-31-20-11" {
    address     = "172.31.20.11"
    ssh_address = "203.0.113.21"
    zone        = "dc1"
  }
}

accept "etcd-zone-quorum" {
  zone   = "dc1"
  reason = "One data centre, as the KubeOne manifest describes it; etcd is backed up off-site."
}

accept "pool-capacity-unknown" {
  reason = "KubeOne's static workers carry no size in the manifest."
}
