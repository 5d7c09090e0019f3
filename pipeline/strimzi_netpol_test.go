package pipeline_test

import (
	"encoding/json"
	"testing"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/blueprint-dev/blueprint/forecast"
	"github.com/blueprint-dev/blueprint/internal/manifest"
	"github.com/blueprint-dev/blueprint/plan"
)

// strimziNetworkPolicy is the ingress NetworkPolicy the Strimzi operator
// writes for a Kafka resource of the tree (KafkaCluster.generateNetworkPolicy
// at 1.2.0), as far as flows from outside the cluster's own pods go: it
// selects the cluster's pods by Strimzi's selector labels, admits the
// cluster's own pods to the control-plane listener, and each listener's
// networkPolicyPeers to its port. The operator's, exporter's and Cruise
// Control's rules, which admit only Strimzi's own pods, are left out.
// Nil when the tree holds no Kafka resource.
func strimziNetworkPolicy(t *testing.T, objs []manifest.Object) *networkingv1.NetworkPolicy {
	t.Helper()
	for _, o := range objs {
		if o.GVK.Group != "kafka.strimzi.io" || o.GVK.Kind != "Kafka" {
			continue
		}
		b, err := json.Marshal(o.Object)
		if err != nil {
			t.Fatal(err)
		}
		var k struct {
			Metadata metav1.ObjectMeta `json:"metadata"`
			Spec     struct {
				Kafka struct {
					Listeners []struct {
						Port               int32                            `json:"port"`
						NetworkPolicyPeers []networkingv1.NetworkPolicyPeer `json:"networkPolicyPeers"`
					} `json:"listeners"`
				} `json:"kafka"`
			} `json:"spec"`
		}
		if err := json.Unmarshal(b, &k); err != nil {
			t.Fatal(err)
		}
		cluster := map[string]string{"strimzi.io/cluster": k.Metadata.Name, "strimzi.io/name": k.Metadata.Name + "-kafka", "strimzi.io/kind": "Kafka"}
		rule := func(port int32, peers []networkingv1.NetworkPolicyPeer) networkingv1.NetworkPolicyIngressRule {
			p := intstr.FromInt32(port)
			return networkingv1.NetworkPolicyIngressRule{From: peers, Ports: []networkingv1.NetworkPolicyPort{{Port: &p}}}
		}
		np := &networkingv1.NetworkPolicy{ObjectMeta: metav1.ObjectMeta{Name: k.Metadata.Name + "-network-policy-kafka", Namespace: k.Metadata.Namespace},
			Spec: networkingv1.NetworkPolicySpec{PodSelector: metav1.LabelSelector{MatchLabels: cluster},
				PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeIngress},
				Ingress: []networkingv1.NetworkPolicyIngressRule{rule(plan.StrimziControlPlanePort,
					[]networkingv1.NetworkPolicyPeer{{PodSelector: &metav1.LabelSelector{MatchLabels: cluster}}})}}}
		for _, l := range k.Spec.Kafka.Listeners {
			np.Spec.Ingress = append(np.Spec.Ingress, rule(l.Port, l.NetworkPolicyPeers))
		}
		return np
	}
	return nil
}

// strimziPod is a pod the Strimzi operator makes for a node pool, with the
// labels it gives them (role: "broker" or "controller"), as the forecast
// has them.
func strimziPod(t *testing.T, ex example, ns, name string) netPod {
	t.Helper()
	for _, w := range exampleForecast(t, ex).Workloads {
		if w.Kind == forecast.KindStrimziPodSet && w.Namespace == ns && w.Name == name {
			return netPod{ns, labels.Set(w.Template.Labels)}
		}
	}
	t.Fatalf("%s: the forecast has no StrimziPodSet %s/%s", ex.name, ns, name)
	return netPod{}
}

// addStrimziExporter adds to the simulated cluster the Kafka exporter
// pods the Strimzi operator makes from a Kafka resource of the tree with
// spec.kafkaExporter (a Deployment CLUSTER-kafka-exporter: its metrics on
// 9404, the pod annotations of its template), which are not in the tree.
func (e *promEnv) addStrimziExporter(addr func() string) {
	for _, o := range e.objects {
		if o.GVK.Group != "kafka.strimzi.io" || o.GVK.Kind != "Kafka" {
			continue
		}
		b, err := json.Marshal(o.Object)
		if err != nil {
			e.t.Fatal(err)
		}
		var k struct {
			Metadata metav1.ObjectMeta `json:"metadata"`
			Spec     struct {
				KafkaExporter *struct {
					Template struct {
						Pod struct {
							Metadata struct {
								Annotations map[string]string `json:"annotations"`
							} `json:"metadata"`
						} `json:"pod"`
					} `json:"template"`
				} `json:"kafkaExporter"`
			} `json:"spec"`
		}
		if err := json.Unmarshal(b, &k); err != nil {
			e.t.Fatal(err)
		}
		if k.Spec.KafkaExporter == nil {
			continue
		}
		name := k.Metadata.Name + "-kafka-exporter"
		podLabels := map[string]string{"strimzi.io/cluster": k.Metadata.Name, "strimzi.io/kind": "Kafka", "strimzi.io/name": name,
			"app.kubernetes.io/name": "kafka-exporter", "app.kubernetes.io/instance": k.Metadata.Name}
		spec := corev1.PodSpec{Containers: []corev1.Container{{Name: "kafka-exporter",
			Ports: []corev1.ContainerPort{{Name: "tcp-prometheus", ContainerPort: plan.StrimziExporterPort}}}}}
		e.addPods(k.Metadata.Namespace, name, "Deployment", podLabels, k.Spec.KafkaExporter.Template.Pod.Metadata.Annotations, spec, 1, addr)
	}
}

// kafkaExporterPods selects the Kafka exporter's pods of either engine.
func kafkaExporterPods(e *promEnv) func(promTarget) bool {
	if st := e.ex.plan.Workloads.Kafka.Strimzi; st != nil {
		return podPrefix(st.Cluster + "-kafka-exporter-")
	}
	return podPrefix("kafka-exporter-")
}
