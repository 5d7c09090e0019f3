# EXPECT: error
# Local volume paths that are relative, climb with .., or hold a newline.
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
storage_class "fast" {
  provisioner = "ebs.csi.aws.com"
  default     = true
}
persistent_volume "pv0" {
  storage_class = "fast"
  capacity      = "10Gi"
  local {
    path = "disks/ssd0"  # ERROR: Invalid path
    node = "m1"
  }
}
persistent_volume "pv1" {
  storage_class = "fast"
  capacity      = "10Gi"
  local {
    path = "/mnt/../etc"  # ERROR: Invalid path
    node = "m1"
  }
}
persistent_volume "pv2" {
  storage_class = "fast"
  capacity      = "10Gi"
  local {
    path = "/mnt/ssd0\n"  # ERROR: Control character
    node = "m1"
  }
}
persistent_volume "pv3" {
  storage_class = "fast"
  capacity      = "10Gi"
  local {
    path = "/mnt/ssd0/"  # ERROR: Invalid path
    node = "m1"
  }
}

