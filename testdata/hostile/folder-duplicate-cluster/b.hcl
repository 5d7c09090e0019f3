cluster "other" {  # ERROR: Duplicate cluster block
  kubernetes_version = "1.37.2"
}
