# EXPECT: error
# DEL, a C1 control and the noncharacter U+FFFE: YAML cannot carry them, so
# they are refused wherever they appear, free text or not.
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
  reason       = "a\u007fb"  # ERROR: Control character
}
storage_class "fast" {
  provisioner = "ebs.csi.aws.com"
  parameters  = { "type\u0086" = "gp3", "iops" = "3000\ufffe" }  # ERROR: Control character
}
break_glass "oncall" {
  reason = "P1 only"
  users  = ["alice\u009f"]  # ERROR: Control character
}

