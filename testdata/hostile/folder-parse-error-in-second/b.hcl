# more pools
node_pool "extra" {
  cpu = = 4  # ERROR: Invalid expression
}
