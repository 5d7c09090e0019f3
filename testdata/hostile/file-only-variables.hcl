# EXPECT: error # FILE ERROR: Missing cluster block | FILE ERROR: Missing network block | FILE ERROR: Missing zone block | FILE ERROR: Missing control_plane block | FILE ERROR: Missing load_balancer block
# Variables and locals but no blocks: nothing to render.
variable "x" {
  default = 1
}
locals {
  y = var.x + 1
}
