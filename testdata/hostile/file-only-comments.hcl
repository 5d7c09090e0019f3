# EXPECT: error # FILE ERROR: Missing cluster block | FILE ERROR: Missing network block | FILE ERROR: Missing zone block | FILE ERROR: Missing control_plane block | FILE ERROR: Missing load_balancer block
# A spec that is only comments, in all three comment styles, declares nothing:
# every required block is reported missing, at the top of the file.
// a line comment
/* a block comment
   over lines */
# cluster "commented-out" {}
