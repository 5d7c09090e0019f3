// Package spawn starts child processes from one OS thread that lives as
// long as the processes should: Linux delivers a child's parent-death signal
// (Pdeathsig) when the thread that forked it exits, not only when the whole
// process does, and the Go runtime may end idle threads.
package spawn

import (
	"os/exec"
	"runtime"
)

// Spawner starts commands from its own locked OS thread.
type Spawner struct {
	reqs chan request
}

type request struct {
	cmd   *exec.Cmd
	reply chan error
}

// New starts a spawner; Close ends it.
func New() *Spawner {
	s := &Spawner{reqs: make(chan request)}
	go func() {
		runtime.LockOSThread()
		for r := range s.reqs {
			r.reply <- r.cmd.Start()
		}
	}()
	return s
}

// Start starts cmd (exec.Cmd.Start) from the spawner's thread.
func (s *Spawner) Start(cmd *exec.Cmd) error {
	reply := make(chan error)
	s.reqs <- request{cmd, reply}
	return <-reply
}

// Close ends the spawner's thread, and with it the parent-death link of
// every child it started that still runs.
func (s *Spawner) Close() { close(s.reqs) }
