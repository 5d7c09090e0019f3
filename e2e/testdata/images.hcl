# TestImageAdmission's spec: every image comes from one mirror, pinned by
# digest from images.lock (whose digests are made up for the test: nothing
# is pulled here), and the admission policy enforces both.

variable "admission" {
  type    = string
  default = "enforce"
}

cluster "pinned" {
  kubernetes_version = "1.37.2"
  image_repository   = "mirror.example.com:5000/k8s"
}

network {
  node_subnets = ["10.30.0.0/16"]
  cni          = "cilium"
}

zone "az1" {}
zone "az2" {}
zone "az3" {}

control_plane {
  node "cp1" {
    address = "10.30.0.11"
    zone    = "az1"
  }
  node "cp2" {
    address = "10.30.0.12"
    zone    = "az2"
  }
  node "cp3" {
    address = "10.30.0.13"
    zone    = "az3"
  }
}

etcd {
  backup {
    destination {
      nfs {
        server = "filer.example.com"
        path   = "/exports/etcd-backups"
      }
    }
  }
}

load_balancer {
  mode = "colocated"
  vip  = "10.30.0.10"
}

node_pool "general" {
  zones          = ["az1", "az2", "az3"]
  count_per_zone = 1
  cpu            = 8
  memory         = "32Gi"
}

namespace "apps" {}

storage_class "standard" {
  provisioner = "csi.example.com"
  default     = true
}

monitoring {
  storage_class = "standard"
}

autoscaling {
  vertical_pod_autoscaler {}
}

images {
  registry           = "mirror.example.com:5000/library"
  lock_file          = "images.lock"
  admission          = var.admission
  allowed_registries = ["harbor.example.com/apps"]
  # Cilium runs in kube-system; blueprint does not render it.
  extra_allowed = ["mirror.example.com:5000/cilium/"]
}

# The scan jobs' image, pinned like every other, must pass the policy in
# trivy-system; the databases come from the mirror too.
image_scanning {
  engine = "trivy-operator"
}
