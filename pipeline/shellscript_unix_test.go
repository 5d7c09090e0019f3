//go:build unix

package pipeline_test

import (
	"bytes"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"testing"
	"time"
)

// startScript starts a long-running script under a shell, in a process
// group of its own, and returns a function that stops that group (SIGTERM,
// then SIGKILL after five seconds) and returns the script's output.
func startScript(t *testing.T, sh scriptShell, script string, env []string, args ...string) func() string {
	t.Helper()
	cmd := exec.Command(sh.argv[0], append(append(sh.argv[1:], script), args...)...)
	path := os.Getenv("PATH")
	if sh.path != "" {
		path = sh.path + string(os.PathListSeparator) + path
	}
	cmd.Env = append(append([]string{"PATH=" + path}, env...), "LC_ALL=C")
	var out syncBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	stopped := false
	stop := func() string {
		if !stopped {
			stopped = true
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
			select {
			case <-done:
			case <-time.After(5 * time.Second):
				_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
				<-done
			}
		}
		return out.String()
	}
	t.Cleanup(func() { stop() })
	return stop
}

// syncBuffer is a bytes.Buffer safe for a process's two output streams.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
