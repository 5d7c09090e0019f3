# EXPECT: renders
# A namespace's reason and a break-glass reason are free text, written into
# annotations and ARCHITECTURE.md: pipes, backticks, markup, template and
# interpolation syntax, YAML indicators and newlines must come out as text.
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
  pod_security = "privileged"
  reason       = "needs | pipes `ticks` <b>markup</b> &amp; {{ .Name }} $${ENCRYPTION_KEY} %%{x} # hash: colon - dash\nsecond line \"quoted\" \\ back"
}
break_glass "oncall" {
  reason = "- P1 only\n| injected | table | row |\n```\ncode fence"
  users  = ["alice@example.com"]
}

