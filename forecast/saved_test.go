package forecast_test

import (
	"fmt"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/blueprint-dev/blueprint/forecast"
	"github.com/blueprint-dev/blueprint/plan"
	"github.com/blueprint-dev/blueprint/render"
	"github.com/blueprint-dev/blueprint/spec"
)

// TestSavedForecastRestoresTheSame: for every example and every design of
// the capacity corpus, a forecast saved and restored on its input is the
// forecast: every scenario deeply equal, the same pods shared between the
// intact cluster and each loss (a replacement pod of the same name is
// another pod), and the same ARCHITECTURE.md capacity report and
// diagnostics. Restored on another design's input, it is refused.
func TestSavedForecastRestoresTheSame(t *testing.T) {
	examples, _ := filepath.Glob("../blueprints/*.hcl")
	corpus, _ := filepath.Glob("../testdata/capacity/*.hcl")
	paths := append(examples, corpus...)
	if len(examples) < 5 || len(corpus) < 10 {
		t.Fatalf("%d examples and %d corpus designs: the globs are wrong", len(examples), len(corpus))
	}
	var other *forecast.Input
	for _, path := range paths {
		s, diags := spec.NewLoader().Load(path, spec.Options{})
		if diags.HasErrors() {
			continue // a fleet, or a design whose markers expect errors before the forecast
		}
		t.Run(filepath.Base(path), func(t *testing.T) {
			p := plan.Build(s)
			_, fc, err := render.RenderForecast(p, render.Options{})
			if err != nil || fc == nil {
				t.Skipf("no forecast: %v", err)
			}
			data, err := fc.Encode()
			if err != nil {
				t.Fatal(err)
			}
			in := &forecast.Input{Machines: fc.Machines, Objects: fc.Objects}
			got, err := forecast.Restore(in, data)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%d pods, %d scenarios: %d bytes saved", len(fc.Intact.Pods), 1+len(fc.ZoneLosses)+len(fc.NodeLosses), len(data))
			want := append([]*forecast.Scenario{fc.Intact}, append(fc.ZoneLosses, fc.NodeLosses...)...)
			have := append([]*forecast.Scenario{got.Intact}, append(got.ZoneLosses, got.NodeLosses...)...)
			if len(want) != len(have) {
				t.Fatalf("%d scenarios restored, want %d", len(have), len(want))
			}
			for i := range want {
				if !reflect.DeepEqual(want[i], have[i]) {
					t.Errorf("scenario %s differs after restoring", want[i].Name)
				}
				if a, b := sharing(fc.Intact, want[i]), sharing(got.Intact, have[i]); a != b {
					t.Errorf("scenario %s: pods shared with the intact cluster differ after restoring:\n%s\n%s", want[i].Name, a, b)
				}
			}
			if !reflect.DeepEqual(got.Workloads, fc.Workloads) {
				t.Error("the workloads differ after restoring")
			}
			if !reflect.DeepEqual(forecast.Report(p, fc), forecast.Report(p, got)) {
				t.Error("the capacity report differs after restoring")
			}
			if a, b := fmt.Sprint(forecast.Diagnostics(s, fc)), fmt.Sprint(forecast.Diagnostics(s, got)); a != b {
				t.Errorf("the diagnostics differ after restoring:\n%s\n%s", a, b)
			}
			if other != nil && (len(other.Machines) != len(in.Machines) || len(other.Objects.Workloads) != len(in.Objects.Workloads)) {
				if _, err := forecast.Restore(other, data); err == nil {
					t.Error("restored on another design's input")
				}
			}
			if _, err := forecast.Restore(in, data[:len(data)/2]); err == nil {
				t.Error("restored from half the saved bytes")
			}
			other = in
		})
	}
}

// sharing lists, for each pod result of a scenario, whether its pod is
// one of the intact cluster's, as a string of 1s and 0s.
func sharing(intact, sc *forecast.Scenario) string {
	own := map[*forecast.Pod]bool{}
	for _, r := range intact.Pods {
		own[r.Pod] = true
	}
	b := make([]byte, len(sc.Pods))
	for i, r := range sc.Pods {
		b[i] = '0'
		if own[r.Pod] {
			b[i] = '1'
		}
	}
	return string(b)
}
