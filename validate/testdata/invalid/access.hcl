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

role "too-much" {
  namespace = "team-a"
  rule {
    api_groups = ["*"]          # ERROR: Wildcard API group
    resources  = ["pods", "*"]  # ERROR: Wildcard resource
    verbs      = ["get", "*"]   # ERROR: Wildcard verb
  }
  rule {
    resources = ["roles"]
    verbs     = ["escalate", "bind"] # ERROR: Privilege-escalating verb
  }
  rule {
    resources = ["nodes/proxy"] # ERROR: Resource that bypasses authorization
    verbs     = ["get"]
  }
  rule {
    resources = ["serviceaccounts"]
    verbs     = ["impersonate", "lsit"] # ERROR: Privilege-escalating verb | ERROR: Invalid verb
  }
}

role "secret-reader" {
  namespace = "team-a"
  rule {
    resources = ["configmaps", "secrets"] # ERROR: Read-only role that reads secrets
    verbs     = ["get", "list"]
  }
}

role "elsewhere" {
  namespace = "team-b" # ERROR: Unknown namespace
  rule {
    resources = ["pods"]
    verbs     = ["get"]
  }
}

role_binding "root" {
  namespace = "team-a"
  role      = "cluster-admin" # ERROR: cluster-admin outside break-glass
  users     = ["mallory"]
}

role_binding "typo" {
  namespace = "team-a"
  role      = "secret-reeder" # ERROR: Unknown role
  groups    = ["system:masters"] # ERROR: System identity as a subject
}

role_binding "nobody" { # ERROR: Binding without subjects
  namespace = "team-a"
  role      = "view"
}

role_binding "sa" {
  namespace        = "team-a"
  role             = "edit"
  users            = ["system:serviceaccount:team-a:ci"] # ERROR: Service account written as a user
  service_accounts = ["team-a/Bad_Name"] # ERROR: Invalid service account
}

team "ops" {
  users      = ["dave"]
  namespaces = { team-a = "owner", nowhere = "view" } # ERROR: Invalid team role | ERROR: Unknown namespace
}

break_glass "oncall" {
  groups = ["sre"]
  reason = "  " # ERROR: Break-glass without a reason
}
