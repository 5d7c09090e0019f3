package e2e

import (
	"context"
	"path/filepath"
	"slices"
	"testing"

	"github.com/blueprint-dev/blueprint/internal/controlplane"
)

// TestSparkOperatorEngine checks Spark on the operator engine
// (testdata/workloads/spark-operator.hcl) on a real API server: the Spark
// operator's CRDs from the tree are installed and every object of the tree
// passes a server-side dry run and is applied; the SparkApplication and
// ScheduledSparkApplication templates, which the tree holds in a ConfigMap
// and does not apply, pass a server-side dry run against the CRD schemas;
// invalid ones are refused; and the controller's API contract, the
// spark-submit it runs and the driver's are performed as their accounts.
func TestSparkOperatorEngine(t *testing.T) {
	p, dir, c, _ := operatorEngine(t, "../testdata/workloads/spark-operator.hcl")
	s := p.Workloads.Spark
	if s == nil || s.Operator == nil {
		t.Fatal("the spec does not put Spark on the operator engine")
	}
	ctx := context.Background()

	objs := kustomize(t, filepath.Join(dir, "manifests"))
	var crds []string
	for _, o := range objs {
		if o.Kind() == "CustomResourceDefinition" && o.Group() == "apiextensions.k8s.io" && slices.Contains([]string{
			"sparkapplications.sparkoperator.k8s.io", "scheduledsparkapplications.sparkoperator.k8s.io", "sparkconnects.sparkoperator.k8s.io"}, o.Name()) {
			crds = append(crds, o.Name())
		}
		if o.Group() == "sparkoperator.k8s.io" {
			t.Errorf("the tree applies %s: a SparkApplication would run at once", o)
		}
	}
	if len(crds) != 3 {
		t.Errorf("the tree installs the operator's CRDs %v", crds)
	}
	res := verifyManifests(t, c, objs)
	t.Logf("%s", res)

	app, scheduled, ok := sparkOperatorTemplates(t, objs)
	if !ok {
		t.Fatal("no templates in the tree")
	}
	for _, o := range []controlplane.Object{app, scheduled} {
		if err := c.Apply(ctx, o, true); err != nil {
			t.Errorf("the API server refuses the template %s: %v", o, err)
		}
	}

	// The dry runs are only a check if the schema is enforced: an
	// application of an unknown type without its file, and a schedule
	// without a template, must be refused.
	for _, bad := range []controlplane.Object{
		{"apiVersion": "sparkoperator.k8s.io/v1beta2", "kind": "SparkApplication", "metadata": map[string]any{"name": "bad", "namespace": s.Namespace},
			"spec": map[string]any{"type": "Go", "sparkVersion": "4.0.0", "driver": map[string]any{}, "executor": map[string]any{}}},
		{"apiVersion": "sparkoperator.k8s.io/v1beta2", "kind": "ScheduledSparkApplication", "metadata": map[string]any{"name": "bad", "namespace": s.Namespace},
			"spec": map[string]any{"schedule": "@daily"}},
	} {
		if err := c.Apply(ctx, bad, true); err == nil {
			t.Errorf("the API server accepted an invalid %s: the CRD schema is not checked", bad.Kind())
		}
	}

	if n, requests := checkContracts(t, c, rendered{name: "spark-operator", plan: p, dir: dir}, objs); n == 0 || requests == 0 {
		t.Error("no contract performed")
	} else {
		t.Logf("%d contracts, %d requests performed as their ServiceAccounts", n, requests)
	}

	// More than the contract: as the controller, nothing outside the
	// watched namespace, no Secrets, no Ingresses.
	op := c.Impersonate("system:serviceaccount:"+s.Operator.Namespace+":"+s.Operator.Name, "system:serviceaccounts",
		"system:serviceaccounts:"+s.Operator.Namespace, "system:authenticated")
	meta := func(name, ns string) map[string]any { return map[string]any{"name": name, "namespace": ns} }
	for _, o := range []controlplane.Object{
		{"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta("x", "kube-system")},
		{"apiVersion": "v1", "kind": "Secret", "metadata": meta("x", s.Namespace)},
		{"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": meta("x", s.Namespace),
			"spec": map[string]any{"defaultBackend": map[string]any{"service": map[string]any{"name": "x", "port": map[string]any{"number": 80}}}}},
		{"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta("x", s.Operator.Namespace)},
	} {
		err := op.Apply(ctx, o, true)
		if e, ok := err.(*controlplane.APIError); !ok || e.Code != 403 {
			t.Errorf("the controller's ServiceAccount making %s: %v, want forbidden", o, err)
		}
	}
}
