node_pool "general" {
  zones          = ["az1", "az2", "az3"]
  count_per_zone = var.workers
  cpu            = 4
  memory         = "16Gi"
}
