# Five external etcd members over three zones (2+2+1: losing any zone leaves
# quorum), three masters, and HAProxy + keepalived on two dedicated hosts.
#
#   blueprint validate blueprints/external-etcd.hcl
#   blueprint render   blueprints/external-etcd.hcl -o out/external-etcd

cluster "analytics" {
  kubernetes_version = "1.37.2"
}

network {
  node_subnets  = ["172.16.0.0/20"]
  cni           = "cilium"
  pod_cidrs     = ["10.244.0.0/16"]
  service_cidrs = ["10.96.0.0/16"]
}

zone "dc1-a" {}
zone "dc1-b" {}
zone "dc1-c" {}

locals {
  masters = {
    "master-a" = { address = "172.16.1.11", zone = "dc1-a" }
    "master-b" = { address = "172.16.1.12", zone = "dc1-b" }
    "master-c" = { address = "172.16.1.13", zone = "dc1-c" }
  }
  etcd_zones = ["dc1-a", "dc1-b", "dc1-c", "dc1-a", "dc1-b"]
}

control_plane {
  dynamic "node" {
    for_each = local.masters
    labels   = [node.key]
    content {
      address = node.value.address
      zone    = node.value.zone
    }
  }
}

etcd {
  topology = "external"

  # Snapshots are taken from the masters (which hold the API server's etcd
  # client certificate) twice a day, and copied to a CephFS volume.
  backup {
    schedule = "17 5,17 * * *"
    retain   = 14
    destination {
      claim = "etcd-backups"
    }
  }

  dynamic "member" {
    for_each = range(5)
    labels   = [format("etcd%d", member.value + 1)]
    content {
      address     = cidrhost("172.16.2.0/24", 21 + member.value)
      ssh_address = cidrhost("10.99.2.0/24", 21 + member.value) # the management network
      zone        = local.etcd_zones[member.value]
    }
  }
}

load_balancer {
  mode      = "dedicated"
  vip       = "172.16.0.100"
  interface = "bond0"

  host "lb-a" {
    address     = "172.16.0.101"
    ssh_address = "10.99.0.101" # the management network
    zone        = "dc1-a"
  }
  host "lb-b" {
    address     = "172.16.0.102"
    ssh_address = "10.99.0.102"
    zone        = "dc1-b"
  }
}

node_pool "spark" {
  zones          = ["dc1-a", "dc1-b", "dc1-c"]
  count_per_zone = 2
  cpu            = 32
  memory         = "128Gi"
  labels = {
    "example.com/pool" = "spark"
  }
}

# Cluster services: a namespace for Spark jobs, one storage class, access
# for the analytics team, and Flux to apply it all from Git.
namespace "spark-jobs" {}

storage_class "shared" {
  provisioner    = "rook-ceph.cephfs.csi.ceph.com"
  reclaim_policy = "Retain"
  parameters = {
    clusterID = "rook-ceph"
    fsName    = "backups"
  }
}

# The etcd snapshots' destination: a shared file system every master mounts.
persistent_volume_claim "etcd-backups" {
  namespace     = "etcd-backup"
  storage       = "50Gi"
  access_modes  = ["ReadWriteMany"]
  storage_class = "shared"
}

storage_class "ssd" {
  provisioner = "rook-ceph.rbd.csi.ceph.com"
  default     = true
  parameters = {
    clusterID = "rook-ceph"
    pool      = "replicapool"
  }
}

team "analytics" {
  groups     = ["analytics-engineers"]
  users      = ["carol"]
  namespaces = { spark-jobs = "edit" }
}

role "job-watcher" {
  namespace = "spark-jobs"
  rule {
    api_groups = ["batch"]
    resources  = ["jobs"]
    verbs      = ["get", "list", "watch"]
  }
  rule {
    resources = ["pods", "pods/log"]
    verbs     = ["get", "list", "watch"]
  }
}

role_binding "ci-watches-jobs" {
  namespace        = "spark-jobs"
  role             = "job-watcher"
  service_accounts = ["spark-jobs/ci"]
}

gitops {
  tool     = "flux"
  repo_url = "https://git.example.com/platform/clusters.git"
  path     = "clusters/analytics"
}
