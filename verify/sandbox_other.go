//go:build !linux

package verify

import "syscall"

// isolation is nil where verify cannot give a program a network namespace
// of its own: the allow-lists alone then keep configs from naming hosts.
var isolation = func() *syscall.SysProcAttr { return nil }

func plain() *syscall.SysProcAttr { return nil }

func killGroup(pid int) error { return nil }
