package forecast_test

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"

	"github.com/blueprint-dev/blueprint/forecast"
	"github.com/blueprint-dev/blueprint/internal/fixture"
	"github.com/blueprint-dev/blueprint/plan"
	"github.com/blueprint-dev/blueprint/render"
	"github.com/blueprint-dev/blueprint/spec"
	"github.com/blueprint-dev/blueprint/validate"
)

// check validates a spec as the CLI does: the rules, then the capacity
// forecast of its rendered tree.
func check(t *testing.T, path string) (hcl.Diagnostics, *forecast.Forecast) {
	t.Helper()
	s, diags := spec.NewLoader().Load(path, spec.Options{})
	var fc *forecast.Forecast
	r := validate.RunWith(s, diags, func() hcl.Diagnostics {
		var err error
		if _, fc, err = render.RenderForecast(plan.Build(s), render.Options{}); err != nil {
			t.Fatal(err)
		}
		return forecast.Diagnostics(s, fc)
	})
	return r.Diagnostics, fc
}

// TestCorpus checks every design of testdata/capacity: each reports
// exactly the problems its "# ERROR:" and "# WARNING:" markers name, on
// those lines. The e2e suite (TestCapacity) holds the same designs'
// forecasts to the real scheduler.
func TestCorpus(t *testing.T) {
	paths, _ := filepath.Glob("../testdata/capacity/*.hcl")
	if len(paths) < 30 {
		t.Fatalf("the corpus has %d designs; it needs at least 30", len(paths))
	}
	infeasible := 0
	for _, p := range paths {
		t.Run(strings.TrimSuffix(filepath.Base(p), ".hcl"), func(t *testing.T) {
			diags, _ := check(t, p)
			got := fixture.Describe(diags)
			want, err := fixture.Expectations(p)
			if err != nil {
				t.Fatal(err)
			}
			slices.Sort(got)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Errorf("diagnostics\n  got  %s\n  want %s\n%s", strings.Join(got, "\n       "), strings.Join(want, "\n       "), diags)
			}
			for _, w := range want {
				if strings.Contains(w, "Pods that cannot be") {
					infeasible++
					break
				}
			}
		})
	}
	t.Logf("%d designs, %d of them infeasible on the intact cluster or after a zone loss", len(paths), infeasible)
}
