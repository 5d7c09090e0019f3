//go:build linux || darwin || freebsd

package spec_test

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hashicorp/hcl/v2"

	"github.com/blueprint-dev/blueprint/spec"
)

// load runs the loader, failing the test if it does not return in time:
// a named pipe used to block it until a writer came, forever.
func load(t *testing.T, path string, opts spec.Options) hcl.Diagnostics {
	t.Helper()
	done := make(chan hcl.Diagnostics, 1)
	go func() {
		_, diags := spec.NewLoader().Load(path, opts)
		done <- diags
	}()
	select {
	case diags := <-done:
		return diags
	case <-time.After(60 * time.Second):
		t.Fatal("loading hung")
		return nil
	}
}

// TestOnlyRegularFilesAreRead gives a named pipe as the spec, as one of a
// folder's *.hcl files and as a variables file, and a device as the spec:
// each is refused with a diagnostic at that file.
func TestOnlyRegularFilesAreRead(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "a.hcl")
	if err := os.WriteFile(good, []byte(base), 0o644); err != nil {
		t.Fatal(err)
	}
	pipe := filepath.Join(dir, "b.hcl")
	if err := syscall.Mkfifo(pipe, 0o644); err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]struct {
		path string
		opts spec.Options
		file string
	}{
		"pipe as the spec":        {pipe, spec.Options{}, pipe},
		"pipe in the spec folder": {dir, spec.Options{}, pipe},
		"pipe as a var file":      {good, spec.Options{VarFiles: []string{pipe}}, pipe},
		"device as the spec":      {"/dev/zero", spec.Options{}, "/dev/zero"},
	} {
		t.Run(name, func(t *testing.T) {
			diags := load(t, c.path, c.opts)
			var found *hcl.Diagnostic
			for _, d := range diags {
				if strings.Contains(d.Detail, "not a regular file") {
					found = d
				}
			}
			if found == nil || found.Subject == nil || found.Subject.Filename != c.file {
				t.Fatalf("want a refusal at %s, got %v", c.file, diags)
			}
		})
	}
}

// TestEachVarFileIsReadOnce gives one variables file 300 times (the old
// loader read, parsed and applied it 300 times, in 126 s for a large one)
// and checks by its diagnostics that it was applied once, and that giving
// files again keeps the last one's values.
func TestEachVarFileIsReadOnce(t *testing.T) {
	dir := t.TempDir()
	spath := filepath.Join(dir, "spec.hcl")
	if err := os.WriteFile(spath, []byte(base), 0o644); err != nil {
		t.Fatal(err)
	}
	a, b := filepath.Join(dir, "a.vars"), filepath.Join(dir, "b.vars")
	if err := os.WriteFile(a, []byte("zone = \"from-a\"\ncuont = 1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(b, []byte("zone = \"from-b\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	// Another name of a: a link.
	alias := filepath.Join(dir, "alias.vars")
	if err := os.Symlink(a, alias); err != nil {
		t.Fatal(err)
	}
	files := []string{}
	for range 150 {
		files = append(files, a, alias)
	}
	_, diags := spec.NewLoader().Load(spath, spec.Options{VarFiles: files})
	if n := strings.Count(diags.Error(), "cuont"); n != 1 {
		t.Errorf("the misspelt variable is reported %d times, want once: the file was applied more than once", n)
	}

	if err := os.WriteFile(a, []byte("zone = \"from-a\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for order, want := range map[string]string{"a b a": "from-a", "b a b": "from-b", "a b": "from-b", "alias b alias": "from-a"} {
		var files []string
		for _, f := range strings.Fields(order) {
			files = append(files, map[string]string{"a": a, "b": b, "alias": alias}[f])
		}
		s, _ := spec.NewLoader().Load(spath, spec.Options{VarFiles: files})
		if s == nil || len(s.NodePools) == 0 || s.NodePools[0].Nodes[0].Zone != want {
			t.Errorf("-var-file %s: want zone %s", order, want)
		}
	}
}

// TestInputIsBoundedInAll: files each under the per-file limit are refused
// once together they pass MaxInputSize.
func TestInputIsBoundedInAll(t *testing.T) {
	dir := t.TempDir()
	spath := filepath.Join(dir, "spec.hcl")
	if err := os.WriteFile(spath, []byte(base), 0o644); err != nil {
		t.Fatal(err)
	}
	var files []string
	filler := "# " + strings.Repeat("x", spec.MaxFileSize-100) + "\n"
	for i := range spec.MaxInputSize/spec.MaxFileSize + 1 {
		p := filepath.Join(dir, string(rune('a'+i))+".vars")
		if err := os.WriteFile(p, []byte(filler), 0o644); err != nil {
			t.Fatal(err)
		}
		files = append(files, p)
	}
	diags := load(t, spath, spec.Options{VarFiles: files})
	if !strings.Contains(diags.Error(), "Spec input too large") {
		t.Fatalf("want the total refused, got %v", diags)
	}
	for _, d := range diags {
		if d.Summary == "Spec input too large" && (d.Subject == nil || d.Subject.Filename != files[len(files)-1]) {
			t.Errorf("want the refusal at the file that crossed the limit, got %v", d.Subject)
		}
	}
}

// TestSpecFolderReadsRegularFilesOnly: in a spec folder, a *.hcl that is a
// symbolic link (here to /etc/passwd) or a folder is refused by name, with
// none of the target's lines in the diagnostics; a spec file named directly
// may be a link, since the user chose it.
func TestSpecFolderReadsRegularFilesOnly(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "a.hcl"), []byte(base), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("/etc/passwd", filepath.Join(dir, "x.hcl")); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(dir, "sub.hcl"), 0o755); err != nil {
		t.Fatal(err)
	}
	s, diags := spec.NewLoader().Load(dir, spec.Options{})
	if s != nil {
		t.Error("a folder with a linked spec file loaded")
	}
	got := map[string]string{}
	for _, d := range diags {
		if d.Summary != "Not a regular file" || !spec.IsInputProblem(d) || d.Subject == nil {
			t.Errorf("unexpected diagnostic %q (%s)", d.Summary, d.Detail)
			continue
		}
		got[filepath.Base(d.Subject.Filename)] = d.Detail
	}
	for name, what := range map[string]string{"x.hcl": "a symbolic link", "sub.hcl": "a folder"} {
		if !strings.Contains(got[name], what) {
			t.Errorf("%s: got %q, want a diagnostic saying it is %s", name, got[name], what)
		}
	}
	if strings.Contains(diags.Error(), "root:") {
		t.Errorf("the diagnostics print the link's target: %s", diags.Error())
	}

	// Named directly, a link to a spec is read.
	link := filepath.Join(t.TempDir(), "spec.hcl")
	if err := os.Symlink(filepath.Join(dir, "a.hcl"), link); err != nil {
		t.Fatal(err)
	}
	if s, diags := spec.NewLoader().Load(link, spec.Options{Vars: []string{"zone=a"}}); s == nil || diags.HasErrors() {
		t.Errorf("a spec file named through a link is refused: %v", diags)
	}
}
