package pipeline_test

import (
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"testing"

	"github.com/hashicorp/hcl/v2"

	"github.com/blueprint-dev/blueprint/forecast"
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

// example is one spec of blueprints/ with its rendered tree, and the
// capacity forecast of that tree when it was rendered with it (see
// exampleForecast).
type example struct {
	name     string
	path     string
	plan     *plan.Plan
	tree     render.Tree
	forecast *forecast.Forecast
}

// exampleForecast returns the capacity forecast of an example's tree: the
// one rendered with it, or, for a variant rendered without, a new
// rendering's.
func exampleForecast(t *testing.T, ex example) *forecast.Forecast {
	t.Helper()
	if ex.forecast != nil {
		return ex.forecast
	}
	_, fc, err := render.RenderForecast(ex.plan, render.Options{})
	if err != nil {
		t.Fatalf("%s: %v", ex.name, err)
	}
	return fc
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
		if isFleet(p) {
			// A fleet's members are single clusters' trees, but their
			// source is the fleet's: the tests that vary an example's
			// source cannot take them. fleets() renders them, and
			// verify's TestRenderedTreesPass checks each with the real tools.
			continue
		}
		out = append(out, renderExample(t, p))
	}
	return out
}

// renderExample loads and renders the spec at path, which must validate
// cleanly.
func renderExample(t *testing.T, path string) example {
	t.Helper()
	ex, diags := renderWarned(t, path)
	if len(diags) > 0 {
		t.Fatalf("%s must validate cleanly, got: %v", path, diags)
	}
	return ex
}

// renderWarned loads and renders the spec at path, which must validate
// without errors, and returns its warnings. As the CLI validates: the
// capacity forecast's warnings join the rules' before the accept blocks
// apply (an example may accept a capacity-zone-loss warning).
func renderWarned(t *testing.T, path string) (example, hcl.Diagnostics) {
	t.Helper()
	s, ld := spec.NewLoader().Load(path, spec.Options{})
	var pl *plan.Plan
	var tree render.Tree
	var fc *forecast.Forecast
	var err error
	diags := validate.RunWith(s, ld, func() hcl.Diagnostics {
		pl = plan.Build(s)
		tree, fc, err = render.RenderForecast(pl, render.Options{})
		if err != nil {
			return nil
		}
		return forecast.Diagnostics(s, fc)
	}).Diagnostics
	if diags.HasErrors() {
		t.Fatalf("%s must validate, got: %v", path, diags)
	}
	if err != nil {
		t.Fatalf("rendering %s: %v", path, err)
	}
	name := filepath.Base(path)
	name = name[:len(name)-len(filepath.Ext(name))]
	return example{name: name, path: path, plan: pl, tree: tree, forecast: fc}, diags
}

// lockLines are an images block's lock_file and require_digest lines.
var lockLines = regexp.MustCompile(`(?m)^  (lock_file|require_digest) +=.*\n`)

// unlocked is an example's source without its images lock: a variant
// that runs images the example does not (another registry, a service
// turned on) would find them missing from the example's lock file.
func unlocked(src []byte) []byte { return lockLines.ReplaceAll(src, nil) }

// isFleet reports whether the spec at path declares a fleet.
func isFleet(path string) bool {
	_, f, _ := spec.NewLoader().LoadAny(path, spec.Options{})
	return f != nil
}

// fleetExample is a fleet spec of blueprints/ rendered: its members, each
// as an example named after its folder (fleet/clusters/west), and the
// whole fleet's tree.
type fleetExample struct {
	name    string
	path    string
	members []example
	tree    render.Tree
}

// loadFleet renders the spec at path if it is a fleet, as the CLI does;
// nil when it is a single cluster's spec.
func loadFleet(t *testing.T, path string) *fleetExample {
	t.Helper()
	_, f, diags := spec.NewLoader().LoadAny(path, spec.Options{})
	return renderFleet(t, path, f, diags)
}

// renderFleet validates a loaded fleet, which must have no diagnostic, and
// renders it; nil when the spec is not a fleet.
func renderFleet(t *testing.T, path string, f *spec.Fleet, diags hcl.Diagnostics) *fleetExample {
	t.Helper()
	if f == nil {
		return nil
	}
	name := filepath.Base(path)
	name = name[:len(name)-len(filepath.Ext(name))]
	fe := &fleetExample{name: name, path: path}
	trees, plans := map[string]render.Tree{}, map[string]*plan.Plan{}
	r := validate.Fleet(f, diags, func(m *spec.Member) func() hcl.Diagnostics {
		return func() hcl.Diagnostics {
			p := plan.Build(m.Spec)
			tree, err := render.Render(p)
			if err != nil {
				t.Fatalf("rendering member %s of %s: %v", m.Name, path, err)
			}
			trees[m.Name], plans[m.Name] = tree, p
			fe.members = append(fe.members, example{name: name + "/" + plan.FleetDir + "/" + m.Name, path: path, plan: p, tree: tree})
			return nil
		}
	})
	if len(r.Diagnostics) > 0 {
		t.Fatalf("%s must validate cleanly, got: %v", path, r.Diagnostics)
	}
	tree, err := render.Fleet(plan.BuildFleet(f, plans), trees)
	if err != nil {
		t.Fatalf("rendering %s: %v", path, err)
	}
	fe.tree = tree
	return fe
}

// fleets loads and renders every fleet spec in blueprints/.
func fleets(t *testing.T) []*fleetExample {
	t.Helper()
	paths, _ := filepath.Glob("blueprints/*.hcl")
	sort.Strings(paths)
	var out []*fleetExample
	for _, p := range paths {
		if fl := loadFleet(t, p); fl != nil {
			out = append(out, fl)
		}
	}
	return out
}
