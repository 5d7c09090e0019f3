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
# Who a grant may name: never the world, the cluster's own identities or
# kube-system's service accounts; no write access in the system namespaces;
# no wildcard or made-up resources. Each case fails on the code before
# these rules.
namespace "team-a" {}

role_binding "world" {
  namespace = "team-a"
  role      = "view"
  users     = ["system:anonymous"] # ERROR: System identity as a subject
  groups    = ["system:unauthenticated"] # ERROR: System identity as a subject
}

role_binding "everyone" {
  namespace = "team-a"
  role      = "view"
  groups    = ["system:authenticated"] # ERROR: System identity as a subject
}

role_binding "all-service-accounts" {
  namespace = "team-a"
  role      = "view"
  groups    = ["system:serviceaccounts"] # ERROR: System identity as a subject
}

role_binding "kube-system-accounts" {
  namespace = "team-a"
  role      = "view"
  groups    = ["system:serviceaccounts:kube-system"] # ERROR: System identity as a subject
}

role_binding "nodes" {
  namespace = "team-a"
  role      = "view"
  groups    = ["system:nodes"] # ERROR: System identity as a subject
  users     = ["system:node:m1"] # ERROR: System identity as a subject
}

role_binding "bootstrap" {
  namespace = "team-a"
  role      = "view"
  groups    = ["system:bootstrappers:kubeadm:default-node-token"] # ERROR: System identity as a subject
}

role_binding "components" {
  namespace = "team-a"
  role      = "view"
  users     = ["system:kube-controller-manager"] # ERROR: System identity as a subject
}

role_binding "look-alikes" {
  namespace = "team-a"
  role      = "view"
  groups    = ["System:Masters"] # ERROR: System identity as a subject
  users     = [" alice"] # ERROR: Invalid subject name
}

role_binding "kube-system-sa" {
  namespace        = "team-a"
  role             = "view"
  service_accounts = ["kube-system/default"] # ERROR: System identity as a subject
}

role_binding "edit-kube-system" {
  namespace = "kube-system"
  role      = "edit" # ERROR: Write access in a system namespace
  users     = ["alice"]
}

role_binding "view-kube-system" {
  namespace = "kube-system"
  role      = "view"
  users     = ["alice"]
}

role "writes-cluster-info" {
  namespace = "kube-public"
  rule {
    resources = ["configmaps"]
    verbs     = ["get", "update"] # ERROR: Write access in a system namespace
  }
}

role "subresource-wildcards" {
  namespace = "team-a"
  rule {
    resources = ["*/exec"] # ERROR: Wildcard resource
    verbs     = ["create"]
  }
  rule {
    resources = ["*/status"] # ERROR: Wildcard resource
    verbs     = ["update"]
  }
  rule {
    resources = ["pods/*"] # ERROR: Wildcard resource
    verbs     = ["get"]
  }
  rule {
    api_groups = ["*.k8s.io"] # ERROR: Wildcard API group
    resources  = ["pods"]
    verbs      = ["get"]
  }
}

role "hidden-secrets" {
  namespace = "team-a"
  rule {
    resources = ["configmaps <!--", "secrets", "-->"] # ERROR: Invalid resource name | ERROR: Read-only role that reads secrets
    verbs     = ["get", "list"]
  }
  rule {
    api_groups = ["Apps"] # ERROR: Invalid API group
    resources  = ["Secrets"] # ERROR: Invalid resource name
    verbs      = ["get"]
  }
}

team "platform" {
  users      = ["dave"]
  namespaces = { kube-system = "admin", team-a = "edit" } # ERROR: Write access in a system namespace
}

break_glass "oncall" {
  groups = ["system:masters"] # ERROR: System identity as a subject
  reason = "P1 incidents only"
}
