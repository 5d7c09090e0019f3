# A fleet: the same streaming platform in two regions, from one class.
#
#   blueprint validate blueprints/fleet.hcl
#   blueprint render   blueprints/fleet.hcl -o out/fleet
#
# Each member becomes one cluster, rendered under clusters/NAME/ exactly as
# a spec of its own would be; FLEET.md maps regions, clusters and zones and
# says what keeps serving when a whole region is lost. The two clusters are
# routed to each other (peering), so their node, pod and service ranges
# must not overlap; both sit on the same backbone network, so their
# keepalived virtual router IDs must differ.

class "streaming" {
  variable "zones" {
    type        = list(string)
    description = "The region's three availability zones."
  }
  variable "node_subnet" {
    type = string
  }
  variable "pod_cidr" {
    type = string
  }
  variable "service_cidr" {
    type = string
  }
  variable "router_id" {
    type    = number
    default = 51
  }

  cluster {
    kubernetes_version = "1.37.2"
  }

  network {
    node_subnets  = [var.node_subnet]
    cni           = "cilium"
    pod_cidrs     = [var.pod_cidr]
    service_cidrs = [var.service_cidr]
  }

  dynamic "zone" {
    for_each = var.zones
    labels   = [zone.value]
    content {
      region = member.region # the default, said aloud: etcd stays in it
    }
  }

  control_plane {
    dynamic "node" {
      for_each = var.zones
      labels   = ["master-${node.value}"]
      content {
        address = cidrhost(var.node_subnet, 11 + node.key)
        zone    = node.value
      }
    }
  }

  # member.name, member.region and member.network differ by member.
  etcd {
    topology = "stacked"
    backup {
      destination {
        nfs {
          server = "filer.${member.region}.example.com"
          path   = "/exports/etcd-backups/${member.name}"
        }
      }
    }
  }

  load_balancer {
    mode              = "colocated"
    vip               = cidrhost(var.node_subnet, 10)
    virtual_router_id = var.router_id
  }

  node_pool "services" {
    zones          = var.zones
    count_per_zone = 2
    cpu            = 16
    memory         = "64Gi"
  }

  node_pool "kafka" {
    zones          = var.zones
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
    path     = "clusters/${member.name}"
  }
}

member "west" {
  class   = "streaming"
  region  = "eu-west"
  network = "backbone"
  variables = {
    zones        = ["euw-a", "euw-b", "euw-c"]
    node_subnet  = "10.60.0.0/16"
    pod_cidr     = "10.128.0.0/14"
    service_cidr = "10.96.0.0/16"
  }
}

member "east" {
  class   = "streaming"
  region  = "us-east"
  network = "backbone"
  variables = {
    zones        = ["use-a", "use-b", "use-c"]
    node_subnet  = "10.61.0.0/16"
    pod_cidr     = "10.132.0.0/14"
    service_cidr = "10.97.0.0/16"
    router_id    = 52
  }

  # East runs the previous minor release while it is being upgraded.
  cluster {
    kubernetes_version = "1.36.4"
  }
}

peering "west-east" {
  members = ["west", "east"]
}
