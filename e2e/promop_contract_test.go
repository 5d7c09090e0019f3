package e2e

import (
	"slices"
	"strings"
	"testing"

	"github.com/blueprint-dev/blueprint/internal/controlplane"
)

// promopContract: prometheus-operator v0.85.0 with the rendered Deployment
// (--namespaces: one watched namespace, no kubelet Service): the access
// checks and namespace poll at start, the informers of its Prometheus and
// Alertmanager controllers in the watched namespace, and the reads and
// writes of one reconciliation of each resource. The operator's pod is not
// run here; its calls are made as its ServiceAccount.
func promopContract(t *testing.T, r rendered, objs []controlplane.Object) (Contract, bool) {
	ns, sa, o, ok := account(objs, "Deployment", "prometheus-operator")
	if !ok {
		return Contract{}, false
	}
	var d struct {
		Spec struct {
			Template struct {
				Spec struct {
					Containers []struct{ Args []string }
				}
			}
		}
	}
	if o.Into(&d) != nil || len(d.Spec.Template.Spec.Containers) == 0 {
		t.Error("prometheus-operator's Deployment has no container")
		return Contract{}, false
	}
	args := d.Spec.Template.Spec.Containers[0].Args
	var watched string
	for _, a := range args {
		if v, ok := strings.CutPrefix(a, "--namespaces="); ok {
			watched = v
		}
	}
	if watched == "" || strings.Contains(watched, ",") || slices.ContainsFunc(args, func(a string) bool { return strings.HasPrefix(a, "--kubelet-service") }) {
		t.Errorf("prometheus-operator runs with settings this contract was not read for: %v", args)
	}
	class, name := "standard", "main"
	if m := r.plan.Services.Monitoring; m != nil && m.Operator != nil {
		class, name = m.StorageClass, m.Operator.Name
	}
	const src = "github.com/prometheus-operator/prometheus-operator@v0.85.0 "
	c := Contract{
		Component: "prometheus-operator", Version: "prometheus-operator v0.85.0",
		Sources: []string{src + "cmd/operator/main.go", src + "pkg/listwatch/listwatch.go", src + "pkg/prometheus/server/operator.go",
			src + "pkg/alertmanager/operator.go", src + "pkg/prometheus/server/rules.go", src + "pkg/k8sutil/k8sutil.go",
			src + "pkg/assets/store.go", src + "pkg/operator/statefulset_reporter.go"},
		Namespace: ns, ServiceAccount: sa,
	}
	c.Requests = append(c.Requests,
		Request{Verb: "create", Group: "authorization.k8s.io", Version: "v1", Resource: "selfsubjectaccessreviews",
			Body: map[string]any{"apiVersion": "authorization.k8s.io/v1", "kind": "SelfSubjectAccessReview",
				"spec": map[string]any{"resourceAttributes": map[string]any{"namespace": watched, "verb": "list", "group": "monitoring.coreos.com", "resource": "prometheuses"}}},
			Source: "main.go: checkPrerequisites, k8sutil.IsAllowed for each controller's kinds"},
		Request{Verb: "get", Version: "v1", Resource: "namespaces", Name: watched,
			Source: "listwatch.go: NewNamespaceListWatchFromClient, without list on namespaces it polls the allowed ones by name"},
		Request{Verb: "get", Group: "storage.k8s.io", Version: "v1", Resource: "storageclasses", Name: class,
			Source: "main.go: canReadStorageClass; server/operator.go: the volume claim template's class must exist"},
	)
	for _, res := range []string{"prometheuses", "alertmanagers", "servicemonitors", "podmonitors", "probes", "prometheusrules"} {
		c.Requests = append(c.Requests, listWatch("monitoring.coreos.com", "v1", res, watched, "", "",
			"server/operator.go and alertmanager/operator.go: the controllers' informers of the namespace")...)
	}
	for _, res := range []string{"scrapeconfigs", "alertmanagerconfigs"} {
		c.Requests = append(c.Requests, listWatch("monitoring.coreos.com", "v1alpha1", res, watched, "", "",
			"server/operator.go: scrapeConfigs informer; alertmanager/operator.go: alrtCfgInfs")...)
	}
	c.Requests = append(c.Requests, listWatch("apps", "v1", "statefulsets", watched, "", "", "the controllers' ssetInfs")...)
	c.Requests = append(c.Requests, listWatch("", "v1", "secrets", watched, "", "", "the controllers' secrInfs (generated configuration)")...)
	c.Requests = append(c.Requests, listWatch("", "v1", "configmaps", watched, "", "", "server/operator.go: cmapInfs (rule files)")...)
	c.Requests = append(c.Requests,
		Request{Verb: "get", Version: "v1", Resource: "secrets", Namespace: watched, Name: "alertmanager-config",
			Source: "alertmanager/operator.go: loadConfigurationFromSecret, the Alertmanager's configSecret"},
		Request{Verb: "get", Version: "v1", Resource: "configmaps", Namespace: watched, Name: "kube-root-ca.crt",
			Source: "assets/store.go: the ScrapeConfigs' CA ConfigMap"},
		Request{Verb: "create", Version: "v1", Resource: "secrets", Namespace: watched,
			Body:   map[string]any{"apiVersion": "v1", "kind": "Secret", "metadata": map[string]any{"name": "prometheus-contract", "namespace": watched}},
			Source: "server/operator.go: createOrUpdateConfigurationSecret"},
		Request{Verb: "create", Version: "v1", Resource: "configmaps", Namespace: watched,
			Body:   map[string]any{"apiVersion": "v1", "kind": "ConfigMap", "metadata": map[string]any{"name": "prometheus-contract-rulefiles-0", "namespace": watched}},
			Source: "rules.go: createOrUpdateRuleConfigMaps"},
		Request{Verb: "get", Version: "v1", Resource: "services", Namespace: watched, Name: "prometheus",
			Source: "k8sutil.go: CreateOrUpdateService reads the governing Service first"},
		Request{Verb: "create", Version: "v1", Resource: "services", Namespace: watched,
			Body: map[string]any{"apiVersion": "v1", "kind": "Service", "metadata": map[string]any{"name": "contract-operated", "namespace": watched},
				"spec": map[string]any{"clusterIP": "None", "ports": []any{map[string]any{"name": "web", "port": 9090}}}},
			Source: "k8sutil.go: CreateOrUpdateService (prometheus-operated, alertmanager-operated)"},
		Request{Verb: "update", Version: "v1", Resource: "services", Namespace: watched, Name: "prometheus",
			Source: "k8sutil.go: CreateOrUpdateService, when it exists"},
		Request{Verb: "list", Version: "v1", Resource: "pods", Namespace: watched, LabelSelector: "app.kubernetes.io/name=prometheus",
			Source: "statefulset_reporter.go: the StatefulSet's pods, for the resource's status"},
		Request{Verb: "patch", Group: "monitoring.coreos.com", Version: "v1", Resource: "prometheuses", Subresource: "status", Namespace: watched, Name: name,
			PatchType: "application/merge-patch+json",
			Body:      map[string]any{"status": map[string]any{"availableReplicas": 0, "paused": false, "replicas": 0, "unavailableReplicas": 0, "updatedReplicas": 0}},
			Source:    "server/operator.go: UpdateStatus, ApplyStatus of the status subresource"},
		Request{Verb: "patch", Group: "monitoring.coreos.com", Version: "v1", Resource: "alertmanagers", Subresource: "status", Namespace: watched, Name: name,
			PatchType: "application/merge-patch+json",
			Body:      map[string]any{"status": map[string]any{"availableReplicas": 0, "paused": false, "replicas": 0, "unavailableReplicas": 0, "updatedReplicas": 0}},
			Source:    "alertmanager/operator.go: UpdateStatus, ApplyStatus of the status subresource"},
		Request{Verb: "create", Version: "v1", Resource: "events", Namespace: watched,
			Body: map[string]any{"apiVersion": "v1", "kind": "Event", "metadata": map[string]any{"name": "contract.prometheus-operator", "namespace": watched},
				"involvedObject": map[string]any{"kind": "Prometheus", "namespace": watched, "name": name}, "reason": "contract"},
			Source: "main.go: the event recorder"},
	)
	return c, true
}
