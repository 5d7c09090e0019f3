# EXPECT: error # ERROR: Missing cluster block | ERROR: Missing network block | ERROR: Missing zone block | ERROR: Missing control_plane block | ERROR: Missing load_balancer block
# Variables and locals but no blocks: nothing to render.
variable "x" {
  default = 1
}
locals {
  y = var.x + 1
}
