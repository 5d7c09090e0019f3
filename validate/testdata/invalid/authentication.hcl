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
  users     = ["alice"] # WARNING: User no issuer names
  groups    = ["sso:readers"]
}
break_glass "oncall" {
  groups = ["oncall"] # WARNING: Group no issuer names
  reason = "incidents"
}
authentication {
  oidc {
    issuer          = "http://sso.example.com" # ERROR: Invalid issuer
    client_id       = "kubernetes"
    username_prefix = "system:sso:" # ERROR: Reserved prefix
    groups_claim    = "groups" # ERROR: Groups without a prefix
  }
  oidc {
    issuer          = "https://user:secret@sso.example.com" # ERROR: Credentials in URL
    client_id       = "" # ERROR: Empty client ID
    audiences       = ["a", "a"] # ERROR: Invalid audience
    username_prefix = "sso:"
    groups_claim    = "groups"
    groups_prefix   = "sso:"
    certificate_authority = "-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----\n" # ERROR: Not a certificate
  }
  oidc {
    issuer          = "https://kubernetes.default.svc.cluster.local" # ERROR: Issuer of ServiceAccount tokens
    client_id       = "kubernetes"
    username_prefix = "sso:"
    groups_prefix   = "sso:" # ERROR: Prefix without a claim
  }
  oidc {
    issuer          = "https://sso.example.com/?tenant=1" # ERROR: Invalid issuer
    client_id       = "kubernetes"
    username_prefix = "sso:"
  }
}
