# EXPECT: error
# Free text with characters a reviewer cannot see: a right-to-left override
# and isolate, zero-width space and joiner, a byte-order mark, and a newline,
# which a reason may hold. Bidirectional controls and invisible characters
# are refused even in free text (one error names the first); the
# zero-width joiner alone is allowed (svc-rbac-subjects-free-text.hcl).
# (Control characters: svc-reason-control-characters.hcl.)
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
namespace "apps" {
  pod_security = "baseline"
  reason       = "c\u202ed\u200be\u200df\ufeffg\nh\u2066j" # ERROR: Bidirectional control
}

