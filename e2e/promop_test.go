package e2e

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/blueprint-dev/blueprint/internal/controlplane"
	"github.com/blueprint-dev/blueprint/plan"
)

// TestPrometheusOperatorEngine checks monitoring on the operator engine
// (testdata/monitoring/monitoring-operator.hcl) on a real API server:
// prometheus-operator's CRDs from the tree are installed, every object of
// the tree (the Prometheus, Alertmanager, PrometheusRules and
// ScrapeConfigs among them) passes a server-side dry run against their
// schemas and is then applied, the schemas refuse invalid resources, the
// operator's API contract is performed as its ServiceAccount, and that
// account may make what the operator makes, and no more.
func TestPrometheusOperatorEngine(t *testing.T) {
	p, dir, c, objs := operatorEngine(t, "../testdata/monitoring/monitoring-operator.hcl")
	m := p.Services.Monitoring
	if m == nil || m.Operator == nil {
		t.Fatal("the spec does not put monitoring on the operator engine")
	}
	o := m.Operator
	ctx := context.Background()
	var crs []string
	for _, x := range objs {
		if x.Group() == "monitoring.coreos.com" {
			crs = append(crs, x.Kind()+"/"+x.Name())
		}
	}
	want := []string{"Prometheus/" + o.Name, "Alertmanager/" + o.Name}
	for _, f := range m.RuleFiles {
		want = append(want, "PrometheusRule/"+f)
	}
	for _, job := range []string{"apiserver", "kubelet", "cadvisor", "etcd", "kube-scheduler", "kube-controller-manager", "kube-proxy",
		"node-exporter", "kube-state-metrics", "coredns", "prometheus", "alertmanager", "grafana", "kubernetes-pods"} {
		want = append(want, "ScrapeConfig/"+job)
	}
	slices.Sort(crs)
	slices.Sort(want)
	if !slices.Equal(crs, want) {
		t.Errorf("the tree's prometheus-operator resources are\n%v\nwant\n%v", crs, want)
	}
	res := verifyManifests(t, c, objs)
	t.Logf("%s", res)
	if n, requests := checkContracts(t, c, rendered{name: "monitoring-operator", plan: p, dir: dir}, objs); n == 0 || requests == 0 {
		t.Error("no contract performed")
	} else {
		t.Logf("%d contracts, %d requests performed as their ServiceAccounts", n, requests)
	}

	// The dry run above is only a check if the schemas are enforced: a
	// Prometheus with a retention size that is no size, an Alertmanager
	// with replicas that are no number, a ScrapeConfig with an unknown
	// discovery role and a PrometheusRule group without a name must be
	// refused.
	meta := func(name, ns string) map[string]any {
		x := map[string]any{"name": name}
		if ns != "" {
			x["namespace"] = ns
		}
		return x
	}
	for _, bad := range []controlplane.Object{
		{"apiVersion": "monitoring.coreos.com/v1", "kind": "Prometheus", "metadata": meta("bad", m.Namespace),
			"spec": map[string]any{"retentionSize": "a lot"}},
		{"apiVersion": "monitoring.coreos.com/v1", "kind": "Alertmanager", "metadata": meta("bad", m.Namespace),
			"spec": map[string]any{"replicas": "three"}},
		{"apiVersion": "monitoring.coreos.com/v1alpha1", "kind": "ScrapeConfig", "metadata": meta("bad", m.Namespace),
			"spec": map[string]any{"kubernetesSDConfigs": []any{map[string]any{"role": "Nodes"}}}},
		{"apiVersion": "monitoring.coreos.com/v1", "kind": "PrometheusRule", "metadata": meta("bad", m.Namespace),
			"spec": map[string]any{"groups": []any{map[string]any{"rules": []any{}}}}},
	} {
		if err := c.Apply(ctx, bad, true); err == nil {
			t.Errorf("the API server accepted an invalid %s: the CRD schema is not checked", bad.Kind())
		}
	}

	// As the operator: what it makes for the Prometheus and the
	// Alertmanager (pkg/prometheus/server and pkg/alertmanager), dry-run.
	op := c.Impersonate("system:serviceaccount:"+o.Namespace+":"+plan.PrometheusOperatorName, "system:serviceaccounts", "system:serviceaccounts:"+o.Namespace, "system:authenticated")
	sts := func(name, app, ns string) controlplane.Object {
		labels := map[string]any{"app.kubernetes.io/name": app, "app.kubernetes.io/instance": o.Name}
		return controlplane.Object{"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": meta(name, ns),
			"spec": map[string]any{"serviceName": app + "-operated", "selector": map[string]any{"matchLabels": labels},
				"template": map[string]any{"metadata": map[string]any{"labels": labels},
					"spec": map[string]any{"containers": []any{map[string]any{"name": app, "image": p.Image(app)}}}}}}
	}
	allowed := []controlplane.Object{
		sts(o.PrometheusStatefulSet, "prometheus", m.Namespace),
		sts(o.AlertmanagerStatefulSet, "alertmanager", m.Namespace),
		{"apiVersion": "v1", "kind": "Secret", "metadata": meta(o.PrometheusStatefulSet, m.Namespace)},
		{"apiVersion": "v1", "kind": "Secret", "metadata": meta(o.AlertmanagerStatefulSet+"-generated", m.Namespace)},
		{"apiVersion": "v1", "kind": "Secret", "metadata": meta(o.PrometheusStatefulSet+"-web-config", m.Namespace)},
		{"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta(o.PrometheusStatefulSet+"-rulefiles-0", m.Namespace)},
		{"apiVersion": "v1", "kind": "Service", "metadata": meta("prometheus-operated", m.Namespace),
			"spec": map[string]any{"clusterIP": "None", "selector": map[string]any{"app.kubernetes.io/name": "prometheus"},
				"ports": []any{map[string]any{"name": "web", "port": 9090}}}},
		{"apiVersion": "v1", "kind": "Event", "metadata": meta("prometheus-operator.contract", m.Namespace),
			"involvedObject": map[string]any{"kind": "Prometheus", "namespace": m.Namespace, "name": o.Name}, "reason": "contract"},
	}
	// It creates and updates (k8sutil's CreateOrUpdate helpers), never
	// patches: a dry-run create, as it sends it.
	create := func(as *controlplane.Client, x controlplane.Object) error {
		path, err := as.Path(ctx, x)
		if err != nil {
			return err
		}
		body, err := json.Marshal(x)
		if err != nil {
			return err
		}
		_, err = as.Do(ctx, http.MethodPost, path[:strings.LastIndex(path, "/")]+"?dryRun=All", "application/json", body)
		return err
	}
	for _, x := range allowed {
		if err := create(op, x); err != nil {
			t.Errorf("the operator may not make %s: %v", x, err)
		}
	}
	denied := []controlplane.Object{
		// Outside the watched namespace.
		{"apiVersion": "v1", "kind": "Secret", "metadata": meta("x", "kube-system")},
		sts("x", "prometheus", o.Namespace),
		// No kubelet Service: no Endpoints in kube-system.
		{"apiVersion": "v1", "kind": "Endpoints", "metadata": meta("kubelet", "kube-system")},
		// Nothing but its StatefulSets, Secrets, ConfigMaps and Services.
		{"apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": meta("x", m.Namespace),
			"spec": map[string]any{"selector": map[string]any{"matchLabels": map[string]any{"a": "b"}},
				"template": map[string]any{"metadata": map[string]any{"labels": map[string]any{"a": "b"}},
					"spec": map[string]any{"containers": []any{map[string]any{"name": "x", "image": "x:1"}}}}}},
		{"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role", "metadata": meta("x", m.Namespace), "rules": []any{}},
	}
	for _, x := range denied {
		err := create(op, x)
		if e, ok := err.(*controlplane.APIError); !ok || e.Code != 403 {
			t.Errorf("the operator's ServiceAccount making %s: %v, want forbidden", x, err)
		}
	}
}
