package e2e

import (
	"context"
	"path/filepath"
	"slices"
	"testing"

	"github.com/blueprint-dev/blueprint/internal/controlplane"
	"github.com/blueprint-dev/blueprint/plan"
)

// TestStrimziEngine checks a Kafka cluster on the operator engine
// (testdata/workloads/kafka-strimzi.hcl) on a real API server: Strimzi's
// CRDs from the tree are installed, every object of the tree (the Kafka
// and KafkaNodePools among them) passes a server-side dry run against
// their schemas and is then applied, and the operator's ServiceAccount
// may make what the operator makes for that cluster, and no more.
func TestStrimziEngine(t *testing.T) {
	p, dir, c := engineCluster(t, "../testdata/workloads/kafka-strimzi.hcl")
	k := p.Workloads.Kafka
	if k == nil || k.Strimzi == nil {
		t.Fatal("the spec does not put Kafka on the Strimzi engine")
	}
	st := k.Strimzi
	ctx := context.Background()

	objs := kustomize(t, filepath.Join(dir, "manifests"))
	var crs []string
	for _, o := range objs {
		if o.Group() == "kafka.strimzi.io" {
			crs = append(crs, o.Kind()+"/"+o.Name())
		}
	}
	want := []string{"Kafka/" + st.Cluster, "KafkaNodePool/" + st.ControllerPool, "KafkaNodePool/" + st.BrokerPool}
	slices.Sort(crs)
	slices.Sort(want)
	if !slices.Equal(crs, want) {
		t.Errorf("the tree's Strimzi resources are %v, want the Kafka and its two node pools", crs)
	}
	res := verifyManifests(t, c, objs)
	t.Logf("%s", res)
	if n, requests := checkContracts(t, c, rendered{name: "kafka-strimzi", plan: p, dir: dir}, objs); n == 0 || requests == 0 {
		t.Error("no contract performed")
	} else {
		t.Logf("%d contracts, %d requests performed as their ServiceAccounts", n, requests)
	}

	// The dry run above is only a check if the schema is enforced: a Kafka
	// without listeners (required) and a node pool with an unknown role
	// must be refused.
	for _, bad := range []controlplane.Object{
		{"apiVersion": "kafka.strimzi.io/v1", "kind": "Kafka", "metadata": map[string]any{"name": "bad", "namespace": k.Namespace},
			"spec": map[string]any{"kafka": map[string]any{"version": st.KafkaVersion}}},
		{"apiVersion": "kafka.strimzi.io/v1", "kind": "KafkaNodePool", "metadata": map[string]any{"name": "bad", "namespace": k.Namespace},
			"spec": map[string]any{"replicas": 1, "roles": []any{"zookeeper"}, "storage": map[string]any{"type": "ephemeral"}}},
	} {
		if err := c.Apply(ctx, bad, true); err == nil {
			t.Errorf("the API server accepted an invalid %s: the CRD schema is not checked", bad.Kind())
		}
	}

	// As the operator: what it makes for the cluster (KafkaReconciler),
	// dry-run. The ClusterRoleBinding of the brokers' init container passes
	// RBAC's escalation check only through the delegation binding.
	op := c.Impersonate("system:serviceaccount:"+st.Namespace+":"+plan.StrimziOperatorName, "system:serviceaccounts", "system:serviceaccounts:"+st.Namespace, "system:authenticated")
	meta := func(name, ns string) map[string]any {
		m := map[string]any{"name": name}
		if ns != "" {
			m["namespace"] = ns
		}
		return m
	}
	kafkaSA := st.Cluster + "-kafka"
	allowed := []controlplane.Object{
		{"apiVersion": "core.strimzi.io/v1", "kind": "StrimziPodSet", "metadata": meta(st.Cluster+"-"+st.BrokerPool, k.Namespace),
			"spec": map[string]any{"selector": map[string]any{"matchLabels": map[string]any{"strimzi.io/cluster": st.Cluster}}, "pods": []any{}}},
		{"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding", "metadata": meta("strimzi-"+k.Namespace+"-"+st.Cluster+"-kafka-init", ""),
			"subjects": []any{map[string]any{"kind": "ServiceAccount", "name": kafkaSA, "namespace": k.Namespace}},
			"roleRef":  map[string]any{"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "strimzi-kafka-broker"}},
		{"apiVersion": "v1", "kind": "ServiceAccount", "metadata": meta(kafkaSA, k.Namespace)},
		{"apiVersion": "v1", "kind": "Secret", "metadata": meta(st.Cluster+"-cluster-ca-cert", k.Namespace)},
		{"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": meta("data-"+st.Cluster+"-"+st.BrokerPool+"-100", k.Namespace),
			"spec": map[string]any{"accessModes": []any{"ReadWriteOnce"}, "storageClassName": k.StorageClass,
				"resources": map[string]any{"requests": map[string]any{"storage": k.VolumeSize}}}},
		{"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": meta(st.Cluster+"-network-policy-kafka", k.Namespace),
			"spec": map[string]any{"podSelector": map[string]any{}}},
		{"apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": meta(st.Cluster+"-kafka", k.Namespace),
			"spec": map[string]any{"maxUnavailable": 1, "selector": map[string]any{"matchLabels": map[string]any{"strimzi.io/cluster": st.Cluster}}}},
		{"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role", "metadata": meta(st.Cluster+"-kafka-role", k.Namespace),
			"rules": []any{map[string]any{"apiGroups": []any{""}, "resources": []any{"secrets"}, "verbs": []any{"get"}}}},
		{"apiVersion": "coordination.k8s.io/v1", "kind": "Lease", "metadata": meta(st.LeaseName, st.Namespace),
			"spec": map[string]any{"holderIdentity": "strimzi-cluster-operator-0"}},
	}
	for _, o := range allowed {
		if err := op.Apply(ctx, o, true); err != nil {
			t.Errorf("the operator may not make %s: %v", o, err)
		}
	}
	denied := []controlplane.Object{
		// Outside the watched namespace.
		{"apiVersion": "v1", "kind": "Secret", "metadata": meta("x", "kube-system")},
		// A binding to a role it does not hold.
		{"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding", "metadata": meta("x", ""),
			"subjects": []any{map[string]any{"kind": "ServiceAccount", "name": kafkaSA, "namespace": k.Namespace}},
			"roleRef":  map[string]any{"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "cluster-admin"}},
		// OpenShift-only and entity-operator kinds are not granted; a
		// Deployment in its own namespace neither.
		{"apiVersion": "apps/v1", "kind": "Deployment", "metadata": meta("x", st.Namespace),
			"spec": map[string]any{"selector": map[string]any{"matchLabels": map[string]any{"a": "b"}},
				"template": map[string]any{"metadata": map[string]any{"labels": map[string]any{"a": "b"}},
					"spec": map[string]any{"containers": []any{map[string]any{"name": "x", "image": "x:1"}}}}}},
	}
	for _, o := range denied {
		err := op.Apply(ctx, o, true)
		if e, ok := err.(*controlplane.APIError); !ok || e.Code != 403 {
			t.Errorf("the operator's ServiceAccount making %s: %v, want forbidden", o, err)
		}
	}
}
