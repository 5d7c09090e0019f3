# EXPECT: error
# Control characters that passed before: a unit separator, a vertical tab,
# NEL, the paragraph separator and a C1 control written raw, in a storage
# parameter key, an NFS path, a namespace's reason, a subject and a team
# member. Each is refused at its own attribute.
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
node_pool "tainted" {
  zones          = ["az1", "az2", "az3"]
  count_per_zone = 1
  cpu            = 4
  memory         = "16Gi"
}
storage_class "fast" {
  provisioner = "ebs.csi.aws.com"
  default     = true
  parameters  = { "type\u001f" = "gp3" }  # ERROR: Control character
}
persistent_volume "nfs" {
  storage_class = "fast"
  capacity      = "10Gi"
  nfs {
    server = "nfs.example.com"
    path   = "/exports/a\u000bb"  # ERROR: Control character
  }
}
namespace "apps" {
  reason = "next line\u0085here"  # ERROR: Control character
}
role_binding "b" {
  namespace = "apps"
  role      = "view"
  users     = ["alice\u2029bob"]  # ERROR: Control character
}
team "data" {
  namespaces = { apps = "view" }
  users      = ["carol"]  # ERROR: Control character
}
