//go:build unix

package controlplane

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// need skips (on a developer machine) or fails (in CI) when a server
// program is missing.
func need(t *testing.T, opts Options) {
	t.Helper()
	missing := opts.Missing()
	if len(missing) == 0 {
		return
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("%s not installed; .ci/run installs them (see ../shared/VALIDATORS.md)", strings.Join(missing, ", "))
	}
	t.Skipf("SKIPPED, not passed: %s not installed here; scripts/install-validators.sh installs them", strings.Join(missing, ", "))
}

func TestStartStop(t *testing.T) {
	opts := Options{ControllerManager: true, Scheduler: true, WorkDir: t.TempDir()}
	need(t, opts)
	cp, err := Start(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cp.Stop() })
	t.Logf("control plane ready in %s: %v", cp.Startup.Round(time.Millisecond), cp.Ready)

	if !strings.HasPrefix(cp.URL, "https://127.0.0.1:") {
		t.Errorf("API server at %s, want loopback", cp.URL)
	}
	ctx := context.Background()
	c := cp.Client()
	var ns struct {
		Metadata struct{ Name string }
	}
	if err := c.Get(ctx, "/api/v1/namespaces/kube-system", &ns); err != nil || ns.Metadata.Name != "kube-system" {
		t.Fatalf("reading kube-system as the administrator: %v %+v", err, ns)
	}
	// kubectl works with the kubeconfig, and the token really is an admin's.
	if kubectl, err := exec.LookPath("kubectl"); err == nil {
		out, err := exec.Command(kubectl, "--kubeconfig", cp.Kubeconfig, "auth", "can-i", "*", "*").CombinedOutput()
		if err != nil || strings.TrimSpace(string(out)) != "yes" {
			t.Errorf("kubectl auth can-i '*' '*' with the admin kubeconfig: %v %s", err, out)
		}
	}

	pids := cp.PIDs()
	if len(pids) != 4 {
		t.Fatalf("PIDs = %v, want four servers", pids)
	}
	dir := cp.Dir
	stopping := time.Now()
	if err := cp.Stop(); err != nil {
		t.Fatal(err)
	}
	t.Logf("stopped in %s", time.Since(stopping).Round(time.Millisecond))
	for name, pid := range pids {
		if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
			t.Errorf("%s (pid %d) still running after Stop: %v", name, pid, err)
		}
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("Stop left %s behind: %v", dir, err)
	}
	if err := cp.Stop(); err != nil {
		t.Errorf("second Stop: %v", err)
	}
}

func TestStartReportsFailure(t *testing.T) {
	opts := Options{WorkDir: t.TempDir(), APIServerArgs: []string{"--no-such-flag"}}
	need(t, opts)
	_, err := Start(context.Background(), opts)
	if err == nil || !strings.Contains(err.Error(), "no-such-flag") {
		t.Fatalf("Start with a bad flag: got %v, want an error quoting the API server's log", err)
	}
	entries, _ := os.ReadDir(opts.WorkDir)
	if len(entries) != 0 {
		t.Errorf("a failed Start left %d entries in the work folder", len(entries))
	}
}
