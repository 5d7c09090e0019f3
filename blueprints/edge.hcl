# A compact site, such as a store or a factory floor: three machines that
# are masters and workers at once, kube-vip holding the API address,
# Flannel, images only from the company's mirror and pinned by digest.
#
#   blueprint validate blueprints/edge.hcl
#   blueprint render   blueprints/edge.hcl -o out/edge
#
# The site is one failure domain (one rack, one power feed): the accept
# blocks at the end say which warnings that brings, and why they are
# taken. Every block and attribute is described in the README.

locals {
  subnet = "192.168.50.0/24"
}

cluster "store042" {
  kubernetes_version = "1.37.2"
  image_repository   = "mirror.example.com:5000/k8s"
}

# Flannel enforces no NetworkPolicy (validate warns; accepted below).
# nftables: kube-proxy's newest mode, with no iptables rules to grow.
network {
  node_subnets = [local.subnet]
  cni          = "flannel"
  pod_cidrs    = ["10.244.0.0/16"]
  proxy_mode   = "nftables"
}

zone "store" {}

# The three machines run the control plane and the workloads: schedulable,
# with more room kept for the kubelet and the system than a worker needs,
# since etcd and the API server share them.
control_plane {
  schedulable     = true
  cpu             = 16
  memory          = "64Gi"
  max_pods        = 110
  extra_sans      = ["k8s.store042.example.com"]
  system_reserved = { cpu = "500m", memory = "1Gi" }
  kube_reserved   = { cpu = "1", memory = "2Gi" }
  eviction_hard   = { "memory.available" = "1Gi", "nodefs.available" = "10%" }

  dynamic "node" {
    for_each = range(3)
    labels   = [format("store042-n%d", node.value + 1)]
    content {
      address     = cidrhost(local.subnet, 11 + node.value)
      ssh_address = cidrhost("10.250.42.0/24", 11 + node.value) # the management network
      zone        = "store"
    }
  }
}

# kube-vip on the masters answers ARP for the VIP; no load-balancer hosts.
load_balancer {
  mode      = "kube-vip"
  vip       = cidrhost(local.subnet, 10)
  interface = "enp1s0"
}

# Snapshots every six hours, copied to the store's NAS.
etcd {
  topology = "stacked"
  backup {
    enabled = true
    destination {
      nfs {
        server = "nas.store042.example.com"
        path   = "/volume1/etcd-backups"
      }
    }
  }
}

# Storage: a local disk on each machine for Prometheus and Alertmanager,
# declared as volumes here (no provisioner), and a share on the NAS for
# the point-of-sale exports. Static volumes are kept when their claim
# goes (Retain): nothing in Kubernetes deletes a local disk or an NFS
# export, so "Delete" would only leave the volume Failed.
storage_class "local-disk" {
  provisioner         = "kubernetes.io/no-provisioner"
  reclaim_policy      = "Retain"
  volume_binding_mode = "WaitForFirstConsumer"
}

dynamic "persistent_volume" {
  for_each = range(3)
  labels   = [format("store042-n%d-disk", persistent_volume.value + 1)]
  content {
    storage_class  = "local-disk"
    capacity       = "200Gi"
    reclaim_policy = "Retain"
    local {
      path = "/mnt/disk1"
      node = format("store042-n%d", persistent_volume.value + 1)
    }
  }
}

storage_class "nas" {
  provisioner         = "kubernetes.io/no-provisioner"
  volume_binding_mode = "Immediate"
}

persistent_volume "pos-exports" {
  storage_class  = "nas"
  capacity       = "500Gi"
  access_modes   = ["ReadWriteMany", "ReadOnlyMany"]
  reclaim_policy = "Retain"
  nfs {
    server = "nas.store042.example.com"
    path   = "/volume1/pos-exports"
  }
}

namespace "pos" {}

persistent_volume_claim "pos-exports" {
  namespace     = "pos"
  storage       = "500Gi"
  access_modes  = ["ReadWriteMany"]
  storage_class = "nas"
}

team "store-apps" {
  groups           = ["store-apps"]
  service_accounts = ["pos/deployer"]
  namespaces       = { pos = "edit" }
}

# Prometheus and Alertmanager on the local disks; the store's alerts go
# to the central Alertmanager's webhook.
monitoring {
  namespace             = "observability"
  storage_class         = "local-disk"
  volume_size           = "150Gi"
  retention             = "7d"
  prometheus_replicas   = 2
  alertmanager_replicas = 3
  web_auth_secret       = "observability-web-auth"
  receiver "central" {
    webhook_url = "https://alerts.example.com/hooks/stores"
  }
}

# Every image from the mirror, each pinned by the digest in
# edge.images.lock (written by `blueprint images edge.hcl --lock-skeleton
# edge.images.lock`, the digests filled from the mirror); the policy
# refuses any image without one.
images {
  registry       = "mirror.example.com:5000"
  overrides      = { busybox = "mirror.example.com:5000/platform/busybox:1.37.0-hardened" } # the company's rebuild
  lock_file      = "edge.images.lock"
  require_digest = true
  admission      = "enforce"
}

gitops {
  tool     = "flux"
  repo_url = "ssh://git@git.example.com/platform/stores.git"
  path     = "clusters/store042"
  revision = "stores-stable"
}

accept "etcd-zone-quorum" {
  zone   = "store"
  reason = "A store is one rack on one power feed: if it goes, the store is closed anyway. The cluster is rebuilt from Git and the NAS's etcd snapshot."
}

accept "cni-no-network-policy" {
  reason = "Flannel keeps the footprint small; the store network is isolated, and the only tenant is the point-of-sale team."
}

accept "storage-immediate-binding" {
  reason = "The NAS share is one NFS export every machine of the site mounts: there is no zone to bind it in wrongly."
}
