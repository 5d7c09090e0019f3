# The shape of the Cluster API quickstart on vSphere: a KubeadmControlPlane
# of three machines whose addresses DHCP assigns (known here by DNS name),
# kube-vip holding the control-plane endpoint, a MachineDeployment of three
# workers without fixed addresses or sizes, Calico, and a Kubernetes minor
# rather than a release.

cluster "capi-quickstart" {
  kubernetes_version = "1.37"
}

network {
  node_subnets = ["10.20.0.0/16"]
  cni          = "calico"
}

zone "vsphere" {}

control_plane {
  node "capi-quickstart-cp-1" {
    address = "capi-quickstart-cp-1.lab.example.com"
    zone    = "vsphere"
  }
  node "capi-quickstart-cp-2" {
    address = "capi-quickstart-cp-2.lab.example.com"
    zone    = "vsphere"
  }
  node "capi-quickstart-cp-3" {
    address = "capi-quickstart-cp-3.lab.example.com"
    zone    = "vsphere"
  }
}

load_balancer {
  mode      = "kube-vip"
  vip       = "10.20.0.100"
  interface = "ens192"
}

node_pool "md-0" {
  zones          = ["vsphere"]
  count_per_zone = 3
}

accept "etcd-zone-quorum" {
  zone   = "vsphere"
  reason = "One vSphere cluster is the failure domain, as in the quickstart; vSphere HA restarts failed VMs."
}

accept "advertise-address-unchecked" {
  reason = "DHCP assigns the control-plane addresses; kubeadm advertises each machine's address, which DHCP keeps in 10.20.0.0/16."
}

accept "pool-capacity-unknown" {
  pool   = "md-0"
  reason = "The machine template sizes the workers outside this spec."
}
