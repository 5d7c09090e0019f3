package blueprint_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"testing"

	"github.com/blueprint-dev/blueprint/plan"
	"github.com/blueprint-dev/blueprint/render"
	"github.com/blueprint-dev/blueprint/spec"
	"github.com/blueprint-dev/blueprint/validate"
)

// toolDirs are searched, in order, before PATH for the real programs that
// judge the output. .ci/run builds the Kubernetes ones into the cache folder.
func toolDirs() []string {
	dirs := []string{}
	if d := os.Getenv("BLUEPRINT_TOOLS"); d != "" {
		dirs = append(dirs, d)
	}
	return append(dirs, "/var/cache/blueprint-tools/bin", "/usr/sbin", "/usr/local/sbin")
}

// tool returns the path of a validator. In CI a missing tool fails the
// test; on a developer machine the test is skipped and says so.
func tool(t *testing.T, name string) string {
	t.Helper()
	for _, d := range toolDirs() {
		p := filepath.Join(d, name)
		if info, err := os.Stat(p); err == nil && !info.IsDir() {
			return p
		}
	}
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("%s is not installed; .ci/run installs it (see ../shared/VALIDATORS.md)", name)
	}
	t.Skipf("SKIPPED, not passed: %s is not installed here; run .ci/run's install steps to check with it", name)
	return ""
}

// example is one spec of blueprints/ with its rendered tree.
type example struct {
	name string
	path string
	plan *plan.Plan
	tree render.Tree
}

// examples loads and renders every spec in blueprints/.
func examples(t *testing.T) []example {
	t.Helper()
	paths, _ := filepath.Glob("blueprints/*.hcl")
	sort.Strings(paths)
	if len(paths) == 0 {
		t.Fatal("no specs in blueprints/")
	}
	var out []example
	for _, p := range paths {
		l := spec.NewLoader()
		s, diags := l.Load(p, spec.Options{})
		if s != nil {
			diags = append(diags, validate.Spec(s)...)
		}
		if len(diags) > 0 {
			t.Fatalf("%s must validate cleanly, got: %v", p, diags)
		}
		pl := plan.Build(s)
		tree, err := render.Render(pl)
		if err != nil {
			t.Fatalf("rendering %s: %v", p, err)
		}
		name := filepath.Base(p)
		name = name[:len(name)-len(filepath.Ext(name))]
		out = append(out, example{name: name, path: p, plan: pl, tree: tree})
	}
	return out
}
