# The kubelet's reservations: unknown keys and signals, values the kubelet
# cannot parse, reservations that leave nothing for pods, and control-plane
# machines below kubeadm's preflight minimums.
cluster "reservations" {
  kubernetes_version = "1.37.2"
}
network {
  node_subnets = ["10.0.0.0/16"]
}
zone "az1" {}
zone "az2" {}
zone "az3" {}
control_plane {
  cpu    = 1 # ERROR: Invalid CPU count
  memory = "1Gi" # ERROR: Too little memory
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
node_pool "typos" {
  zones           = ["az1", "az2", "az3"]
  count_per_zone  = 1
  cpu             = 4
  memory          = "16Gi"
  system_reserved = { cpus = "100m" } # ERROR: Unknown reservation
  kube_reserved   = { memory = "lots" } # ERROR: Invalid reservation
  eviction_hard   = { "memory.free" = "1Gi", "nodefs.available" = "0%" } # ERROR: Unknown eviction signal | ERROR: Invalid eviction threshold
}
node_pool "greedy" {
  zones          = ["az1", "az2", "az3"]
  count_per_zone = 1
  cpu            = 2
  memory         = "4Gi"
  kube_reserved  = { cpu = "2", memory = "4Gi" } # ERROR: No CPU left for pods | ERROR: No memory left for pods
}
node_pool "tuned" {
  zones           = ["az1", "az2", "az3"]
  count_per_zone  = 1
  cpu             = 32
  memory          = "256Gi"
  system_reserved = { memory = "1Gi", pid = "1000" }
  eviction_hard   = { "memory.available" = "2Gi", "pid.available" = "5%" }
}
