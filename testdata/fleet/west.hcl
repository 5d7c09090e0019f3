# The single-cluster spec that member "west" of blueprints/fleet.hcl
# amounts to: the class's blocks with west's variables written in. The
# pipeline test renders both and requires the same bytes.

cluster "west" {
  kubernetes_version = "1.37.2"
}

network {
  node_subnets  = ["10.60.0.0/16"]
  cni           = "cilium"
  pod_cidrs     = ["10.128.0.0/14"]
  service_cidrs = ["10.96.0.0/16"]
}

dynamic "zone" {
  for_each = ["euw-a", "euw-b", "euw-c"]
  labels   = [zone.value]
  content {}
}

control_plane {
  dynamic "node" {
    for_each = ["euw-a", "euw-b", "euw-c"]
    labels   = ["master-${node.value}"]
    content {
      address = cidrhost("10.60.0.0/16", 11 + node.key)
      zone    = node.value
    }
  }
}

etcd {
  topology = "stacked"
  backup {
    destination {
      nfs {
        server = "filer.eu-west.example.com"
        path   = "/exports/etcd-backups/west"
      }
    }
  }
}

load_balancer {
  mode              = "colocated"
  vip               = cidrhost("10.60.0.0/16", 10)
  virtual_router_id = 51
}

node_pool "services" {
  zones          = ["euw-a", "euw-b", "euw-c"]
  count_per_zone = 2
  cpu            = 16
  memory         = "64Gi"
}

node_pool "kafka" {
  zones          = ["euw-a", "euw-b", "euw-c"]
  count_per_zone = 1
  cpu            = 16
  memory         = "64Gi"
  taint {
    key    = "streaming.example.com/dedicated"
    value  = "kafka"
    effect = "NoSchedule"
  }
}

storage_class "local-nvme" {
  provisioner            = "topolvm.io"
  reclaim_policy         = "Retain"
  allow_volume_expansion = true
}

storage_class "ceph-block" {
  provisioner            = "rook-ceph.rbd.csi.ceph.com"
  default                = true
  allow_volume_expansion = true
}

kafka "events" {
  node_pool           = "kafka"
  brokers             = 3
  controllers         = 3
  replication_factor  = 3
  min_insync_replicas = 2
  storage_class       = "local-nvme"
  volume_size         = "1Ti"
}

monitoring {
  storage_class = "ceph-block"
  node_pool     = "services"
  receiver "streaming-oncall" {
    webhook_url = "http://alert-router.ops.svc:8080/hooks/streaming"
  }
}

# Both regions pull from one mirror.
images {
  registry = "harbor.example.com/mirror"
}

# A hub Argo CD deploys every member: one ApplicationSet (gitops/ at
# the fleet's top), each member's manifests/ under its own path.
gitops {
  tool     = "argocd"
  repo_url = "https://git.example.com/platform/fleet.git"
  path     = "clusters/west"
}
