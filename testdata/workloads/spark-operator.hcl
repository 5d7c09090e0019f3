# testdata/workloads/hdfs-spark.hcl with Spark on the Spark operator
# (engine = "operator"), on a tainted pool of its own with a local
# directory. pipeline/sparkoperator_test.go renders it (and the same text
# without the engine line, for the spark-submit engine) and compares it
# with testdata/workloads/spark-operator.golden/; e2e/sparkoperator_test.go
# checks the templates against the operator's CRDs on a real API server.

variable "workers_per_zone" {
  type    = number
  default = 2
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

etcd {
  topology = "stacked"
  backup {
    destination {
      nfs {
        server = "filer.example.com"
        path   = "/exports/etcd-backups"
      }
    }
  }
}

load_balancer {
  mode              = "colocated"
  vip               = cidrhost(local.node_subnet, 10)
  port              = 8443
  interface         = "eth0"
  virtual_router_id = 51
}

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

node_pool "spark" {
  zones          = local.zones
  count_per_zone = 1
  cpu            = 16
  memory         = "64Gi"
  labels = {
    "example.com/pool" = "spark"
  }
  taint {
    key    = "example.com/dedicated"
    value  = "spark"
    effect = "NoSchedule"
  }
}

storage_class "local-ssd" {
  provisioner = "kubernetes.io/no-provisioner"
}

storage_class "standard" {
  provisioner = "csi.vsphere.vmware.com"
  default     = true
}

monitoring {
  storage_class = "standard"
}

hdfs "datalake" {
  namespace            = "hdfs"
  node_pool            = "general"
  namenode_ha          = true
  datanodes            = 4
  replication          = 3
  block_size           = "256m"
  storage_class        = "local-ssd"
  datanode_volume_size = "1Ti"
  namenode_volume_size = "20Gi"
}

spark "spark" {
  node_pool       = "spark"
  min_executors   = 1
  max_executors   = 20
  executor_cpu    = 4
  executor_memory = "8g"
  driver_cpu      = 2
  driver_memory   = "4g"
  local_dir       = "/mnt/fast-disk/spark"
  engine          = "operator"
}
