package e2e

import (
	"context"
	"strings"
	"testing"

	"github.com/blueprint-dev/blueprint/internal/controlplane"
)

// contractRBAC is the RBAC of a made-up component that reads and labels
// pods in namespace jobs, with or without the patch it needs.
func contractRBAC(verbs string) string {
	return `
apiVersion: v1
kind: Namespace
metadata: {name: jobs}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: default, namespace: jobs}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: labeller, namespace: jobs}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: labeller, namespace: jobs}
rules:
- apiGroups: [""]
  resources: [pods]
  verbs: [` + verbs + `]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: labeller, namespace: jobs}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: labeller}
subjects:
- {kind: ServiceAccount, name: labeller, namespace: jobs}
`
}

// TestContractRunner shows that a contract fails on exactly the request its
// RBAC does not grant, passes once it does, treats a tolerated refusal and
// an unserved aggregated API as the component does, and that a
// SubjectAccessReview stands in for a kubelet's authorization. It counts for
// no spec.
func TestContractRunner(t *testing.T) {
	opts := need(t, controlplane.Options{})
	opts.WorkDir = t.TempDir()
	cp := start(t, opts)
	c := cp.Client()
	ctx := context.Background()

	contract := Contract{
		Component: "labeller", Version: "test", Sources: []string{"contract_harness_test.go"},
		Namespace: "jobs", ServiceAccount: "labeller",
		Requests: []Request{
			{Verb: "create", Version: "v1", Resource: "pods", Namespace: "jobs", Body: probePod("jobs", "p1", nil), Source: "create"},
			{Verb: "watch", Version: "v1", Resource: "pods", Namespace: "jobs", LabelSelector: "app=x", Source: "watch"},
			{Verb: "patch", Version: "v1", Resource: "pods", Namespace: "jobs", Name: "p1", PatchType: "application/merge-patch+json",
				Body: map[string]any{"metadata": map[string]any{"labels": map[string]any{"done": "yes"}}}, Source: "label"},
			{Verb: "list", Version: "v1", Resource: "secrets", Namespace: "jobs", Source: "optional", Tolerated: "the component logs it and goes on"},
			{Verb: "list", Group: "metrics.k8s.io", Version: "v1beta1", Resource: "pods", Namespace: "jobs", Aggregated: true, Source: "metrics"},
			{Verb: "get", Resource: "nodes", Subresource: "metrics", ByKubelet: true, Source: "kubelet scrape"},
			{Verb: "delete", Version: "v1", Resource: "pods", Namespace: "jobs", Name: "p1", Source: "delete"},
		},
	}
	apply := func(verbs string) {
		t.Helper()
		objs, err := controlplane.ParseObjects([]byte(contractRBAC(verbs)))
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range c.ApplyAll(ctx, objs[:1], false) {
			t.Fatal(r)
		}
		for _, r := range c.ApplyAll(ctx, objs[1:], false) {
			t.Fatal(r)
		}
	}
	run := func() contractReport {
		t.Helper()
		rep, err := checkContract(ctx, c, contract)
		if err != nil {
			t.Fatal(err)
		}
		return rep
	}

	apply("get, list, watch, create, delete")
	rep := run()
	var hard []string
	for _, f := range rep.failures {
		if !strings.HasPrefix(f, "tolerated: ") {
			hard = append(hard, f)
		}
	}
	if rep.requests != len(contract.Requests) || rep.tolerated != 1 || len(hard) != 3 ||
		!strings.Contains(hard[0], "patch pods/p1 in jobs") || !strings.Contains(hard[1], "list pods.metrics.k8s.io") ||
		!strings.Contains(hard[2], "get nodes/metrics") {
		t.Fatalf("without patch, metrics.k8s.io or nodes/metrics: want the patch, the metrics list and the kubelet review to fail and the secrets list tolerated; got %d requests, %d tolerated:\n%s",
			rep.requests, rep.tolerated, strings.Join(rep.failures, "\n"))
	}

	// Grant what was missing: the contract passes.
	apply("get, list, watch, create, delete, patch")
	objs, err := controlplane.ParseObjects([]byte(`
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: labeller-metrics}
rules:
- apiGroups: [metrics.k8s.io]
  resources: [pods]
  verbs: [list]
- apiGroups: [""]
  resources: [nodes/metrics]
  verbs: [get]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: labeller-metrics}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: labeller-metrics}
subjects:
- {kind: ServiceAccount, name: labeller, namespace: jobs}
`))
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range c.ApplyAll(ctx, objs, false) {
		t.Fatal(r)
	}
	rep = run()
	if rep.tolerated != 1 || len(rep.failures) != 1 {
		t.Fatalf("with every grant: want only the tolerated refusal; got:\n%s", strings.Join(rep.failures, "\n"))
	}
}
