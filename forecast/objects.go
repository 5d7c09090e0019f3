package forecast

import (
	"encoding/json"
	"fmt"
	"sort"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	schedulingv1 "k8s.io/api/scheduling/v1"
	storagev1 "k8s.io/api/storage/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Kinds of workload the forecast places.
const (
	KindDeployment  = "Deployment"
	KindStatefulSet = "StatefulSet"
	KindDaemonSet   = "DaemonSet"
	KindStaticPod   = "StaticPod"
)

// Workload is one set of pods: a Deployment, StatefulSet or DaemonSet as
// rendered, or the static pods a kubelet runs from its manifests folder.
type Workload struct {
	Kind      string
	Namespace string
	Name      string
	// Component is the folder of manifests/ that renders the workload
	// ("monitoring/prometheus"), "kubeadm" for kubeadm's add-ons and
	// control-plane pods, or "loadbalancer" for blueprint's static pods.
	Component string
	// Replicas is the pod count of a Deployment or StatefulSet: for a
	// Deployment that leaves it to a HorizontalPodAutoscaler, the
	// autoscaler's minimum, which it sets at once.
	Replicas int
	Selector *metav1.LabelSelector
	Template corev1.PodTemplateSpec
	// ClaimTemplates are a StatefulSet's volumeClaimTemplates.
	ClaimTemplates []corev1.PersistentVolumeClaim
	// Nodes are the nodes a static pod runs on (kubelets of those nodes
	// read it from their manifests folder).
	Nodes []string
	// Priority is the pods' priority, from their priority class.
	Priority int32
	// Order is the position in install order.
	Order int
	// Operator names the operator that makes these pods from a custom
	// resource of the tree (OperatorStrimzi, OperatorPrometheus,
	// OperatorECK), or is empty for the pods of the tree's own workloads
	// and for static pods. For placement the e2e suite stands in for the
	// operator on a real API server by creating what it would
	// (e2e/standin_test.go), so that the real controllers make these pods
	// and the real scheduler places them; only prometheus-operator also
	// runs for real there (TestPrometheusOperatorRuns).
	Operator string
	// From is the custom resource the operator makes the workload from,
	// and Owner the one its controller owner reference names: the same but
	// for Strimzi, which makes a KafkaNodePool's StrimziPodSet owned by
	// the Kafka. Both are zero for the others.
	From, Owner ResourceRef
	// FirstOrdinal is the ordinal of the first pod of a StatefulSet or of
	// a set of pods numbered as one (a StrimziPodSet's pods carry their
	// node ids, which start at the pool's first).
	FirstOrdinal int
}

// ResourceRef names an object by API version, kind and name (in the
// workload's namespace).
type ResourceRef struct{ APIVersion, Kind, Name string }

// OperatorMade reports whether an operator, not the tree, makes the
// workload's pods.
func (w *Workload) OperatorMade() bool { return w.Operator != "" }

func (w *Workload) selector() *metav1.LabelSelector { return w.Selector }

// String names the workload as kubectl does: kind namespace/name.
func (w *Workload) String() string { return w.Kind + " " + w.Namespace + "/" + w.Name }

// Objects are the rendered objects the forecast reads.
type Objects struct {
	Workloads      []*Workload
	Namespaces     map[string]map[string]string // name → labels
	StorageClasses map[string]*storagev1.StorageClass
	DefaultClass   string
	Volumes        []*corev1.PersistentVolume
	Claims         []*corev1.PersistentVolumeClaim
	Services       []*corev1.Service
	PDBs           []*policyv1.PodDisruptionBudget
	priorities     map[string]int32
	hpas           []*autoscalingv2.HorizontalPodAutoscaler
	unsized        []*Workload
}

// The priority classes every cluster has (pkg/apis/scheduling).
const (
	SystemNodeCritical    = 2000001000
	SystemClusterCritical = 2000000000
)

// NewObjects returns an empty set.
func NewObjects() *Objects {
	return &Objects{
		Namespaces:     map[string]map[string]string{},
		StorageClasses: map[string]*storagev1.StorageClass{},
		priorities:     map[string]int32{"system-node-critical": SystemNodeCritical, "system-cluster-critical": SystemClusterCritical},
	}
}

// newObject returns an empty object of a kind the forecast reads, or nil.
func newObject(apiVersion, kind string) any {
	switch apiVersion + " " + kind {
	case "apps/v1 Deployment":
		return &appsv1.Deployment{}
	case "apps/v1 StatefulSet":
		return &appsv1.StatefulSet{}
	case "apps/v1 DaemonSet":
		return &appsv1.DaemonSet{}
	case "v1 Namespace":
		return &corev1.Namespace{}
	case "storage.k8s.io/v1 StorageClass":
		return &storagev1.StorageClass{}
	case "v1 PersistentVolume":
		return &corev1.PersistentVolume{}
	case "v1 PersistentVolumeClaim":
		return &corev1.PersistentVolumeClaim{}
	case "v1 Service":
		return &corev1.Service{}
	case "policy/v1 PodDisruptionBudget":
		return &policyv1.PodDisruptionBudget{}
	case "scheduling.k8s.io/v1 PriorityClass":
		return &schedulingv1.PriorityClass{}
	case "autoscaling/v2 HorizontalPodAutoscaler":
		return &autoscalingv2.HorizontalPodAutoscaler{}
	case "kafka.strimzi.io/v1 KafkaNodePool":
		return &kafkaNodePool{}
	case "monitoring.coreos.com/v1 Prometheus":
		return &prometheusPods{}
	case "monitoring.coreos.com/v1 Alertmanager":
		return &alertmanagerPods{}
	case "elasticsearch.k8s.elastic.co/v1 Elasticsearch":
		return &eckElasticsearch{}
	case "kibana.k8s.elastic.co/v1 Kibana":
		return &eckKibana{}
	}
	return nil
}

// Reads reports whether the forecast reads objects of this kind.
func Reads(apiVersion, kind string) bool { return newObject(apiVersion, kind) != nil }

// AddJSON decodes a JSON array of built objects (render keeps those Reads
// accepts of each component's kustomize build) and keeps them.
func (o *Objects) AddJSON(component string, data []byte) error {
	var docs []json.RawMessage
	if err := json.Unmarshal(data, &docs); err != nil {
		return fmt.Errorf("%s: %w", component, err)
	}
	for _, doc := range docs {
		var head struct {
			APIVersion string `json:"apiVersion"`
			Kind       string `json:"kind"`
		}
		if err := json.Unmarshal(doc, &head); err != nil {
			return fmt.Errorf("%s: %w", component, err)
		}
		obj := newObject(head.APIVersion, head.Kind)
		if obj == nil {
			continue
		}
		if err := json.Unmarshal(doc, obj); err != nil {
			return fmt.Errorf("%s: %s: %w", component, head.Kind, err)
		}
		o.Add(component, obj)
	}
	return nil
}

// Add keeps one typed object. A Pod is a static pod: Workload.Nodes says
// where it runs, and AddStaticPod is the way to give them.
func (o *Objects) Add(component string, obj any) {
	switch v := obj.(type) {
	case *appsv1.Deployment:
		w := &Workload{Kind: KindDeployment, Namespace: v.Namespace, Name: v.Name, Component: component,
			Replicas: replicas(v.Spec.Replicas), Selector: v.Spec.Selector, Template: v.Spec.Template}
		if v.Spec.Replicas == nil {
			o.unsized = append(o.unsized, w)
		}
		o.addWorkload(w)
	case *appsv1.StatefulSet:
		o.addWorkload(&Workload{Kind: KindStatefulSet, Namespace: v.Namespace, Name: v.Name, Component: component,
			Replicas: replicas(v.Spec.Replicas), Selector: v.Spec.Selector, Template: v.Spec.Template, ClaimTemplates: v.Spec.VolumeClaimTemplates})
	case *kafkaNodePool:
		o.addWorkload(v.workload(component))
	case *prometheusPods:
		o.addWorkload(v.workload("prometheus", component))
	case *alertmanagerPods:
		o.addWorkload(v.workload("alertmanager", component))
	case *eckElasticsearch:
		for _, w := range v.workloads(component) {
			o.addWorkload(w)
		}
	case *eckKibana:
		o.addWorkload(v.workload(component))
	case *appsv1.DaemonSet:
		o.addWorkload(&Workload{Kind: KindDaemonSet, Namespace: v.Namespace, Name: v.Name, Component: component, Selector: v.Spec.Selector, Template: v.Spec.Template})
	case *corev1.Namespace:
		o.Namespaces[v.Name] = v.Labels
	case *storagev1.StorageClass:
		o.StorageClasses[v.Name] = v
		if v.Annotations["storageclass.kubernetes.io/is-default-class"] == "true" {
			o.DefaultClass = v.Name
		}
	case *corev1.PersistentVolume:
		o.Volumes = append(o.Volumes, v)
	case *corev1.PersistentVolumeClaim:
		o.Claims = append(o.Claims, v)
	case *corev1.Service:
		o.Services = append(o.Services, v)
	case *policyv1.PodDisruptionBudget:
		o.PDBs = append(o.PDBs, v)
	case *schedulingv1.PriorityClass:
		o.priorities[v.Name] = v.Value
	case *autoscalingv2.HorizontalPodAutoscaler:
		o.hpas = append(o.hpas, v)
	}
	// A Deployment without replicas starts with one pod, and its
	// autoscaler raises it to its minimum at its first sync.
	for _, w := range o.unsized {
		for _, h := range o.hpas {
			ref := h.Spec.ScaleTargetRef
			if h.Namespace == w.Namespace && ref.Kind == KindDeployment && ref.Name == w.Name && h.Spec.MinReplicas != nil {
				w.Replicas = max(1, int(*h.Spec.MinReplicas))
			}
		}
	}
}

// AddStaticPod adds a pod that the kubelets of nodes run from their
// manifests folder.
func (o *Objects) AddStaticPod(component string, p *corev1.Pod, nodes []string) {
	ns := p.Namespace
	if ns == "" {
		ns = metav1.NamespaceSystem
	}
	o.addWorkload(&Workload{Kind: KindStaticPod, Namespace: ns, Name: p.Name, Component: component,
		Template: corev1.PodTemplateSpec{ObjectMeta: p.ObjectMeta, Spec: p.Spec}, Nodes: nodes})
}

func (o *Objects) addWorkload(w *Workload) {
	w.Order = len(o.Workloads)
	o.Workloads = append(o.Workloads, w)
}

func replicas(r *int32) int {
	if r == nil {
		return 1
	}
	return int(*r)
}

// priority is a pod template's priority: its class's value, 0 without one
// (no class of the tree is a global default).
func (o *Objects) priority(spec *corev1.PodSpec) int32 {
	if spec.Priority != nil {
		return *spec.Priority
	}
	return o.priorities[spec.PriorityClassName]
}

// InstallOrder returns the workloads in the order they are created:
// static pods first (the kubelets start them before anything else), then
// by priority, highest first (the scheduler's queue takes the highest
// priority first when everything is applied at once), then in the order
// they were added (install order).
func (o *Objects) InstallOrder() []*Workload {
	ws := append([]*Workload(nil), o.Workloads...)
	for _, w := range ws {
		w.Priority = o.priority(&w.Template.Spec)
	}
	sort.SliceStable(ws, func(i, j int) bool {
		a, b := ws[i], ws[j]
		if (a.Kind == KindStaticPod) != (b.Kind == KindStaticPod) {
			return a.Kind == KindStaticPod
		}
		if a.Priority != b.Priority {
			return a.Priority > b.Priority
		}
		return a.Order < b.Order
	})
	return ws
}
