# FILE ERROR: Missing zone block | FILE ERROR: Missing load_balancer block
# A spec without zone and load_balancer blocks. The problem is the file as a
# whole, not this comment on line 1, which is what used to be shown.
# The nodes' zones are not also reported as undeclared one by one.
cluster "prod" {
  kubernetes_version = "1.37.2"
}
network {
  node_subnets = ["10.0.0.0/16"]
}
control_plane {
  node "m1" {
    address = "10.0.0.11"
    zone    = "az1"
  }
  node "m2" {
    address = "10.0.0.12"
    zone    = "az1"
  }
  node "m3" {
    address = "10.0.0.13"
    zone    = "az1"
  }
}
