# EXPECT: error
# Label values that YAML would read as aliases, tags, block scalars or
# comments.
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
  labels = {  # ERROR: Invalid label value
    "example.com/v0" = "*ref"
    "example.com/v1" = "&anchor"
    "example.com/v2" = "!!binary"
    "example.com/v3" = "|"
    "example.com/v4" = ">"
    "example.com/v5" = "# c"
    "example.com/v6" = "~"
    "example.com/v7" = "- item"
    "example.com/v8" = ": x"
    "example.com/v9" = "{a: b}"
    "example.com/v10" = "[1]"
    "example.com/v11" = "@x"
    "example.com/v12" = "`x`"
    "example.com/v13" = "%x"
  }
}
