package controlplane

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/selection"
)

// Workload is a Deployment, StatefulSet or DaemonSet with the pods it made.
type Workload struct {
	Kind, Namespace, Name string
	Desired               int // pods it should have
	Pods                  []corev1.Pod
}

func (w Workload) String() string { return w.Kind + " " + w.Namespace + "/" + w.Name }

// Cluster is what the placement checks look at.
type Cluster struct {
	Nodes      []corev1.Node
	Pods       []corev1.Pod                 // every pod, for affinity and spread
	Namespaces map[string]map[string]string // namespace → labels
}

var scheduledKinds = map[string]bool{"Deployment.apps": true, "StatefulSet.apps": true, "DaemonSet.apps": true}

// IsScheduled reports whether the placement check follows o's pods.
func IsScheduled(o Object) bool { return scheduledKinds[o.GroupKind()] }

// WaitScheduled waits until every Deployment, StatefulSet and DaemonSet
// among objs has all its pods and each is bound to a node. On timeout the
// error lists each workload short of pods, with the scheduler's reasons.
func (c *Client) WaitScheduled(ctx context.Context, objs []Object, timeout time.Duration) ([]Workload, Cluster, error) {
	deadline := time.Now().Add(timeout)
	for {
		ws, cl, pending, err := c.workloads(ctx, objs)
		if err != nil {
			return nil, cl, err
		}
		if len(pending) == 0 {
			return ws, cl, nil
		}
		if time.Now().After(deadline) {
			return ws, cl, fmt.Errorf("after %s, not every pod is bound to a node:\n  %s", timeout, strings.Join(pending, "\n  "))
		}
		select {
		case <-ctx.Done():
			return ws, cl, ctx.Err()
		case <-time.After(500 * time.Millisecond):
		}
	}
}

func (c *Client) workloads(ctx context.Context, objs []Object) ([]Workload, Cluster, []string, error) {
	var cl Cluster
	var err error
	if cl.Nodes, err = c.Nodes(ctx); err != nil {
		return nil, cl, nil, err
	}
	if err := c.List(ctx, "v1", "Pod", "", "", &cl.Pods); err != nil {
		return nil, cl, nil, err
	}
	var nss []corev1.Namespace
	if err := c.List(ctx, "v1", "Namespace", "", "", &nss); err != nil {
		return nil, cl, nil, err
	}
	cl.Namespaces = map[string]map[string]string{}
	for _, ns := range nss {
		cl.Namespaces[ns.Name] = ns.Labels
	}
	var rss []appsv1.ReplicaSet
	if err := c.List(ctx, "apps/v1", "ReplicaSet", "", "", &rss); err != nil {
		return nil, cl, nil, err
	}
	rsOwner := map[string]string{} // ReplicaSet uid → Deployment uid
	for _, rs := range rss {
		if ref := metav1.GetControllerOf(&rs); ref != nil {
			rsOwner[string(rs.UID)] = string(ref.UID)
		}
	}
	podsOf := map[string][]corev1.Pod{} // controller uid (a ReplicaSet's counts for its Deployment)
	for _, p := range cl.Pods {
		if p.DeletionTimestamp != nil {
			continue
		}
		if ref := metav1.GetControllerOf(&p); ref != nil {
			owner := string(ref.UID)
			if d, ok := rsOwner[owner]; ok {
				owner = d
			}
			podsOf[owner] = append(podsOf[owner], p)
		}
	}

	var ws []Workload
	var pending []string
	for _, o := range objs {
		if !IsScheduled(o) {
			continue
		}
		path, err := c.Path(ctx, o)
		if err != nil {
			return nil, cl, nil, err
		}
		var live liveWorkload
		if err := c.Get(ctx, path, &live); err != nil {
			return nil, cl, nil, fmt.Errorf("%s: %w", o, err)
		}
		w := Workload{Kind: o.Kind(), Namespace: live.Namespace, Name: live.Name, Pods: podsOf[string(live.UID)]}
		sort.Slice(w.Pods, func(i, j int) bool { return w.Pods[i].Name < w.Pods[j].Name })
		known := true
		switch {
		case o.Kind() == "DaemonSet":
			w.Desired = int(live.Status.DesiredNumberScheduled)
			known = live.Status.ObservedGeneration >= live.Generation && live.Generation > 0
		case live.Spec.Replicas != nil:
			w.Desired = int(*live.Spec.Replicas)
		default:
			w.Desired = 1
		}
		var unbound []string
		for _, p := range w.Pods {
			if p.Spec.NodeName == "" {
				unbound = append(unbound, p.Name+": "+unschedulableReason(p))
			}
		}
		switch {
		case !known:
			pending = append(pending, w.String()+": the DaemonSet controller has not counted its nodes yet")
		case len(w.Pods) < w.Desired || len(unbound) > 0:
			pending = append(pending, fmt.Sprintf("%s: %d of %d pods, %d not bound to a node%s", w, len(w.Pods), w.Desired, len(unbound),
				indent(unbound)))
		}
		ws = append(ws, w)
	}
	return ws, cl, pending, nil
}

// liveWorkload is what the checks read of a Deployment, StatefulSet or
// DaemonSet as the API server has it.
type liveWorkload struct {
	metav1.ObjectMeta `json:"metadata"`
	Spec              struct{ Replicas *int32 }
	Status            struct {
		ObservedGeneration     int64
		DesiredNumberScheduled int32
	}
}

func indent(lines []string) string {
	if len(lines) == 0 {
		return ""
	}
	return "\n    " + strings.Join(lines, "\n    ")
}

func unschedulableReason(p corev1.Pod) string {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodScheduled && c.Status == corev1.ConditionFalse {
			return c.Reason + ": " + c.Message
		}
	}
	return "not yet seen by the scheduler"
}

// CheckPlacement judges where the pods of workloads landed, from each pod's
// own spec: its nodeSelector and required node affinity hold on its node;
// it tolerates every NoSchedule and NoExecute taint there; its required pod
// anti-affinity holds (no matching pod in the same topology domain) and so
// does its required pod affinity; every DoNotSchedule topology spread
// constraint is within maxSkew over the domains of the nodes it may use;
// a Deployment or StatefulSet with at least as many replicas as the zones
// its pods may use covers every one of those zones; and a DaemonSet has one
// pod on exactly the nodes it may use. It returns each violation.
func CheckPlacement(cl Cluster, workloads []Workload) []string {
	nodes := map[string]*corev1.Node{}
	for i := range cl.Nodes {
		nodes[cl.Nodes[i].Name] = &cl.Nodes[i]
	}
	var out []string
	for _, w := range workloads {
		bad := func(format string, args ...any) { out = append(out, w.String()+": "+fmt.Sprintf(format, args...)) }
		for _, p := range w.Pods {
			n := nodes[p.Spec.NodeName]
			if n == nil {
				bad("pod %s is on no known node (%q)", p.Name, p.Spec.NodeName)
				continue
			}
			if why := unfit(&p.Spec, n); why != "" {
				bad("pod %s on node %s: %s", p.Name, n.Name, why)
			}
			for _, why := range podAffinityViolations(cl, nodes, p, n) {
				bad("pod %s on node %s: %s", p.Name, n.Name, why)
			}
		}
		if len(w.Pods) == 0 {
			continue
		}
		spec := &w.Pods[0].Spec
		for _, why := range spreadViolations(cl, w.Pods[0], nodes) {
			bad("%s", why)
		}
		var usable []*corev1.Node
		for i := range cl.Nodes {
			if w.Kind == "DaemonSet" && unfitIgnoringName(spec, &cl.Nodes[i]) == "" || w.Kind != "DaemonSet" && unfit(spec, &cl.Nodes[i]) == "" {
				usable = append(usable, &cl.Nodes[i])
			}
		}
		switch w.Kind {
		case "DaemonSet":
			on := map[string]int{}
			for _, p := range w.Pods {
				on[p.Spec.NodeName]++
			}
			for _, n := range usable {
				if on[n.Name] != 1 {
					bad("%d pods on node %s, which it may use; want 1", on[n.Name], n.Name)
				}
				delete(on, n.Name)
			}
			for name := range on {
				bad("a pod on node %s, which it may not use", name)
			}
		default:
			zones := map[string]bool{}
			for _, n := range usable {
				if z := n.Labels[corev1.LabelTopologyZone]; z != "" {
					zones[z] = true
				}
			}
			if len(zones) < 2 || len(w.Pods) < len(zones) {
				continue
			}
			for _, p := range w.Pods {
				if n := nodes[p.Spec.NodeName]; n != nil {
					delete(zones, n.Labels[corev1.LabelTopologyZone])
				}
			}
			if len(zones) > 0 {
				bad("%d replicas, yet no pod in zone %s, which its nodes span", len(w.Pods), strings.Join(slices.Sorted(maps.Keys(zones)), ", "))
			}
		}
	}
	return out
}

// unfit says why a pod with spec may not run on n, or "" if it may: its
// nodeSelector, required node affinity, and the node's NoSchedule and
// NoExecute taints.
func unfit(spec *corev1.PodSpec, n *corev1.Node) string {
	if why := unfitLabels(spec, n, true); why != "" {
		return why
	}
	return untolerated(spec, n)
}

// unfitIgnoringName is unfit without matchFields on metadata.name, which a
// DaemonSet's controller adds to pin each pod to its node.
func unfitIgnoringName(spec *corev1.PodSpec, n *corev1.Node) string {
	if why := unfitLabels(spec, n, false); why != "" {
		return why
	}
	return untolerated(spec, n)
}

func unfitLabels(spec *corev1.PodSpec, n *corev1.Node, fields bool) string {
	for k, v := range spec.NodeSelector {
		if got, ok := n.Labels[k]; !ok || got != v {
			return fmt.Sprintf("nodeSelector %s=%s not met", k, v)
		}
	}
	if a := spec.Affinity; a != nil && a.NodeAffinity != nil && a.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution != nil {
		terms := a.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution.NodeSelectorTerms
		for _, t := range terms {
			if matchesTerm(t, n, fields) {
				return ""
			}
		}
		return "no term of its required node affinity matches"
	}
	return ""
}

func untolerated(spec *corev1.PodSpec, n *corev1.Node) string {
	for _, t := range n.Spec.Taints {
		if t.Effect != corev1.TaintEffectNoSchedule && t.Effect != corev1.TaintEffectNoExecute {
			continue
		}
		if !tolerates(spec.Tolerations, t) {
			return fmt.Sprintf("does not tolerate taint %s=%s:%s", t.Key, t.Value, t.Effect)
		}
	}
	return ""
}

var operators = map[corev1.NodeSelectorOperator]selection.Operator{
	corev1.NodeSelectorOpIn: selection.In, corev1.NodeSelectorOpNotIn: selection.NotIn,
	corev1.NodeSelectorOpExists: selection.Exists, corev1.NodeSelectorOpDoesNotExist: selection.DoesNotExist,
	corev1.NodeSelectorOpGt: selection.GreaterThan, corev1.NodeSelectorOpLt: selection.LessThan,
}

func matchesTerm(t corev1.NodeSelectorTerm, n *corev1.Node, fields bool) bool {
	if len(t.MatchExpressions) == 0 && len(t.MatchFields) == 0 {
		return false // an empty term matches no node
	}
	for _, e := range t.MatchExpressions {
		r, err := labels.NewRequirement(e.Key, operators[e.Operator], e.Values)
		if err != nil || !r.Matches(labels.Set(n.Labels)) {
			return false
		}
	}
	if !fields {
		return true
	}
	for _, f := range t.MatchFields {
		if f.Key != "metadata.name" {
			return false
		}
		r, err := labels.NewRequirement("name", operators[f.Operator], f.Values)
		if err != nil || !r.Matches(labels.Set{"name": n.Name}) {
			return false
		}
	}
	return true
}

// tolerates follows the API's toleration rules: an empty effect matches
// every effect, an empty key with Exists matches every taint, and Equal
// (the default operator) compares values.
func tolerates(tols []corev1.Toleration, t corev1.Taint) bool {
	for _, tol := range tols {
		if tol.Effect != "" && tol.Effect != t.Effect {
			continue
		}
		if tol.Key == "" {
			if tol.Operator == corev1.TolerationOpExists {
				return true
			}
			continue
		}
		if tol.Key != t.Key {
			continue
		}
		switch tol.Operator {
		case corev1.TolerationOpExists:
			return true
		case "", corev1.TolerationOpEqual:
			if tol.Value == t.Value {
				return true
			}
		case "Gt", "Lt":
			a, err1 := strconv.ParseInt(t.Value, 10, 64)
			b, err2 := strconv.ParseInt(tol.Value, 10, 64)
			if err1 == nil && err2 == nil && (tol.Operator == "Gt" && a > b || tol.Operator == "Lt" && a < b) {
				return true
			}
		}
	}
	return false
}

// termSelector is a pod affinity term's selector, with matchLabelKeys and
// mismatchLabelKeys filled in from the pod's own labels.
func termSelector(t corev1.PodAffinityTerm, p corev1.Pod) labels.Selector {
	sel, err := metav1.LabelSelectorAsSelector(t.LabelSelector)
	if err != nil || t.LabelSelector == nil {
		return labels.Nothing()
	}
	for _, k := range t.MatchLabelKeys {
		if v, ok := p.Labels[k]; ok {
			if r, err := labels.NewRequirement(k, selection.In, []string{v}); err == nil {
				sel = sel.Add(*r)
			}
		}
	}
	for _, k := range t.MismatchLabelKeys {
		if v, ok := p.Labels[k]; ok {
			if r, err := labels.NewRequirement(k, selection.NotIn, []string{v}); err == nil {
				sel = sel.Add(*r)
			}
		}
	}
	return sel
}

// termNamespaces reports whether a term of pod p covers namespace ns.
func termNamespaces(cl Cluster, t corev1.PodAffinityTerm, p corev1.Pod) func(ns string) bool {
	if len(t.Namespaces) == 0 && t.NamespaceSelector == nil {
		return func(ns string) bool { return ns == p.Namespace }
	}
	var sel labels.Selector = labels.Nothing()
	if t.NamespaceSelector != nil {
		if s, err := metav1.LabelSelectorAsSelector(t.NamespaceSelector); err == nil {
			sel = s
		}
	}
	return func(ns string) bool {
		return has(t.Namespaces, ns) || sel.Matches(labels.Set(cl.Namespaces[ns]))
	}
}

func podAffinityViolations(cl Cluster, nodes map[string]*corev1.Node, p corev1.Pod, n *corev1.Node) []string {
	a := p.Spec.Affinity
	if a == nil {
		return nil
	}
	var out []string
	matching := func(t corev1.PodAffinityTerm) []corev1.Pod {
		sel, inNS := termSelector(t, p), termNamespaces(cl, t, p)
		domain, ok := n.Labels[t.TopologyKey]
		var ms []corev1.Pod
		for _, q := range cl.Pods {
			if q.UID == p.UID || q.DeletionTimestamp != nil || !inNS(q.Namespace) || !sel.Matches(labels.Set(q.Labels)) {
				continue
			}
			if qn := nodes[q.Spec.NodeName]; qn != nil && ok && qn.Labels[t.TopologyKey] == domain {
				ms = append(ms, q)
			}
		}
		return ms
	}
	if a.PodAntiAffinity != nil {
		for _, t := range a.PodAntiAffinity.RequiredDuringSchedulingIgnoredDuringExecution {
			for _, q := range matching(t) {
				out = append(out, fmt.Sprintf("required anti-affinity over %s broken by pod %s/%s on node %s",
					t.TopologyKey, q.Namespace, q.Name, q.Spec.NodeName))
			}
		}
	}
	if a.PodAffinity != nil {
		for _, t := range a.PodAffinity.RequiredDuringSchedulingIgnoredDuringExecution {
			// The first pod of a group that is its own affinity target may go
			// anywhere; the scheduler allows that too.
			if len(matching(t)) == 0 && !(termNamespaces(cl, t, p)(p.Namespace) && termSelector(t, p).Matches(labels.Set(p.Labels))) {
				out = append(out, fmt.Sprintf("required affinity over %s: no matching pod in its domain", t.TopologyKey))
			}
		}
	}
	return out
}

// spreadViolations checks a workload's DoNotSchedule topology spread
// constraints (taken from pod p, one of its pods) over the pods now placed.
func spreadViolations(cl Cluster, p corev1.Pod, nodes map[string]*corev1.Node) []string {
	var out []string
	for _, c := range p.Spec.TopologySpreadConstraints {
		if c.WhenUnsatisfiable != corev1.DoNotSchedule {
			continue
		}
		sel, err := metav1.LabelSelectorAsSelector(c.LabelSelector)
		if err != nil || c.LabelSelector == nil {
			continue
		}
		for _, k := range c.MatchLabelKeys {
			if v, ok := p.Labels[k]; ok {
				if r, err := labels.NewRequirement(k, selection.In, []string{v}); err == nil {
					sel = sel.Add(*r)
				}
			}
		}
		counts := map[string]int{}
		eligible := map[string]bool{}
		for i := range cl.Nodes {
			n := &cl.Nodes[i]
			d, ok := n.Labels[c.TopologyKey]
			if !ok {
				continue
			}
			if c.NodeAffinityPolicy == nil || *c.NodeAffinityPolicy == corev1.NodeInclusionPolicyHonor {
				if unfitLabels(&p.Spec, n, false) != "" {
					continue
				}
			}
			if c.NodeTaintsPolicy != nil && *c.NodeTaintsPolicy == corev1.NodeInclusionPolicyHonor && untolerated(&p.Spec, n) != "" {
				continue
			}
			eligible[n.Name] = true
			counts[d] += 0
		}
		for _, q := range cl.Pods {
			if q.Namespace != p.Namespace || q.DeletionTimestamp != nil || !eligible[q.Spec.NodeName] || !sel.Matches(labels.Set(q.Labels)) {
				continue
			}
			counts[nodes[q.Spec.NodeName].Labels[c.TopologyKey]]++
		}
		if len(counts) == 0 {
			continue
		}
		min, max := -1, 0
		for _, v := range counts {
			if min < 0 || v < min {
				min = v
			}
			if v > max {
				max = v
			}
		}
		if c.MinDomains != nil && int(*c.MinDomains) > len(counts) {
			min = 0
		}
		if max-min > int(c.MaxSkew) {
			out = append(out, fmt.Sprintf("topology spread over %s has skew %d (counts %s), above maxSkew %d",
				c.TopologyKey, max-min, formatCounts(counts), c.MaxSkew))
		}
	}
	return out
}

func formatCounts(counts map[string]int) string {
	var parts []string
	for k, v := range counts {
		parts = append(parts, fmt.Sprintf("%s=%d", k, v))
	}
	sort.Strings(parts)
	return strings.Join(parts, " ")
}

func labelSet(m map[string]string) labels.Set { return labels.Set(m) }
