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
role_binding "readers" {
  namespace = "default"
  role      = "view"
  users     = ["alice"]
}
authentication {
  # A claim users may set, without a prefix: one could take another's name.
  oidc {
    issuer          = "https://sso.example.com"
    client_id       = "kubernetes"
    username_claim  = "preferred_username"
    username_prefix = "" # WARNING: Unprefixed user names
  }
  # sub (the default claim) and email need no prefix.
  oidc {
    issuer          = "https://sub.example.com"
    client_id       = "kubernetes"
    username_prefix = ""
  }
  oidc {
    issuer          = "https://mail.example.com"
    client_id       = "kubernetes"
    username_claim  = "email"
    username_prefix = ""
  }
  # With a prefix, any claim is fine.
  oidc {
    issuer          = "https://prefixed.example.com"
    client_id       = "kubernetes"
    username_claim  = "preferred_username"
    username_prefix = "oidc:"
  }
}
