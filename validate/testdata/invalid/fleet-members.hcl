# Mistakes in a fleet's classes and members: each is reported where it is
# written, all in one run.
variable "size" {
  type    = number
  default = 3
}

zone "stray" {} # ERROR: Cluster block outside a class or member

class "base" {
  variable "subnet" {
    type = string
  }
  variable "router_id" {
    type    = number
    default = 51
  }
  variable "size" { # ERROR: Variable declared twice
    type = number
  }
  replicas = 3 # ERROR: Attribute in a class

  cluster "named" { # ERROR: Cluster label in a fleet
    kubernetes_version = "1.37.2"
  }
  network {
    node_subnets = [var.subnet]
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
  load_balancer {
    mode              = "colocated"
    vip               = cidrhost(var.subnet, 10)
    virtual_router_id = var.router_id
  }
}

class "good" {
  variable "subnet" {
    type = string
  }
  cluster {}
  network {
    node_subnets = [var.subnet]
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
  load_balancer {
    mode = "colocated"
    vip  = cidrhost(var.subnet, 10)
  }
  node_pool "workers" {
    zones          = ["az1", "az2", "az4"] # ERROR: Undeclared zone
    count_per_zone = 1
    cpu            = 8
    memory         = "32Gi"
  }
}

member "a" {
  class = "bsae" # ERROR: Unknown class
  region = "r1"
}

member "b" { # ERROR: Member without region
  class = "good"
  variables = {
    subnet = "10.1.0.0/16"
  }
}

member "c" {
  class  = "good"
  region = "r1"
  flavour = "large" # ERROR: Unsupported argument
  variables = {
    subnet = ["10.2.0.0/16"] # ERROR: Invalid value for variable
    subnte = "x"             # ERROR: Undeclared class variable
  }
}

member "d" {
  class  = "good"  # ERROR: No value for required variable
  region = "r 1/x" # ERROR: Invalid region
}

member "e" {
  class  = "good"
  region = "r2"
  variables = {
    subnet = "10.5.0.0/16"
  }
  cluster {
    kubernetes_version = "1.30.1" # ERROR: Unsupported Kubernetes version
  }
}
