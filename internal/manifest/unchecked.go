package manifest

import (
	"fmt"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	vpav1 "k8s.io/autoscaler/vertical-pod-autoscaler/pkg/apis/autoscaling.k8s.io/v1"
	"sigs.k8s.io/yaml"
)

// The VerticalPodAutoscaler API (autoscaling.k8s.io/v1), from the module
// whose CRDs manifests/autoscaling/vpa/ installs.
func init() {
	if err := vpav1.AddToScheme(scheme); err != nil {
		panic(err)
	}
}

// Unchecked are the kinds Decode reads without a Go type, and why. Such an
// object comes back as *unstructured.Unstructured: its YAML is read
// strictly (a duplicate key fails) but its fields are not checked.
var Unchecked = map[schema.GroupKind]string{
	{Group: "apiextensions.k8s.io", Kind: "CustomResourceDefinition"}: "its Go types are in " +
		"k8s.io/apiextensions-apiserver, which this module does not depend on for one file " +
		"copied verbatim from a module it does (the VPA CRDs); the e2e suite has a real API " +
		"server create them",
	{Group: "kafka.strimzi.io", Kind: "Kafka"}:                     strimziUnchecked,
	{Group: "kafka.strimzi.io", Kind: "KafkaNodePool"}:             strimziUnchecked,
	{Group: "monitoring.coreos.com", Kind: "Prometheus"}:           promopUnchecked,
	{Group: "monitoring.coreos.com", Kind: "Alertmanager"}:         promopUnchecked,
	{Group: "monitoring.coreos.com", Kind: "PrometheusRule"}:       promopUnchecked,
	{Group: "monitoring.coreos.com", Kind: "ScrapeConfig"}:         promopUnchecked,
	{Group: "elasticsearch.k8s.elastic.co", Kind: "Elasticsearch"}: eckUnchecked,
	{Group: "kibana.k8s.elastic.co", Kind: "Kibana"}:               eckUnchecked,
}

// promopUnchecked is why the prometheus-operator engine's resources are
// Unchecked.
const promopUnchecked = "their Go types are a module of their own (prometheus-operator's " +
	"pkg/apis/monitoring), not a dependency; the e2e suite (TestPrometheusOperatorEngine) checks them " +
	"against the CRD schemas of the pinned release on a real API server"

// eckUnchecked is why the ECK engine's resources are Unchecked.
const eckUnchecked = "ECK's Go types are in github.com/elastic/cloud-on-k8s/v3, a module with " +
	"the operator's whole dependency tree, which this module does not take on; the e2e suite " +
	"(TestECKEngine) checks them against the CRD schemas of the pinned release on a real API server"

// strimziUnchecked is why the Strimzi engine's resources are Unchecked.
const strimziUnchecked = "Strimzi is written in Java and publishes no Go types; the e2e suite " +
	"(TestStrimziEngine) checks them against the CRD schemas of the pinned release on a real API server"

// decodeUnchecked reads a document of an Unchecked kind; ok is false for
// every other kind, which the strict decoder reads.
func decodeUnchecked(doc []byte) (o Object, ok bool, err error) {
	var tm metav1.TypeMeta
	if yaml.Unmarshal(doc, &tm) != nil {
		return o, false, nil // the strict decoder says what is wrong
	}
	gvk := tm.GroupVersionKind()
	if _, ok := Unchecked[gvk.GroupKind()]; !ok {
		return o, false, nil
	}
	var fields map[string]any
	if err := yaml.UnmarshalStrict(doc, &fields); err != nil {
		return o, true, err
	}
	u := &unstructured.Unstructured{Object: fields}
	if u.GetName() == "" {
		return o, true, fmt.Errorf("%s has no name", gvk)
	}
	return Object{GVK: gvk, Name: u.GetName(), Namespace: u.GetNamespace(), Object: u, Raw: doc}, true, nil
}
