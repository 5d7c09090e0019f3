package forecast_test

import (
	"slices"
	"testing"

	"github.com/blueprint-dev/blueprint/forecast"
	"github.com/blueprint-dev/blueprint/plan"
	"github.com/blueprint-dev/blueprint/spec"
)

// TestReportNamesProvisionedClasses: ARCHITECTURE.md's zone-loss text on
// claims tied to a lost node (the selected-node annotation) names the
// WaitForFirstConsumer classes a provisioner serves on demand, and not a
// class of hand-made local volumes.
func TestReportNamesProvisionedClasses(t *testing.T) {
	for _, tc := range []struct {
		path string
		want []string
	}{
		{"../testdata/capacity/f03-kafka-local-volumes.hcl", []string{"block"}},
		{"../testdata/capacity/f12-local-path-provisioner.hcl", []string{"block", "local"}},
		{"../testdata/capacity/i03-every-pool-tainted.hcl", nil},
		{"../testdata/capacity/i05-zonal-class-two-zones.hcl", []string{"block"}},
	} {
		_, fc := check(t, tc.path)
		s, _ := spec.NewLoader().Load(tc.path, spec.Options{})
		r := forecast.Report(plan.Build(s), fc)
		if !slices.Equal(r.Provisioned, tc.want) {
			t.Errorf("%s: provisioned classes %q, want %q", tc.path, r.Provisioned, tc.want)
		}
	}
}
