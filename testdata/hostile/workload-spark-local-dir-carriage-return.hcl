# EXPECT: error
# A carriage return in Spark's local_dir: Java's Properties loader, which
# reads spark-defaults.conf, ends a line there, so the rest would become a
# key of its own. Every string of the spec is refused with a control
# character, whatever the field.
cluster "hostile" {
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
node_pool "spark" {
  zones          = ["az1", "az2", "az3"]
  count_per_zone = 1
  cpu            = 8
  memory         = "32Gi"
}
spark "spark" {
  node_pool = "spark"
  local_dir = "/mnt/fast\rspark.driver.extraJavaOptions=-javaagent:/tmp/evil.jar"  # ERROR: Control character
}
