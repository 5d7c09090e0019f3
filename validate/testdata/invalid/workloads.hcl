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
}
namespace "team-a" {}
node_pool "two-zones" {
  zones          = ["az1", "az2"]
  count_per_zone = 2
  cpu            = 8
  memory         = "32Gi"
}
storage_class "ssd" {
  provisioner = "kubernetes.io/no-provisioner"
}
storage_class "nvme" {
  provisioner = "topolvm.io"
}

kafka "events" {
  node_pool           = "general"
  brokers             = 4 # ERROR: Workload does not fit its pool
  controllers         = 4 # ERROR: Invalid controller count | ERROR: Workload does not fit its pool | WARNING: Losing one zone loses the KRaft quorum
  replication_factor  = 5 # ERROR: Replication factor above the broker count
  min_insync_replicas = 5 # ERROR: min.insync.replicas not below the replication factor
  storage_class       = "nvme" # WARNING: Data volumes deleted with their claims
  heap                = "4 GB" # ERROR: Invalid heap size
}
kafka "more" { # ERROR: More than one kafka block
  node_pool     = "general"
  storage_class = "ssd"
}

hdfs "lake" {
  node_pool     = "two-zones"
  datanodes     = 2
  replication   = 3 # ERROR: Replication above the DataNode count
  block_size    = "128MB" # ERROR: Invalid block size
  storage_class = "sdd" # ERROR: Unknown storage class
}

spark "jobs" {
  node_pool       = "genral" # ERROR: Unknown node pool
  min_executors   = 5
  max_executors   = 2 # ERROR: Invalid executor range
  executor_memory = "4GB" # ERROR: Invalid executor memory
}
