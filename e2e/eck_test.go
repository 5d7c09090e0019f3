package e2e

import (
	"context"
	"slices"
	"testing"

	"github.com/blueprint-dev/blueprint/internal/controlplane"
	"github.com/blueprint-dev/blueprint/plan"
)

// TestECKEngine checks the search cluster on the operator engine
// (testdata/services/logging-eck.hcl) on a real API server: ECK's CRDs
// from the tree are installed, every object of the tree (the
// Elasticsearch and Kibana among them) passes a server-side dry run
// against their schemas and is then applied, the schema refuses invalid
// resources, and the operator's ServiceAccount may make what ECK makes for
// that cluster, and no more.
func TestECKEngine(t *testing.T) {
	p, dir, c, objs := operatorEngine(t, "../testdata/services/logging-eck.hcl")
	ctx := context.Background()
	l := p.Services.Logging
	if l == nil || l.ECK == nil {
		t.Fatal("the spec does not put the search cluster on the ECK engine")
	}
	e := l.ECK
	var crs, crds []string
	for _, o := range objs {
		switch {
		case o.Group() == "elasticsearch.k8s.elastic.co" || o.Group() == "kibana.k8s.elastic.co":
			crs = append(crs, o.Kind()+"/"+o.Name())
		case o.Kind() == "CustomResourceDefinition" && slices.Contains([]string{"elasticsearches.elasticsearch.k8s.elastic.co", "kibanas.kibana.k8s.elastic.co"}, o.Name()):
			crds = append(crds, o.Name())
		}
	}
	slices.Sort(crs)
	if !slices.Equal(crs, []string{"Elasticsearch/" + e.Cluster, "Kibana/" + e.Cluster}) || len(crds) != 2 {
		t.Errorf("the tree's ECK resources are %v and CRDs %v, want the Elasticsearch and the Kibana with their CRDs", crs, crds)
	}
	res := verifyManifests(t, c, objs)
	t.Logf("%s", res)
	if n, requests := checkContracts(t, c, rendered{name: "logging-eck", plan: p, dir: dir}, objs); n == 0 || requests == 0 {
		t.Error("no contract performed")
	} else {
		t.Logf("%d contracts, %d requests performed as their ServiceAccounts", n, requests)
	}

	// The dry run above is only a check if the schema is enforced: a node
	// set without a name (required) and a Kibana with a count that is not
	// a number must be refused.
	for _, bad := range []controlplane.Object{
		{"apiVersion": "elasticsearch.k8s.elastic.co/v1", "kind": "Elasticsearch", "metadata": map[string]any{"name": "bad", "namespace": l.Namespace},
			"spec": map[string]any{"version": e.ElasticsearchVersion, "nodeSets": []any{map[string]any{"count": 3}}}},
		{"apiVersion": "kibana.k8s.elastic.co/v1", "kind": "Kibana", "metadata": map[string]any{"name": "bad", "namespace": l.Namespace},
			"spec": map[string]any{"version": e.KibanaVersion, "count": "two"}},
	} {
		if err := c.Apply(ctx, bad, true); err == nil {
			t.Errorf("the API server accepted an invalid %s: the CRD schema is not checked", bad.Kind())
		}
	}

	// As the operator: what it makes for the cluster and Kibana, dry-run
	// (server-side apply; its Lease, which it creates, reads and updates
	// but never patches, is in its contract), and what it may not.
	op := c.Impersonate("system:serviceaccount:"+e.Namespace+":"+plan.ECKOperatorName, "system:serviceaccounts", "system:serviceaccounts:"+e.Namespace, "system:authenticated")
	meta := func(name, ns string) map[string]any { return map[string]any{"name": name, "namespace": ns} }
	sel := map[string]any{"matchLabels": map[string]any{"elasticsearch.k8s.elastic.co/cluster-name": e.Cluster}}
	podTemplate := map[string]any{"metadata": map[string]any{"labels": map[string]any{"elasticsearch.k8s.elastic.co/cluster-name": e.Cluster}},
		"spec": map[string]any{"containers": []any{map[string]any{"name": "elasticsearch", "image": "x:1"}}}}
	allowed := []controlplane.Object{
		{"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": meta(e.StatefulSet, l.Namespace),
			"spec": map[string]any{"serviceName": e.StatefulSet, "selector": sel, "template": podTemplate}},
		{"apiVersion": "apps/v1", "kind": "Deployment", "metadata": meta(e.Cluster+"-kb", l.Namespace),
			"spec": map[string]any{"selector": sel, "template": podTemplate}},
		{"apiVersion": "v1", "kind": "Service", "metadata": meta(e.Cluster+"-es-http", l.Namespace),
			"spec": map[string]any{"ports": []any{map[string]any{"port": 9200}}}},
		{"apiVersion": "v1", "kind": "Secret", "metadata": meta(e.Cluster+"-es-elastic-user", l.Namespace)},
		{"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta(e.Cluster+"-es-scripts", l.Namespace)},
		{"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": meta(e.Claim+"-"+e.StatefulSet+"-0", l.Namespace),
			"spec": map[string]any{"accessModes": []any{"ReadWriteOnce"}, "storageClassName": l.StorageClass,
				"resources": map[string]any{"requests": map[string]any{"storage": l.VolumeSize}}}},
		{"apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": meta(e.Cluster+"-es-default", l.Namespace),
			"spec": map[string]any{"maxUnavailable": 1, "selector": sel}},
		{"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta("elastic-licensing", e.Namespace)},
	}
	for _, o := range allowed {
		if err := op.Apply(ctx, o, true); err != nil {
			t.Errorf("the operator may not make %s: %v", o, err)
		}
	}
	denied := []controlplane.Object{
		// Outside the two namespaces.
		{"apiVersion": "v1", "kind": "Secret", "metadata": meta("x", "kube-system")},
		// Secrets, workloads and other kinds' resources in its own
		// namespace, and a Beat in the managed one: only watched.
		{"apiVersion": "v1", "kind": "Secret", "metadata": meta("x", e.Namespace)},
		{"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": meta("x", e.Namespace),
			"spec": map[string]any{"serviceName": "x", "selector": sel, "template": podTemplate}},
		{"apiVersion": "beat.k8s.elastic.co/v1beta1", "kind": "Beat", "metadata": meta("x", l.Namespace),
			"spec": map[string]any{"type": "filebeat", "version": e.ElasticsearchVersion}},
		// A Lease of another name.
		{"apiVersion": "coordination.k8s.io/v1", "kind": "Lease", "metadata": meta("x", l.Namespace)},
	}
	for _, o := range denied {
		err := op.Apply(ctx, o, true)
		if e, ok := err.(*controlplane.APIError); !ok || e.Code != 403 {
			t.Errorf("the operator's ServiceAccount making %s: %v, want forbidden", o, err)
		}
	}
}
