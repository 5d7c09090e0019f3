# Five stacked masters over three zones (2+2+1: any zone can fail and etcd
# keeps 3 of 5), behind an existing hardware or cloud load balancer.

locals {
  zones = ["rack1", "rack2", "rack3"]
}

cluster "streaming" {
  kubernetes_version = "1.37.2"
  image_repository   = "mirror.example.com:5000/k8s"
}

network {
  node_subnets = ["10.40.0.0/22"]
}

zone "rack1" {}
zone "rack2" {}
zone "rack3" {}

control_plane {
  dynamic "node" {
    for_each = range(5)
    labels   = [format("cp%d.streaming.example.com", node.value + 1)]
    content {
      address = cidrhost("10.40.0.0/24", 11 + node.value)
      zone    = local.zones[node.value % 3]
    }
  }
}

load_balancer {
  mode     = "external"
  endpoint = "api.streaming.example.com:6443"
}

node_pool "kafka" {
  zones          = local.zones
  count_per_zone = 2
  cpu            = 16
  memory         = "64Gi"
  taint {
    key    = "example.com/dedicated"
    value  = "kafka"
    effect = "NoExecute"
  }
}
