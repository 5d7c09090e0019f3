//go:build darwin || freebsd

package safefs

// hardlinksProtected: these systems let anyone link a file they can see.
func hardlinksProtected() bool { return false }
