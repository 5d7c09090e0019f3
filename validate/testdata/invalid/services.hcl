cluster "c1" {
  kubernetes_version = "1.37.2"
}
network {
  node_subnets = ["10.0.0.0/16"]
}
zone "az1" {}
zone "az2" {}
zone "az3" {}
control_plane {
  node "m1" {
    address = "10.0.0.11"
    zone    = "az1"
  }
  node "m2" {
    address = "10.0.0.12"
    zone    = "az2"
  }
  node "m3" {
    address = "10.0.0.13"
    zone    = "az3"
  }
}
load_balancer {
  mode = "colocated"
  vip  = "10.0.0.10"
}
node_pool "general" {
  zones          = ["az1", "az2", "az3"]
  count_per_zone = 1
  cpu            = 4
  memory         = "16Gi"
  autoscale { # ERROR: Pool autoscaling not supported
    min = 3
    max = 6
  }
}
namespace "kube-system" {} # ERROR: Built-in namespace
namespace "agents" {
  pod_security = "privileged" # ERROR: Relaxed pod security without a reason
  labels = { "pod-security.kubernetes.io/enforce" = "privileged" } # ERROR: Reserved label
}
namespace "Bad_NS" {} # ERROR: Invalid namespace name

images {
  registry = "https://mirror.example.com" # ERROR: Invalid registry
  overrides = { promethues = "quay.io/prometheus/prometheus:v3.16.0", grafana = "grafana/grafana:latest" } # ERROR: Unknown image | ERROR: Image not pinned
}

storage_class "fast" {
  provisioner         = "ebs.csi.aws.com"
  reclaim_policy      = "Recycle" # ERROR: Invalid reclaim policy
  volume_binding_mode = "Immediate" # WARNING: Volumes bound before scheduling
  zones               = ["az4"] # ERROR: Unknown zone
  default             = true
}
storage_class "slow" {
  provisioner = "ebs.csi.aws.com"
  default     = true # ERROR: Two default storage classes
}

persistent_volume "pv1" { # ERROR: Volume source
  storage_class = "fast"
  capacity      = "100Gi"
}
persistent_volume "pv2" {
  storage_class = "fsat" # ERROR: Unknown storage class
  capacity      = "lots" # ERROR: Invalid capacity
  access_modes  = ["ReadWriteAll"] # ERROR: Invalid access mode
  local {
    path = "mnt/disk" # ERROR: Invalid path
    node = "m9" # ERROR: Unknown node
  }
}

persistent_volume_claim "my-pvc" {
  storage = "10Gi"
}
persistent_volume_claim "other" {
  namespace = "nowhere" # ERROR: Unknown namespace
  storage   = "-1Gi" # ERROR: Invalid storage size
}

monitoring {
  storage_class         = "fast"
  retention             = "15 days" # ERROR: Invalid retention
  prometheus_replicas   = 1 # ERROR: Prometheus not highly available
  alertmanager_replicas = 2 # ERROR: Alertmanager not highly available
  node_pool             = "genral" # ERROR: Unknown node pool
  receiver "hook" {
    webhook_url = "https://user:pw@hooks.example.com/x" # ERROR: Credentials in a webhook URL
  }
  receiver "both" { # ERROR: Receiver target
    webhook_url = "https://hooks.example.com/x"
    email_to    = "ops@example.com"
  }
}

logging {
  backend       = "elastic" # ERROR: Invalid logging backend
  replicas      = 2 # ERROR: Search cluster too small
  storage_class = "fast"
  heap          = "2GB" # ERROR: Invalid heap size
  retention_days = 0 # ERROR: Invalid retention
}

autoscaling {
  cluster_autoscaler { # ERROR: Cluster Autoscaler not supported
    provider = "aws"
  }
}

expose {
  ingress_class        = "nginx"
  controller_namespace = "Ingress_NGINX" # ERROR: Invalid namespace
  tls_secret    = "wildcard-tls"
  grafana       = "grafana" # ERROR: Invalid host name
}

gitops {
  tool     = "argo" # ERROR: Invalid GitOps tool
  repo_url = "https://token:x@git.example.com/c.git" # ERROR: Credentials in a repository URL
  path     = "../clusters" # ERROR: Invalid repository path
}
