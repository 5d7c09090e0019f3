# TestAuthentication's spec: its OIDC issuer is a server the test starts on
# 127.0.0.1, so the API server can fetch the issuer's keys.

variable "issuer" { type = string }
variable "issuer_ca" { type = string }

cluster "authn" {
  kubernetes_version = "1.37.2"
}
network {
  node_subnets = ["10.30.0.0/16"]
}
zone "a" {}
zone "b" {}
zone "c" {}
control_plane {
  node "cp1" {
    address = "10.30.0.11"
    zone    = "a"
  }
  node "cp2" {
    address = "10.30.0.12"
    zone    = "b"
  }
  node "cp3" {
    address = "10.30.0.13"
    zone    = "c"
  }
}
load_balancer {
  mode = "colocated"
  vip  = "10.30.0.10"
}
node_pool "general" {
  zones          = ["a", "b", "c"]
  count_per_zone = 1
  cpu            = 4
  memory         = "16Gi"
}
namespace "apps" {}
team "developers" {
  groups     = ["developers"]
  users      = ["oidc:carol"]
  namespaces = { apps = "edit" }
}
authentication {
  oidc {
    issuer                = var.issuer
    client_id             = "kubernetes"
    username_claim        = "sub"
    username_prefix       = "oidc:"
    groups_claim          = "groups"
    groups_prefix         = ""
    certificate_authority = var.issuer_ca
  }
}
