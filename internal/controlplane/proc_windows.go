package controlplane

import (
	"os"
	"syscall"
)

// sysProcAttr has nothing to add on Windows, which has no process groups to
// signal; the servers Start runs are Linux programs in any case.
func sysProcAttr() *syscall.SysProcAttr { return nil }

// killGroup kills the server itself.
func killGroup(pid int) error {
	p, err := os.FindProcess(pid)
	if err != nil {
		return err
	}
	return p.Kill()
}
