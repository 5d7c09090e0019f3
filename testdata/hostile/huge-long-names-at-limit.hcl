# EXPECT: renders
# Names exactly at the limits: 63-character cluster, zone, pool and node names,
# and a 63-character label value.
cluster "ccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc" {
  kubernetes_version = "1.37.2"
}
network {
  node_subnets = ["10.0.0.0/16"]
}
zone "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" {}
zone "az2" {}
zone "az3" {}
control_plane {
  node "mmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmm" {
    address = "10.0.0.11"
    zone    = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
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
node_pool "ppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppp" {
  zones          = ["az2"]
  cpu            = 4
  memory         = "16Gi"
  node "w1" {
    zone = "az2"
  }
  labels = { "example.com/lllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllll" = "vvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvv" }
}
