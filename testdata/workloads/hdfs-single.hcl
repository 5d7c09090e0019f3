# HDFS with one NameNode, exposed on NodePorts, and Spark keeping shuffle
# files on the nodes' disks (local_dir), on a pool of two zones without
# monitoring. hdfs_spark_test.go renders it.

locals {
  node_subnet = "10.30.0.0/16"
}

cluster "small" {
  kubernetes_version = "1.35.1"
}

network {
  node_subnets = [local.node_subnet]
}

zone "a" {}
zone "b" {}
zone "c" {}

control_plane {
  node "cp1" {
    address = cidrhost(local.node_subnet, 11)
    zone    = "a"
  }
  node "cp2" {
    address = cidrhost(local.node_subnet, 12)
    zone    = "b"
  }
  node "cp3" {
    address = cidrhost(local.node_subnet, 13)
    zone    = "c"
  }
}

etcd {
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
  mode = "colocated"
  vip  = cidrhost(local.node_subnet, 10)
}

node_pool "data" {
  zones          = ["a", "b"]
  count_per_zone = 2
  cpu            = 16
  memory         = "64Gi"
  taint {
    key    = "example.com/dedicated"
    value  = "data"
    effect = "NoSchedule"
  }
}

storage_class "local-ssd" {
  provisioner = "kubernetes.io/no-provisioner"
}

hdfs "hdfs" {
  node_pool        = "data"
  datanodes        = 3
  replication      = 2
  storage_class    = "local-ssd"
  expose_node_port = true
}

spark "jobs" {
  node_pool = "data"
  local_dir = "/mnt/spark"
}
