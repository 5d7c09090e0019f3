# JVMs that cannot fit: a Kafka heap above its container's memory, and
# Kafka controllers and HDFS on machines smaller than their containers.
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
node_pool "big" {
  zones          = ["az1", "az2", "az3"]
  count_per_zone = 1
  cpu            = 8
  memory         = "64Gi"
}
node_pool "small" {
  zones          = ["az1", "az2", "az3"]
  count_per_zone = 1
  cpu            = 2
  memory         = "1Gi"
}
storage_class "ssd" {
  provisioner    = "ebs.csi.aws.com"
  reclaim_policy = "Retain"
}
kafka "events" {
  node_pool            = "big"
  controller_node_pool = "small" # ERROR: Pod larger than a node
  storage_class        = "ssd"
  heap                 = "8g" # ERROR: Heap larger than its container
  memory               = "8Gi"
}
hdfs "lake" {
  node_pool     = "small" # ERROR: Pod larger than a node
  storage_class = "ssd"
}
