# EXPECT: renders
# Label and taint values YAML 1.1 would coerce: yes, no, on, off, null, true,
# 1.0, 0o17, an empty value, and a taint key "null".
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
  labels = {
    "example.com/v0" = "yes"
    "example.com/v1" = "no"
    "example.com/v2" = "on"
    "example.com/v3" = "off"
    "example.com/v4" = "null"
    "example.com/v5" = "true"
    "example.com/v6" = "1.0"
    "example.com/v7" = "0o17"
    "example.com/v8" = ""
    "example.com/v9" = "NULL"
    "example.com/v10" = "Y"
  }
  taint {
    key    = "null"
    value  = "yes"
    effect = "NoSchedule"
  }
  taint {
    key    = "example.com/empty"
    value  = ""
    effect = "PreferNoSchedule"
  }
}
