package pipeline_test

import (
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/hashicorp/hcl/v2"

	"github.com/blueprint-dev/blueprint/internal/controlplane"
	"github.com/blueprint-dev/blueprint/plan"
	"github.com/blueprint-dev/blueprint/render"
	"github.com/blueprint-dev/blueprint/spec"
	"github.com/blueprint-dev/blueprint/validate"
)

// lookupTool finds a validator where .ci/run installs it (see
// controlplane.ToolDirs) or on PATH. In CI a missing tool fails the test;
// elsewhere it returns "" and the caller says what is not checked.
func lookupTool(t *testing.T, name string) string {
	t.Helper()
	if p, err := controlplane.FindTool(name); err == nil {
		return p
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("%s is not installed; .ci/run installs it (see ../shared/VALIDATORS.md)", name)
	}
	return ""
}

// tool returns the path of a validator. In CI a missing tool fails the
// test; on a developer machine the test is skipped and says so.
func tool(t *testing.T, name string) string {
	t.Helper()
	p := lookupTool(t, name)
	if p == "" {
		t.Skipf("SKIPPED, not passed: %s is not installed here; run .ci/run's install steps to check with it", name)
	}
	return p
}

// renderLoaded validates a spec as it came from the loader and renders it,
// the way the CLI does: it returns every diagnostic, and a plan and tree
// only when they hold no error. Callers decide what a warning means.
func renderLoaded(s *spec.Spec, loadDiags hcl.Diagnostics) (*plan.Plan, render.Tree, hcl.Diagnostics, error) {
	diags := validate.Check(s, loadDiags)
	if diags.HasErrors() {
		return nil, nil, diags, nil
	}
	p := plan.Build(s)
	tree, err := render.Render(p)
	return p, tree, diags, err
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
		pl, tree, diags, err := renderLoaded(spec.NewLoader().Load(p, spec.Options{}))
		if len(diags) > 0 {
			t.Fatalf("%s must validate cleanly, got: %v", p, diags)
		}
		if err != nil {
			t.Fatalf("rendering %s: %v", p, err)
		}
		name := filepath.Base(p)
		name = name[:len(name)-len(filepath.Ext(name))]
		out = append(out, example{name: name, path: p, plan: pl, tree: tree})
	}
	return out
}
