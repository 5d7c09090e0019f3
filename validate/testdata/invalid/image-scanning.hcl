# Every attribute of image_scanning that can be wrong, in one run.
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
node_pool "general" {
  zones          = ["az1", "az2", "az3"]
  count_per_zone = 1
  cpu            = 4
  memory         = "16Gi"
}
storage_class "fast" {
  provisioner = "ebs.csi.aws.com"
}
monitoring {
  storage_class = "fast"
}
images {
  overrides = { trivy = "mirror.example.com/aquasec/trivy@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef" } # ERROR: Trivy image without a tag
}
image_scanning {
  engine             = "trivy"                                   # ERROR: Invalid scanning engine
  namespace          = "monitoring"                              # ERROR: Shared namespace
  node_pool          = "scanners"                                # ERROR: Unknown node pool
  db_repository      = "https://mirror.example.com/trivy-db"     # ERROR: Invalid database repository
  java_db_repository = "mirror.example.com/trivy-java-db:latest" # ERROR: Invalid database repository
  pull_secret        = "Registry_Creds"                          # ERROR: Invalid secret name
  concurrent_scans   = 0                                         # ERROR: Invalid concurrent_scans
  rescan_interval    = "10m"                                     # ERROR: Invalid rescan_interval
}
