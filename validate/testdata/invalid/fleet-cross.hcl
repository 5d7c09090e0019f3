# The rules across a fleet's members: each one caught where the second
# member's value is written.
class "platform" {
  variable "subnet" {
    type = string
  }
  variable "pods" {
    type    = string
    default = "10.128.0.0/14"
  }
  variable "router_id" {
    type    = number
    default = 51
  }
  variable "version" {
    type    = string
    default = "1.37.2"
  }
  variable "mirror" {
    type    = string
    default = "harbor.example.com/mirror"
  }
  cluster {
    kubernetes_version = var.version
  }
  network {
    node_subnets  = [var.subnet]
    pod_cidrs     = [var.pods]
    service_cidrs = ["10.96.0.0/16"]
  }
  zone "az1" {}
  zone "az2" {}
  zone "az3" {}
  control_plane {
    node "m1" {
      address = cidrhost(var.subnet, 11)
      zone    = "az1"
    }
    node "m2" {
      address = cidrhost(var.subnet, 12)
      zone    = "az2"
    }
    node "m3" {
      address = cidrhost(var.subnet, 13)
      zone    = "az3"
    }
  }
  etcd {
    backup {
      destination {
        nfs {
          server = "filer.example.com"
          path   = "/exports/${member.name}"
        }
      }
    }
  }
  load_balancer {
    mode              = "colocated"
    vip               = cidrhost(var.subnet, 10)
    virtual_router_id = var.router_id
  }
  images {
    registry = var.mirror
  }
  gitops {
    tool     = "argocd"
    repo_url = "https://git.example.com/fleet.git"
    path     = "clusters/shared" # ERROR: Members share a GitOps path
  }
}

member "west" {
  class   = "platform"
  region  = "eu-west"
  network = "backbone"
  variables = {
    subnet = "10.60.0.0/16"
  }
}

# On the same network as west: same service range, same pod range, same
# router id.
member "east" {
  class   = "platform"
  region  = "us-east"
  network = "backbone"
  variables = {
    subnet = "10.61.0.0/16"
  }
  cluster {
    kubernetes_version = "1.35.3" # WARNING: Clusters beyond kubectl's version skew
  }
  images {
    registry = "registry.example.org/other" # ERROR: Members without the shared mirror
  }
  network {
    node_subnets  = ["10.61.0.0/16"]
    pod_cidrs     = ["10.130.0.0/16"]      # ERROR: Overlapping ranges between clusters
    service_cidrs = ["10.96.128.0/17"]     # ERROR: Overlapping ranges between clusters
  }
  load_balancer {
    mode              = "colocated"
    vip               = "10.61.0.10"
    virtual_router_id = 51 # ERROR: Duplicate virtual router id
  }
  gitops {
    tool     = "argocd"
    repo_url = "https://git.example.com/fleet.git"
    path     = "clusters/east"
  }
}

# Peered with west, on another network: ranges must differ (the node
# subnet overlaps), router ids need not.
member "south" {
  class  = "platform"
  region = "sa-east"
  variables = {
    subnet = "10.60.128.0/17"
    pods   = "10.200.0.0/16"
  }
  zone "az3" {
    region = "us-east" # ERROR: etcd spans regions
  }
  network {
    node_subnets  = ["10.60.128.0/17"] # ERROR: Overlapping ranges between clusters
    pod_cidrs     = ["10.200.0.0/16"]
    service_cidrs = ["10.98.0.0/16"]
  }
}

# Neither peered nor on a shared network: its ranges may overlap.
member "lab" {
  class  = "platform"
  region = "eu-west"
  variables = {
    subnet = "10.60.0.0/16"
  }
  gitops {
    tool     = "argocd"
    repo_url = "https://git.example.com/fleet.git"
    path     = "clusters/lab"
  }
}

peering "west-south" {
  members = ["west", "south", "nowhere"] # ERROR: Unknown member
}
