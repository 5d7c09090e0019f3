package forecast

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// operatorPods is what the forecast reads of a prometheus-operator
// Prometheus or Alertmanager (monitoring.coreos.com/v1). Their pods are not
// in the tree: the operator (v0.85.0) makes a StatefulSet KIND-NAME of
// them (prometheus-NAME, alertmanager-NAME), so the forecast counts them
// as that StatefulSet: spec.replicas pods labelled as the operator's
// selector labels them (plus the resource's podMetadata labels), placed
// by the resource's node selector, tolerations, affinity and spread
// constraints; the main container with the resource's resources and the
// config reloader the operator adds (its default requests and limits:
// 10m CPU, 50Mi memory, cmd/operator/main.go); and, for a
// volumeClaimTemplate, one claim each named as the operator names it
// (NAME-db unless the template names it).
type operatorPods struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata"`
	Spec              struct {
		Replicas                      *int32                            `json:"replicas"`
		NodeSelector                  map[string]string                 `json:"nodeSelector"`
		Tolerations                   []corev1.Toleration               `json:"tolerations"`
		Affinity                      *corev1.Affinity                  `json:"affinity"`
		TopologySpreadConstraints     []corev1.TopologySpreadConstraint `json:"topologySpreadConstraints"`
		Resources                     corev1.ResourceRequirements       `json:"resources"`
		TerminationGracePeriodSeconds *int64                            `json:"terminationGracePeriodSeconds"`
		PodMetadata                   struct {
			Labels map[string]string `json:"labels"`
		} `json:"podMetadata"`
		Storage struct {
			VolumeClaimTemplate *struct {
				Metadata struct {
					Name string `json:"name"`
				} `json:"metadata"`
				Spec corev1.PersistentVolumeClaimSpec `json:"spec"`
			} `json:"volumeClaimTemplate"`
		} `json:"storage"`
	} `json:"spec"`
}

// PrometheusOperatorReloader is the config reloader's requests and limits
// in every pod prometheus-operator makes.
var PrometheusOperatorReloader = corev1.ResourceRequirements{
	Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("10m"), corev1.ResourceMemory: resource.MustParse("50Mi")},
	Limits:   corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("10m"), corev1.ResourceMemory: resource.MustParse("50Mi")},
}

// OperatorPrometheus is the operator that makes a Prometheus's and an
// Alertmanager's pods.
const OperatorPrometheus = "prometheus-operator"

// workload returns the StatefulSet the operator makes; app is
// "prometheus" or "alertmanager".
func (r *operatorPods) workload(app, component string) *Workload {
	name := app + "-" + r.Name
	selector := map[string]string{
		"app.kubernetes.io/managed-by": "prometheus-operator", "app.kubernetes.io/name": app,
		"app.kubernetes.io/instance": r.Name, app: r.Name,
	}
	if app == "prometheus" {
		selector["operator.prometheus.io/name"] = r.Name
		selector["operator.prometheus.io/shard"] = "0"
	} else {
		selector["alertmanager"] = r.Name
	}
	labels := map[string]string{}
	for k, v := range r.Spec.PodMetadata.Labels {
		labels[k] = v
	}
	for k, v := range selector {
		labels[k] = v
	}
	replicas := 1
	if r.Spec.Replicas != nil {
		replicas = int(*r.Spec.Replicas)
	}
	s := r.Spec
	self := ResourceRef{r.APIVersion, r.Kind, r.Name} // it makes the StatefulSet and owns it
	w := &Workload{Kind: KindStatefulSet, Operator: OperatorPrometheus, From: self, Owner: self,
		Namespace: r.Namespace, Name: name, Component: component,
		Replicas: replicas, Selector: &metav1.LabelSelector{MatchLabels: selector},
		Template: corev1.PodTemplateSpec{
			ObjectMeta: metav1.ObjectMeta{Labels: labels},
			Spec: corev1.PodSpec{NodeSelector: s.NodeSelector, Tolerations: s.Tolerations, Affinity: s.Affinity,
				TopologySpreadConstraints: s.TopologySpreadConstraints, TerminationGracePeriodSeconds: s.TerminationGracePeriodSeconds,
				Containers: []corev1.Container{{Name: app, Resources: s.Resources}, {Name: "config-reloader", Resources: PrometheusOperatorReloader}}},
		}}
	if t := s.Storage.VolumeClaimTemplate; t != nil {
		claim := t.Metadata.Name
		if claim == "" {
			claim = name + "-db"
		}
		spec := t.Spec
		if len(spec.AccessModes) == 0 {
			spec.AccessModes = []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce}
		}
		w.ClaimTemplates = []corev1.PersistentVolumeClaim{{ObjectMeta: metav1.ObjectMeta{Name: claim}, Spec: spec}}
	}
	return w
}

// prometheusPods and alertmanagerPods tell the two kinds apart in Add.
type (
	prometheusPods   struct{ operatorPods }
	alertmanagerPods struct{ operatorPods }
)
