//go:build unix

package render

import "syscall"

// Cache entries are opened without following a symlink and without
// blocking on a FIFO.
const (
	openNoFollow = syscall.O_NOFOLLOW
	openNonBlock = syscall.O_NONBLOCK
)
