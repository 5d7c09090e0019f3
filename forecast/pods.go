package forecast

import (
	"fmt"
	"strconv"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/selection"
	resourcehelper "k8s.io/component-helpers/resource"
	"k8s.io/component-helpers/scheduling/corev1/nodeaffinity"
)

// Pod is one pod of a workload, as its controller creates it.
type Pod struct {
	Name     string
	Workload *Workload
	// Ordinal is a StatefulSet pod's ordinal, a Deployment pod's index.
	Ordinal int
	// Target is the node a DaemonSet's or a static pod is made for.
	Target string
}

// template is what the pods of one workload share, parsed once.
type template struct {
	w          *Workload
	namespace  string
	labels     labels.Set
	spec       *corev1.PodSpec
	priority   int32
	preempts   bool
	req        Resources // requests, Pods 1
	nonzero    Resources // requests with the scheduler's defaults for unset CPU and memory
	bestEffort bool
	ports      []hostPort
	affinity   nodeaffinity.RequiredNodeAffinity
	preferred  *nodeaffinity.PreferredSchedulingTerms
	// required and preferred inter-pod terms
	affTerms, antiTerms         []affinityTerm
	prefAffTerms, prefAntiTerms []weightedTerm
	hardSpread, softSpread      []spreadConstraint
	softDefault                 bool // softSpread are the system defaults
	tolerations                 []corev1.Toleration
}

type hostPort struct {
	protocol corev1.Protocol
	ip       string
	port     int32
}

func (a hostPort) conflicts(b hostPort) bool {
	return a.protocol == b.protocol && a.port == b.port && (a.ip == b.ip || a.ip == "0.0.0.0" || b.ip == "0.0.0.0")
}

// affinityTerm is a required or preferred pod (anti-)affinity term, with
// the namespaces it covers resolved.
type affinityTerm struct {
	topologyKey string
	selector    labels.Selector
	namespaces  map[string]bool
	nsSelector  labels.Selector // nil: none
}

type weightedTerm struct {
	affinityTerm
	weight int64
}

// matches reports whether the term selects pod p, whose namespace has
// labels nsLabels.
func (t *affinityTerm) matches(p *template, nsLabels map[string]string) bool {
	if !t.namespaces[p.namespace] && (t.nsSelector == nil || !t.nsSelector.Matches(labels.Set(nsLabels))) {
		return false
	}
	return t.selector.Matches(p.labels)
}

// spreadConstraint is a topology spread constraint as the scheduler keeps
// it: nil policies and minDomains defaulted.
type spreadConstraint struct {
	maxSkew       int32
	topologyKey   string
	selector      labels.Selector
	minDomains    int32
	honorAffinity bool
	honorTaints   bool
}

// Defaults the scheduler applies to pods without requests, for scoring
// only (pkg/scheduler/util: DefaultMilliCPURequest, DefaultMemoryRequest).
const (
	defaultMilliCPURequest = 100
	defaultMemoryRequest   = 200 << 20
)

// parseTemplate reads a workload's pod template the way the API server
// stores it and the scheduler reads it.
func (c *cluster) parseTemplate(w *Workload) (*template, error) {
	spec := w.Template.Spec.DeepCopy()
	applyPodDefaults(spec)
	t := &template{w: w, namespace: w.Namespace, labels: labels.Set(w.Template.Labels), spec: spec,
		priority: c.objs.priority(spec), preempts: spec.PreemptionPolicy == nil || *spec.PreemptionPolicy != corev1.PreemptNever}
	if w.Kind == KindDaemonSet {
		addDaemonTolerations(spec)
	}
	t.tolerations = spec.Tolerations
	pod := &corev1.Pod{Spec: *spec}
	pod.Namespace, pod.Labels = w.Namespace, w.Template.Labels
	reqs := resourcehelper.PodRequests(pod, resourcehelper.PodResourcesOptions{})
	cpu, mem := reqs[corev1.ResourceCPU], reqs[corev1.ResourceMemory]
	t.req = Resources{MilliCPU: cpu.MilliValue(), Memory: mem.Value(), Pods: 1}
	t.bestEffort = t.req.MilliCPU == 0 && t.req.Memory == 0
	nonzero := resourcehelper.PodRequests(pod, resourcehelper.PodResourcesOptions{
		NonMissingContainerRequests: corev1.ResourceList{
			corev1.ResourceCPU:    *resource.NewMilliQuantity(defaultMilliCPURequest, resource.DecimalSI),
			corev1.ResourceMemory: *resource.NewQuantity(defaultMemoryRequest, resource.BinarySI),
		}})
	cpu, mem = nonzero[corev1.ResourceCPU], nonzero[corev1.ResourceMemory]
	t.nonzero = Resources{MilliCPU: cpu.MilliValue(), Memory: mem.Value(), Pods: 1}
	for _, ctrs := range [][]corev1.Container{spec.InitContainers, spec.Containers} {
		for _, ct := range ctrs {
			for _, p := range ct.Ports {
				if p.HostPort > 0 {
					ip := p.HostIP
					if ip == "" {
						ip = "0.0.0.0"
					}
					t.ports = append(t.ports, hostPort{p.Protocol, ip, p.HostPort})
				}
			}
		}
	}
	t.affinity = nodeaffinity.GetRequiredNodeAffinity(pod)
	if a := spec.Affinity; a != nil && a.NodeAffinity != nil && len(a.NodeAffinity.PreferredDuringSchedulingIgnoredDuringExecution) > 0 {
		var err error
		if t.preferred, err = nodeaffinity.NewPreferredSchedulingTerms(a.NodeAffinity.PreferredDuringSchedulingIgnoredDuringExecution); err != nil {
			return nil, fmt.Errorf("%s: preferred node affinity: %w", w, err)
		}
	}
	if a := spec.Affinity; a != nil {
		var err error
		if a.PodAffinity != nil {
			if t.affTerms, err = c.terms(w, a.PodAffinity.RequiredDuringSchedulingIgnoredDuringExecution); err != nil {
				return nil, err
			}
			for _, wt := range a.PodAffinity.PreferredDuringSchedulingIgnoredDuringExecution {
				ts, err := c.terms(w, []corev1.PodAffinityTerm{wt.PodAffinityTerm})
				if err != nil {
					return nil, err
				}
				t.prefAffTerms = append(t.prefAffTerms, weightedTerm{ts[0], int64(wt.Weight)})
			}
		}
		if a.PodAntiAffinity != nil {
			if t.antiTerms, err = c.terms(w, a.PodAntiAffinity.RequiredDuringSchedulingIgnoredDuringExecution); err != nil {
				return nil, err
			}
			for _, wt := range a.PodAntiAffinity.PreferredDuringSchedulingIgnoredDuringExecution {
				ts, err := c.terms(w, []corev1.PodAffinityTerm{wt.PodAffinityTerm})
				if err != nil {
					return nil, err
				}
				t.prefAntiTerms = append(t.prefAntiTerms, weightedTerm{ts[0], int64(wt.Weight)})
			}
		}
	}
	var err error
	if t.hardSpread, err = spreadConstraints(spec.TopologySpreadConstraints, t.labels, corev1.DoNotSchedule); err != nil {
		return nil, fmt.Errorf("%s: %w", w, err)
	}
	if len(spec.TopologySpreadConstraints) > 0 {
		if t.softSpread, err = spreadConstraints(spec.TopologySpreadConstraints, t.labels, corev1.ScheduleAnyway); err != nil {
			return nil, fmt.Errorf("%s: %w", w, err)
		}
	} else if sel := c.defaultSelector(t); sel != nil && !sel.Empty() {
		// The scheduler's system default constraints (pkg/scheduler/apis/
		// config/v1: systemDefaultConstraints), for pods that set none.
		t.softDefault = true
		t.softSpread = []spreadConstraint{
			{maxSkew: 3, topologyKey: corev1.LabelHostname, selector: sel, minDomains: 1, honorAffinity: true},
			{maxSkew: 5, topologyKey: corev1.LabelTopologyZone, selector: sel, minDomains: 1, honorAffinity: true},
		}
	}
	return t, nil
}

// terms resolves pod affinity terms: an empty namespace list and no
// namespace selector mean the pod's own namespace.
func (c *cluster) terms(w *Workload, in []corev1.PodAffinityTerm) ([]affinityTerm, error) {
	var out []affinityTerm
	for _, pt := range in {
		sel, err := metav1.LabelSelectorAsSelector(pt.LabelSelector)
		if err != nil {
			return nil, fmt.Errorf("%s: pod affinity selector: %w", w, err)
		}
		if pt.LabelSelector == nil {
			sel = labels.Nothing()
		}
		for _, k := range pt.MatchLabelKeys {
			if v, ok := w.Template.Labels[k]; ok {
				sel = sel.Add(mustRequirement(k, "=", v))
			}
		}
		for _, k := range pt.MismatchLabelKeys {
			if v, ok := w.Template.Labels[k]; ok {
				sel = sel.Add(mustRequirement(k, "!=", v))
			}
		}
		t := affinityTerm{topologyKey: pt.TopologyKey, selector: sel, namespaces: map[string]bool{}}
		for _, ns := range pt.Namespaces {
			t.namespaces[ns] = true
		}
		if pt.NamespaceSelector != nil {
			if t.nsSelector, err = metav1.LabelSelectorAsSelector(pt.NamespaceSelector); err != nil {
				return nil, fmt.Errorf("%s: pod affinity namespace selector: %w", w, err)
			}
		} else if len(pt.Namespaces) == 0 {
			t.namespaces[w.Namespace] = true
		}
		out = append(out, t)
	}
	return out, nil
}

// mustRequirement builds "k = v" or "k != v" from labels the API server
// has validated.
func mustRequirement(k, op, v string) labels.Requirement {
	o := selection.Equals
	if op == "!=" {
		o = selection.NotEquals
	}
	r, err := labels.NewRequirement(k, o, []string{v})
	if err != nil {
		panic(fmt.Sprintf("forecast: label %s%s%s: %v", k, op, v, err))
	}
	return *r
}

// spreadConstraints keeps the constraints of one action, as the
// scheduler's filterTopologySpreadConstraints does.
func spreadConstraints(in []corev1.TopologySpreadConstraint, podLabels labels.Set, action corev1.UnsatisfiableConstraintAction) ([]spreadConstraint, error) {
	var out []spreadConstraint
	for _, c := range in {
		if c.WhenUnsatisfiable != action {
			continue
		}
		sel, err := metav1.LabelSelectorAsSelector(c.LabelSelector)
		if err != nil {
			return nil, fmt.Errorf("topology spread selector: %w", err)
		}
		for _, k := range c.MatchLabelKeys {
			if v, ok := podLabels[k]; ok {
				sel = sel.Add(mustRequirement(k, "=", v))
			}
		}
		sc := spreadConstraint{maxSkew: c.MaxSkew, topologyKey: c.TopologyKey, selector: sel, minDomains: 1, honorAffinity: true}
		if c.MinDomains != nil {
			sc.minDomains = *c.MinDomains
		}
		if c.NodeAffinityPolicy != nil {
			sc.honorAffinity = *c.NodeAffinityPolicy == corev1.NodeInclusionPolicyHonor
		}
		if c.NodeTaintsPolicy != nil {
			sc.honorTaints = *c.NodeTaintsPolicy == corev1.NodeInclusionPolicyHonor
		}
		out = append(out, sc)
	}
	return out, nil
}

// defaultSelector is the selector the scheduler's default spreading uses
// for a pod (helper.DefaultSelector): the selectors of the Services that
// select it and of its controller.
func (c *cluster) defaultSelector(t *template) labels.Selector {
	sel := labels.NewSelector()
	found := false
	for _, s := range c.objs.Services {
		if s.Namespace != t.namespace || len(s.Spec.Selector) == 0 {
			continue
		}
		if labels.SelectorFromSet(s.Spec.Selector).Matches(t.labels) {
			for k, v := range s.Spec.Selector {
				sel = sel.Add(mustRequirement(k, "=", v))
			}
			found = true
		}
	}
	switch t.w.Kind {
	case KindDeployment, KindStatefulSet, KindStrimziPodSet:
		// A ReplicaSet's or StatefulSet's selector: the workload's labels
		// (blueprint's selectors are a subset of the template's labels; a
		// ReplicaSet adds pod-template-hash, which every pod of it has).
		if ls := t.w.selector(); ls != nil {
			if s, err := metav1.LabelSelectorAsSelector(ls); err == nil {
				reqs, _ := s.Requirements()
				sel = sel.Add(reqs...)
				found = true
			}
		}
	}
	if !found {
		return nil
	}
	return sel
}

// applyPodDefaults sets what the API server's defaulting sets and the
// scheduler reads: a host-network pod's host ports, port protocols, and
// requests taken from limits.
func applyPodDefaults(spec *corev1.PodSpec) {
	for _, ctrs := range [][]corev1.Container{spec.InitContainers, spec.Containers} {
		for i := range ctrs {
			ct := &ctrs[i]
			for j := range ct.Ports {
				p := &ct.Ports[j]
				if p.Protocol == "" {
					p.Protocol = corev1.ProtocolTCP
				}
				if spec.HostNetwork && p.HostPort == 0 {
					p.HostPort = p.ContainerPort
				}
			}
			for name, q := range ct.Resources.Limits {
				if _, ok := ct.Resources.Requests[name]; !ok {
					if ct.Resources.Requests == nil {
						ct.Resources.Requests = corev1.ResourceList{}
					}
					ct.Resources.Requests[name] = q
				}
			}
		}
	}
}

// addDaemonTolerations adds the tolerations the DaemonSet controller gives
// every daemon pod (pkg/controller/daemon/util: AddOrUpdateDaemonPodTolerations).
func addDaemonTolerations(spec *corev1.PodSpec) {
	add := func(key string, effect corev1.TaintEffect) {
		for _, t := range spec.Tolerations {
			if t.Key == key && t.Effect == effect && t.Operator == corev1.TolerationOpExists {
				return
			}
		}
		spec.Tolerations = append(spec.Tolerations, corev1.Toleration{Key: key, Operator: corev1.TolerationOpExists, Effect: effect})
	}
	add(corev1.TaintNodeNotReady, corev1.TaintEffectNoExecute)
	add(corev1.TaintNodeUnreachable, corev1.TaintEffectNoExecute)
	add(corev1.TaintNodeDiskPressure, corev1.TaintEffectNoSchedule)
	add(corev1.TaintNodeMemoryPressure, corev1.TaintEffectNoSchedule)
	add(corev1.TaintNodePIDPressure, corev1.TaintEffectNoSchedule)
	add(corev1.TaintNodeUnschedulable, corev1.TaintEffectNoSchedule)
	if spec.HostNetwork {
		add(corev1.TaintNodeNetworkUnavailable, corev1.TaintEffectNoSchedule)
	}
}

// podName names a pod as its controller does, or as the forecast shows
// it: StatefulSet pods by ordinal, a Deployment's by index (the real ones
// get random suffixes), daemon and static pods by node.
func podName(w *Workload, i int, node string) string {
	switch w.Kind {
	case KindStatefulSet, KindStrimziPodSet:
		return w.Name + "-" + strconv.Itoa(w.FirstOrdinal+i)
	case KindDeployment:
		return w.Name + "-" + strconv.Itoa(i+1)
	default:
		return w.Name + "-" + node
	}
}
