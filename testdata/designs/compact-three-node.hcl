# A compact cluster as Kubespray's docs describe it, where every node is in
# both kube_control_plane and kube_node: three machines run the control
# plane and the workloads (no control-plane taint), across three racks,
# with kube-vip for the endpoint and the monitoring stack on the same
# machines.

cluster "compact" {
  kubernetes_version = "1.37.2"
}

network {
  node_subnets = ["10.50.0.0/24"]
  cni          = "cilium"
}

zone "r1" {}
zone "r2" {}
zone "r3" {}

control_plane {
  schedulable = true
  extra_sans  = ["compact.example.com", "10.50.0.200"]
  node "c1" {
    address = "10.50.0.11"
    zone    = "r1"
  }
  node "c2" {
    address = "10.50.0.12"
    zone    = "r2"
  }
  node "c3" {
    address = "10.50.0.13"
    zone    = "r3"
  }
}

load_balancer {
  mode = "kube-vip"
  vip  = "10.50.0.10"
}

storage_class "local-path" {
  provisioner = "rancher.io/local-path"
  default     = true
}

monitoring {
  storage_class = "local-path"
}
