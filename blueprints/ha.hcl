# A highly available cluster for a data platform, spread over three zones.
#
#   blueprint validate blueprints/ha.hcl
#   blueprint render   blueprints/ha.hcl -o out/ha
#
# Every block and attribute is described in the README.

variable "workers_per_zone" {
  type        = number
  default     = 2
  description = "General-purpose workers in each zone."
}

locals {
  zones       = ["az1", "az2", "az3"]
  node_subnet = "10.20.0.0/16"
}

cluster "dataplat" {
  kubernetes_version = "1.37.2"
  dns_domain         = "cluster.local"
  image_repository   = "registry.k8s.io"
  cri_socket         = "unix:///var/run/containerd/containerd.sock"
}

network {
  node_subnets  = [local.node_subnet]
  cni           = "calico"
  pod_cidrs     = ["192.168.0.0/16"]
  service_cidrs = ["10.96.0.0/12"]
}

zone "az1" {}
zone "az2" {}
zone "az3" {}

# Three masters, one per zone: losing any one zone keeps etcd quorum (2 of 3).
control_plane {
  node "kmaster1" {
    address = cidrhost(local.node_subnet, 11)
    zone    = "az1"
  }
  node "kmaster2" {
    address = cidrhost(local.node_subnet, 12)
    zone    = "az2"
  }
  node "kmaster3" {
    address = cidrhost(local.node_subnet, 13)
    zone    = "az3"
  }
}

# etcd is snapshotted on every master every six hours (the default); each
# master keeps its newest eight snapshots and copies each one to the
# backup NFS export, off the masters.
etcd {
  topology = "stacked"
  backup {
    schedule = "17 */6 * * *"
    retain   = 8
    destination {
      nfs {
        server = "nfs.dataplat.example.com"
        path   = "/exports/etcd-backups/dataplat"
      }
    }
  }
}

# HAProxy and keepalived run as static pods on the masters; the VIP moves to
# a healthy master when a health check fails.
load_balancer {
  mode              = "colocated"
  vip               = cidrhost(local.node_subnet, 10)
  port              = 8443
  interface         = "eth0"
  virtual_router_id = 51
}

# General workers: one node block per worker, generated.
node_pool "general" {
  zones  = local.zones
  cpu    = 8
  memory = "32Gi"
  labels = {
    "example.com/pool" = "general"
  }

  dynamic "node" {
    for_each = range(var.workers_per_zone * length(local.zones))
    labels   = [format("worker%02d", node.value + 1)]
    content {
      address = cidrhost(local.node_subnet, 101 + node.value)
      zone    = local.zones[node.value % length(local.zones)]
    }
  }
}

# Kafka brokers on their own tainted nodes, counted per zone.
node_pool "kafka" {
  zones          = local.zones
  count_per_zone = 1
  cpu            = 16
  memory         = "64Gi"
  labels = {
    "example.com/pool" = "kafka"
  }
  taint {
    key    = "example.com/dedicated"
    value  = "kafka"
    effect = "NoSchedule"
  }
}

# ---------------------------------------------------------------------------
# Cluster services: rendered as a kustomize tree under manifests/.

# Namespaces for the data platform's teams. Pod Security "restricted" is the
# default; a namespace that needs less says why.
namespace "kafka" {}
namespace "spark" {}
namespace "analytics" {
  labels = {
    "example.com/cost-center" = "data"
  }
}

# Local SSDs on the Kafka nodes, and a CSI class for everything else.
storage_class "local-ssd" {
  provisioner = "kubernetes.io/no-provisioner"
  zones       = local.zones
}

storage_class "standard" {
  provisioner            = "csi.vsphere.vmware.com"
  default                = true
  allow_volume_expansion = true
  parameters = {
    "csi.storage.k8s.io/fstype" = "ext4"
  }
}

persistent_volume_claim "my-pvc" {
  storage      = "10Gi"
  access_modes = ["ReadWriteOnce"]
}

# The classic: alice may read pods in default, and nothing else.
role "pod-reader" {
  namespace = "default"
  rule {
    api_groups = [""]
    resources  = ["pods"]
    verbs      = ["get", "watch", "list"]
  }
}

role_binding "read-pods" {
  namespace = "default"
  role      = "pod-reader"
  users     = ["oidc:alice"]
}

team "data-eng" {
  groups     = ["data-eng"]
  namespaces = { kafka = "edit", spark = "edit", analytics = "view" }
}

team "analysts" {
  users      = ["oidc:bob"]
  namespaces = { analytics = "edit" }
}

# Prometheus (two replicas), Alertmanager (three), Grafana and the exporters.
# The admin password lives in a Secret you create; the spec only names it.
monitoring {
  storage_class = "standard"
  retention     = "15d"
  volume_size   = "100Gi"
  node_pool     = "general"
  receiver "platform-oncall" {
    webhook_url = "http://alert-router.ops.svc:8080/hooks/platform"
  }
  grafana {
    admin_secret = "grafana-admin"
  }
}

# Elasticsearch (three nodes, one per zone), Fluent Bit on every node, Kibana.
logging {
  backend       = "elasticsearch"
  storage_class = "standard"
  volume_size   = "200Gi"
  heap          = "4g"
  node_pool     = "general"
}

# Dashboards behind the ingress controller, with a wildcard certificate.
expose {
  ingress_class        = "nginx"
  controller_namespace = "ingress-nginx" # where the ingress controller's pods run
  tls_secret           = "wildcard-tls"
  grafana              = "grafana.dataplat.example.com"
  alertmanager         = "alerts.dataplat.example.com"
  prometheus           = "prometheus.dataplat.example.com"
  kibana               = "logs.dataplat.example.com"
}

# Only approved images run: pods of the namespaces above and of the
# services pull from the registries of blueprint's own images (or
# allowed_registries), name a version, and kube-system runs only the
# control-plane and add-on images blueprint knows, plus Calico's, which is
# installed apart from this tree. See "Image supply chain" in
# ARCHITECTURE.md.
images {
  admission          = "enforce"
  allowed_registries = ["harbor.dataplat.example.com/analytics"]
  extra_allowed      = ["quay.io/calico/"]
}

# Every running image is scanned for known vulnerabilities in the cluster
# (the Trivy Operator): a report per container, an alert on any critical
# one. The scan jobs fetch Trivy's databases from the company's mirror.
image_scanning {
  engine             = "trivy-operator"
  db_repository      = "harbor.dataplat.example.com/aquasec/trivy-db"
  java_db_repository = "harbor.dataplat.example.com/aquasec/trivy-java-db"
}

gitops {
  tool     = "argocd"
  repo_url = "https://git.example.com/platform/clusters.git"
  path     = "clusters/dataplat"
}

# metrics-server for HPAs and kubectl top. No Cluster Autoscaler: these are
# bare-metal machines, and there is no API to order more.
autoscaling {}

break_glass "platform-oncall" {
  groups = ["platform-oncall"]
  reason = "Incident response when the GitOps pipeline itself is broken; every use is reviewed."
}

# People sign in through the company's OpenID Connect provider. User names
# come from preferred_username, which the provider may let people change,
# so they carry the prefix "oidc:" (the role bindings above name
# "oidc:alice"): no one can sign in as a name the cluster gives a client
# certificate. Groups are the provider's, as it writes them (no prefix).
# Anonymous access is limited to health checks and kubeadm's discovery
# whether or not an issuer is configured.
authentication {
  oidc {
    issuer          = "https://sso.example.com/realms/platform"
    client_id       = "kubernetes"
    username_claim  = "preferred_username"
    username_prefix = "oidc:"
    groups_claim    = "groups"
    groups_prefix   = ""
  }
}
