# EXPECT: error
# A reason may span lines, but only with newlines: a line separator, a
# carriage return, a bell, NEL and an escape are each refused where written.
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
  reason       = "line one\u2028line two"  # ERROR: Control character
}
namespace "web" {
  pod_security = "baseline"
  reason       = "line one\rline two"  # ERROR: Control character
}
namespace "db" {
  pod_security = "baseline"
  reason       = "line one\u0007line two"  # ERROR: Control character
}
namespace "ops" {
  pod_security = "baseline"
  reason       = "line one\u0085line two"  # ERROR: Control character
}
namespace "ui" {
  pod_security = "baseline"
  reason       = "line one\u001b[31mline two"  # ERROR: Control character
}
break_glass "oncall" {
  reason = "P1 only\n\tand only by the on-call engineer"  # ERROR: Control character
  users  = ["alice@example.com"]
}
