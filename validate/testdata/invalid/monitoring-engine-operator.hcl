# monitoring engine = "operator" with what prometheus-operator cannot honour.
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
node_pool "general" {
  zones          = ["az1", "az2", "az3"]
  count_per_zone = 1
  cpu            = 8
  memory         = "32Gi"
}
storage_class "fast" {
  provisioner = "ebs.csi.aws.com"
  default     = true
}
monitoring {
  storage_class   = "fast"
  engine          = "operator"
  web_auth_secret = "web-auth" # ERROR: Web password not supported by the operator engine
}
expose {
  ingress_class        = "nginx"
  controller_namespace = "ingress-nginx"
  tls_secret           = "dashboards-tls"
  grafana              = "grafana.example.com"
  prometheus           = "prometheus.example.com" # ERROR: Unauthenticated UI exposed
  alertmanager         = "alerts.example.com" # ERROR: Unauthenticated UI exposed
}
