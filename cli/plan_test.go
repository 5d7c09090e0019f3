package cli_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"

	"github.com/blueprint-dev/blueprint/cli"
	"github.com/blueprint-dev/blueprint/state"
)

// TestPlanExitCodes: without a state everything is created; an unchanged
// spec plans nothing (0 with --detailed-exitcode), a changed one exits 4
// with --detailed-exitcode and 0 without; diff follows the same rule.
func TestPlanExitCodes(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	code, out, errs := runCLI("plan", haSpec, "-o", dir, "--detailed-exitcode")
	if code != cli.ExitWouldChange || !strings.Contains(out, "everything is created") || !strings.Contains(errs, "planning a first render") {
		t.Fatalf("plan without a state: exit %d\n%s\n%s", code, out, errs)
	}
	if code, out, _ := runCLI("render", haSpec, "-o", dir); code != cli.ExitOK || !strings.Contains(out, "Plan: a first render") {
		t.Fatalf("render: exit %d %s", code, out)
	}
	if code, out, errs := runCLI("plan", haSpec, "-o", dir, "--detailed-exitcode"); code != cli.ExitOK || !strings.Contains(out, "No changes") {
		t.Errorf("unchanged spec: exit %d\n%s\n%s", code, out, errs)
	}
	if code, _, _ := runCLI("diff", haSpec, "-o", dir, "--detailed-exitcode"); code != cli.ExitOK {
		t.Errorf("diff of an unchanged spec --detailed-exitcode: exit %d", code)
	}
	more := []string{"-o", dir, "--var", "workers_per_zone=3"}
	code, out, errs = runCLI(append([]string{"plan", haSpec, "--detailed-exitcode"}, more...)...)
	if code != cli.ExitWouldChange || !strings.Contains(out, "add machine worker07") || !strings.Contains(out, "Plan: 3 machines to add") ||
		!strings.Contains(out, "worker09: kubeadm join --config /etc/kubernetes/kubeadm-join.yaml") {
		t.Errorf("three more workers: exit %d\n%s\n%s", code, out, errs)
	}
	if code, _, _ := runCLI(append([]string{"plan", haSpec}, more...)...); code != cli.ExitOK {
		t.Errorf("plan without --detailed-exitcode exits %d on changes, want 0", code)
	}
	if code, _, _ := runCLI(append([]string{"diff", haSpec, "--detailed-exitcode"}, more...)...); code != cli.ExitWouldChange {
		t.Errorf("diff --detailed-exitcode of a changed spec: exit %d, want 4", code)
	}
	if code, _, _ := runCLI(append([]string{"diff", haSpec}, more...)...); code != cli.ExitOK {
		t.Errorf("diff of a changed spec: exit %d, want 0", code)
	}
	// Spec errors keep exit 1.
	bad := filepath.Join(t.TempDir(), "bad.hcl")
	if err := os.WriteFile(bad, []byte("cluster \"x\" {}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, _ := runCLI("plan", bad, "-o", dir, "--detailed-exitcode"); code != cli.ExitSpecError {
		t.Errorf("plan of a bad spec: exit %d, want 1", code)
	}
}

// TestPlanJSON: --json prints the documented schema.
func TestPlanJSON(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	if code, _, errs := runCLI("render", haSpec, "-o", dir); code != cli.ExitOK {
		t.Fatalf("render: %s", errs)
	}
	code, out, errs := runCLI("plan", haSpec, "-o", dir, "--json", "--var", "workers_per_zone=1")
	if code != cli.ExitOK {
		t.Fatalf("plan --json: exit %d %s", code, errs)
	}
	var p struct {
		Version     int    `json:"version"`
		Cluster     string `json:"cluster"`
		From, To    string
		FirstRender bool `json:"firstRender"`
		Changes     []struct {
			Target, Category, Action, Impact, Summary string
			Steps                                     []struct{ Host, Command, Purpose, Kind string }
		} `json:"changes"`
		Steps   []struct{ Host, Command, Purpose, Kind string } `json:"steps"`
		Summary struct {
			MachinesRemove int    `json:"machinesRemove"`
			Line           string `json:"line"`
		} `json:"summary"`
	}
	var keys map[string]json.RawMessage
	if err := json.Unmarshal([]byte(out), &keys); err != nil {
		t.Fatalf("plan --json: %v\n%s", err, out)
	}
	var got []string
	for k := range keys {
		got = append(got, k)
	}
	slices.Sort(got)
	if want := []string{"changes", "cluster", "firstRender", "from", "steps", "summary", "to", "version"}; !slices.Equal(got, want) {
		t.Errorf("plan --json has the fields %v, the README documents %v", got, want)
	}
	if err := json.Unmarshal([]byte(out), &p); err != nil {
		t.Fatalf("plan --json: %v\n%s", err, out)
	}
	if p.Version != 1 || p.Cluster != "dataplat" || p.FirstRender || p.Summary.MachinesRemove != 3 || len(p.Steps) == 0 ||
		!strings.HasPrefix(p.Summary.Line, "Plan: 0 machines to add, 0 to rebuild, 3 to remove") {
		t.Errorf("plan --json: %+v", p)
	}
	for _, c := range p.Changes {
		switch c.Impact {
		case "none", "in-place", "restart", "rolling", "disruptive", "destructive":
		default:
			t.Errorf("%s: impact %q is not in the vocabulary", c.Target, c.Impact)
		}
	}
}

// TestPlanHostileState: the state file is input like every file of the
// folder: a link, an unknown field, a newer version or an oversized file
// is refused with a message (exit 3), never followed or half-read.
func TestPlanHostileState(t *testing.T) {
	base := filepath.Join(t.TempDir(), "out")
	if code, _, errs := runCLI("render", haSpec, "-o", base); code != cli.ExitOK {
		t.Fatalf("render: %s", errs)
	}
	good, err := os.ReadFile(filepath.Join(base, state.FileName))
	if err != nil {
		t.Fatal(err)
	}
	secret := filepath.Join(t.TempDir(), "secret.json")
	if err := os.WriteFile(secret, good, 0o644); err != nil {
		t.Fatal(err)
	}
	cases := map[string]struct {
		plant func(p string) error
		want  string
	}{
		"link": {func(p string) error { os.Remove(p); return os.Symlink(secret, p) }, "symbolic link"},
		"unknown field": {func(p string) error {
			return os.WriteFile(p, []byte(strings.Replace(string(good), `"cluster":`, `"extra": 1, "cluster":`, 1)), 0o644)
		}, `unknown field "extra"`},
		"newer version": {func(p string) error {
			return os.WriteFile(p, []byte(strings.Replace(string(good), `"version": 1,`, `"version": 99,`, 1)), 0o644)
		}, "version 99 is newer than this blueprint reads"},
		"not JSON":   {func(p string) error { return os.WriteFile(p, []byte("\x1b[2Jnope"), 0o644) }, "not valid JSON"},
		"too large":  {func(p string) error { return os.WriteFile(p, make([]byte, state.MaxSize+1), 0o644) }, "more than"},
		"named pipe": {func(p string) error { os.Remove(p); return mkfifo(p) }, "named pipe"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "out")
			if err := os.CopyFS(dir, os.DirFS(base)); err != nil {
				t.Fatal(err)
			}
			if err := tc.plant(filepath.Join(dir, state.FileName)); err != nil {
				t.Skipf("cannot plant: %v", err)
			}
			code, out, errs := runCLI("plan", haSpec, "-o", dir, "--detailed-exitcode")
			if code != cli.ExitFailure || !strings.Contains(errs, tc.want) || strings.Contains(errs, "\x1b") {
				t.Errorf("exit %d, want 3 with %q\nstdout: %s\nstderr: %s", code, tc.want, out, errs)
			}
		})
	}
}

func mkfifo(p string) error { return syscall.Mkfifo(p, 0o644) }
