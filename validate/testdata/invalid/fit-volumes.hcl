# Static volumes: two on one disk, and claims no volume can bind.
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
node_pool "data" {
  cpu    = 8
  memory = "64Gi"
  node "w1" {
    zone = "az1"
  }
  node "w2" {
    zone = "az2"
  }
  node "w3" {
    zone = "az3"
  }
}
storage_class "local" {
  provisioner = "kubernetes.io/no-provisioner"
}
persistent_volume "w1-a" {
  storage_class = "local"
  capacity      = "100Gi"
  local {
    path = "/mnt/disks/a"
    node = "w1"
  }
}
persistent_volume "w1-b" {
  storage_class = "local"
  capacity      = "200Gi"
  local {
    path = "/mnt/disks/a" # ERROR: Two volumes on one disk
    node = "w1"
  }
}
persistent_volume "w2-a" {
  storage_class = "local"
  capacity      = "500Gi"
  local {
    path = "/mnt/disks/a"
    node = "w2"
  }
}
persistent_volume_claim "fits" {
  storage_class = "local"
  storage       = "500Gi"
}
persistent_volume_claim "too-big" {
  storage_class = "local"
  storage       = "600Gi" # ERROR: Claim larger than every volume
}
persistent_volume_claim "shared" {
  storage_class = "local"
  storage       = "10Gi" # ERROR: Claim larger than every volume
  access_modes  = ["ReadWriteMany"]
}
kafka "events" {
  node_pool     = "data"
  storage_class = "local"
  volume_size   = "1Ti" # ERROR: Claim larger than every volume
}
