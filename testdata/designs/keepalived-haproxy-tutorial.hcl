# The design of the popular keepalived + HAProxy tutorials: two small load
# balancer VMs share a VIP, three control-plane VMs and two workers, all on
# one host network, flannel for pods. The tutorials have no failure domains
# beyond the one site.

cluster "lab" {
  kubernetes_version = "stable"
}

network {
  node_subnets = ["172.16.16.0/24"]
  cni          = "flannel"
}

zone "site" {}

control_plane {
  node "kmaster1" {
    address = "172.16.16.101"
    zone    = "site"
  }
  node "kmaster2" {
    address = "172.16.16.102"
    zone    = "site"
  }
  node "kmaster3" {
    address = "172.16.16.103"
    zone    = "site"
  }
}

load_balancer {
  mode              = "dedicated"
  vip               = "172.16.16.100"
  interface         = "eth1"
  virtual_router_id = 51
  host "loadbalancer1" {
    address = "172.16.16.51"
    zone    = "site"
  }
  host "loadbalancer2" {
    address = "172.16.16.52"
    zone    = "site"
  }
}

node_pool "workers" {
  zones  = ["site"]
  cpu    = 2
  memory = "2Gi"
  node "kworker1" {
    address = "172.16.16.201"
    zone    = "site"
  }
  node "kworker2" {
    address = "172.16.16.202"
    zone    = "site"
  }
}

accept "etcd-zone-quorum" {
  zone   = "site"
  reason = "A lab on one hypervisor: it is rebuilt from this spec if the host fails."
}

accept "cni-no-network-policy" {
  reason = "The tutorial's flannel; nothing in this lab relies on NetworkPolicies."
}
