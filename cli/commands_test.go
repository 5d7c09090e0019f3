package cli_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/spf13/cobra"

	"github.com/blueprint-dev/blueprint/cli"
)

func writeFile(t *testing.T, path, src string, perm os.FileMode) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(src), perm); err != nil {
		t.Fatal(err)
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

const unformatted = "zone \"a\" {}\nnetwork {\n  node_subnets=[\"10.0.0.0/16\"]\n      cni = \"calico\"\n}\n"
const formatted = "zone \"a\" {}\nnetwork {\n  node_subnets = [\"10.0.0.0/16\"]\n  cni          = \"calico\"\n}\n"

func TestFmt(t *testing.T) {
	dir := t.TempDir()
	top := filepath.Join(dir, "a.hcl")
	sub := filepath.Join(dir, "sub", "b.hcl")
	hidden := filepath.Join(dir, ".git", "c.hcl")
	ok := filepath.Join(dir, "ok.hcl")
	other := filepath.Join(dir, "notes.txt")
	writeFile(t, top, unformatted, 0o640)
	writeFile(t, sub, unformatted, 0o600)
	writeFile(t, hidden, unformatted, 0o644)
	writeFile(t, ok, formatted, 0o644)
	writeFile(t, other, unformatted, 0o644)

	// --check changes nothing, names the file and exits 4; --diff shows the change.
	code, out, errs := runCLI("fmt", "-check", "-diff", dir)
	if code != cli.ExitWouldChange || !strings.Contains(out, "+  node_subnets = [\"10.0.0.0/16\"]") || !strings.Contains(out, "--- a/"+filepath.ToSlash(top)) {
		t.Fatalf("fmt -check -diff: exit %d\n%s%s", code, out, errs)
	}
	if readFile(t, top) != unformatted {
		t.Fatal("--check wrote the file")
	}
	code, out, _ = runCLI("fmt", "--check", "--json", "--recursive", dir)
	var rep struct{ Changed []string }
	if err := json.Unmarshal([]byte(out), &rep); err != nil || code != cli.ExitWouldChange || strings.Join(rep.Changed, " ") != top+" "+sub {
		t.Fatalf("fmt --check --json: exit %d, %v\n%s", code, err, out)
	}
	// Without --recursive, only the folder's own files; they keep their mode.
	if code, out, errs := runCLI("fmt", dir); code != cli.ExitOK || strings.TrimSpace(out) != top {
		t.Fatalf("fmt: exit %d, printed %q %s", code, out, errs)
	}
	if readFile(t, top) != formatted || readFile(t, sub) != unformatted || readFile(t, other) != unformatted {
		t.Fatal("fmt formatted the wrong files")
	}
	if fi, _ := os.Stat(top); fi.Mode().Perm() != 0o640 {
		t.Errorf("fmt changed the mode to %v", fi.Mode().Perm())
	}
	// --recursive reaches sub/ but not hidden folders.
	if code, out, _ := runCLI("fmt", "--recursive", dir); code != cli.ExitOK || strings.TrimSpace(out) != sub {
		t.Fatalf("fmt --recursive: exit %d, printed %q", code, out)
	}
	if readFile(t, sub) != formatted || readFile(t, hidden) != unformatted {
		t.Fatal("--recursive formatted the wrong files")
	}
	if fi, _ := os.Stat(sub); fi.Mode().Perm() != 0o600 {
		t.Errorf("fmt changed the mode to %v", fi.Mode().Perm())
	}
	if code, out, _ := runCLI("fmt", "-check", "-recursive", dir); code != cli.ExitOK || out != "" {
		t.Fatalf("all formatted: exit %d, printed %q", code, out)
	}
}

func TestFmtRefusals(t *testing.T) {
	dir := t.TempDir()
	// A file that does not parse is reported and left alone: exit 1.
	bad := filepath.Join(dir, "bad.hcl")
	writeFile(t, bad, "zone \"a\" {\n  x =\n", 0o644)
	code, _, errs := runCLI("fmt", bad)
	if code != cli.ExitSpecError || !strings.Contains(errs, "bad.hcl:2:6") || readFile(t, bad) != "zone \"a\" {\n  x =\n" {
		t.Errorf("a file that does not parse: exit %d\n%s", code, errs)
	}
	// Never through a link: the target stays as it was.
	target := filepath.Join(dir, "target.hcl")
	link := filepath.Join(dir, "link.hcl")
	writeFile(t, target, unformatted, 0o644)
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	code, _, errs = runCLI("fmt", link)
	if code != cli.ExitFailure || !strings.Contains(errs, "does not write through links") || readFile(t, target) != unformatted {
		t.Errorf("a link: exit %d\n%s", code, errs)
	}
	// In a folder a link is skipped, the regular file formatted.
	code, out, _ := runCLI("fmt", dir)
	if code != cli.ExitSpecError || strings.Contains(out, "link.hcl") || readFile(t, target) != formatted {
		t.Errorf("a folder with a link: exit %d, printed %q", code, out)
	}
	// A named pipe is refused at once instead of blocking.
	fifo := filepath.Join(dir, "pipe.hcl")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, errs := runCLI("fmt", fifo); code != cli.ExitFailure || !strings.Contains(errs, "not a regular file") {
		t.Errorf("a named pipe: exit %d\n%s", code, errs)
	}
	if code, _, _ := runCLI("fmt", filepath.Join(dir, "missing.hcl")); code != cli.ExitFailure {
		t.Errorf("a missing file: exit %d", code)
	}
}

func TestFmtStdin(t *testing.T) {
	var out, errw strings.Builder
	code := cli.Main([]string{"fmt", "-"}, strings.NewReader(unformatted), &out, &errw)
	if code != cli.ExitOK || out.String() != formatted {
		t.Errorf("fmt -: exit %d, %q %s", code, out.String(), errw.String())
	}
}

// TestExamplesAreFormatted keeps the examples and the valid specs of the
// tests in the canonical style (.ci/run checks the same). Invalid and
// hostile fixtures are left out: their expectations depend on line
// numbers and on spacing.
func TestExamplesAreFormatted(t *testing.T) {
	args := []string{"fmt", "-check", "-diff", "-recursive", "../blueprints", "../testdata/services", "../testdata/workloads", "../testdata/plan", "../e2e/testdata"}
	if code, out, errs := runCLI(args...); code != cli.ExitOK {
		t.Errorf("run blueprint fmt on these files: exit %d\n%s%s", code, out, errs)
	}
}

func TestValidateSeveralSpecs(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.hcl")
	bad := filepath.Join(dir, "bad.hcl")
	writeFile(t, good, readFile(t, "../blueprints/ha.hcl"), 0o644)
	writeFile(t, bad, broken, 0o644)
	code, out, errs := runCLI("validate", good, bad)
	if code != cli.ExitSpecError || !strings.Contains(out, good+" is valid") || strings.Contains(out, bad+" is valid") || !strings.Contains(errs, "bad.hcl:11:15") {
		t.Errorf("two specs: exit %d\n%s%s", code, out, errs)
	}
	// A missing spec among them: the highest code, 3.
	if code, _, _ := runCLI("validate", good, bad, filepath.Join(dir, "none.hcl")); code != cli.ExitFailure {
		t.Errorf("with a missing spec: exit %d", code)
	}
	// The folder holding both is one spec, so they clash; validate says why.
	code, _, errs = runCLI("validate", dir)
	if code != cli.ExitSpecError || !strings.Contains(errs, "The *.hcl files of a folder form one spec") || !strings.Contains(errs, filepath.Join(dir, "*.hcl")) {
		t.Errorf("a folder of two specs: exit %d\n%s", code, errs)
	}

	code, out, _ = runCLI("validate", "--json", good, bad)
	var rep struct {
		Valid bool
		Specs []struct {
			Path       string
			Valid      bool
			ErrorCount int `json:"error_count"`
		}
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil || code != cli.ExitSpecError || rep.Valid || len(rep.Specs) != 2 || !rep.Specs[0].Valid || rep.Specs[1].Valid || rep.Specs[1].ErrorCount == 0 {
		t.Errorf("--json: exit %d, %v, %+v", code, err, rep)
	}
}

func TestValidateSARIF(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.hcl")
	writeFile(t, bad, broken, 0o644)
	code, out, _ := runCLI("validate", "--format", "sarif", bad)
	var log struct {
		Version string
		Runs    []struct {
			Tool struct {
				Driver struct {
					Name  string
					Rules []struct{ ID string }
				}
			}
			Results []struct {
				RuleID    string
				RuleIndex int
				Level     string
				Message   struct{ Text string }
				Locations []struct {
					PhysicalLocation struct {
						ArtifactLocation struct{ URI string }
						Region           struct{ StartLine, StartColumn, EndLine, EndColumn int }
					}
				}
			}
		}
	}
	if err := json.Unmarshal([]byte(out), &log); err != nil || code != cli.ExitSpecError {
		t.Fatalf("exit %d, %v\n%s", code, err, out)
	}
	if log.Version != "2.1.0" || len(log.Runs) != 1 || log.Runs[0].Tool.Driver.Name != "blueprint" {
		t.Fatalf("not a SARIF 2.1.0 log of blueprint: %+v", log)
	}
	run := log.Runs[0]
	found := false
	for _, r := range run.Results {
		if r.RuleIndex >= len(run.Tool.Driver.Rules) || run.Tool.Driver.Rules[r.RuleIndex].ID != r.RuleID {
			t.Errorf("result %q points at rule %d", r.RuleID, r.RuleIndex)
		}
		if r.RuleID == "undeclared-zone" {
			found = true
			loc := r.Locations[0].PhysicalLocation
			if r.Level != "error" || loc.ArtifactLocation.URI != "file://"+filepath.ToSlash(bad) || loc.Region.StartLine != 11 || loc.Region.StartColumn != 15 || loc.Region.EndColumn != 20 {
				t.Errorf("undeclared-zone: %+v", r)
			}
		}
	}
	if !found {
		t.Errorf("no undeclared-zone result: %s", out)
	}
	if code, _, _ := runCLI("validate", "--format", "yaml", bad); code != cli.ExitUsage {
		t.Errorf("an unknown format: exit %d", code)
	}
}

func TestRenderAndDiffJSON(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "out")
	code, stdout, errs := runCLI("render", "../blueprints/ha.hcl", "-o", out, "--json", "--var", "workers_per_zone=1")
	var rep struct {
		Output                      string
		Written, Unchanged, Removed []string
		Diagnostics                 []any
	}
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil || code != cli.ExitOK || len(rep.Written) < 50 || len(rep.Unchanged) != 0 || rep.Output != out {
		t.Fatalf("render --json: exit %d, %v\n%.400s%s", code, err, stdout, errs)
	}
	if strings.Contains(errs, "Wrote") {
		t.Errorf("render --json printed its summary too: %s", errs)
	}
	code, stdout, _ = runCLI("diff", "../blueprints/ha.hcl", "-o", out, "--json")
	var d struct {
		Changes []struct{ Path, Action string }
		Patch   string
	}
	if err := json.Unmarshal([]byte(stdout), &d); err != nil || code != cli.ExitOK {
		t.Fatalf("diff --json: exit %d, %v", code, err)
	}
	actions := map[string]string{}
	for _, c := range d.Changes {
		actions[c.Path] = c.Action
	}
	if actions["kubeadm/join-worker/worker04.yaml"] != "create" || actions["ARCHITECTURE.md"] != "update" || !strings.Contains(d.Patch, "+++ b/kubeadm/join-worker/worker04.yaml") {
		t.Errorf("diff --json: %v", actions)
	}
	code, stdout, _ = runCLI("render", "../blueprints/ha.hcl", "-o", out, "--json")
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil || code != cli.ExitOK || len(rep.Unchanged) == 0 || len(rep.Written) != len(d.Changes) {
		t.Errorf("second render --json: exit %d, %v, %d written, %d unchanged, diff said %d", code, err, len(rep.Written), len(rep.Unchanged), len(d.Changes))
	}
	// A broken spec: its diagnostics in the report, and exit 1.
	bad := filepath.Join(dir, "bad.hcl")
	writeFile(t, bad, broken, 0o644)
	code, stdout, _ = runCLI("render", bad, "-o", out, "--json")
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil || code != cli.ExitSpecError || len(rep.Diagnostics) == 0 {
		t.Errorf("render --json of a broken spec: exit %d, %v\n%s", code, err, stdout)
	}
}

func TestQuiet(t *testing.T) {
	dir := t.TempDir()
	spec := filepath.Join(dir, "ha.hcl")
	if code, out, _ := runCLI("init", "-q", spec); code != cli.ExitOK || out != "" {
		t.Errorf("init -q: exit %d, printed %q", code, out)
	}
	if code, out, errs := runCLI("validate", "--quiet", spec); code != cli.ExitOK || out != "" || errs != "" {
		t.Errorf("validate -q: exit %d, printed %q %q", code, out, errs)
	}
	if code, out, errs := runCLI("-q", "render", spec, "-o", filepath.Join(dir, "out")); code != cli.ExitOK || out != "" || errs != "" {
		t.Errorf("render -q: exit %d, printed %q %q", code, out, errs)
	}
	// Errors still show; warnings do not.
	bad := filepath.Join(dir, "bad.hcl")
	writeFile(t, bad, broken, 0o644)
	code, _, errs := runCLI("validate", "-q", bad)
	if code != cli.ExitSpecError || !strings.Contains(errs, "Undeclared zone") || strings.Contains(errs, "Warning:") {
		t.Errorf("validate -q of a broken spec: exit %d\n%s", code, errs)
	}
}

func TestInit(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	code, out, errs := runCLI("init")
	if code != cli.ExitOK || !strings.Contains(out, "Wrote blueprint.hcl") {
		t.Fatalf("init: exit %d %s%s", code, out, errs)
	}
	src := readFile(t, "blueprint.hcl")
	if !strings.Contains(src, "#   blueprint validate blueprint.hcl\n#   blueprint render   blueprint.hcl\n") || strings.Contains(src, "blueprints/ha.hcl") {
		t.Errorf("the header must name the file written:\n%.300s", src)
	}
	if code, _, _ := runCLI("validate", "blueprint.hcl"); code != cli.ExitOK {
		t.Errorf("the written example does not validate: %d", code)
	}
	for _, name := range []string{"data-platform", "external-etcd", "external-lb", "fleet"} {
		path := filepath.Join("specs", name+".hcl")
		if err := os.MkdirAll("specs", 0o755); err != nil {
			t.Fatal(err)
		}
		if code, _, errs := runCLI("init", path, "--example", name); code != cli.ExitOK {
			t.Fatalf("init --example %s: %d %s", name, code, errs)
		}
		if src := readFile(t, path); !strings.Contains(src, "blueprint validate "+path) || strings.Contains(src, "blueprints/") {
			t.Errorf("%s: the header must name %s:\n%.400s", name, path, src)
		}
		if code, _, errs := runCLI("validate", path); code != cli.ExitOK {
			t.Errorf("%s does not validate: %s", name, errs)
		}
	}
	code, _, errs = runCLI("init", "specs")
	if code != cli.ExitUsage || !strings.Contains(errs, "specs is a folder") || strings.Contains(errs, "--force") {
		t.Errorf("init on a folder: exit %d %s", code, errs)
	}
	if code, _, errs := runCLI("init", "x.hcl", "--example", "nope"); code != cli.ExitUsage || !strings.Contains(errs, "data-platform, external-etcd, external-lb, fleet, ha") {
		t.Errorf("an unknown example: exit %d %s", code, errs)
	}
}

// TestUnreadableSpecIsExit3 checks the README's exit codes: 3 for a spec or
// variables file that cannot be read, 1 for what a spec says.
func TestUnreadableSpecIsExit3(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "pipe.hcl")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"validate", filepath.Join(dir, "missing.hcl")},
		{"render", filepath.Join(dir, "missing.hcl"), "-o", filepath.Join(dir, "out")},
		{"validate", fifo},
		{"validate", dir}, // no *.hcl files
		{"validate", "../blueprints/ha.hcl", "--var-file", filepath.Join(dir, "missing.hcl")},
	} {
		if code, _, errs := runCLI(args...); code != cli.ExitFailure {
			t.Errorf("%v: exit %d, want %d\n%s", args, code, cli.ExitFailure, errs)
		}
	}
}

// TestCompletionOffersSpecs asks cobra's completion, as a shell does.
func TestCompletionOffersSpecs(t *testing.T) {
	for _, args := range [][]string{{"validate", ""}, {"render", ""}, {"diff", ""}, {"fmt", ""}, {"render", "--var-file", ""}} {
		code, out, _ := runCLI(append([]string{cobra.ShellCompRequestCmd}, args...)...)
		want := "hcl\n:" + strconv.Itoa(int(cobra.ShellCompDirectiveFilterFileExt)) + "\n"
		if code != cli.ExitOK || !strings.HasPrefix(out, want) {
			t.Errorf("%v: exit %d, %q, want %q", args, code, out, want)
		}
	}
	code, out, _ := runCLI(cobra.ShellCompRequestCmd, "verify", "")
	if code != cli.ExitOK || !strings.HasPrefix(out, ":"+strconv.Itoa(int(cobra.ShellCompDirectiveFilterDirs))+"\n") {
		t.Errorf("verify: %q", out)
	}
}

// TestHelp checks that every command's help has examples, and that the
// root's and render's say what render writes.
func TestHelp(t *testing.T) {
	root := cli.NewRootCommand(cli.Streams{In: strings.NewReader(""), Out: new(strings.Builder), Err: new(strings.Builder)})
	for _, c := range root.Commands() {
		if c.Hidden || c.Name() == "help" || c.Name() == "completion" {
			continue
		}
		if strings.TrimSpace(c.Example) == "" {
			t.Errorf("%s --help has no examples", c.Name())
		}
	}
	for _, args := range [][]string{{"--help"}, {"render", "--help"}} {
		_, out, _ := runCLI(args...)
		for _, want := range []string{"kubeadm/", "loadbalancer/", "manifests/", "gitops/", "images.txt", "ARCHITECTURE.md"} {
			if !strings.Contains(out, want) {
				t.Errorf("%v does not mention %s", args, want)
			}
		}
	}
}
