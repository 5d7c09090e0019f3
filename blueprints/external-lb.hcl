# Five stacked masters over three zones (2+2+1: any zone can fail and etcd
# keeps 3 of 5), behind an existing hardware or cloud load balancer.
#
#   blueprint validate blueprints/external-lb.hcl
#   blueprint render   blueprints/external-lb.hcl -o out/external-lb

locals {
  zones = ["rack1", "rack2", "rack3"]
}

cluster "streaming" {
  kubernetes_version = "1.37.2"
  image_repository   = "mirror.example.com:5000/k8s"
}

network {
  node_subnets = ["10.40.0.0/22"]
}

zone "rack1" {}
zone "rack2" {}
zone "rack3" {}

control_plane {
  dynamic "node" {
    for_each = range(5)
    labels   = [format("cp%d.streaming.example.com", node.value + 1)]
    content {
      address = cidrhost("10.40.0.0/24", 11 + node.value)
      zone    = local.zones[node.value % 3]
    }
  }
}

load_balancer {
  mode     = "external"
  endpoint = "api.streaming.example.com:6443"
}

node_pool "kafka" {
  zones          = local.zones
  count_per_zone = 2
  cpu            = 16
  memory         = "64Gi"
  taint {
    key    = "example.com/dedicated"
    value  = "kafka"
    effect = "NoExecute"
  }
}

# Kafka for the event stream, in namespace events: brokers on the kafka
# pool, the KRaft controllers (small, no large disks) on the apps pool.
# Its volumes outlive their claims.
kafka "events" {
  namespace            = "events"
  node_pool            = "kafka"
  controller_node_pool = "apps"
  storage_class        = "gp3-retain"
  volume_size          = "500Gi"
}

# Stream processors: two nodes per zone. No Cluster Autoscaler: blueprint's
# kubeadm nodes have fixed names and no cloud provider, so a cloud node
# group's new instances could not join (see the README); grow the pool by
# raising count_per_zone and joining the new nodes.
node_pool "apps" {
  zones          = local.zones
  count_per_zone = 2
  cpu            = 8
  memory         = "32Gi"
}

# metrics-server, for HPAs and kubectl top.
autoscaling {}

# Cluster services: a namespace for the streaming team, storage on the
# cloud's block volumes, and Argo CD.
namespace "streaming" {}

# etcd snapshots every six hours on each master, copied to EFS.
etcd {
  backup {
    destination {
      claim = "etcd-backups"
    }
  }
}

storage_class "efs" {
  provisioner    = "efs.csi.aws.com"
  reclaim_policy = "Retain"
  parameters = {
    provisioningMode = "efs-ap"
    fileSystemId     = "fs-0123456789abcdef0"
    directoryPerms   = "700"
  }
}

persistent_volume_claim "etcd-backups" {
  namespace     = "etcd-backup"
  storage       = "20Gi"
  access_modes  = ["ReadWriteMany"]
  storage_class = "efs"
}

storage_class "gp3-retain" {
  provisioner            = "ebs.csi.aws.com"
  reclaim_policy         = "Retain"
  allow_volume_expansion = true
  zones                  = ["rack1", "rack2", "rack3"]
  parameters = {
    type      = "gp3"
    encrypted = "true"
  }
}

storage_class "gp3" {
  provisioner = "ebs.csi.aws.com"
  default     = true
  zones       = ["rack1", "rack2", "rack3"]
  parameters = {
    type      = "gp3"
    encrypted = "true"
  }
}

team "streaming" {
  groups     = ["streaming-devs"]
  namespaces = { streaming = "edit" }
}

team "streaming-leads" {
  groups     = ["streaming-leads"]
  namespaces = { streaming = "admin" }
}

gitops {
  tool     = "argocd"
  repo_url = "https://git.example.com/platform/clusters.git"
  path     = "clusters/streaming"
}
