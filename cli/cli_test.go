package cli_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/blueprint-dev/blueprint/cli"
)

func runCLI(args ...string) (int, string, string) {
	var out, errw bytes.Buffer
	code := cli.Main(args, strings.NewReader(""), &out, &errw)
	return code, out.String(), errw.String()
}

const broken = `cluster "prod" {
  kubernetes_version = "1.37.2"
}
network {
  node_subnets = ["10.0.0.0/16"]
}
zone "az1" {}
control_plane {
  node "m1" {
    address = "10.0.0.11"
    zone    = "az9"
  }
}
load_balancer {
  mode = "colocated"
  vip  = "10.0.0.10"
}
`

// threeMasters is the broken spec mended: m1 and m2 in az1, m3 in zone
// third.
func threeMasters(third string) string {
	src := strings.Replace(broken, `zone    = "az9"`, `zone    = "az1"`, 1)
	return strings.Replace(src, "control_plane {\n", `control_plane {
  node "m2" {
    address = "10.0.0.12"
    zone    = "az1"
  }
  node "m3" {
    address = "10.0.0.13"
    zone    = "`+third+`"
  }
`, 1)
}

func TestInitValidateRender(t *testing.T) {
	dir := t.TempDir()
	specPath := filepath.Join(dir, "ha.hcl")
	if code, _, errs := runCLI("init", specPath); code != cli.ExitOK {
		t.Fatalf("init: %d %s", code, errs)
	}
	if code, _, _ := runCLI("init", specPath); code != cli.ExitUsage {
		t.Fatalf("init over an existing file must refuse with %d, got %d", cli.ExitUsage, code)
	}
	if code, out, errs := runCLI("validate", specPath); code != cli.ExitOK || !strings.Contains(out, "is valid") {
		t.Fatalf("validate: %d %s %s", code, out, errs)
	}
	outDir := filepath.Join(dir, "out")
	if code, _, errs := runCLI("render", specPath, "-o", outDir, "--var", "workers_per_zone=1"); code != cli.ExitOK {
		t.Fatalf("render: %d %s", code, errs)
	}
	workers, _ := filepath.Glob(filepath.Join(outDir, "kubeadm/join-worker/worker*.yaml"))
	if len(workers) != 3 {
		t.Errorf("-var workers_per_zone=1 must give 3 general workers, got %d", len(workers))
	}
	code, out, _ := runCLI("diff", specPath, "-o", outDir)
	if code != cli.ExitOK || !strings.Contains(out, "+++ b/kubeadm/join-worker/worker04.yaml") {
		t.Errorf("diff against the 1-per-zone rendering must add worker04: %d\n%s", code, out)
	}
}

func TestErrorsAreReportedAndNothingIsWritten(t *testing.T) {
	dir := t.TempDir()
	specPath := filepath.Join(dir, "bad.hcl")
	if err := os.WriteFile(specPath, []byte(broken), 0o644); err != nil {
		t.Fatal(err)
	}
	outDir := filepath.Join(dir, "out")
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(outDir, "keep"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, errs := runCLI("render", specPath, "-o", outDir)
	if code != cli.ExitSpecError {
		t.Fatalf("render of a broken spec: exit %d, want %d", code, cli.ExitSpecError)
	}
	for _, want := range []string{"bad.hcl:11:15", `zone    = "az9"`, "Undeclared zone", "Too few control-plane nodes"} {
		if !strings.Contains(errs, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errs)
		}
	}
	entries, _ := os.ReadDir(outDir)
	if len(entries) != 1 {
		t.Errorf("output folder changed: %v", entries)
	}

	code, out, _ := runCLI("validate", "--json", specPath)
	var report struct {
		Valid       bool
		ErrorCount  int `json:"error_count"`
		Diagnostics []struct {
			Summary string
			Range   struct{ Start struct{ Line int } }
		}
	}
	if err := json.Unmarshal([]byte(out), &report); err != nil {
		t.Fatalf("--json output: %v\n%s", err, out)
	}
	if code != cli.ExitSpecError || report.Valid || report.ErrorCount < 2 {
		t.Errorf("--json: exit %d, report %+v", code, report)
	}
}

func TestUsageErrors(t *testing.T) {
	for _, args := range [][]string{{"render"}, {"frobnicate"}, {"validate", "--nope", "x.hcl"}} {
		if code, _, _ := runCLI(args...); code != cli.ExitUsage {
			t.Errorf("%v: exit %d, want %d", args, code, cli.ExitUsage)
		}
	}
}

func TestStrictFailsOnWarnings(t *testing.T) {
	dir := t.TempDir()
	specPath := filepath.Join(dir, "w.hcl")
	src := threeMasters("az2")
	src = strings.Replace(src, `zone "az1" {}`, "zone \"az1\" {}\nzone \"az2\" {}", 1)
	if err := os.WriteFile(specPath, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, errs := runCLI("validate", specPath); code != cli.ExitOK || !strings.Contains(errs, "Zone failure loses etcd quorum") {
		t.Fatalf("a warning must print and pass: %d\n%s", code, errs)
	}
	if code, _, _ := runCLI("validate", "--strict", specPath); code != cli.ExitSpecError {
		t.Fatalf("--strict must fail on warnings, got %d", code)
	}
}

// TestAcceptedWarningPassesStrict: the quorum warning of a one-zone
// design, acknowledged by an accept block, no longer fails --strict; the
// text output says it was accepted and why, --json lists it under accepted
// with its code, and the warning's code is in --json without the block.
func TestAcceptedWarningPassesStrict(t *testing.T) {
	dir := t.TempDir()
	src := threeMasters("az1")
	plain := filepath.Join(dir, "plain.hcl")
	accepted := filepath.Join(dir, "accepted.hcl")
	if err := os.WriteFile(plain, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	src += "accept \"etcd-zone-quorum\" {\n  reason = \"Lab in one rack.\"\n}\n"
	if err := os.WriteFile(accepted, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	type report struct {
		Diagnostics []struct{ Code, Severity string }
		Accepted    []struct {
			Code, Reason string
			Warnings     []struct{ Code string }
		}
	}
	if code, out, _ := runCLI("validate", "--json", plain); code != cli.ExitOK || !strings.Contains(out, `"code": "etcd-zone-quorum"`) {
		t.Fatalf("--json must name the warning's code: exit %d\n%s", code, out)
	}
	if code, _, _ := runCLI("validate", "--strict", plain); code != cli.ExitSpecError {
		t.Fatalf("--strict must fail on the warning, got %d", code)
	}
	code, out, errs := runCLI("validate", "--strict", accepted)
	if code != cli.ExitOK || strings.Contains(errs, "Zone failure") || !strings.Contains(out, "Accepted etcd-zone-quorum at") ||
		!strings.Contains(out, "Reason: Lab in one rack.") || !strings.Contains(out, "(0 warnings, 1 accepted)") {
		t.Fatalf("an accepted warning must pass --strict and be listed: exit %d\n%s\n%s", code, out, errs)
	}
	code, out, _ = runCLI("validate", "--json", "--strict", accepted)
	var r report
	if err := json.Unmarshal([]byte(out), &r); err != nil || code != cli.ExitOK {
		t.Fatalf("exit %d, %v\n%s", code, err, out)
	}
	if len(r.Diagnostics) != 0 || len(r.Accepted) != 1 || r.Accepted[0].Code != "etcd-zone-quorum" || r.Accepted[0].Reason != "Lab in one rack." ||
		len(r.Accepted[0].Warnings) != 1 || r.Accepted[0].Warnings[0].Code != "etcd-zone-quorum" {
		t.Errorf("--json report: %+v", r)
	}
}

// TestLeastPrivilegeViolationWritesNothing renders the example, then breaks
// a least-privilege rule: render must point at the rule and leave every
// byte of the output folder as it was.
func TestLeastPrivilegeViolationWritesNothing(t *testing.T) {
	dir := t.TempDir()
	specPath := filepath.Join(dir, "ha.hcl")
	outDir := filepath.Join(dir, "out")
	if code, _, errs := runCLI("init", specPath); code != cli.ExitOK {
		t.Fatalf("init: %d %s", code, errs)
	}
	if code, _, errs := runCLI("render", specPath, "-o", outDir, "--flatten"); code != cli.ExitOK {
		t.Fatalf("render: %d %s", code, errs)
	}
	flat, _ := filepath.Glob(filepath.Join(outDir, "flat", "*.yaml"))
	if len(flat) == 0 || !strings.HasSuffix(flat[0], "00-namespaces.yaml") {
		t.Errorf("--flatten must write flat/ starting with the namespaces, got %v", flat)
	}
	before := snapshot(t, outDir)
	src, _ := os.ReadFile(specPath)
	bad := string(src) + `
role "sneaky" {
  namespace = "default"
  rule {
    resources = ["secrets"]
    verbs     = ["*"]
  }
}
`
	if err := os.WriteFile(specPath, []byte(bad), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, errs := runCLI("render", specPath, "-o", outDir)
	if code != cli.ExitSpecError || !strings.Contains(errs, "Wildcard verb") || !strings.Contains(errs, `verbs     = ["*"]`) {
		t.Fatalf("a wildcard verb must be a positioned error: exit %d\n%s", code, errs)
	}
	after := snapshot(t, outDir)
	if len(before) != len(after) {
		t.Fatalf("output folder changed: %d files before, %d after", len(before), len(after))
	}
	for p, b := range before {
		if !bytes.Equal(after[p], b) {
			t.Errorf("%s changed", p)
		}
	}
}

func snapshot(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		files[p] = b
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}
