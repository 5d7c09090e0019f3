# EXPECT: renders
# One spec over four files, read in name order; a variable declared in one
# file is used in another.
variable "workers" {
  default = 2
}
cluster "hostile" {
  kubernetes_version = "1.37.2"
}
network {
  node_subnets = ["10.0.0.0/16"]
}
