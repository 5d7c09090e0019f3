# logging engine = "operator" with an image override ECK cannot read a version from.
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
namespace "team-a" {}
node_pool "two-zones" {
  zones          = ["az1", "az2"]
  count_per_zone = 2
  cpu            = 8
  memory         = "32Gi"
}
storage_class "ssd" {
  provisioner = "kubernetes.io/no-provisioner"
}
storage_class "nvme" {
  provisioner = "topolvm.io"
}


images {
  overrides = { elasticsearch = "registry.example.com/elasticsearch@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef" } # ERROR: Image override without a version
}

logging {
  storage_class = "ssd"
  node_pool     = "general"
  engine        = "operator"
}
