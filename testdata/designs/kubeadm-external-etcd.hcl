# The kubeadm guides for an external etcd cluster ("Set up a High
# Availability etcd Cluster with kubeadm" and the HA guide's external etcd
# topology): three etcd hosts known by DNS name, as the source names them
# (etcd-node01.kube.demo), three control-plane nodes, and HAProxy with
# keepalived on two dedicated hosts.

cluster "kube-demo" {
  kubernetes_version = "1.36"
}

network {
  node_subnets = ["10.10.0.0/16"]
  cni          = "cilium"
}

zone "z1" {}
zone "z2" {}
zone "z3" {}

control_plane {
  node "master-node01" {
    address = "10.10.1.11"
    zone    = "z1"
  }
  node "master-node02" {
    address = "10.10.2.11"
    zone    = "z2"
  }
  node "master-node03" {
    address = "10.10.3.11"
    zone    = "z3"
  }
}

etcd {
  topology = "external"
  member "etcd-node01" {
    address = "etcd-node01.kube.demo"
    zone    = "z1"
  }
  member "etcd-node02" {
    address = "etcd-node02.kube.demo"
    zone    = "z2"
  }
  member "etcd-node03" {
    address = "etcd-node03.kube.demo"
    zone    = "z3"
  }
}

load_balancer {
  mode = "dedicated"
  vip  = "10.10.0.100"
  host "lb-node01" {
    address = "10.10.1.5"
    zone    = "z1"
  }
  host "lb-node02" {
    address = "10.10.2.5"
    zone    = "z2"
  }
}

node_pool "workers" {
  zones          = ["z1", "z2", "z3"]
  count_per_zone = 2
  cpu            = 16
  memory         = "64Gi"
}
