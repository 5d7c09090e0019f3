package controlplane

import "syscall"

// sysProcAttr puts each server in its own process group, so that Stop can
// signal it with its children, and has the kernel kill it if the process
// that started it dies first (a test binary killed by a timeout, say).
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
