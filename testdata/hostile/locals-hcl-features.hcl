# EXPECT: renders
# Conditionals, for expressions, splats, functions and nested dynamic blocks,
# all evaluating to a plain, valid spec.
variable "cfg" {
  type = object({ zones = list(string), workers = number })
  default = { zones = ["az1", "az2", "az3"], workers = 2 }
}
locals {
  subnet  = "10.0.0.0/16"
  masters = { for i, z in var.cfg.zones : "m${i + 1}" => { zone = z, addr = cidrhost(local.subnet, 11 + i) } }
  workers = flatten([for z in var.cfg.zones : [for i in range(var.cfg.workers) : { name = "w-${z}-${i}", zone = z }]])
}

cluster "hostile" {
  kubernetes_version = "1.37.2"
}
network {
  node_subnets = [local.subnet]
  cni          = true ? "cilium" : "calico"
  pod_cidrs    = [cidrsubnet("172.16.0.0/12", 4, 1)]
}
zone "az1" {}
zone "az2" {}
zone "az3" {}
control_plane {
  dynamic "node" {
    for_each = local.masters
    labels   = [node.key]
    content {
      address = node.value.addr
      zone    = node.value.zone
    }
  }
}
load_balancer {
  mode = "colocated"
  vip  = "10.0.0.10"
}
node_pool "general" {
  zones  = var.cfg.zones
  cpu    = max(2, 4)
  memory = format("%dGi", 16)
  labels = merge({ "example.com/a" = "1" }, { "example.com/b" = upper("x") })
  dynamic "node" {
    for_each = { for w in local.workers : w.name => w }
    labels   = [node.key]
    content {
      zone = node.value.zone
    }
  }
}
