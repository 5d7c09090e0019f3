# A data platform over three zones: Kafka, HDFS and Spark on pools of their
# own, with monitoring and logging beside them.
#
#   blueprint validate blueprints/data-platform.hcl
#   blueprint render   blueprints/data-platform.hcl -o out/data-platform
#
# Losing any one zone keeps etcd, the API, Kafka writes (2 of 3 replicas
# >= min.insync.replicas 2) and HDFS (a NameNode and two JournalNodes
# left, every block with a copy in another zone). ARCHITECTURE.md has the
# table.

locals {
  zones  = ["az1", "az2", "az3"]
  subnet = "10.40.0.0/16"
}

cluster "dataplane" {
  kubernetes_version = "1.37.2"
}

network {
  node_subnets = [local.subnet]
  cni          = "cilium"
  pod_cidrs    = ["10.128.0.0/14"]
}

zone "az1" {}
zone "az2" {}
zone "az3" {}

control_plane {
  dynamic "node" {
    for_each = local.zones
    labels   = ["master-${node.value}"]
    content {
      address = cidrhost(local.subnet, 11 + node.key)
      zone    = node.value
    }
  }
}

load_balancer {
  mode = "colocated"
  vip  = cidrhost(local.subnet, 10)
}

# Monitoring, logging and other shared services: two nodes per zone, so
# that the three Alertmanagers (one per node) find a node again when a zone
# is lost.
node_pool "services" {
  zones          = local.zones
  count_per_zone = 2
  cpu            = 16
  memory         = "64Gi"
}

# Kafka brokers and controllers, on NVMe, tainted so nothing else lands there.
node_pool "kafka" {
  zones          = local.zones
  count_per_zone = 1
  cpu            = 16
  memory         = "64Gi"
  taint {
    key    = "dataplane.example.com/dedicated"
    value  = "kafka"
    effect = "NoSchedule"
  }
}

# HDFS: two machines per zone, with large local disks.
node_pool "hdfs" {
  zones          = local.zones
  count_per_zone = 2
  cpu            = 16
  memory         = "128Gi"
  taint {
    key    = "dataplane.example.com/dedicated"
    value  = "hdfs"
    effect = "NoSchedule"
  }
}

# Spark drivers and executors.
node_pool "spark" {
  zones          = local.zones
  count_per_zone = 2
  cpu            = 32
  memory         = "256Gi"
  taint {
    key    = "dataplane.example.com/dedicated"
    value  = "spark"
    effect = "NoSchedule"
  }
}

# etcd snapshots every six hours on each master, copied to the NFS filer.
etcd {
  backup {
    destination {
      nfs {
        server = "filer.dataplane.example.com"
        path   = "/exports/etcd-backups"
      }
    }
  }
}

# Local NVMe through TopoLVM: a volume is carved on the node the pod is
# scheduled to, so data stays in the pod's zone. Kafka's and HDFS's volumes
# outlive their claims (Retain): a claim deleted by mistake, or a namespace
# deleted, leaves the data to be bound again.
storage_class "local-nvme" {
  provisioner    = "topolvm.io"
  reclaim_policy = "Retain"
  parameters = {
    "topolvm.io/device-class"   = "nvme"
    "csi.storage.k8s.io/fstype" = "xfs"
  }
  allow_volume_expansion = true
}

# Replicated block storage for the shared services.
storage_class "ceph-block" {
  provisioner            = "rook-ceph.rbd.csi.ceph.com"
  default                = true
  allow_volume_expansion = true
  parameters = {
    clusterID = "rook-ceph"
    pool      = "replicapool"
  }
}

kafka "kafka" {
  # The Strimzi operator runs the cluster (rolling restarts that know
  # Kafka, status in the Kafka resource): it makes the pods from the
  # Kafka and KafkaNodePool resources, with the same counts, placement,
  # volumes and replication settings as the default "statefulset" engine
  # (plain StatefulSets: no CRDs or controllers, checkable offline).
  engine              = "operator"
  node_pool           = "kafka"
  brokers             = 3
  controllers         = 3
  replication_factor  = 3
  min_insync_replicas = 2
  default_partitions  = 12
  storage_class       = "local-nvme"
  volume_size         = "1Ti"
  heap                = "6g"
  cpu                 = "4"
  memory              = "24Gi"
}

# The BI servers outside the cluster read HDFS directly: the NameNodes'
# RPC and HTTP ports are also published on a NodePort.
hdfs "hdfs" {
  namespace            = "hdfs"
  node_pool            = "hdfs"
  expose_node_port     = true
  namenode_ha          = true
  datanodes            = 6
  replication          = 3
  block_size           = "256m"
  storage_class        = "local-nvme"
  datanode_volume_size = "4Ti"
  namenode_volume_size = "100Gi"
}

# Shuffle and spill on the Spark nodes' local NVMe, not the root disk:
# a hostPath, so namespace spark runs at the privileged Pod Security level
# (render says so on the namespace); only Spark's own pods run there.
spark "spark" {
  # spark-submit with pod templates; "operator" would render the
  # Kubernetes Spark operator and SparkApplication templates instead.
  engine          = "statefulset"
  namespace       = "spark"
  node_pool       = "spark"
  local_dir       = "/mnt/nvme/spark"
  min_executors   = 0
  max_executors   = 40
  executor_cpu    = 4
  executor_memory = "16g"
  driver_cpu      = 2
  driver_memory   = "8g"
}

# Prometheus and Alertmanager as blueprint's own StatefulSets, whose
# configuration files promtool and amtool check in the tree ("operator"
# would render prometheus-operator and its resources instead).
monitoring {
  engine        = "statefulset"
  storage_class = "ceph-block"
  retention     = "30d"
  volume_size   = "200Gi"
  node_pool     = "services"
  receiver "data-oncall" {
    email_to   = "data-oncall@example.com"
    email_from = "alertmanager@example.com"
    smarthost  = "smtp.example.com:587"
  }
}

logging {
  engine        = "statefulset"
  backend       = "opensearch"
  storage_class = "ceph-block"
  volume_size   = "500Gi"
  heap          = "8g"
  node_pool     = "services"
}

# metrics-server, and VPA recommendations for every service above: read
# them with kubectl describe vpa -A; nothing resizes a pod by itself.
autoscaling {
  vertical_pod_autoscaler {
    mode = "Off"
  }
}

# Grafana and OpenSearch Dashboards from outside, through one Gateway of the
# cluster's Gateway API implementation: Envoy Gateway, with a GatewayClass
# named envoy. (Cilium's own Gateway proxies from the nodes with an identity
# Kubernetes NetworkPolicies cannot admit; see the README's expose section.)
expose {
  gateway_class = "envoy"
  tls_secret    = "dashboards-tls" # in namespace gateway, beside the Gateway
  grafana       = "grafana.dataplane.example.com"
  kibana        = "logs.dataplane.example.com"
}

team "data-engineering" {
  groups     = ["data-engineering"]
  namespaces = { kafka = "edit", hdfs = "view", spark = "edit" }
}

team "data-platform-admins" {
  groups     = ["data-platform-admins"]
  namespaces = { kafka = "admin", hdfs = "admin", spark = "admin" }
}

break_glass "sre" {
  groups = ["sre-oncall"]
  reason = "Recovering the platform when Flux or the API's RBAC is broken; every use is reviewed."
}

# The images policy in audit mode, for a first rollout: a pod it would
# refuse is admitted with a warning and recorded in the audit log.
images {
  admission     = "audit"
  extra_allowed = ["quay.io/cilium/"]
}

gitops {
  tool     = "flux"
  repo_url = "ssh://git@git.example.com/platform/clusters.git"
  path     = "clusters/dataplane"
}
