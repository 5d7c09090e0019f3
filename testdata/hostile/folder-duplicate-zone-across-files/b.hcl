zone "az2" {}  # ERROR: Duplicate zone
