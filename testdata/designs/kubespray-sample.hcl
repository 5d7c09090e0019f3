# Kubespray's sample inventory (inventory/sample/inventory.ini and its
# group_vars, with Kubespray's defaults): three control-plane nodes that
# also run etcd, three workers, each reached over SSH at its ansible_host
# and serving the cluster at its ip. No load balancer host: Kubespray's
# default (loadbalancer_apiserver_localhost) is a proxy on every worker,
# forwarding localhost:6443 to every API server. Kubespray says nothing of
# zones or machine sizes.

cluster "kubespray" {
  kubernetes_version = "1.37"          # kube_version: Kubespray's newest
  dns_domain         = "cluster.local" # cluster_name
}

network {
  node_subnets  = ["10.3.0.0/24"]
  cni           = "calico"             # kube_network_plugin
  pod_cidrs     = ["10.233.64.0/18"]   # kube_pods_subnet
  service_cidrs = ["10.233.0.0/18"]    # kube_service_addresses
  proxy_mode    = "ipvs"               # kube_proxy_mode
}

zone "default" {}

control_plane {
  node "node1" {
    address     = "10.3.0.1"
    ssh_address = "95.54.0.12"
    zone        = "default"
  }
  node "node2" {
    address     = "10.3.0.2"
    ssh_address = "95.54.0.13"
    zone        = "default"
  }
  node "node3" {
    address     = "10.3.0.3"
    ssh_address = "95.54.0.14"
    zone        = "default"
  }
}

load_balancer {
  mode = "local-proxy" # loadbalancer_apiserver_localhost, port 6443
}

node_pool "kube-node" {
  zones = ["default"]
  node "node4" {
    address     = "10.3.0.4"
    ssh_address = "95.54.0.15"
    zone        = "default"
  }
  node "node5" {
    address     = "10.3.0.5"
    ssh_address = "95.54.0.16"
    zone        = "default"
  }
  node "node6" {
    address     = "10.3.0.6"
    ssh_address = "95.54.0.17"
    zone        = "default"
  }
}

accept "etcd-zone-quorum" {
  zone   = "default"
  reason = "Kubespray's sample describes one site: the three etcd members share its power and network, as the source design does."
}

accept "proxy-mode-deprecated" {
  reason = "ipvs is Kubespray's default kube_proxy_mode; moving to nftables is planned with the next upgrade."
}

accept "pool-capacity-unknown" {
  pool   = "kube-node"
  reason = "The inventory does not size its machines; capacity is reviewed on the hosts themselves."
}
