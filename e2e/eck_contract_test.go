package e2e

import (
	"strings"
	"testing"

	"github.com/blueprint-dev/blueprint/internal/controlplane"
)

// eckContract: ECK 3.5.0 with the rendered StatefulSet and eck.yaml (one
// managed namespace, leader election on, no webhook): its manager's cache
// watches every kind of its controllers in the managed namespace and its
// own (cmd/manager/main.go appends the operator's namespace), its Lease,
// the licensing ConfigMap, and the writes of one reconciliation of an
// Elasticsearch and a Kibana. The operator's pods are not run here; its
// calls are made as its ServiceAccount.
func eckContract(t *testing.T, r rendered, objs []controlplane.Object) (Contract, bool) {
	ns, sa, _, ok := account(objs, "StatefulSet", "elastic-operator")
	if !ok {
		return Contract{}, false
	}
	l := r.plan.Services.Logging
	if l == nil || l.ECK == nil {
		t.Error("an ECK operator without the operator engine's plan")
		return Contract{}, false
	}
	var cfg string
	for _, o := range objs {
		if o.Kind() == "ConfigMap" && o.Name() == "elastic-operator" && o.Namespace() == ns {
			var cm struct{ Data map[string]string }
			if o.Into(&cm) == nil {
				cfg = cm.Data["eck.yaml"]
			}
		}
	}
	managed, e := l.Namespace, l.ECK
	for _, want := range []string{"namespaces: [" + managed + "]", "operator-namespace: " + ns, "enable-leader-election: true", "enable-webhook: false"} {
		if !strings.Contains(cfg, want) {
			t.Errorf("ECK runs with settings this contract was not read for: eck.yaml lacks %q:\n%s", want, cfg)
		}
	}
	const src = "github.com/elastic/cloud-on-k8s/v3@v3.5.0 "
	c := Contract{
		Component: "ECK operator", Version: "cloud-on-k8s 3.5.0",
		Sources: []string{src + "cmd/manager/main.go", src + "pkg/controller/elasticsearch/driver/", src + "pkg/controller/kibana/driver.go",
			src + "pkg/license/license.go", src + "pkg/controller/common/reconciler/"},
		Namespace: ns, ServiceAccount: sa,
	}
	const le = "cmd/manager/main.go: controller-runtime leader election with a Lease (LeaderElectionID elastic-operator-leader)"
	c.Requests = append(c.Requests,
		Request{Verb: "create", Group: "coordination.k8s.io", Version: "v1", Resource: "leases", Namespace: ns,
			Body: map[string]any{"apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
				"metadata": map[string]any{"name": e.LeaseName, "namespace": ns}, "spec": map[string]any{"holderIdentity": "contract"}},
			Source: le + " (create, first start)"},
		Request{Verb: "get", Group: "coordination.k8s.io", Version: "v1", Resource: "leases", Namespace: ns, Name: e.LeaseName, Source: le + " (get)"},
		Request{Verb: "update", Group: "coordination.k8s.io", Version: "v1", Resource: "leases", Namespace: ns, Name: e.LeaseName, Source: le + " (update, every renewal)"},
	)
	const cache = "cmd/manager/main.go: registerControllers, a controller per kind; the manager's cache over the managed namespaces and the operator's"
	watched := [][3]string{
		{"elasticsearch.k8s.elastic.co", "v1", "elasticsearches"}, {"kibana.k8s.elastic.co", "v1", "kibanas"},
		{"apm.k8s.elastic.co", "v1", "apmservers"}, {"enterprisesearch.k8s.elastic.co", "v1", "enterprisesearches"},
		{"beat.k8s.elastic.co", "v1beta1", "beats"}, {"agent.k8s.elastic.co", "v1alpha1", "agents"},
		{"maps.k8s.elastic.co", "v1alpha1", "elasticmapsservers"}, {"packageregistry.k8s.elastic.co", "v1alpha1", "packageregistries"},
		{"stackconfigpolicy.k8s.elastic.co", "v1alpha1", "stackconfigpolicies"}, {"logstash.k8s.elastic.co", "v1alpha1", "logstashes"},
		{"autoops.k8s.elastic.co", "v1alpha1", "autoopsagentpolicies"}, {"autoscaling.k8s.elastic.co", "v1alpha1", "elasticsearchautoscalers"},
		{"", "v1", "pods"}, {"", "v1", "secrets"}, {"", "v1", "services"}, {"", "v1", "configmaps"}, {"", "v1", "persistentvolumeclaims"},
		{"apps", "v1", "statefulsets"}, {"apps", "v1", "deployments"}, {"apps", "v1", "daemonsets"}, {"policy", "v1", "poddisruptionbudgets"},
	}
	for _, space := range []string{managed, ns} {
		for _, w := range watched {
			c.Requests = append(c.Requests, listWatch(w[0], w[1], w[2], space, "", "", cache)...)
		}
	}
	create := func(group, version, resource, kind, space, name, source string, extra map[string]any) Request {
		body := map[string]any{"apiVersion": strings.TrimPrefix(group+"/"+version, "/"), "kind": kind,
			"metadata": map[string]any{"name": name, "namespace": space}}
		for k, v := range extra {
			body[k] = v
		}
		return Request{Verb: "create", Group: group, Version: version, Resource: resource, Namespace: space, Body: body, Source: source}
	}
	sel := map[string]any{"matchLabels": map[string]any{"elasticsearch.k8s.elastic.co/cluster-name": "contract"}}
	tmpl := map[string]any{"metadata": map[string]any{"labels": map[string]any{"elasticsearch.k8s.elastic.co/cluster-name": "contract"}},
		"spec": map[string]any{"containers": []any{map[string]any{"name": "elasticsearch", "image": "x:1"}}}}
	c.Requests = append(c.Requests,
		create("apps", "v1", "statefulsets", "StatefulSet", managed, "contract-es-nodes",
			"pkg/controller/elasticsearch/driver/: a StatefulSet per node set",
			map[string]any{"spec": map[string]any{"serviceName": "contract-es-nodes", "selector": sel, "template": tmpl}}),
		create("apps", "v1", "deployments", "Deployment", managed, "contract-kb", "pkg/controller/kibana/driver.go: Kibana's Deployment",
			map[string]any{"spec": map[string]any{"selector": sel, "template": tmpl}}),
		create("", "v1", "services", "Service", managed, "contract-es-http", "pkg/controller/elasticsearch/services: the HTTP Service",
			map[string]any{"spec": map[string]any{"ports": []any{map[string]any{"port": 9200}}}}),
		create("", "v1", "secrets", "Secret", managed, "contract-es-elastic-user", "pkg/controller/elasticsearch/user: the elastic user's Secret", nil),
		create("", "v1", "configmaps", "ConfigMap", managed, "contract-es-scripts", "pkg/controller/elasticsearch/nodespec: the nodes' scripts", nil),
		create("policy", "v1", "poddisruptionbudgets", "PodDisruptionBudget", managed, "contract-es-default",
			"pkg/controller/elasticsearch/pdb: the default PodDisruptionBudget",
			map[string]any{"spec": map[string]any{"maxUnavailable": 1, "selector": sel}}),
		create("", "v1", "events", "Event", managed, "contract.eck", "pkg/controller/common/reconciler: events on the resources",
			map[string]any{"involvedObject": map[string]any{"kind": "Elasticsearch", "namespace": managed, "name": "contract"}, "reason": "contract", "type": "Normal"}),
		create("", "v1", "configmaps", "ConfigMap", ns, "elastic-licensing", "pkg/license/license.go: LicensingCfgMapName, the usage it records", nil),
		Request{Verb: "get", Version: "v1", Resource: "configmaps", Namespace: ns, Name: "elastic-licensing", Source: "pkg/license/license.go: reads it back"},
		Request{Verb: "update", Group: "elasticsearch.k8s.elastic.co", Version: "v1", Resource: "elasticsearches", Subresource: "status", Namespace: managed, Name: e.Cluster,
			Body:   map[string]any{"apiVersion": "elasticsearch.k8s.elastic.co/v1", "kind": "Elasticsearch", "metadata": map[string]any{"name": e.Cluster, "namespace": managed}},
			Source: "pkg/controller/elasticsearch: the status of each reconciliation"},
	)
	return c, true
}
