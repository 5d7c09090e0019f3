package e2e

import (
	"slices"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/blueprint-dev/blueprint/internal/controlplane"
	"github.com/blueprint-dev/blueprint/plan"
)

// sparkOperatorTemplates reads the SparkApplication and
// ScheduledSparkApplication templates from the tree's ConfigMap, as
// objects to send.
func sparkOperatorTemplates(t *testing.T, objs []controlplane.Object) (app, scheduled controlplane.Object, ok bool) {
	for _, o := range objs {
		if o.Kind() != "ConfigMap" || o.Name() != plan.SparkTemplatesConfigMap {
			continue
		}
		var cm struct{ Data map[string]string }
		if err := o.Into(&cm); err != nil {
			t.Fatal(err)
		}
		for file, into := range map[string]*controlplane.Object{"sparkapplication.yaml": &app, "scheduledsparkapplication.yaml": &scheduled} {
			if err := yaml.Unmarshal([]byte(cm.Data[file]), into); err != nil || len(*into) == 0 {
				t.Fatalf("%s of ConfigMap %s: %v", file, plan.SparkTemplatesConfigMap, err)
			}
		}
		return app, scheduled, true
	}
	return nil, nil, false
}

// sparkOperatorContracts: the Spark operator v2.5.2's controller with the
// rendered Deployment (one watched namespace, leader election on, no UI
// Service or Ingress): the informers its three reconcilers and its cache
// start, its Lease, the SparkApplications a ScheduledSparkApplication
// runs, status writes and events; then the spark-submit it runs in its own
// container, as its own account, for a SparkApplication of the template
// (the driver pod, its Service and ConfigMaps), and the driver, as
// spark-driver, with the settings the operator passes. The controller's
// pod is not run here; its calls are made as its ServiceAccount.
func sparkOperatorContracts(t *testing.T, r rendered, objs []controlplane.Object) []Contract {
	ns, sa, o, ok := account(objs, "Deployment", plan.SparkOperatorName)
	if !ok {
		return nil
	}
	var d struct {
		Spec struct {
			Template struct {
				Spec struct{ Containers []struct{ Args []string } }
			}
		}
	}
	if o.Into(&d) != nil || len(d.Spec.Template.Spec.Containers) == 0 {
		t.Error("the Spark operator's Deployment has no container")
		return nil
	}
	flags := map[string]string{}
	for _, a := range d.Spec.Template.Spec.Containers[0].Args {
		k, v, _ := strings.Cut(a, "=")
		flags[k] = v
	}
	watched, lease := flags["--namespaces"], flags["--leader-election-lock-name"]
	if watched == "" || strings.Contains(watched, ",") || lease == "" || flags["--leader-election"] != "true" ||
		flags["--leader-election-lock-namespace"] != ns || flags["--enable-ui-service"] != "false" || flags["--ingress-url-format"] != "" {
		t.Errorf("the Spark operator runs with flags this contract was not read for: %v", flags)
	}
	app, _, ok := sparkOperatorTemplates(t, objs)
	if !ok {
		t.Error("no SparkApplication template in the tree")
		return nil
	}
	const src = "github.com/kubeflow/spark-operator@v2.5.2 "
	start := src + "cmd/operator/controller/start.go"
	const group, v1beta2 = "sparkoperator.k8s.io", "v1beta2"
	c := Contract{
		Component: "Spark operator controller", Version: "spark-operator v2.5.2",
		Sources: []string{start, src + "internal/controller/sparkapplication/controller.go",
			src + "internal/controller/scheduledsparkapplication/controller.go", src + "internal/controller/sparkconnect/reconciler.go"},
		Namespace: ns, ServiceAccount: sa,
	}
	const le = "start.go: controller-runtime's leader election (LeaderElectionID, LeaderElectionNamespace), a Lease"
	c.Requests = append(c.Requests, leaseRequests(ns, lease, le)...)
	c.Requests = append(c.Requests,
		Request{Verb: "create", Version: "v1", Resource: "events", Namespace: ns,
			Body: map[string]any{"apiVersion": "v1", "kind": "Event", "metadata": map[string]any{"name": "contract.lease", "namespace": ns},
				"involvedObject": map[string]any{"kind": "Lease", "namespace": ns, "name": lease}, "reason": "LeaderElection", "type": "Normal"},
			Source: le + ": the event recorder reports the new leader"},
	)
	c.Requests = append(c.Requests, listWatch("", "v1", "pods", watched, "sparkoperator.k8s.io/launched-by-spark-operator=true", "",
		"start.go: newCacheOptions, pods by label; sparkapplication and sparkconnect controllers watch them")...)
	c.Requests = append(c.Requests, listWatch("", "v1", "configmaps", watched, "sparkoperator.k8s.io/created-by-spark-operator=true", "",
		"start.go: newCacheOptions, configmaps by label; the SparkConnect reconciler owns them")...)
	c.Requests = append(c.Requests, listWatch("", "v1", "services", watched, "", "",
		"start.go: newCacheOptions; the SparkConnect reconciler owns them")...)
	for _, res := range []string{"sparkapplications", "scheduledsparkapplications"} {
		c.Requests = append(c.Requests, listWatch(group, v1beta2, res, watched, "", "", "start.go: a reconciler per kind, each watching it")...)
	}
	c.Requests = append(c.Requests, listWatch(group, "v1alpha1", "sparkconnects", watched, "", "", "sparkconnect/reconciler.go: For(SparkConnect)")...)

	run := controlplane.Object{}
	for k, v := range app {
		run[k] = v
	}
	run["metadata"] = map[string]any{"name": "contract-run", "namespace": watched}
	scheduled := controlplane.Object{"apiVersion": group + "/" + v1beta2, "kind": "ScheduledSparkApplication",
		"metadata": map[string]any{"name": "contract-scheduled", "namespace": watched},
		"spec":     map[string]any{"schedule": "@daily", "suspend": true, "template": app["spec"]}}
	existing := controlplane.Object{}
	for k, v := range app {
		existing[k] = v
	}
	existing["metadata"] = map[string]any{"name": "contract-app", "namespace": watched}
	c.Setup = []controlplane.Object{existing, scheduled,
		probePod(watched, "contract-app-driver", map[string]any{"sparkoperator.k8s.io/launched-by-spark-operator": "true"})}
	c.Requests = append(c.Requests,
		Request{Verb: "create", Group: group, Version: v1beta2, Resource: "sparkapplications", Namespace: watched, Body: run,
			Source: "scheduledsparkapplication/controller.go: a run, client.Create(app)"},
		Request{Verb: "update", Group: group, Version: v1beta2, Resource: "sparkapplications", Subresource: "status", Namespace: watched, Name: "contract-app",
			Source: "sparkapplication/controller.go: updateSparkApplicationStatus"},
		Request{Verb: "update", Group: group, Version: v1beta2, Resource: "scheduledsparkapplications", Subresource: "status", Namespace: watched, Name: "contract-scheduled",
			Source: "scheduledsparkapplication/controller.go: client.Status().Update"},
		Request{Verb: "get", Group: group, Version: v1beta2, Resource: "sparkapplications", Namespace: watched, Name: "contract-app",
			Source: "sparkapplication/controller.go: getSparkApplication"},
		Request{Verb: "create", Version: "v1", Resource: "events", Namespace: watched,
			Body: map[string]any{"apiVersion": "v1", "kind": "Event", "metadata": map[string]any{"name": "contract.app", "namespace": watched},
				"involvedObject": map[string]any{"apiVersion": group + "/" + v1beta2, "kind": "SparkApplication", "namespace": watched, "name": "contract-app"},
				"reason":         "SparkApplicationSubmitted", "type": "Normal"},
			Source: "sparkapplication/controller.go: recordSparkApplicationEvent"},
		Request{Verb: "delete", Version: "v1", Resource: "pods", Namespace: watched, Name: "contract-app-driver",
			Source: "sparkapplication/controller.go: deleteSparkResources, the driver pod of a deleted or restarted application"},
		Request{Verb: "delete", Group: group, Version: v1beta2, Resource: "sparkapplications", Namespace: watched, Name: "contract-run",
			Source: "scheduledsparkapplication/controller.go: deletes runs beyond the history limits"},
	)

	// spark-submit in the controller's container: what the operator
	// passes (submission.go) gives the same configuration as
	// spark-defaults.conf; the submission runs as the controller's account.
	spec, _ := app["spec"].(map[string]any)
	driver, _ := spec["driver"].(map[string]any)
	conf := map[string]string{
		"spark.kubernetes.namespace":                              watched,
		"spark.kubernetes.authenticate.driver.serviceAccountName": str(driver["serviceAccount"]),
		"spark.kubernetes.executor.podTemplateFile":               "/tmp/spark/contract/executor-pod-template.yaml",
	}
	if sc, ok := spec["sparkConf"].(map[string]any); ok {
		for k, v := range sc {
			conf[k] = str(v)
		}
	}
	out := []Contract{c}
	for _, sc := range sparkContractsOf(t, conf) {
		if strings.HasPrefix(sc.Component, "Spark submission client") {
			sc.Component = "Spark submission client in the Spark operator's controller"
			sc.Namespace, sc.ServiceAccount = ns, sa
			// It watches the driver only with waitAppCompletion, which the
			// operator turns off (submission.go:
			// submissionWaitAppCompletionOption); the controller's own pod
			// watch covers it.
			sc.Requests = slices.DeleteFunc(sc.Requests, func(r Request) bool { return r.Verb == "watch" })
		}
		out = append(out, sc)
	}
	return out
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

// leaseRequests are a leader election's calls on its Lease: create on
// first start, then get and update on every renewal.
func leaseRequests(ns, lease, source string) []Request {
	return []Request{
		{Verb: "create", Group: "coordination.k8s.io", Version: "v1", Resource: "leases", Namespace: ns,
			Body: map[string]any{"apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
				"metadata": map[string]any{"name": lease, "namespace": ns}, "spec": map[string]any{"holderIdentity": "contract"}},
			Source: source + " (create, first start)"},
		{Verb: "get", Group: "coordination.k8s.io", Version: "v1", Resource: "leases", Namespace: ns, Name: lease, Source: source + " (get)"},
		{Verb: "update", Group: "coordination.k8s.io", Version: "v1", Resource: "leases", Namespace: ns, Name: lease, Source: source + " (update, every renewal)"},
	}
}
