package controlplane

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// alive reports whether a process exists and is not a zombie.
func alive(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	return i < 0 || len(s) < i+3 || s[i+2] != 'Z'
}

// TestServersDieWithTheirParent starts a control plane in a child process,
// kills that process with SIGKILL (so no cleanup of its own can run), and
// checks that the kernel ended every server it started.
func TestServersDieWithTheirParent(t *testing.T) {
	if dir := os.Getenv("BLUEPRINT_CONTROLPLANE_CHILD"); dir != "" {
		cp, err := Start(context.Background(), Options{WorkDir: dir})
		if err != nil {
			fmt.Println("error:", err)
			os.Exit(1)
		}
		b, _ := json.Marshal(cp.PIDs())
		fmt.Println(string(b))
		time.Sleep(time.Minute) // until the parent kills us
		os.Exit(1)
	}
	need(t, Options{})
	cmd := exec.Command(os.Args[0], "-test.run=^TestServersDieWithTheirParent$")
	cmd.Env = append(os.Environ(), "BLUEPRINT_CONTROLPLANE_CHILD="+t.TempDir())
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Wait()
	line, err := bufio.NewReader(out).ReadString('\n')
	var pids map[string]int
	if err != nil || json.Unmarshal([]byte(line), &pids) != nil || len(pids) != 2 {
		cmd.Process.Kill()
		t.Fatalf("the child did not report its servers: %q %v", line, err)
	}
	t.Cleanup(func() { // should the kernel not have done it
		for _, pid := range pids {
			_ = killGroup(pid)
		}
	})
	for name, pid := range pids {
		if !alive(pid) {
			t.Fatalf("%s (pid %d) is not running before the test kills its parent", name, pid)
		}
	}
	cmd.Process.Kill()
	deadline := time.Now().Add(10 * time.Second)
	for name, pid := range pids {
		for alive(pid) {
			if time.Now().After(deadline) {
				t.Fatalf("%s (pid %d) outlived the process that started it", name, pid)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
}
