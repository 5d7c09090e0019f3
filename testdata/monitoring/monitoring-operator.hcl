# Monitoring on prometheus-operator (monitoring { engine = "operator" }):
# a dedicated, tainted pool, three replicas of each, two receivers, and a
# Kafka cluster whose rules join the rule groups. pipeline/promop_test.go
# renders it and compares it with testdata/monitoring/monitoring-operator.golden/,
# and renders it again with engine = "statefulset" to compare the settings,
# rules and scrape targets; e2e/promop_test.go checks the custom resources
# against the operator's CRDs on a real API server.

locals {
  zones       = ["az1", "az2", "az3"]
  node_subnet = "10.20.0.0/16"
}

cluster "dataplat" {
  kubernetes_version = "1.37.2"
  dns_domain         = "cluster.local"
}

network {
  node_subnets  = [local.node_subnet]
  cni           = "calico"
  pod_cidrs     = ["192.168.0.0/16"]
  service_cidrs = ["10.96.0.0/12"]
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
  topology = "stacked"
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
  mode              = "colocated"
  vip               = cidrhost(local.node_subnet, 10)
  port              = 8443
  interface         = "eth0"
  virtual_router_id = 51
}

node_pool "general" {
  zones          = local.zones
  count_per_zone = 2
  cpu            = 8
  memory         = "32Gi"
}

node_pool "kafka" {
  zones          = local.zones
  count_per_zone = 1
  cpu            = 16
  memory         = "64Gi"
  labels = {
    "example.com/pool" = "kafka"
  }
  taint {
    key    = "example.com/dedicated"
    value  = "kafka"
    effect = "NoSchedule"
  }
}

storage_class "local-ssd" {
  provisioner = "kubernetes.io/no-provisioner"
  zones       = local.zones
}

storage_class "standard" {
  provisioner = "csi.vsphere.vmware.com"
  default     = true
}

node_pool "monitoring" {
  zones          = local.zones
  count_per_zone = 1
  cpu            = 8
  memory         = "32Gi"
  taint {
    key    = "example.com/dedicated"
    value  = "monitoring"
    effect = "NoSchedule"
  }
}

monitoring {
  storage_class         = "standard"
  node_pool             = "monitoring"
  prometheus_replicas   = 3
  alertmanager_replicas = 3
  retention             = "30d"
  volume_size           = "200Gi"
  engine                = "operator"
  receiver "data-oncall" {
    email_to   = "data-oncall@example.com"
    email_from = "alertmanager@example.com"
    smarthost  = "smtp.example.com:587"
  }
  receiver "platform" {
    webhook_url = "https://alerts.example.com/hooks/platform"
  }
}

kafka "kafka" {
  node_pool           = "kafka"
  brokers             = 3
  controllers         = 3
  replication_factor  = 3
  min_insync_replicas = 2
  default_partitions  = 12
  storage_class       = "local-ssd"
  volume_size         = "500Gi"
  heap                = "6g"
  cpu                 = "4"
  memory              = "16Gi"
}
