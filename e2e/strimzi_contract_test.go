package e2e

import (
	"strings"
	"testing"

	"github.com/blueprint-dev/blueprint/internal/controlplane"
)

// strimziContract: the Strimzi cluster operator 1.2.0 with the rendered
// Deployment (one watched namespace, leader election on): the watches its
// ClusterOperator verticle opens per kind, the informers of its
// StrimziPodSetController, its Lease, and the reads and writes of one
// reconciliation of a Kafka with internal listeners and rack awareness.
// The operator's pods are not run here; its calls are made as its
// ServiceAccount.
func strimziContract(t *testing.T, r rendered, objs []controlplane.Object) (Contract, bool) {
	ns, sa, o, ok := account(objs, "Deployment", "strimzi-cluster-operator")
	if !ok {
		return Contract{}, false
	}
	var d struct {
		Spec struct {
			Template struct {
				Spec struct {
					Containers []struct {
						Env []struct{ Name, Value string }
					}
				}
			}
		}
	}
	if o.Into(&d) != nil || len(d.Spec.Template.Spec.Containers) == 0 {
		t.Error("the Strimzi operator's Deployment has no container")
		return Contract{}, false
	}
	env := map[string]string{}
	for _, e := range d.Spec.Template.Spec.Containers[0].Env {
		env[e.Name] = e.Value
	}
	watched, lease := env["STRIMZI_NAMESPACE"], env["STRIMZI_LEADER_ELECTION_LEASE_NAME"]
	if watched == "" || strings.Contains(watched, ",") || lease == "" || env["STRIMZI_LEADER_ELECTION_ENABLED"] != "true" {
		t.Errorf("the Strimzi operator runs with settings this contract was not read for: %v", env)
	}
	class := "standard"
	if k := r.plan.Workloads.Kafka; k != nil {
		class = k.StorageClass
	}
	const src = "github.com/strimzi/strimzi-kafka-operator@1.2.0 "
	const co = "cluster-operator/src/main/java/io/strimzi/operator/cluster/"
	c := Contract{
		Component: "Strimzi cluster operator", Version: "strimzi-kafka-operator 1.2.0",
		Sources: []string{src + co + "ClusterOperator.java", src + co + "operator/assembly/StrimziPodSetController.java",
			src + co + "leaderelection/LeaderElectionManager.java", src + co + "operator/assembly/KafkaReconciler.java",
			src + co + "operator/assembly/PvcReconciler.java", src + co + "operator/assembly/KafkaAssemblyOperator.java",
			src + co + "operator/assembly/CaReconciler.java", src + co + "operator/resource/events/KubernetesRestartEventPublisher.java"},
		Namespace: ns, ServiceAccount: sa,
	}
	const le = "LeaderElectionManager.java: fabric8's LeaderElector with a LeaseLock"
	c.Requests = append(c.Requests, leaseRequests(ns, lease, le)...)
	for _, res := range []string{"kafkas", "kafkaconnects", "kafkamirrormaker2s", "kafkabridges", "kafkarebalances"} {
		c.Requests = append(c.Requests, listWatch("kafka.strimzi.io", "v1", res, watched, "", "",
			"ClusterOperator.java: start, a watch per kind of the namespace")...)
	}
	c.Requests = append(c.Requests, listWatch("core.strimzi.io", "v1", "strimzipodsets", watched, "", "",
		"StrimziPodSetController.java: strimziPodSetInformer")...)
	c.Requests = append(c.Requests, listWatch("", "v1", "pods", watched, "", "", "StrimziPodSetController.java: podInformer")...)
	c.Requests = append(c.Requests, listWatch("kafka.strimzi.io", "v1", "kafkanodepools", watched, "", "",
		"ClusterOperator.java: createNodePoolWatch; KafkaAssemblyOperator.java: nodePoolOperator.listAsync, the node pools of each Kafka")...)
	c.Requests = append(c.Requests, listWatch("kafka.strimzi.io", "v1", "kafkaconnectors", watched, "", "",
		"ClusterOperator.java: createConnectorWatch")...)
	c.Requests = append(c.Requests,
		Request{Verb: "get", Group: "storage.k8s.io", Version: "v1", Resource: "storageclasses", Name: class,
			Source: "PvcReconciler.java: resizePvc, storageClassOperator.getAsync (may the class grow a volume)"},
		Request{Verb: "create", Group: "rbac.authorization.k8s.io", Version: "v1", Resource: "clusterrolebindings",
			Body: map[string]any{"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
				"metadata": map[string]any{"name": "strimzi-" + watched + "-contract-kafka-init"},
				"subjects": []any{map[string]any{"kind": "ServiceAccount", "name": "contract-kafka", "namespace": watched}},
				"roleRef":  map[string]any{"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "strimzi-kafka-broker"}},
			Source: "KafkaReconciler.java: clusterRoleBinding (the brokers' init container reads its node's zone for rack awareness)"},
		Request{Verb: "get", Group: "rbac.authorization.k8s.io", Version: "v1", Resource: "clusterrolebindings", Name: "strimzi-" + watched + "-contract-kafka-init",
			Source: "KafkaReconciler.java: clusterRoleBinding, reconcile reads it back"},
		Request{Verb: "create", Group: "events.k8s.io", Version: "v1", Resource: "events", Namespace: watched,
			Body: map[string]any{"apiVersion": "events.k8s.io/v1", "kind": "Event", "metadata": map[string]any{"name": "contract.strimzi", "namespace": watched},
				"eventTime": "2026-01-01T00:00:00.000000Z", "reportingController": "strimzi.io/cluster-operator", "reportingInstance": "contract",
				"action": "StrimziInitiatedPodRestart", "reason": "contract", "type": "Normal",
				"regarding": map[string]any{"kind": "Pod", "namespace": watched, "name": "contract"}},
			Source: "KubernetesRestartEventPublisher.java: an event for each pod it restarts"},
		Request{Verb: "create", Version: "v1", Resource: "secrets", Namespace: watched,
			Body:   map[string]any{"apiVersion": "v1", "kind": "Secret", "metadata": map[string]any{"name": "contract-cluster-ca-cert", "namespace": watched}},
			Source: "CaReconciler.java: the cluster CA's Secrets"},
	)
	return c, true
}
