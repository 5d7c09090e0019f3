//go:build unix

package importer_test

import "syscall"

func syscallMkfifo(p string, mode uint32) error { return syscall.Mkfifo(p, mode) }
