package verify

import (
	"os"
	"syscall"
)

// isolation returns the process attributes that start a program in a
// network namespace of its own, with only a loopback interface that is
// down: whatever a config names, the program cannot resolve a name or open
// a connection to any host, this one included. As root a new network
// namespace is enough; otherwise a user namespace that maps the caller to
// itself comes with it. The process also leads its own process group, so a
// timeout ends its children too.
var isolation = namespaces

func namespaces() *syscall.SysProcAttr {
	uid, gid := os.Geteuid(), os.Getegid()
	if uid == 0 {
		return &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWNET, Setpgid: true}
	}
	return &syscall.SysProcAttr{
		Cloneflags:                 syscall.CLONE_NEWUSER | syscall.CLONE_NEWNET,
		UidMappings:                []syscall.SysProcIDMap{{ContainerID: uid, HostID: uid, Size: 1}},
		GidMappings:                []syscall.SysProcIDMap{{ContainerID: gid, HostID: gid, Size: 1}},
		GidMappingsEnableSetgroups: false,
		Setpgid:                    true,
	}
}

// plain returns the process attributes of a program run without a network
// namespace of its own.
func plain() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}

// killGroup ends the process group a program leads.
func killGroup(pid int) error { return syscall.Kill(-pid, syscall.SIGKILL) }
