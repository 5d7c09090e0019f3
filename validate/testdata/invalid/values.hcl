# Values a spec cannot mean. A count that is not a whole number is reported
# once, where it is written: not also as an empty pool (it is not empty as
# written). Sizes are bounded by what Kubernetes and real machines take: a
# quantity parses far past the int64 of bytes the kubelet keeps.
cluster "prod" {
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
  count_per_zone = 2
  cpu            = 8
  memory         = "99999Ti" # ERROR: Invalid memory
}
storage_class "fast" {
  provisioner = "ebs.csi.aws.com"
}
monitoring {
  node_pool     = "general"
  storage_class = "fast"
  volume_size   = "99999999999999999999Ei" # ERROR: Invalid volume size
}
persistent_volume_claim "scratch" {
  namespace     = "default"
  storage_class = "fast"
  storage       = "1500m" # ERROR: Invalid storage size
}
node_pool "counted" {
  zones          = ["az1", "az2", "az3"]
  count_per_zone = "one" # ERROR: Unsuitable value type
  cpu            = 4
  memory         = "16Gi"
}
node_pool "half" {
  zones          = ["az1", "az2", "az3"]
  count_per_zone = 2.5 # ERROR: Unsuitable value type
  cpu            = 4
  memory         = "16Gi"
}
