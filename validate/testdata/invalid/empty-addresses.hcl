# Hosts with address = "": kubeadm would advertise "", HAProxy would list
# "server m1 :6443", and etcd would have no peer URL. The VIP lies in the
# service range.
cluster "c1" {
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
    address = "" # ERROR: Empty address
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
etcd {
  topology = "external"
  member "e1" {
    address = "10.0.1.21"
    zone    = "az1"
  }
  member "e2" {
    address = "" # ERROR: Empty address
    zone    = "az2"
  }
  member "e3" {
    address = "10.0.1.23"
    zone    = "az3"
  }
}
load_balancer {
  mode = "dedicated"
  vip  = "10.96.0.100" # ERROR: API address inside the service range
  host "lb1" {
    address = "10.0.2.21"
    zone    = "az1"
  }
  host "lb2" {
    address = "" # ERROR: Empty address
    zone    = "az2"
  }
}
