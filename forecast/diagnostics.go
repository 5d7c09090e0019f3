package forecast

import (
	"fmt"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"

	"github.com/blueprint-dev/blueprint/plan"
	"github.com/blueprint-dev/blueprint/spec"
	"github.com/blueprint-dev/blueprint/validate"
)

// maxDetail bounds how many nodes a diagnostic names one by one.
const maxDetail = 6

// Diagnostics turns the forecast into what validate reports: an error for
// each workload with pods that stay Pending on the intact cluster, and a
// warning for each zone whose loss leaves pods of a workload Pending that
// could run elsewhere (pods whose volume is in the lost zone wait for it
// and are not warned about: the zone's return brings them back). Each
// points at the spec attribute the workload comes from.
func Diagnostics(s *spec.Spec, f *Forecast) hcl.Diagnostics {
	if f == nil {
		return nil
	}
	var diags hcl.Diagnostics
	if n := len(f.Intact.Pods); n > plan.MaxPods && s.Cluster != nil {
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "More pods than Kubernetes supports",
			Detail:  fmt.Sprintf("The design runs %d pods (daemon pods on every node included), above the %d pods of one cluster Kubernetes is tested with. Split it into several clusters, or run fewer daemons or replicas.", n, plan.MaxPods),
			Subject: s.Cluster.DeclRange.Ptr()})
	}
	for _, g := range pendingGroups(f, f.Intact, nil) {
		subject, ctx := origin(s, g.w)
		d := &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Pods that cannot be scheduled",
			Detail: fmt.Sprintf("%s of %s cannot be placed on the intact cluster: kube-scheduler v1.37 would leave %s Pending with %q%s %s",
				g.count(), g.w, g.pronoun(), g.pending.Message(), g.details(), hint(g)),
			Subject: subject.Ptr(),
		}
		if ctx.Filename != "" {
			d.Context = ctx.Ptr()
		}
		diags = append(diags, d)
	}
	for _, sc := range f.ZoneLosses {
		if len(sc.Nodes) == 0 {
			// The zone was the whole cluster: nothing is left to run on,
			// which the single-zone warning already says.
			continue
		}
		for _, g := range pendingGroups(f, sc, f.Intact) {
			subject, ctx := origin(s, g.w)
			diags = append(diags, validate.NewWarning(validate.CodeCapacityZoneLoss, validate.Scope{Zone: sc.Zone, Workload: scopeName(s, g.w)},
				subject, ctx, "Pods that cannot be rescheduled after a zone loss",
				fmt.Sprintf("After losing zone %s (%d nodes), %s of %s cannot be placed again, although no volume ties %s to the lost zone: the scheduler would leave %s Pending with %q%s %s",
					sc.Zone, len(sc.Lost), g.count(), g.w, g.pronoun(), g.pronoun(), g.pending.Message(), g.details(), hint(g))))
		}
	}
	return diags
}

// pendingGroup is the pods of one workload pending in a scenario.
type pendingGroup struct {
	w       *Workload
	pods    []string
	total   int
	pending *Pending // the first one's
}

func (g pendingGroup) count() string {
	switch {
	case g.total == 1:
		return "the pod"
	case len(g.pods) == 1:
		return fmt.Sprintf("1 of the %d pods (%s)", g.total, g.pods[0])
	}
	return fmt.Sprintf("%d of the %d pods (%s)", len(g.pods), g.total, strings.Join(g.pods, ", "))
}

func (g pendingGroup) pronoun() string {
	if len(g.pods) == 1 {
		return "it"
	}
	return "them"
}

// details names the first nodes of each reason and what they lacked.
func (g pendingGroup) details() string {
	if len(g.pending.Notes) == 0 {
		return ""
	}
	return " Per reason: " + g.pending.Explain(maxDetail) + "."
}

// pendingGroups groups the pending pods of a scenario by workload, leaving
// out pods that wait for a lost volume and, given the intact scenario,
// pods that were pending there already.
func pendingGroups(f *Forecast, sc, intact *Scenario) []pendingGroup {
	before := map[*Pod]bool{}
	if intact != nil {
		for _, r := range intact.Pods {
			if !r.Bound() {
				before[r.Pod] = true
			}
		}
	}
	total := map[*Workload]int{}
	groups := map[*Workload]*pendingGroup{}
	var order []*Workload
	for _, r := range sc.Pods {
		w := r.Pod.Workload
		total[w]++
		if r.Bound() || r.WaitsForVolume || before[r.Pod] || r.Pending == nil {
			continue
		}
		g := groups[w]
		if g == nil {
			g = &pendingGroup{w: w, pending: r.Pending}
			groups[w] = g
			order = append(order, w)
		}
		g.pods = append(g.pods, r.Pod.Name)
	}
	sort.SliceStable(order, func(i, j int) bool { return order[i].Order < order[j].Order })
	var out []pendingGroup
	for _, w := range order {
		g := *groups[w]
		g.total = total[w]
		out = append(out, g)
	}
	return out
}

// hint says what to change, by the classes of the reasons. Taints and
// node labels that keep the pods off other pools are as meant when the
// pods select a pool, and get no hint then.
func hint(g pendingGroup) string {
	spec := &g.w.Template.Spec
	selects := len(spec.NodeSelector) > 0 || spec.Affinity != nil && spec.Affinity.NodeAffinity != nil &&
		spec.Affinity.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution != nil
	var hints []string
	for _, c := range g.pending.Classes() {
		if selects && (c == ClassTaints || c == ClassNodeAffinity) {
			continue
		}
		switch c {
		case ClassResources:
			hints = append(hints, "Give the pods less CPU or memory, or add nodes or larger machines: a node's allocatable is its capacity less the kubelet's reservations (ARCHITECTURE.md, Capacity), and DaemonSet and other pods take their share.")
		case ClassTaints:
			hints = append(hints, "Nodes taint the pods away: set the block's node_pool to the pool they should run on (blueprint then tolerates its taints), or add an untainted pool.")
		case ClassNodeAffinity:
			hints = append(hints, "The pods select nodes by label (their pool): add nodes to that pool.")
		case ClassSpread:
			hints = append(hints, "The pods spread evenly over zones (maxSkew 1), so a zone with no room holds the others back: give every zone the same room.")
		case ClassPodAffinity:
			hints = append(hints, "The pods run one per node (required anti-affinity): add nodes or lower the count.")
		case ClassVolumes:
			hints = append(hints, "No volume can bind where the pods may run: declare volumes on those nodes, or let the storage class provision in their zones.")
		case ClassPorts:
			hints = append(hints, "Another pod holds the same host port on those nodes.")
		}
	}
	return strings.Join(hints, " ")
}

// scopeName is the workload an accept block names for w: its kafka, hdfs
// or spark block, or monitoring or logging; "" for the cluster's own pods.
func scopeName(s *spec.Spec, w *Workload) string {
	comp := w.Component
	switch {
	case strings.HasPrefix(comp, "monitoring"):
		return "monitoring"
	case strings.HasPrefix(comp, "logging"):
		return "logging"
	case comp == "kafka" && len(s.Kafka) > 0:
		return s.Kafka[0].Name
	case comp == "hdfs" && len(s.HDFS) > 0:
		return s.HDFS[0].Name
	case (comp == "spark" || comp == "spark-operator") && len(s.Spark) > 0:
		return s.Spark[0].Name
	}
	return ""
}

// origin is where in the spec a workload comes from: the attribute that
// sets its size where there is one, else its block, and the block as
// context.
func origin(s *spec.Spec, w *Workload) (subject, ctx hcl.Range) {
	or := func(a, b hcl.Range) hcl.Range {
		if a.Filename != "" {
			return a
		}
		return b
	}
	fallback := hcl.Range{}
	if s.Cluster != nil {
		fallback = s.Cluster.DeclRange
	}
	comp := w.Component
	switch {
	case comp == "kubeadm", comp == "loadbalancer":
		if s.ControlPlane != nil {
			return s.ControlPlane.DeclRange, hcl.Range{}
		}
	case strings.HasPrefix(comp, "monitoring") && s.Monitoring != nil:
		m := s.Monitoring
		switch comp {
		case "monitoring/prometheus":
			return or(m.PrometheusReplicasRange, or(m.NodePoolRange, m.DeclRange)), m.DeclRange
		case "monitoring/alertmanager":
			return or(m.AlertmanagerReplicasRange, or(m.NodePoolRange, m.DeclRange)), m.DeclRange
		}
		return or(m.NodePoolRange, m.DeclRange), m.DeclRange
	case strings.HasPrefix(comp, "logging") && s.Logging != nil:
		l := s.Logging
		if comp == "logging/search" {
			return or(l.ReplicasRange, or(l.NodePoolRange, l.DeclRange)), l.DeclRange
		}
		return or(l.NodePoolRange, l.DeclRange), l.DeclRange
	case strings.HasPrefix(comp, "autoscaling") && s.Autoscaling != nil:
		return s.Autoscaling.DeclRange, hcl.Range{}
	case comp == "kafka" && len(s.Kafka) > 0:
		k := s.Kafka[0]
		switch w.Name {
		case "kafka":
			return or(k.BrokersRange, or(k.NodePoolRange, k.DeclRange)), k.DeclRange
		case "kafka-controller":
			return or(k.ControllersRange, or(k.ControllerPoolRange, or(k.NodePoolRange, k.DeclRange))), k.DeclRange
		}
		return or(k.NodePoolRange, k.DeclRange), k.DeclRange
	case comp == "hdfs" && len(s.HDFS) > 0:
		h := s.HDFS[0]
		switch {
		case strings.HasPrefix(w.Name, "datanode"):
			return or(h.DataNodesRange, or(h.NodePoolRange, h.DeclRange)), h.DeclRange
		case w.Name == "journalnode":
			return or(h.HARange, or(h.NodePoolRange, h.DeclRange)), h.DeclRange
		}
		return or(h.NodePoolRange, h.DeclRange), h.DeclRange
	case (comp == "spark" || comp == "spark-operator") && len(s.Spark) > 0:
		return or(s.Spark[0].NodePoolRange, s.Spark[0].DeclRange), s.Spark[0].DeclRange
	case comp == "gateway" && s.Expose != nil:
		return s.Expose.DeclRange, hcl.Range{}
	}
	return fallback, hcl.Range{}
}
