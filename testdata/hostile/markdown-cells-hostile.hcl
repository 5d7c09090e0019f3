# EXPECT: renders
# Strings that Markdown or HTML would read as syntax, in every free-text
# field that reaches ARCHITECTURE.md: subjects that open and close an HTML
# comment around a secrets grant, pipes, backticks, emphasis, links,
# entities, list and heading markers, a multi-line reason. TestArchitecture-
# TablesShowEveryValue parses the tables back: each cell shows the value.
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
storage_class "fast" {
  provisioner = "ebs.csi.aws.com"
  default     = true
}
namespace "apps" {
  pod_security = "baseline"
  reason       = "line one | pipe\n<!-- hidden -->\n**bold** _em_ [link](https://e.example) `code` &lt; \\ end"
}
namespace "web" {
  reason = "1. not a list"
}
persistent_volume "pv0" {
  storage_class = "fast"
  capacity      = "10Gi"
  local {
    path = "/mnt/a|b`c<!--d*e_f[g]&h#i~j"
    node = "m1"
  }
}
persistent_volume "pv1" {
  storage_class = "fast"
  capacity      = "10Gi"
  nfs {
    server = "nfs.example.com"
    path   = "/exports/<script>x</script>|``y"
  }
}
role "secret-writer" {
  namespace = "apps"
  rule {
    resources = ["secrets"]
    verbs     = ["get", "list", "update"]
  }
}
role_binding "opens" {
  namespace = "apps"
  role      = "view"
  users     = ["a <!--", "- dash", "# hash", "+ plus"]
}
role_binding "hidden" {
  namespace = "apps"
  role      = "secret-writer"
  users     = ["mallory"]
}
role_binding "closes" {
  namespace = "apps"
  role      = "view"
  users     = ["zz -->", "bob|`x`*y*_[z](http://e.example)&amp;~~s~~", "<b>bold</b> \\ back\\", "carol `` ``` tick", "1) listy"]
  groups    = ["team: data", "_under_ *star*"]
}
