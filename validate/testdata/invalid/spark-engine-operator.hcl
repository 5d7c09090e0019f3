# spark engine misused: a typo in the value; and, with engine = "operator",
# jobs in the operator's own namespace and a Spark image of another major
# version than the operator's spark-submit.
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
node_pool "spark" {
  zones          = ["az1", "az2", "az3"]
  count_per_zone = 1
  cpu            = 8
  memory         = "32Gi"
}

images {
  overrides = { spark = "docker.io/apache/spark:3.5.7" } # ERROR: Spark version the operator does not submit
}

spark "jobs" {
  node_pool = "spark"
  namespace = "spark-operator" # ERROR: Namespace of the Spark operator
  engine    = "operator"
}
