package verify

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestWithoutNamespacesTheReportSaysSo: where the kernel refuses a network
// namespace, the program still runs, and a note says it ran without one.
func TestWithoutNamespacesTheReportSaysSo(t *testing.T) {
	saved := isolation
	t.Cleanup(func() { isolation = saved })
	// A user namespace with an empty uid mapping, which the kernel refuses,
	// makes the start fail as a refused namespace does.
	isolation = func() *syscall.SysProcAttr {
		return &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWUSER | syscall.CLONE_NEWNET, UidMappings: []syscall.SysProcIDMap{{}}, Setpgid: true}
	}

	tools := t.TempDir()
	if err := os.WriteFile(filepath.Join(tools, "haproxy"), []byte("#!/bin/sh\n[ \"$1\" = -v ] && echo 'HAProxy version 2.6.12'\nexit 0\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	cfg, err := os.ReadFile("../out/ha/loadbalancer/haproxy.cfg")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "loadbalancer"), 0o755); err != nil {
		t.Fatal(err)
	}
	for p, b := range map[string][]byte{"loadbalancer/haproxy.cfg": cfg, ".blueprint-files": []byte("loadbalancer/haproxy.cfg\n")} {
		if err := os.WriteFile(filepath.Join(dir, p), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	rep, err := Run(context.Background(), Options{Dir: dir, ToolDirs: []string{tools}})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Checks) != 1 || rep.Checks[0].Result != Passed || rep.Tools[0].Version != "haproxy 2.6.12" {
		t.Errorf("checks %+v, tools %+v", rep.Checks, rep.Tools)
	}
	if !strings.Contains(strings.Join(rep.Notes, "\n"), "network isolation: this machine refused a network namespace for haproxy") {
		t.Errorf("notes %q", rep.Notes)
	}
}
