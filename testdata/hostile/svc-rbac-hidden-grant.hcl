# EXPECT: error
# A role whose resources, rendered into ARCHITECTURE.md, would open an HTML
# comment before "secrets" and close it after: the review page would not show
# the secrets grant that roles.yaml makes. Such names are no resources and
# are refused; subresource wildcards count as wildcards.
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
namespace "apps" {}
role "reader" {
  namespace = "apps"
  rule {
    resources = ["configmaps <!--", "secrets", "-->"]  # ERROR: Invalid resource name
    verbs     = ["get", "list", "watch", "create"]
  }
  rule {
    resources = ["*/exec", "pods/*"]  # ERROR: Wildcard resource
    verbs     = ["create"]
  }
}
role_binding "reader" {
  namespace = "apps"
  role      = "reader"
  users     = ["bob"]
}
