# Logging with Elasticsearch and Kibana on the general pool, Kibana exposed
# through an ingress and monitoring on (the exporter), on the operator
# engine: ECK runs the search cluster and Kibana. pipeline/eck_test.go
# renders it (its golden: logging-eck.golden/, -update), and with
# engine=statefulset to compare the engines' settings.

variable "kubernetes_version" {
  type    = string
  default = "1.37.2"
}

variable "engine" {
  type    = string
  default = "operator"
}

locals {
  zones       = ["az1", "az2", "az3"]
  node_subnet = "10.20.0.0/16"
}

cluster "dataplat" {
  kubernetes_version = var.kubernetes_version
}

network {
  node_subnets = [local.node_subnet]
}

zone "az1" {}
zone "az2" {}
zone "az3" {}

control_plane {
  node "kmaster1" {
    address = cidrhost(local.node_subnet, 11)
    zone    = "az1"
  }
  node "kmaster2" {
    address = cidrhost(local.node_subnet, 12)
    zone    = "az2"
  }
  node "kmaster3" {
    address = cidrhost(local.node_subnet, 13)
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
  vip  = cidrhost(local.node_subnet, 10)
  port = 8443
}

node_pool "general" {
  zones          = local.zones
  count_per_zone = 2
  cpu            = 8
  memory         = "32Gi"
  taint {
    key    = "example.com/dedicated"
    value  = "general"
    effect = "NoSchedule"
  }
}

storage_class "standard" {
  provisioner            = "csi.vsphere.vmware.com"
  allow_volume_expansion = true
}

logging {
  replicas      = 5
  storage_class = "standard"
  volume_size   = "200Gi"
  heap          = "4g"
  node_pool     = "general"
  engine        = var.engine
}

monitoring {
  storage_class = "standard"
  node_pool     = "general"
}

expose {
  ingress_class        = "nginx"
  controller_namespace = "ingress-nginx"
  tls_secret           = "logs-tls"
  kibana               = "logs.example.test"
}
