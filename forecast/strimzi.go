package forecast

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// KindStrimziPodSet is a KafkaNodePool's pods: the Strimzi operator makes
// them through a StrimziPodSet named CLUSTER-POOL, one pod and one claim
// (data-POD) per replica, as a StatefulSet would.
const KindStrimziPodSet = "StrimziPodSet"

// kafkaNodePool is what the forecast reads of a Strimzi KafkaNodePool
// (kafka.strimzi.io/v1). Its pods are not in the tree: the operator makes
// them from the pool, so the forecast counts them as the operator would
// make them: spec.replicas pods labelled as Strimzi labels them, with the
// pool's resources, affinity, tolerations and spread constraints, and a
// persistent-claim volume of the pool's class and size each. The init
// container and the required zone-label affinity Strimzi adds for rack
// awareness ask for no more than that (every node of a design has a zone).
type kafkaNodePool struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata"`
	Spec              struct {
		Replicas  int32    `json:"replicas"`
		Roles     []string `json:"roles"`
		Storage   struct{ Type, Class, Size string }
		Resources corev1.ResourceRequirements `json:"resources"`
		Template  struct {
			Pod struct {
				Affinity                      *corev1.Affinity                  `json:"affinity"`
				Tolerations                   []corev1.Toleration               `json:"tolerations"`
				TopologySpreadConstraints     []corev1.TopologySpreadConstraint `json:"topologySpreadConstraints"`
				TerminationGracePeriodSeconds *int64                            `json:"terminationGracePeriodSeconds"`
			} `json:"pod"`
		} `json:"template"`
	} `json:"spec"`
}

// workload returns the pods the operator makes from the pool.
func (np *kafkaNodePool) workload(component string) *Workload {
	cluster := np.Labels["strimzi.io/cluster"]
	selector := map[string]string{"strimzi.io/cluster": cluster, "strimzi.io/pool-name": np.Name}
	labels := map[string]string{"strimzi.io/kind": "Kafka", "strimzi.io/name": cluster + "-kafka"}
	for k, v := range selector {
		labels[k] = v
	}
	for _, r := range np.Spec.Roles {
		labels["strimzi.io/"+r+"-role"] = "true"
	}
	pod := np.Spec.Template.Pod
	w := &Workload{Kind: KindStrimziPodSet, Namespace: np.Namespace, Name: cluster + "-" + np.Name, Component: component,
		Replicas: int(np.Spec.Replicas), Selector: &metav1.LabelSelector{MatchLabels: selector},
		Template: corev1.PodTemplateSpec{
			ObjectMeta: metav1.ObjectMeta{Labels: labels},
			Spec: corev1.PodSpec{Affinity: pod.Affinity, Tolerations: pod.Tolerations, TopologySpreadConstraints: pod.TopologySpreadConstraints,
				TerminationGracePeriodSeconds: pod.TerminationGracePeriodSeconds,
				Containers:                    []corev1.Container{{Name: "kafka", Resources: np.Spec.Resources}}},
		}}
	if np.Spec.Storage.Type == "persistent-claim" {
		size, err := resource.ParseQuantity(np.Spec.Storage.Size)
		if err == nil {
			class := np.Spec.Storage.Class
			w.ClaimTemplates = []corev1.PersistentVolumeClaim{{ObjectMeta: metav1.ObjectMeta{Name: "data"},
				Spec: corev1.PersistentVolumeClaimSpec{AccessModes: []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
					StorageClassName: &class, Resources: corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: size}}}}}
		}
	}
	return w
}
