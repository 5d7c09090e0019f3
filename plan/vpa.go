package plan

import (
	"fmt"
	"sort"

	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/blueprint-dev/blueprint/spec"
)

// VerticalPodAutoscaler is the VPA recommender and the VerticalPodAutoscaler
// objects that ask it for recommendations, one per workload blueprint
// renders.
type VerticalPodAutoscaler struct {
	// UpdateMode is what the VPA does with a recommendation; validate
	// allows only Off: it records them in each object's status.
	UpdateMode string
	Targets    []VPATarget // sorted by namespace, then name
	// Lease is the Lease in kube-system that the recommender's leader
	// election holds: its default name, which its Role is limited to.
	Lease string
	// ScaleReads are the scale subresources the recommender reads, sorted:
	// those of the custom resources a VPA targets (their selector), and
	// those of the custom resources that own a targeted StatefulSet
	// without one (the read must answer NotFound, not Forbidden, for the
	// StatefulSet to count as the top-most controller).
	ScaleReads []ScaleRead
}

// ScaleRead is the scale subresource of one custom resource kind. Owner
// marks a kind the recommender meets only as the owner of a targeted
// workload, which has no scale subresource.
type ScaleRead struct {
	Group, Resource string
	Owner           bool
}

// The custom resources a VPA targets or meets as an owner, with the API
// versions the operators serve them at.
const (
	PrometheusAPIVersion = "monitoring.coreos.com/v1"
	KibanaAPIVersion     = "kibana.k8s.elastic.co/v1"
	StrimziAPIVersion    = "kafka.strimzi.io/v1"
)

// VPATarget is one workload a VerticalPodAutoscaler object watches, with
// the range its recommendations are held to.
type VPATarget struct {
	// APIVersion and Kind are apps/v1 and Deployment or StatefulSet, or a
	// custom resource with a scale subresource whose operator makes the
	// pods (a Prometheus, an Alertmanager, a Kibana): the VPA recommender
	// refuses a target that such a resource owns (ConfigUnsupported: "has
	// a parent controller but it should point to a topmost well-known or
	// scalable controller"), so the VPA names the resource.
	APIVersion string
	Kind       string
	Namespace  string
	// Name is the workload's (a custom resource's pods are in the workload
	// the operator names after it: StatefulSet prometheus-main), and the
	// VerticalPodAutoscaler object's; Target is the targeted object's.
	Name, Target string
	Container    string // the pod's one container
	// Request is what the container asks for today; the allowed range is
	// derived from it (see vpaBounds).
	RequestCPU, RequestMemory string
	MinCPU, MinMemory         string
	MaxCPU, MaxMemory         string
	// Heap is the JVM heap (-Xmx, equal to -Xms) the container's memory is
	// sized around, and HeapSetting says where it is set; both are empty
	// for the others.
	Heap, HeapSetting string
	// ScaledOnCPU is true where a HorizontalPodAutoscaler scales the
	// workload on CPU utilization, which a new CPU request changes.
	ScaledOnCPU bool
	// pool is the pool the workload runs on, which bounds the range.
	pool Pool
}

// sizePrometheusVPA holds Prometheus' VPA range to its requests as the
// scale step sizes them (from the series it will hold, or the spec's
// tuning), which buildVPA, run before that step, cannot know.
func (p *Plan) sizePrometheusVPA() {
	a, m := p.Services.Autoscaling, p.Services.Monitoring
	if a == nil || a.VPA == nil || m == nil || p.Scale.PrometheusCPU == "" {
		return
	}
	for i := range a.VPA.Targets {
		t := &a.VPA.Targets[i]
		kind, name := "StatefulSet", "prometheus"
		if m.Operator != nil {
			kind, name = "Prometheus", m.Operator.PrometheusStatefulSet
		}
		if t.Kind != kind || t.Namespace != m.Namespace || t.Name != name {
			continue
		}
		t.RequestCPU, t.RequestMemory = p.Scale.PrometheusCPU, p.Scale.PrometheusMemory
		t.MinCPU, t.MaxCPU, t.MinMemory, t.MaxMemory = vpaBounds(t.RequestCPU, t.RequestMemory, false, t.pool)
	}
}

// buildVPA lists the VPA targets: every Deployment and StatefulSet of the
// monitoring, logging, image-scanning, Kafka, Spark operator and HDFS
// folders except the exporters, whose size follows the cluster's, not their
// load, and with an operator engine the workloads the operator makes,
// through the resource they are made from where the recommender requires it
// (see VPATarget). The names are the ones the templates give the objects;
// vpa_test.go proves each resolves.
func buildVPA(p *Plan, v *spec.VerticalPodAutoscaler) *VerticalPodAutoscaler {
	out := &VerticalPodAutoscaler{UpdateMode: v.ModeOrDefault(), Lease: "vpa-recommender-lease"}
	pools := map[string]Pool{}
	for _, pl := range p.Pools {
		pools[pl.Name] = pl
	}
	add := func(kind, ns, name, container string, at Placement, cpu, memory, heap, setting string) {
		t := VPATarget{APIVersion: "apps/v1", Kind: kind, Namespace: ns, Name: name, Target: name, Container: container,
			RequestCPU: cpu, RequestMemory: memory, Heap: heap, HeapSetting: setting, pool: pools[at.Pool]}
		t.MinCPU, t.MaxCPU, t.MinMemory, t.MaxMemory = vpaBounds(cpu, memory, heap != "", pools[at.Pool])
		out.Targets = append(out.Targets, t)
	}
	// made adds the custom resource target an operator makes workload
	// name from.
	made := func(apiVersion, kind, target, ns, name, container string, at Placement, cpu, memory, heap, setting string) {
		add(kind, ns, name, container, at, cpu, memory, heap, setting)
		t := &out.Targets[len(out.Targets)-1]
		t.APIVersion, t.Target = apiVersion, target
	}
	// The requests below that are not plan data are written in the
	// templates; vpa_test.go checks that every range holds the rendered
	// request.
	if m := p.Services.Monitoring; m != nil && m.Operator != nil {
		// The operator engine: the Prometheus and the Alertmanager, which
		// own the StatefulSets prometheus-operator makes (their main
		// containers are named as the default engine's), and the
		// operator's own Deployment.
		o := m.Operator
		made(PrometheusAPIVersion, "Prometheus", o.Name, m.Namespace, o.PrometheusStatefulSet, "prometheus", m.Placement, "500m", "2Gi", "", "")
		made(PrometheusAPIVersion, "Alertmanager", o.Name, m.Namespace, o.AlertmanagerStatefulSet, "alertmanager", m.Placement, "50m", "64Mi", "", "")
		add("Deployment", o.Namespace, PrometheusOperatorName, PrometheusOperatorName, o.Placement, o.OperatorCPU, o.OperatorMemory, "", "")
		out.ScaleReads = append(out.ScaleReads, ScaleRead{"monitoring.coreos.com", "alertmanagers", false}, ScaleRead{"monitoring.coreos.com", "prometheuses", false})
	} else if m != nil {
		add("StatefulSet", m.Namespace, "prometheus", "prometheus", m.Placement, "500m", "2Gi", "", "")
		add("StatefulSet", m.Namespace, "alertmanager", "alertmanager", m.Placement, "50m", "64Mi", "", "")
	}
	if m := p.Services.Monitoring; m != nil {
		add("Deployment", m.Namespace, "grafana", "grafana", m.Placement, "100m", "256Mi", "", "")
		add("Deployment", m.Namespace, "kube-state-metrics", "kube-state-metrics", m.Placement, "100m", "128Mi", "", "")
	}
	if sc := p.Services.ImageScanning; sc != nil {
		// Its cache holds every pod and workload of the cluster: its
		// memory follows the cluster's size.
		add("Deployment", sc.Namespace, "trivy-operator", "trivy-operator", sc.Placement, "100m", "256Mi", "", "")
	}
	if l := p.Services.Logging; l != nil && l.ECK != nil {
		// The StatefulSet ECK makes (its Elasticsearch has no scale
		// subresource) and the Kibana, which owns the Deployment ECK makes,
		// with their containers' names; no HorizontalPodAutoscaler with
		// this engine.
		add("StatefulSet", l.Namespace, l.ECK.StatefulSet, "elasticsearch", l.Placement, "1", l.SearchMemory, l.Heap, "the spec's logging { heap }")
		made(KibanaAPIVersion, "Kibana", l.ECK.Cluster, l.Namespace, l.ECK.Cluster+"-kb", "kibana", l.Placement, "250m", "1Gi", "", "")
		out.ScaleReads = append(out.ScaleReads, ScaleRead{"elasticsearch.k8s.elastic.co", "elasticsearches", true}, ScaleRead{"kibana.k8s.elastic.co", "kibanas", false})
		e := l.ECK
		add("StatefulSet", e.Namespace, ECKOperatorName, "manager", e.Placement, e.OperatorCPU, e.OperatorMemory, "", "")
	} else if l != nil {
		add("StatefulSet", l.Namespace, l.Search, l.Search, l.Placement, "1", l.SearchMemory, l.Heap, "the spec's logging { heap }")
		// Node.js: its heap grows as needed up to a cap, so memory is not
		// held to a heap.
		add("Deployment", l.Namespace, l.Dashboards, l.Dashboards, l.Placement, "250m", "1Gi", "", "")
		// logging/dashboards/hpa.yaml, rendered with any autoscaling block.
		out.Targets[len(out.Targets)-1].ScaledOnCPU = true
	}
	if k := p.Workloads.Kafka; k != nil && k.Strimzi != nil {
		// The operator engine: the operator makes the Kafka pods through
		// StrimziPodSets, which have no scale subresource, from the
		// KafkaNodePools, which have one, with the pods' selector: the
		// pools are the targets (the recommender matches pods by that
		// selector alone). The operator's own Deployment is watched like
		// the other services'.
		st := k.Strimzi
		made(StrimziAPIVersion, "KafkaNodePool", st.BrokerPool, k.Namespace, st.Cluster+"-"+st.BrokerPool, "kafka", k.Placement, k.CPU, k.Memory, k.Heap,
			fmt.Sprintf("the spec's kafka %q { heap }", k.Name))
		made(StrimziAPIVersion, "KafkaNodePool", st.ControllerPool, k.Namespace, st.Cluster+"-"+st.ControllerPool, "kafka", k.ControllerPlacement,
			k.ControllerCPU, k.ControllerMemory, k.ControllerHeap, "blueprint's fixed size for KRaft controllers, not in the spec")
		add("Deployment", st.Namespace, StrimziOperatorName, StrimziOperatorName, st.Placement, st.OperatorCPU, st.OperatorMemory, "", "")
		out.ScaleReads = append(out.ScaleReads, ScaleRead{"kafka.strimzi.io", "kafkanodepools", false})
	} else if k != nil {
		add("StatefulSet", k.Namespace, "kafka", "kafka", k.Placement, k.CPU, k.Memory, k.Heap, fmt.Sprintf("the spec's kafka %q { heap }", k.Name))
		add("StatefulSet", k.Namespace, "kafka-controller", "kafka", k.ControllerPlacement, k.ControllerCPU, k.ControllerMemory, k.ControllerHeap,
			"blueprint's fixed size for KRaft controllers, not in the spec")
	}
	if sp := p.Workloads.Spark; sp != nil && sp.Operator != nil {
		// The controller runs each submission's spark-submit JVM in its
		// own container: its memory follows how many run at once.
		o := sp.Operator
		add("Deployment", o.Namespace, o.Name, "controller", o.Placement, o.CPU, o.Memory, "", "")
	}
	if h := p.Workloads.HDFS; h != nil {
		const setting = "blueprint's fixed HDFS sizes, not in the spec"
		add("StatefulSet", h.Namespace, "namenode", "namenode", h.Placement, "1", h.NameNodeMemory, h.NameNodeHeap, setting)
		if h.HA {
			add("StatefulSet", h.Namespace, "journalnode", "journalnode", h.Placement, "250m", h.JournalMemory, h.JournalHeap, setting)
		}
		for _, d := range h.DataNodeSets {
			add("StatefulSet", h.Namespace, d.Name, "datanode", h.Placement, "500m", h.DataNodeMemory, h.DataNodeHeap, setting)
		}
	}
	sort.Slice(out.ScaleReads, func(i, j int) bool {
		a, b := out.ScaleReads[i], out.ScaleReads[j]
		return a.Group+"/"+a.Resource < b.Group+"/"+b.Resource
	})
	sort.SliceStable(out.Targets, func(i, j int) bool {
		a, b := out.Targets[i], out.Targets[j]
		if a.Namespace != b.Namespace {
			return a.Namespace < b.Namespace
		}
		return a.Name < b.Name
	})
	return out
}

// vpaBounds derives the range a recommendation is held to from the
// container's request:
//
//   - CPU from half the request, since usage at rest understates start-up
//     (WAL replay, JIT warm-up, shard recovery), to four times it.
//   - Memory from half the request, or the whole request where a heap is
//     set: the pod's memory is the heap plus what the runtime needs beside
//     it, and less would be OOM-killed once the heap fills, whatever the
//     usage seen so far. Up to twice the request: past that, memory without
//     a larger heap only feeds the page cache.
//   - Never more than one node of the pool the pods run on, which the
//     scheduler could not place.
func vpaBounds(cpu, memory string, heapBound bool, pool Pool) (minCPU, maxCPU, minMemory, maxMemory string) {
	c, m := resource.MustParse(cpu), resource.MustParse(memory)
	lo := resource.NewMilliQuantity(c.MilliValue()/2, resource.DecimalSI)
	hi := resource.NewMilliQuantity(c.MilliValue()*4, resource.DecimalSI)
	if pool.CPU > 0 {
		if node := resource.NewQuantity(int64(pool.CPU), resource.DecimalSI); hi.Cmp(*node) > 0 {
			hi = node
		}
	}
	mlo := resource.NewQuantity(m.Value()/2, resource.BinarySI)
	if heapBound {
		mlo = resource.NewQuantity(m.Value(), resource.BinarySI)
	}
	mhi := resource.NewQuantity(m.Value()*2, resource.BinarySI)
	if node, err := resource.ParseQuantity(pool.Memory); err == nil && node.Sign() > 0 && mhi.Cmp(node) > 0 {
		mhi = resource.NewQuantity(node.Value(), resource.BinarySI)
	}
	return lo.String(), hi.String(), mlo.String(), mhi.String()
}
