# EXPECT: renders
# Twenty small pools with taints and labels, one node each.
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
node_pool "pool00" {
  zones          = ["az1"]
  count_per_zone = 1
  cpu            = 4
  memory         = "16Gi"
  labels = { "example.com/pool" = "pool00" }
  taint {
    key    = "example.com/pool00"
    effect = "NoSchedule"
  }
}
node_pool "pool01" {
  zones          = ["az2"]
  count_per_zone = 1
  cpu            = 4
  memory         = "16Gi"
  labels = { "example.com/pool" = "pool01" }
  taint {
    key    = "example.com/pool01"
    effect = "NoSchedule"
  }
}
node_pool "pool02" {
  zones          = ["az3"]
  count_per_zone = 1
  cpu            = 4
  memory         = "16Gi"
  labels = { "example.com/pool" = "pool02" }
  taint {
    key    = "example.com/pool02"
    effect = "NoSchedule"
  }
}
node_pool "pool03" {
  zones          = ["az1"]
  count_per_zone = 1
  cpu            = 4
  memory         = "16Gi"
  labels = { "example.com/pool" = "pool03" }
  taint {
    key    = "example.com/pool03"
    effect = "NoSchedule"
  }
}
node_pool "pool04" {
  zones          = ["az2"]
  count_per_zone = 1
  cpu            = 4
  memory         = "16Gi"
  labels = { "example.com/pool" = "pool04" }
  taint {
    key    = "example.com/pool04"
    effect = "NoSchedule"
  }
}
node_pool "pool05" {
  zones          = ["az3"]
  count_per_zone = 1
  cpu            = 4
  memory         = "16Gi"
  labels = { "example.com/pool" = "pool05" }
  taint {
    key    = "example.com/pool05"
    effect = "NoSchedule"
  }
}
node_pool "pool06" {
  zones          = ["az1"]
  count_per_zone = 1
  cpu            = 4
  memory         = "16Gi"
  labels = { "example.com/pool" = "pool06" }
  taint {
    key    = "example.com/pool06"
    effect = "NoSchedule"
  }
}
node_pool "pool07" {
  zones          = ["az2"]
  count_per_zone = 1
  cpu            = 4
  memory         = "16Gi"
  labels = { "example.com/pool" = "pool07" }
  taint {
    key    = "example.com/pool07"
    effect = "NoSchedule"
  }
}
node_pool "pool08" {
  zones          = ["az3"]
  count_per_zone = 1
  cpu            = 4
  memory         = "16Gi"
  labels = { "example.com/pool" = "pool08" }
  taint {
    key    = "example.com/pool08"
    effect = "NoSchedule"
  }
}
node_pool "pool09" {
  zones          = ["az1"]
  count_per_zone = 1
  cpu            = 4
  memory         = "16Gi"
  labels = { "example.com/pool" = "pool09" }
  taint {
    key    = "example.com/pool09"
    effect = "NoSchedule"
  }
}
node_pool "pool10" {
  zones          = ["az2"]
  count_per_zone = 1
  cpu            = 4
  memory         = "16Gi"
  labels = { "example.com/pool" = "pool10" }
  taint {
    key    = "example.com/pool10"
    effect = "NoSchedule"
  }
}
node_pool "pool11" {
  zones          = ["az3"]
  count_per_zone = 1
  cpu            = 4
  memory         = "16Gi"
  labels = { "example.com/pool" = "pool11" }
  taint {
    key    = "example.com/pool11"
    effect = "NoSchedule"
  }
}
node_pool "pool12" {
  zones          = ["az1"]
  count_per_zone = 1
  cpu            = 4
  memory         = "16Gi"
  labels = { "example.com/pool" = "pool12" }
  taint {
    key    = "example.com/pool12"
    effect = "NoSchedule"
  }
}
node_pool "pool13" {
  zones          = ["az2"]
  count_per_zone = 1
  cpu            = 4
  memory         = "16Gi"
  labels = { "example.com/pool" = "pool13" }
  taint {
    key    = "example.com/pool13"
    effect = "NoSchedule"
  }
}
node_pool "pool14" {
  zones          = ["az3"]
  count_per_zone = 1
  cpu            = 4
  memory         = "16Gi"
  labels = { "example.com/pool" = "pool14" }
  taint {
    key    = "example.com/pool14"
    effect = "NoSchedule"
  }
}
node_pool "pool15" {
  zones          = ["az1"]
  count_per_zone = 1
  cpu            = 4
  memory         = "16Gi"
  labels = { "example.com/pool" = "pool15" }
  taint {
    key    = "example.com/pool15"
    effect = "NoSchedule"
  }
}
node_pool "pool16" {
  zones          = ["az2"]
  count_per_zone = 1
  cpu            = 4
  memory         = "16Gi"
  labels = { "example.com/pool" = "pool16" }
  taint {
    key    = "example.com/pool16"
    effect = "NoSchedule"
  }
}
node_pool "pool17" {
  zones          = ["az3"]
  count_per_zone = 1
  cpu            = 4
  memory         = "16Gi"
  labels = { "example.com/pool" = "pool17" }
  taint {
    key    = "example.com/pool17"
    effect = "NoSchedule"
  }
}
node_pool "pool18" {
  zones          = ["az1"]
  count_per_zone = 1
  cpu            = 4
  memory         = "16Gi"
  labels = { "example.com/pool" = "pool18" }
  taint {
    key    = "example.com/pool18"
    effect = "NoSchedule"
  }
}
node_pool "pool19" {
  zones          = ["az2"]
  count_per_zone = 1
  cpu            = 4
  memory         = "16Gi"
  labels = { "example.com/pool" = "pool19" }
  taint {
    key    = "example.com/pool19"
    effect = "NoSchedule"
  }
}
