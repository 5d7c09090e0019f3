cluster "net" {
  kubernetes_version = "1.37.02" # ERROR: Invalid Kubernetes version
  image_repository   = "registry..example.com/k8s" # ERROR: Invalid image repository
}
network {
  node_subnets  = ["10.0.0.0/16", "fd00::/64", "127.0.0.0/8"] # ERROR: Invalid node subnet
  pod_cidrs     = ["10.0.0.0/7"] # ERROR: Pod CIDR too large | ERROR: Overlapping address ranges
  service_cidrs = ["172.16.0.0/30"] # ERROR: Service CIDR too small
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
    address = "fd00::12" # ERROR: Address family differs from the service range
    zone    = "az2"
  }
  node "m3" {
    address = "10.0.0.13"
    zone    = "az3"
  }
}
load_balancer {
  mode = "dedicated"
  vip  = "10.0.0.10"
  host "lb1" {
    address = "10.0.0.21"
    zone    = "az1"
  }
  host "lb2" {
    address = "10.0.0.22"
    zone    = "az2"
  }
}
