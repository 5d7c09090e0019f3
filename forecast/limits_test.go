package forecast_test

import (
	"testing"

	"github.com/blueprint-dev/blueprint/forecast"
	"github.com/blueprint-dev/blueprint/plan"
	"github.com/blueprint-dev/blueprint/spec"
)

// A design with more pods than Kubernetes is tested with (150,000) is
// refused at its cluster block; one pod fewer is not.
func TestPodLimit(t *testing.T) {
	s, diags := spec.NewLoader().Load("../blueprints/ha.hcl", spec.Options{})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	w := &forecast.Workload{Kind: forecast.KindDaemonSet, Namespace: "kube-system", Name: "many"}
	for _, n := range []int{plan.MaxPods, plan.MaxPods + 1} {
		f := &forecast.Forecast{Intact: &forecast.Scenario{Name: "intact"}}
		for i := 0; i < n; i++ {
			f.Intact.Pods = append(f.Intact.Pods, forecast.PodResult{Pod: &forecast.Pod{Name: "p", Workload: w}, Node: "n"})
		}
		got := forecast.Diagnostics(s, f)
		refused := len(got) == 1 && got.HasErrors() && got[0].Summary == "More pods than Kubernetes supports" &&
			got[0].Subject != nil && got[0].Subject.Start.Line == s.Cluster.DeclRange.Start.Line
		if refused != (n > plan.MaxPods) {
			t.Errorf("%d pods: %v", n, got)
		}
	}
}
