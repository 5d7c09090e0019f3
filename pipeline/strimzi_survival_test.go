package pipeline_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/blueprint-dev/blueprint/forecast"
	"github.com/blueprint-dev/blueprint/plan"
	"github.com/blueprint-dev/blueprint/spec"
	"github.com/blueprint-dev/blueprint/validate"
)

// TestStrimziSurvivalRows: ARCHITECTURE.md's "What keeps serving" has the
// same Kafka rows (KRaft majority, acks=all writes, reads), with the same
// verdict for every loss, on either engine; with the operator engine the
// rows count the StrimziPodSets' pods. (Before, the operator engine's
// Kafka rows were missing: the rows looked for the StatefulSets' names.)
func TestStrimziSurvivalRows(t *testing.T) {
	rows := func(path string) []string {
		s, diags := spec.NewLoader().Load(path, spec.Options{})
		if diags = validate.Check(s, diags); diags.HasErrors() {
			t.Fatal(diags)
		}
		r := forecast.Report(plan.Build(s), forecastOf(t, path))
		var out []string
		for _, q := range r.Quorum {
			if strings.HasPrefix(q.Service, "Kafka") {
				out = append(out, fmt.Sprintf("%s | %s | %v", q.Service, q.Rule, q.Cells))
			}
		}
		return out
	}
	sts, op := rows(kafkaSpec), rows(strimziSpec)
	if len(sts) != 3 || !slices.Equal(sts, op) {
		t.Errorf("the StatefulSet engine's Kafka rows\n  %s\nthe operator engine's\n  %s", strings.Join(sts, "\n  "), strings.Join(op, "\n  "))
	}
}
