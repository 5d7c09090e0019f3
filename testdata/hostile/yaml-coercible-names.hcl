# EXPECT: renders
# Names YAML 1.1 would read as booleans, null, numbers or infinity if they were
# not quoted: cluster "null", zones "yes", "no" and "on", masters "true",
# "false" and "null", pool "off", node names "1e3", "0x1f", "012", "nan" and an
# IP-shaped "10.0.0.99". All are valid Kubernetes names.
cluster "null" {
  kubernetes_version = "1.37.2"
}
network {
  node_subnets = ["10.0.0.0/16"]
}
zone "yes" {}
zone "no" {}
zone "on" {}
control_plane {
  node "true" {
    address = "10.0.0.11"
    zone    = "yes"
  }
  node "false" {
    address = "10.0.0.12"
    zone    = "no"
  }
  node "null" {
    address = "10.0.0.13"
    zone    = "on"
  }
}
load_balancer {
  mode = "colocated"
  vip  = "10.0.0.10"
}
node_pool "off" {
  zones          = ["yes", "no", "on"]
  cpu            = 4
  memory         = "16Gi"
  node "1e3" {
    zone = "yes"
  }
  node "0x1f" {
    zone = "no"
  }
  node "012" {
    zone = "on"
  }
  node "nan" {
    zone = "yes"
  }
  node "10.0.0.99" {
    zone = "no"
  }
  node "y" {
    zone = "on"
  }
  node "n" {
    zone = "yes"
  }
}
