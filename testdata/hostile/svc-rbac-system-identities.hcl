# EXPECT: error
# Teams and break-glass bindings that name the world or the cluster's own
# identities, some in another case or with a space around them, and a team
# given write access in kube-system.
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
team "everyone" {
  namespaces = { apps = "view" }
  groups     = ["system:authenticated"]  # ERROR: System identity as a subject
  users      = ["system:kube-proxy"]  # ERROR: System identity as a subject
}
team "look-alike" {
  namespaces = { apps = "edit" }
  groups     = ["SYSTEM:nodes"]  # ERROR: System identity as a subject
  users      = ["system:anonymous "]  # ERROR: Invalid subject name | ERROR: System identity as a subject
}
team "platform" {
  namespaces       = { kube-system = "edit" }  # ERROR: Write access in a system namespace
  users            = ["alice@example.com"]
  service_accounts = ["ci"]  # ERROR: System identity as a subject
}
break_glass "oncall" {
  reason = "P1 incidents"
  groups = ["system:bootstrappers"]  # ERROR: System identity as a subject
  users  = ["system:node:m1"]  # ERROR: System identity as a subject
}
