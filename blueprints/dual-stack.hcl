# A dual-stack cluster (IPv4 and IPv6) for an analytics platform, in three
# zones whose masters sit in different layer-2 segments: no VIP can move
# between them, so every node runs a local proxy to the API servers.
#
#   blueprint validate blueprints/dual-stack.hcl
#   blueprint render   blueprints/dual-stack.hcl -o out/dual-stack
#
# The network team installs the CNI from its own pipeline (cni = "none"),
# and the cluster is tuned for the 600 nodes it is expected to reach.
# Monitoring, the log store and Spark jobs run on their operators
# (prometheus-operator, ECK, the Kubernetes Spark operator).
# Every block and attribute is described in the README.

locals {
  zones = ["fra1", "fra2", "fra3"]
}

cluster "insights" {
  kubernetes_version = "1.37.2"
}

# One IPv4 and one IPv6 range each: pods and Services get both families.
network {
  node_subnets  = ["10.60.0.0/16", "fd10:60::/64"]
  pod_cidrs     = ["10.128.0.0/14", "fd10:61::/56"]
  service_cidrs = ["10.96.0.0/16", "fd10:62::/112"]
  cni           = "none"
  proxy_mode    = "ipvs"
}

zone "fra1" {}
zone "fra2" {}
zone "fra3" {}

control_plane {
  dynamic "node" {
    for_each = local.zones
    labels   = ["cp-${node.value}"]
    content {
      address     = cidrhost("10.60.0.0/24", 11 + node.key)
      ssh_address = cidrhost("fd10:60::/64", 11 + node.key)
      zone        = node.value
    }
  }
}

# A proxy on every node forwards localhost:6443 to every API server.
load_balancer {
  mode = "local-proxy"
}

etcd {
  backup {
    destination {
      nfs {
        server = "filer.insights.example.com"
        path   = "/exports/etcd-backups"
      }
    }
  }
}

# General workers, sized and with the kubelet's reservations written out:
# the platform team sets them the same on every pool it runs.
node_pool "workers" {
  zones           = local.zones
  count_per_zone  = 3
  cpu             = 16
  memory          = "64Gi"
  max_pods        = 110
  system_reserved = { cpu = "250m", memory = "512Mi" }
  kube_reserved   = { cpu = "250m", memory = "2Gi" }
  eviction_hard   = { "memory.available" = "500Mi", "nodefs.available" = "10%", "imagefs.available" = "15%" }
}

# Monitoring, logging and the image scanner: one machine per zone, which
# leaves one Alertmanager waiting while a zone is down (accepted below).
node_pool "infra" {
  zones          = local.zones
  count_per_zone = 1
  cpu            = 16
  memory         = "64Gi"
}

# Batch machines: recycled hardware of mixed sizes, named one by one.
# Other pods avoid them while the workers have room (PreferNoSchedule).
node_pool "batch" {
  zones = local.zones
  taint {
    key    = "insights.example.com/batch"
    value  = "true"
    effect = "PreferNoSchedule"
  }
  dynamic "node" {
    for_each = local.zones
    labels   = ["batch-${node.value}"]
    content {
      address     = cidrhost("10.60.1.0/24", 21 + node.key)
      ssh_address = cidrhost("fd10:60::/64", 21 + node.key)
      zone        = node.value
    }
  }
}

namespace "ingest" {}

namespace "reports" {
  pod_security = "baseline"
  reason       = "The reporting engine's image runs as root; the vendor's fix is due in the next release."
}

namespace "netops" {
  pod_security = "privileged"
  reason       = "The network team's packet capture runs with host networking and NET_ADMIN, on request during incidents."
}

storage_class "ceph-block" {
  provisioner    = "rook-ceph.rbd.csi.ceph.com"
  default        = true
  reclaim_policy = "Delete"
  parameters = {
    clusterID = "rook-ceph"
    pool      = "replicapool"
  }
}

storage_class "ceph-block-retain" {
  provisioner            = "rook-ceph.rbd.csi.ceph.com"
  reclaim_policy         = "Retain"
  allow_volume_expansion = true
  parameters = {
    clusterID = "rook-ceph"
    pool      = "replicapool"
  }
}

storage_class "cephfs" {
  provisioner = "rook-ceph.cephfs.csi.ceph.com"
  parameters = {
    clusterID = "rook-ceph"
    fsName    = "shared"
  }
}

# The ingest service's write-ahead log: one writer pod at a time, never
# two (ReadWriteOncePod), on a volume kept when the claim goes.
persistent_volume_claim "ingest-wal" {
  namespace     = "ingest"
  storage       = "200Gi"
  access_modes  = ["ReadWriteOncePod"]
  storage_class = "ceph-block-retain"
}

# Reference data the reports read, published into it by another cluster.
persistent_volume_claim "reference-data" {
  namespace     = "reports"
  storage       = "1Ti"
  access_modes  = ["ReadOnlyMany"]
  storage_class = "cephfs"
}

role "ingest-operator" {
  namespace = "ingest"
  rule {
    api_groups = ["apps"]
    resources  = ["deployments", "deployments/scale"]
    verbs      = ["get", "list", "watch", "update", "patch"]
  }
  rule {
    resources = ["pods"]
    verbs     = ["get", "list", "delete", "deletecollection"]
  }
  rule {
    resources = ["configmaps"]
    verbs     = ["create", "get", "update"]
  }
}

role_binding "ingest-operators" {
  namespace = "ingest"
  role      = "ingest-operator"
  groups    = ["insights-ingest-oncall"]
}

team "insights" {
  groups     = ["insights-engineers"]
  namespaces = { ingest = "edit", reports = "edit", netops = "view" }
}

break_glass "platform" {
  users            = ["oidc:platform-lead"]
  service_accounts = ["platform-tools/recovery"]
  reason           = "Recovering the cluster when Argo CD or the API's RBAC is broken; every use is reviewed."
}

# People sign in through the company's identity provider, whose CA is
# private: the API server trusts it for the issuer only.
authentication {
  oidc {
    issuer                = "https://sso.insights.example.com/realms/insights"
    client_id             = "kubernetes"
    audiences             = ["kubernetes", "kubectl"]
    username_claim        = "email"
    username_prefix       = "oidc:"
    groups_claim          = "groups"
    groups_prefix         = "insights-"
    certificate_authority = <<-EOT
      -----BEGIN CERTIFICATE-----
      MIIBwDCCAWWgAwIBAgIUCOuI9gJFEKpnIet03Q9PPoYDwiowCgYIKoZIzj0EAwIw
      NTEVMBMGA1UECgwMRXhhbXBsZSBDb3JwMRwwGgYDVQQDDBNFeGFtcGxlIENvcnAg
      U1NPIENBMB4XDTI2MTIwMzEyMDIzNFoXDTM2MTEzMDEyMDIzNFowNTEVMBMGA1UE
      CgwMRXhhbXBsZSBDb3JwMRwwGgYDVQQDDBNFeGFtcGxlIENvcnAgU1NPIENBMFkw
      EwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEgkkXxwoNQX75It/DimQnw2FZdOE6Mbh0
      QIyNbXDcWPCBIVRWp9sHAhkeeoMWEe4rnG+GnUl4S508DcJjBPjRZKNTMFEwHQYD
      VR0OBBYEFMM9TooWzOO9b4SuNO17Tt5wlIytMB8GA1UdIwQYMBaAFMM9TooWzOO9
      b4SuNO17Tt5wlIytMA8GA1UdEwEB/wQFMAMBAf8wCgYIKoZIzj0EAwIDSQAwRgIh
      ANEP2lYwF+EaW1vr+3809MxpybCXpqvImEiWGifs05fMAiEAk3ZThhewhqJ0YAuC
      UWEu3YtLaIHxLtoyyTlsw9J52Jc=
      -----END CERTIFICATE-----
    EOT
  }
}

# Prometheus and Alertmanager made by prometheus-operator, from the same
# rules, scrape jobs, retention and placement as the default engine.
monitoring {
  engine        = "operator"
  storage_class = "ceph-block-retain"
  node_pool     = "infra"
  receiver "insights-oncall" {
    webhook_url = "https://alerts.example.com/hooks/insights"
  }
}

# Logs are kept 30 days, in their own namespace; their volumes go with
# their claims, since the archive keeps a copy of every day. The search
# cluster is Elasticsearch, made by ECK from one zone-aware node set.
logging {
  engine         = "operator"
  namespace      = "logs"
  backend        = "elasticsearch"
  replicas       = 3
  retention_days = 30
  storage_class  = "ceph-block"
  node_pool      = "infra"
}

# Ad-hoc analytics jobs on the batch machines, submitted as
# SparkApplications to the Kubernetes Spark operator (templates in
# ConfigMap spark-application-templates).
spark "analytics" {
  engine    = "operator"
  namespace = "analytics"
  node_pool = "batch"
}

# metrics-server, and VPA recommendations for the services, whichever
# operator makes their pods: read them with kubectl describe vpa -A.
autoscaling {
  vertical_pod_autoscaler {}
}

# Images are checked by the company's own admission controller, not by
# blueprint's policy; they are still scanned.
images {
  admission = "off"
}

image_scanning {
  engine           = "trivy-operator"
  namespace        = "trivy"
  node_pool        = "infra"
  pull_secret      = "registry-credentials"
  concurrent_scans = 5
  rescan_interval  = "12h"
}

# Sized for the 600 nodes the platform is expected to reach, so that the
# control plane does not change as pools grow; Events go to an etcd of
# their own.
tuning {
  max_requests_inflight          = 800
  max_mutating_requests_inflight = 400
  etcd_quota                     = "8Gi"
  events_etcd_servers            = ["https://10.60.0.41:2379", "https://10.60.0.42:2379", "https://10.60.0.43:2379"]
  controller_manager_qps         = 60
  controller_manager_burst       = 120
  scheduler_qps                  = 60
  scheduler_burst                = 120
  coredns_replicas               = 6
  prometheus_cpu                 = "3"
  prometheus_memory              = "12Gi"
}

gitops {
  tool     = "argocd"
  repo_url = "https://git.example.com/platform/clusters.git"
  path     = "clusters/insights"
  revision = "release-2026.12"
}

accept "proxy-mode-deprecated" {
  reason = "The network team's CNI runs with kube-proxy in ipvs mode; moving to nftables is planned with its next upgrade."
}

accept "pool-capacity-unknown" {
  pool   = "batch"
  reason = "Recycled machines of mixed sizes; batch jobs request what they need and wait for room."
}

accept "capacity-zone-loss" {
  workload = "monitoring"
  reason   = "Two of the three Alertmanagers keep alerting while a zone is down; the third waits for its zone rather than for a fourth infra machine."
}
