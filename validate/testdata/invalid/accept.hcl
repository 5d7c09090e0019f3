cluster "lab" {
  kubernetes_version = "1.37.2"
}
network {
  node_subnets = ["10.0.0.0/16"]
}
zone "rack1" {}
control_plane {
  node "m1" {
    address = "10.0.0.11"
    zone    = "rack1"
  }
  node "m2" {
    address = "10.0.0.12"
    zone    = "rack1"
  }
  node "m3" {
    address = "10.0.0.13"
    zone    = "rack1"
  }
}
load_balancer {
  mode = "colocated"
  vip  = "10.0.0.10"
}
node_pool "w" {
  zones          = ["rack1"]
  count_per_zone = 1
  cpu            = 4
  memory         = "16Gi"
}
accept "etcd-zone-quorum" {
  reason = "One rack lab; rebuilt from Git."
}
accept "etcd-zone-quorum" { # ERROR: Duplicate accept block
  reason = "Said twice."
}
accept "etcd-zone-qourum" { # ERROR: Unknown warning code
  reason = "Typo."
}
accept "accept-unused" { # ERROR: Warning that cannot be accepted
  reason = "Not allowed."
}
accept "single-zone" {
  reason = "   " # ERROR: Accepted risk without a reason
  zone   = "rack2" # ERROR: Undeclared zone
  node   = "m4" # ERROR: Unknown node
  pool   = "workers" # ERROR: Unknown node pool
}
accept "kafka-zone-writes" {
  reason   = "No Kafka here."
  workload = "events" # ERROR: Unknown workload
}
