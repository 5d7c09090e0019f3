# EXPECT: error
# Memory sizes: a word, a negative, zero, 512Mi and 1G (SI, not binary).
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
node_pool "p0" {
  cpu            = 4
  memory         = "lots"  # ERROR: Invalid memory size
  node "w0" {
    zone = "az1"
  }
}
node_pool "p1" {
  cpu            = 4
  memory         = "-1Gi"  # ERROR: Invalid memory size
  node "w1" {
    zone = "az1"
  }
}
node_pool "p2" {
  cpu            = 4
  memory         = "0"  # ERROR: Invalid memory size
  node "w2" {
    zone = "az1"
  }
}
node_pool "p3" {
  cpu            = 4
  memory         = "512Mi"  # ERROR: Too little memory
  node "w3" {
    zone = "az1"
  }
}
node_pool "p4" {
  cpu            = 4
  memory         = "1G"  # ERROR: Too little memory
  node "w4" {
    zone = "az1"
  }
}
