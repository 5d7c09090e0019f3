package pipeline_test

import (
	"testing"

	corev1 "k8s.io/api/core/v1"

	"github.com/blueprint-dev/blueprint/internal/manifest"
)

// apiCallers are the monitoring and logging workloads whose programs call
// the Kubernetes API, and so mount a token: Prometheus discovers its
// targets, kube-state-metrics watches every object it reports on, and
// fluent-bit's kubernetes filter reads each pod's metadata.
var apiCallers = map[string]bool{"prometheus": true, "kube-state-metrics": true, "fluent-bit": true}

// TestServiceAccounts checks every pod of the monitoring and logging stacks
// of the examples: each runs as a ServiceAccount of its own, declared in
// the tree beside it, never as its namespace's default one, and mounts a
// token only if its program calls the API (apiCallers), both on the pod
// and on the account. Grafana, Alertmanager, node-exporter and the
// log-retention job ran as "default" before.
func TestServiceAccounts(t *testing.T) {
	checked := map[string]bool{}
	for _, ex := range examples(t) {
		m, l := ex.plan.Services.Monitoring, ex.plan.Services.Logging
		if m == nil && l == nil {
			continue
		}
		objs := rootObjects(t, ex)
		accounts := map[string]*corev1.ServiceAccount{}
		for _, o := range objs {
			if sa, ok := o.Object.(*corev1.ServiceAccount); ok {
				accounts[sa.Namespace+"/"+sa.Name] = sa
			}
		}
		users := map[string]string{}
		for _, o := range objs {
			if (m == nil || o.Namespace != m.Namespace) && (l == nil || o.Namespace != l.Namespace) {
				continue
			}
			tmpl, _ := manifest.PodTemplate(o.Object)
			if tmpl == nil {
				continue
			}
			checked[o.Name] = true
			name := tmpl.Spec.ServiceAccountName
			if name == "" || name == "default" {
				t.Errorf("%s: %s runs as its namespace's default ServiceAccount; give it its own", ex.name, o)
				continue
			}
			if prev, shared := users[name]; shared {
				t.Errorf("%s: %s and %s share ServiceAccount %s", ex.name, prev, o, name)
			}
			users[name] = o.String()
			sa := accounts[o.Namespace+"/"+name]
			if sa == nil {
				t.Errorf("%s: %s runs as ServiceAccount %s, which the tree does not declare in %s", ex.name, o, name, o.Namespace)
				continue
			}
			pod := tmpl.Spec.AutomountServiceAccountToken
			acct := sa.AutomountServiceAccountToken
			if apiCallers[o.Name] {
				if pod == nil || !*pod {
					t.Errorf("%s: %s calls the API, so its pods must mount their token explicitly", ex.name, o)
				}
				continue
			}
			if pod == nil || *pod || acct == nil || *acct {
				t.Errorf("%s: %s never calls the API: automountServiceAccountToken must be false on the pod and on ServiceAccount %s", ex.name, o, name)
			}
		}
	}
	for _, want := range []string{"prometheus", "alertmanager", "grafana", "node-exporter", "kube-state-metrics", "fluent-bit", "log-retention"} {
		if !checked[want] {
			t.Errorf("no example renders %s, so its ServiceAccount went unchecked", want)
		}
	}
}
