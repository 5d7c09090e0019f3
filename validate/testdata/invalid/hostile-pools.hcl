cluster "pools" {
  kubernetes_version = "1.37.2"
}
network {
  node_subnets = ["10.0.0.0/16"]
  pod_cidrs    = ["10.128.0.0/9"]
}
zone "az1" {}
zone "az2" {}
zone "az3" {}
zone "zzzzzzzzzzzzzzzzzzzzzzzzzzzzzz" {}
control_plane {
  node "m1" {
    address = "10.0.0.11"
    zone    = "az1"
  }
  node "m2" {
    address = "10.0.0.12"
    zone    = "az2"
  }
  node "mmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmm" { # ERROR: Invalid node name
    address = "10.0.0.13"
    zone    = "az3"
  }
}
load_balancer {
  mode = "colocated"
  vip  = "10.0.0.10"
}
node_pool "twice" {
  zones          = ["az1", "az2", "az1"] # ERROR: Duplicate zone in pool
  count_per_zone = 2
  cpu            = 4
  memory         = "512" # ERROR: Too little memory
  labels = { # ERROR: Label the kubelet sets
    "kubernetes.io/hostname" = "worker"
  }
  taint {
    key    = "example.com/x"
    effect = "NoSchedule"
  }
  taint { # ERROR: Duplicate taint
    key    = "example.com/x"
    value  = "y"
    effect = "NoSchedule"
  }
}
node_pool "pppppppppppppppppppppppppppppppppppppppp" {
  zones          = ["zzzzzzzzzzzzzzzzzzzzzzzzzzzzzz", "nowhere"] # ERROR: Undeclared zone
  count_per_zone = 1000 # ERROR: Invalid node name
  cpu            = 4
  memory         = "16Gi"
}
