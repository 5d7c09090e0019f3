# EXPECT: error # ERROR: Missing cluster block | ERROR: Missing network block | ERROR: Missing zone block | ERROR: Missing control_plane block | ERROR: Missing load_balancer block
# A spec that is only comments, in all three comment styles, declares nothing:
# every required block is reported missing, at the top of the file.
// a line comment
/* a block comment
   over lines */
# cluster "commented-out" {}
