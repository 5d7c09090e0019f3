package forecast

import (
	"maps"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// ECK's labels (github.com/elastic/cloud-on-k8s/v3 v3.5.0,
// pkg/controller/elasticsearch/label and pkg/controller/kibana/label):
// the type every pod it makes carries, the cluster and StatefulSet of an
// Elasticsearch node, the Kibana a Kibana pod belongs to.
const (
	eckTypeLabel        = "common.k8s.elastic.co/type"
	eckClusterLabel     = "elasticsearch.k8s.elastic.co/cluster-name"
	eckStatefulSetLabel = "elasticsearch.k8s.elastic.co/statefulset-name"
	eckKibanaLabel      = "kibana.k8s.elastic.co/name"
)

// eckPodTemplate is a node set's or a Kibana's podTemplate.
type eckPodTemplate struct {
	Metadata struct {
		Labels map[string]string `json:"labels"`
	} `json:"metadata"`
	Spec corev1.PodSpec `json:"spec"`
}

// eckElasticsearch is what the forecast reads of an ECK Elasticsearch
// (elasticsearch.k8s.elastic.co/v1). Its pods are not in the tree: ECK
// makes a StatefulSet NAME-es-NODESET per node set, with count pods that
// carry its labels and the pod template's, and one claim per
// volumeClaimTemplate (elasticsearch-data), so the forecast counts them as
// that StatefulSet. The init containers ECK adds ask for less than the
// Elasticsearch container.
type eckElasticsearch struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata"`
	Spec              struct {
		NodeSets []struct {
			Name                 string                         `json:"name"`
			Count                int                            `json:"count"`
			PodTemplate          eckPodTemplate                 `json:"podTemplate"`
			VolumeClaimTemplates []corev1.PersistentVolumeClaim `json:"volumeClaimTemplates"`
		} `json:"nodeSets"`
	} `json:"spec"`
}

// OperatorECK is the operator that makes an Elasticsearch's and a
// Kibana's pods.
const OperatorECK = "eck"

// workloads returns the StatefulSets ECK makes, one per node set.
func (es *eckElasticsearch) workloads(component string) []*Workload {
	var out []*Workload
	for _, ns := range es.Spec.NodeSets {
		name := es.Name + "-es-" + ns.Name
		selector := map[string]string{eckClusterLabel: es.Name, eckStatefulSetLabel: name}
		labels := map[string]string{eckTypeLabel: "elasticsearch"}
		maps.Copy(labels, ns.PodTemplate.Metadata.Labels)
		maps.Copy(labels, selector)
		self := ResourceRef{es.APIVersion, es.Kind, es.Name} // it makes the StatefulSet and owns it
		out = append(out, &Workload{Kind: KindStatefulSet, Operator: OperatorECK, From: self, Owner: self,
			Namespace: es.Namespace, Name: name, Component: component,
			Replicas: ns.Count, Selector: &metav1.LabelSelector{MatchLabels: selector},
			Template:       corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels}, Spec: ns.PodTemplate.Spec},
			ClaimTemplates: ns.VolumeClaimTemplates})
	}
	return out
}

// eckKibana is what the forecast reads of an ECK Kibana
// (kibana.k8s.elastic.co/v1): ECK runs it as Deployment NAME-kb with count
// pods carrying its labels and the pod template's.
type eckKibana struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata"`
	Spec              struct {
		Count       int            `json:"count"`
		PodTemplate eckPodTemplate `json:"podTemplate"`
	} `json:"spec"`
}

// workload returns the Deployment ECK makes.
func (kb *eckKibana) workload(component string) *Workload {
	selector := map[string]string{eckKibanaLabel: kb.Name}
	labels := map[string]string{eckTypeLabel: "kibana"}
	maps.Copy(labels, kb.Spec.PodTemplate.Metadata.Labels)
	maps.Copy(labels, selector)
	self := ResourceRef{kb.APIVersion, kb.Kind, kb.Name} // it makes the Deployment and owns it
	return &Workload{Kind: KindDeployment, Operator: OperatorECK, From: self, Owner: self,
		Namespace: kb.Namespace, Name: kb.Name + "-kb", Component: component,
		Replicas: kb.Spec.Count, Selector: &metav1.LabelSelector{MatchLabels: selector},
		Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels}, Spec: kb.Spec.PodTemplate.Spec}}
}
