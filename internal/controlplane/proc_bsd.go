//go:build unix && !linux

package controlplane

import "syscall"

// sysProcAttr puts each server in its own process group. Only Linux can also
// tie the server's life to ours; elsewhere Stop (or a test's cleanup) must run.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}
