package forecast

import (
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// KindStrimziPodSet is a KafkaNodePool's pods: the Strimzi operator makes
// them through a StrimziPodSet named CLUSTER-POOL, all at once, one pod
// CLUSTER-POOL-ID per node id and one claim data-CLUSTER-POOL-ID each (a
// persistent-claim storage outside JBOD; KafkaPool.nodes,
// VolumeUtils.createPodSetVolumes at 1.2.0), as a StatefulSet with
// Parallel pod management whose ordinals start at the pool's first id.
const KindStrimziPodSet = "StrimziPodSet"

// OperatorStrimzi is the operator that makes StrimziPodSets' pods.
const OperatorStrimzi = "strimzi"

// strimziNextNodeIDs is the annotation that gives a pool's node ids.
const strimziNextNodeIDs = "strimzi.io/next-node-ids"

// firstNodeID is the first node id Strimzi gives a new pool from its
// strimzi.io/next-node-ids annotation ("[100-199]", "[0, 5-9]": the ids in
// the order written; NodeIdAssignor takes them in that order), or 0 when
// the pool has none (Strimzi then counts on from the ids other pools use;
// blueprint always sets it). Blueprint's ranges are single ranges at least
// as wide as the pool, so the ids are contiguous from the first.
func firstNodeID(annotation string) int {
	s := strings.TrimSpace(annotation)
	if !strings.HasPrefix(s, "[") || !strings.HasSuffix(s, "]") {
		return 0
	}
	first, _, _ := strings.Cut(strings.Trim(s, "[]"), ",")
	first, _, _ = strings.Cut(first, "-")
	n, err := strconv.Atoi(strings.TrimSpace(first))
	if err != nil || n < 0 {
		return 0
	}
	return n
}

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
	// The StrimziPodSet's selector (Labels.strimziSelectorLabels).
	selector := map[string]string{"strimzi.io/cluster": cluster, "strimzi.io/pool-name": np.Name,
		"strimzi.io/kind": "Kafka", "strimzi.io/name": cluster + "-kafka"}
	// Strimzi's default labels of every Kafka pod (Labels.generateDefaultLabels:
	// the component type as app.kubernetes.io/name, the Kafka resource as
	// app.kubernetes.io/instance).
	labels := map[string]string{"app.kubernetes.io/name": "kafka", "app.kubernetes.io/instance": cluster}
	for k, v := range selector {
		labels[k] = v
	}
	broker := false
	for _, r := range np.Spec.Roles {
		labels["strimzi.io/"+r+"-role"] = "true"
		broker = broker || r == "broker"
	}
	pod := np.Spec.Template.Pod
	affinity := pod.Affinity
	if broker {
		affinity = withRackAffinity(affinity)
	}
	// The StrimziPodSet belongs to the Kafka resource, of the pool's API.
	w := &Workload{Kind: KindStrimziPodSet, Operator: OperatorStrimzi,
		From: ResourceRef{np.APIVersion, np.Kind, np.Name}, Owner: ResourceRef{np.APIVersion, "Kafka", cluster},
		Namespace: np.Namespace, Name: cluster + "-" + np.Name, Component: component,
		Replicas: int(np.Spec.Replicas), Selector: &metav1.LabelSelector{MatchLabels: selector},
		FirstOrdinal: firstNodeID(np.Annotations[strimziNextNodeIDs]),
		Template: corev1.PodTemplateSpec{
			ObjectMeta: metav1.ObjectMeta{Labels: labels},
			Spec: corev1.PodSpec{Affinity: affinity, Tolerations: pod.Tolerations, TopologySpreadConstraints: pod.TopologySpreadConstraints,
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

// withRackAffinity is a broker's affinity as Strimzi gives it with rack
// awareness (ModelUtils.affinityWithRackLabelSelector at 1.2.0): the node
// must carry the rack label, added to every required node selector term,
// or as a term of its own. Blueprint's Kafka resource sets
// rack.topologyKey to the zone label.
func withRackAffinity(a *corev1.Affinity) *corev1.Affinity {
	rack := corev1.NodeSelectorRequirement{Key: corev1.LabelTopologyZone, Operator: corev1.NodeSelectorOpExists}
	out := &corev1.Affinity{}
	if a != nil {
		out = a.DeepCopy()
	}
	if out.NodeAffinity == nil {
		out.NodeAffinity = &corev1.NodeAffinity{}
	}
	req := out.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution
	if req == nil || len(req.NodeSelectorTerms) == 0 {
		out.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution = &corev1.NodeSelector{
			NodeSelectorTerms: []corev1.NodeSelectorTerm{{MatchExpressions: []corev1.NodeSelectorRequirement{rack}}}}
		return out
	}
	for i := range req.NodeSelectorTerms {
		req.NodeSelectorTerms[i].MatchExpressions = append(req.NodeSelectorTerms[i].MatchExpressions, rack)
	}
	return out
}
