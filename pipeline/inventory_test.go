package pipeline_test

import (
	"fmt"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
)

// TestInventoryMatchesManifests checks that the replica counts
// ARCHITECTURE.md's component table states are the ones the manifests run,
// so the document cannot drift from the objects.
func TestInventoryMatchesManifests(t *testing.T) {
	for _, ex := range examples(t) {
		doc := string(ex.tree["ARCHITECTURE.md"])
		if i := strings.Index(doc, "### Components"); i >= 0 {
			doc = doc[i:]
			if j := strings.Index(doc[1:], "\n### "); j >= 0 {
				doc = doc[:j+1]
			}
		}
		replicas := map[string]int32{}
		for _, o := range rootObjects(t, ex) {
			switch w := o.Object.(type) {
			case *appsv1.Deployment:
				if w.Spec.Replicas != nil {
					replicas[w.Name] = *w.Spec.Replicas
				}
			case *appsv1.StatefulSet:
				if w.Spec.Replicas != nil {
					replicas[w.Name] = *w.Spec.Replicas
				}
			}
		}
		// Each row of the component table names its workload and opens its
		// Pods cell with the count.
		rows := map[string]string{
			"| Prometheus |":           "prometheus",
			"| Alertmanager |":         "alertmanager",
			"| Grafana |":              "grafana",
			"| kube-state-metrics |":   "kube-state-metrics",
			"| metrics-server |":       "metrics-server",
			"| kubelet-csr-approver |": "kubelet-csr-approver",
		}
		checked := 0
		for _, line := range strings.Split(doc, "\n") {
			for prefix, name := range rows {
				if !strings.HasPrefix(line, prefix) {
					continue
				}
				cells := strings.Split(line, "|")
				if len(cells) < 5 {
					t.Fatalf("%s: malformed row %q", ex.name, line)
				}
				want, ok := replicas[name]
				if !ok {
					t.Errorf("%s: ARCHITECTURE.md lists %s, which the manifests do not run", ex.name, name)
					continue
				}
				if pods := strings.TrimSpace(cells[4]); !strings.HasPrefix(pods, fmt.Sprint(want)) {
					t.Errorf("%s: ARCHITECTURE.md says %s runs %q, the manifests run %d", ex.name, name, pods, want)
				}
				checked++
			}
		}
		if ex.plan.Services.Monitoring != nil && checked < 4 {
			t.Errorf("%s: only %d component rows checked", ex.name, checked)
		}
	}
}
