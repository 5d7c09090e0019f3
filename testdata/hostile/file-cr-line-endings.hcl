# EXPECT: error
# Old Mac line endings (CR only) are not newlines to HCL: the spec below is one
# line of stray characters.
cluster "hostile" {  kubernetes_version = "1.37.2"}  # ERROR: Invalid character | ERROR: Argument or block definition required
