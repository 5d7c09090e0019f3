# HDFS with NameNode HA and Spark, both on the general pool of
# blueprints/ha.hcl, with monitoring so the scrape annotations render.
# hdfs_spark_test.go renders it.

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
  node_pool       = "general"
  min_executors   = 1
  max_executors   = 20
  executor_cpu    = 4
  executor_memory = "8g"
  driver_cpu      = 2
  driver_memory   = "4g"
}
