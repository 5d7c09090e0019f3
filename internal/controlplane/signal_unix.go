//go:build unix

package controlplane

import "syscall"

// killGroup kills the process group a server leads: the server and
// anything it started.
func killGroup(pid int) error {
	return syscall.Kill(-pid, syscall.SIGKILL)
}
