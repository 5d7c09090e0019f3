# blueprint plan corpus: see testdata/plan/README.md.
cluster "dataplat" {
  kubernetes_version = "1.37.2"
  dns_domain         = "cluster.local"
  image_repository   = "registry.k8s.io"
}

network {
  node_subnets  = ["10.20.0.0/16"]
  cni           = "calico"
  pod_cidrs     = ["192.168.0.0/16"]
  service_cidrs = ["10.96.0.0/12"]
}

zone "az1" {}
zone "az2" {}
zone "az3" {}

control_plane {
  node "kmaster1" {
    address = "10.20.0.11"
    zone    = "az1"
  }
  node "kmaster2" {
    address = "10.20.0.12"
    zone    = "az2"
  }
  node "kmaster3" {
    address = "10.20.0.13"
    zone    = "az3"
  }
}

etcd {
  topology = "stacked"
}

load_balancer {
  mode              = "dedicated"
  vip               = "10.20.0.10"
  interface         = "eth0"
  virtual_router_id = 51
  host "lb-a" {
    address = "10.20.0.101"
    zone    = "az1"
  }
  host "lb-b" {
    address = "10.20.0.102"
    zone    = "az2"
  }
}

node_pool "general" {
  zones  = ["az1", "az2", "az3"]
  cpu    = 8
  memory = "32Gi"
  labels = {
    "example.com/pool" = "general"
  }
  count_per_zone = 1
}

node_pool "kafka" {
  zones          = ["az1", "az2", "az3"]
  count_per_zone = 1
  cpu            = 16
  memory         = "64Gi"
  taint {
    key    = "example.com/dedicated"
    value  = "kafka"
    effect = "NoSchedule"
  }
}

namespace "team" {}

storage_class "local-ssd" {
  provisioner         = "kubernetes.io/no-provisioner"
  reclaim_policy      = "Delete"
  volume_binding_mode = "WaitForFirstConsumer"
}

storage_class "standard" {
  provisioner            = "csi.vsphere.vmware.com"
  default                = true
  reclaim_policy         = "Delete"
  volume_binding_mode    = "WaitForFirstConsumer"
  allow_volume_expansion = true
  parameters = {
    "csi.storage.k8s.io/fstype" = "ext4"
  }
}

persistent_volume_claim "data" {
  storage       = "10Gi"
  storage_class = "standard"
}

persistent_volume_claim "team-data" {
  namespace = "team"
  storage   = "5Gi"
}

role "pod-reader" {
  namespace = "default"
  rule {
    api_groups = [""]
    resources  = ["pods"]
    verbs      = ["get", "watch", "list"]
  }
}

role "pod-lister" {
  namespace = "default"
  rule {
    api_groups = [""]
    resources  = ["pods"]
    verbs      = ["list"]
  }
}

role_binding "read-pods" {
  namespace = "default"
  role      = "pod-reader"
  users     = ["alice"]
}

monitoring {
  storage_class       = "standard"
  retention           = "15d"
  volume_size         = "50Gi"
  prometheus_replicas = 2
  node_pool           = "general"
}
