package forecast

import (
	"maps"
	"sort"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/blueprint-dev/blueprint/internal/parallel"
)

// Scenario is the forecast for one state of the cluster: intact, or with
// a zone or a node lost.
type Scenario struct {
	// Name is "intact", "zone az1" or "node kafka-az1-1".
	Name string
	// Zone is the zone lost; Lost every node lost.
	Zone string
	Lost []string
	// Pods are every pod that exists in the scenario, in creation order:
	// the daemon and static pods of lost nodes are gone.
	Pods []PodResult
	// Nodes are the live nodes with what their pods request.
	Nodes []NodeUse
}

// PodResult is where one pod is.
type PodResult struct {
	Pod      *Pod
	Node     string // "" when pending
	Zone     string
	Pending  *Pending
	Priority int32
	Requests Resources
	// Lost: the pod ran on a node this scenario lost and was made again.
	Lost bool
	// WaitsForVolume: the pod is pending because its volume is on a node
	// or in a zone that is lost; it comes back with them.
	WaitsForVolume bool
}

// NodeUse is one live node and what its pods request.
type NodeUse struct {
	Machine   *Machine
	Requested Resources
}

// Bound reports whether the pod is on a node.
func (r PodResult) Bound() bool { return r.Node != "" }

// Forecast is the placement of every pod on the intact cluster and after
// each loss.
type Forecast struct {
	Machines  []Machine
	Objects   *Objects
	Workloads []*Workload // in the order they are created
	Intact    *Scenario
	// ZoneLosses has one scenario per zone; NodeLosses one per pool (and
	// the control plane), losing the node whose pods request the most.
	ZoneLosses, NodeLosses []*Scenario
}

// Run forecasts the placement of objs on machines, intact and after each
// zone and each pool's busiest node is lost.
func Run(machines []Machine, objs *Objects) (*Forecast, error) {
	f := &Forecast{Machines: machines, Objects: objs, Workloads: objs.InstallOrder()}
	c := newCluster(f.Machines, objs)
	if err := c.create(f.Workloads); err != nil {
		return nil, err
	}
	f.Intact = c.result("intact", "", nil)
	for _, t := range c.tmpls {
		c.staticVerdicts(t) // complete before the losses share them
	}

	var zones []string
	seen := map[string]bool{}
	for _, m := range f.Machines {
		if m.Zone != "" && !seen[m.Zone] {
			seen[m.Zone] = true
			zones = append(zones, m.Zone)
		}
	}
	sort.Strings(zones)
	type loss struct {
		name, zone string
		lost       []string
	}
	var losses []loss
	for _, z := range zones {
		var lost []string
		for _, m := range f.Machines {
			if m.Zone == z {
				lost = append(lost, m.Name)
			}
		}
		losses = append(losses, loss{"zone " + z, z, lost})
	}
	busiest := c.busiestPerGroup()
	for _, n := range busiest {
		losses = append(losses, loss{"node " + n, "", []string{n}})
	}
	// Each loss starts from the intact placement, on a copy of its own, so
	// they run side by side; what they share (templates, their static
	// verdicts, the objects) is complete and only read from here on.
	scenarios := make([]*Scenario, len(losses))
	parallel.Do(len(losses), func(i int) {
		scenarios[i] = c.lose(losses[i].name, losses[i].zone, losses[i].lost, f.Workloads)
	})
	f.ZoneLosses, f.NodeLosses = scenarios[:len(zones)], scenarios[len(zones):]
	return f, nil
}

// create makes and schedules the pods of each workload in turn.
func (c *cluster) create(ws []*Workload) error {
	for _, w := range ws {
		t, err := c.template(w)
		if err != nil {
			return err
		}
		for _, p := range c.makePods(w, t) {
			c.pods = append(c.pods, p)
			if w.Kind == KindStaticPod {
				// The kubelet runs it; the scheduler only counts it.
				c.bind(p, c.byName[p.Target])
				continue
			}
			c.scheduleOne(p)
		}
		c.drainRequeue()
	}
	return nil
}

// drainRequeue schedules the pods preemption evicted, as their
// controllers make them again.
func (c *cluster) drainRequeue() {
	for len(c.requeue) > 0 {
		q := c.requeue[0]
		c.requeue = c.requeue[1:]
		c.scheduleOne(q)
	}
}

// makePods makes the pods a workload's controller creates: one per
// replica, or per node a daemon or static pod is for.
func (c *cluster) makePods(w *Workload, t *template) []*placed {
	var out []*placed
	switch w.Kind {
	case KindDaemonSet:
		for _, n := range c.daemonNodes(t) {
			out = append(out, &placed{Pod: &Pod{Name: podName(w, 0, n.Name), Workload: w, Ordinal: -1, Target: n.Name}, t: t})
		}
	case KindStaticPod:
		for _, name := range w.Nodes {
			if n := c.byName[name]; n != nil && !n.gone {
				out = append(out, &placed{Pod: &Pod{Name: podName(w, 0, name), Workload: w, Ordinal: -1, Target: name}, t: t})
			}
		}
	default:
		for i := 0; i < w.Replicas; i++ {
			p := &placed{Pod: &Pod{Name: podName(w, i, ""), Workload: w, Ordinal: i}, t: t}
			if w.Kind == KindStatefulSet || w.Kind == KindStrimziPodSet {
				for _, ct := range w.ClaimTemplates {
					p.claims = append(p.claims, c.vols.claimFor(w.Namespace, ct.Name+"-"+p.Pod.Name, ct.Spec))
				}
			}
			for _, v := range t.spec.Volumes {
				if v.PersistentVolumeClaim != nil {
					for _, cl := range c.objs.Claims {
						if cl.Namespace == w.Namespace && cl.Name == v.PersistentVolumeClaim.ClaimName {
							p.claims = append(p.claims, c.vols.claimFor(cl.Namespace, cl.Name, cl.Spec))
						}
					}
				}
			}
			out = append(out, p)
		}
	}
	return out
}

// clone copies the scenario's state: nodes, placements and volume bindings.
func (c *cluster) clone() *cluster {
	out := &cluster{objs: c.objs, byName: make(map[string]*node, len(c.nodes)), nsPods: make(map[string][]*placed, len(c.nsPods)),
		tmpls: c.tmpls, static: c.static, vols: c.vols.clone(), nsl: maps.Clone(c.nsl), nLive: c.nLive, next: c.next,
		nodes: make([]*node, 0, len(c.nodes)), pods: make([]*placed, 0, len(c.pods))}
	nmap := make(map[*node]*node, len(c.nodes))
	for _, n := range c.nodes {
		nn := &node{Machine: n.Machine, obj: n.obj, idx: n.idx, gone: n.gone}
		nmap[n] = nn
		out.nodes = append(out.nodes, nn)
		out.byName[nn.Name] = nn
	}
	for _, p := range c.pods {
		np := &placed{Pod: p.Pod, t: p.t, pending: p.pending, lost: p.lost, removed: p.removed}
		for _, cl := range p.claims {
			np.claims = append(np.claims, out.vols.claims[cl.namespace+"/"+cl.name])
		}
		out.pods = append(out.pods, np)
		if p.node != nil {
			out.bind(np, nmap[p.node])
		}
	}
	return out
}

// lose forecasts the loss of nodes, starting from c's placement: pods on
// surviving nodes stay where they are; the daemon and static pods of lost
// nodes are gone; the pods still pending are tried again first, workload
// by workload in creation order, since the scheduler retries them as the
// lost pods go, and its queue takes pods of equal priority in the order
// they were queued, the replacements last (a StatefulSet makes one only
// once the old pod is deleted); then the other pods of lost nodes are
// made again and scheduled, workload by workload.
func (c *cluster) lose(name, zone string, lost []string, ws []*Workload) *Scenario {
	return c.loseWith(name, zone, lost, ws, ws, nil)
}

// loseWith is lose, its pods placed again as r replays (nil: the
// forecast's own choices), the lost pods of the workloads ws only (the
// pending ones of all).
func (c *cluster) loseWith(name, zone string, lost []string, all, ws []*Workload, r *replay) *Scenario {
	s := c.clone()
	gone := map[string]bool{}
	for _, n := range lost {
		gone[n] = true
		s.byName[n].gone = true
		s.nLive--
	}
	for _, p := range s.pods {
		if p.Target != "" && gone[p.Target] {
			// A daemon or static pod of a lost node goes with it, bound or
			// still pending there.
			if p.node != nil {
				s.unbind(p)
			}
			p.removed = true
			continue
		}
		if p.node == nil || !p.node.gone {
			continue
		}
		s.unbind(p)
		p.lost = true
	}
	pending, replaced := map[*Workload][]*placed{}, map[*Workload][]*placed{}
	for _, p := range s.pods {
		switch {
		case p.removed || p.node != nil:
		case p.lost:
			replaced[p.Workload] = append(replaced[p.Workload], p)
		default:
			pending[p.Workload] = append(pending[p.Workload], p)
		}
		if r != nil && p.node != nil {
			r.stays(p)
		}
	}
	s.replay = r
	for _, pass := range []struct {
		ws   []*Workload
		pods map[*Workload][]*placed
	}{{all, pending}, {ws, replaced}} {
		for _, w := range pass.ws {
			for _, p := range pass.pods[w] {
				s.scheduleOne(p)
			}
			s.drainRequeue()
		}
	}
	return s.result(name, zone, lost)
}

// busiestPerGroup names, for the control plane and each pool, the node
// whose pods request the most memory (then CPU): losing it displaces the
// most. Every node of a group is the same size.
func (c *cluster) busiestPerGroup() []string {
	best := map[string]*node{}
	var groups []string
	for _, n := range c.nodes {
		g := n.Pool
		if n.ControlPlane {
			g = ""
		}
		b, ok := best[g]
		if !ok {
			groups = append(groups, g)
		}
		if !ok || n.used.Memory > b.used.Memory || n.used.Memory == b.used.Memory && n.used.MilliCPU > b.used.MilliCPU {
			best[g] = n
		}
	}
	var out []string
	for _, g := range groups {
		out = append(out, best[g].Name)
	}
	return out
}

// result records the scenario's placement.
func (c *cluster) result(name, zone string, lost []string) *Scenario {
	s := &Scenario{Name: name, Zone: zone, Lost: lost, Pods: make([]PodResult, 0, len(c.pods)), Nodes: make([]NodeUse, 0, c.nLive)}
	for _, p := range c.pods {
		if p.removed {
			continue
		}
		r := PodResult{Pod: p.Pod, Pending: p.pending, Lost: p.lost, Priority: p.t.priority, Requests: p.t.req}
		if p.node != nil {
			r.Node, r.Zone, r.Pending = p.node.Name, p.node.Zone, nil
		} else {
			r.WaitsForVolume = c.volumeLost(p)
		}
		s.Pods = append(s.Pods, r)
	}
	for _, n := range c.nodes {
		if !n.gone {
			s.Nodes = append(s.Nodes, NodeUse{Machine: n.Machine, Requested: n.used})
		}
	}
	return s
}

// volumeLost reports whether one of p's claims is bound to a volume that
// no live node reaches.
func (c *cluster) volumeLost(p *placed) bool {
	for _, cl := range p.claims {
		if !cl.bound {
			continue
		}
		reach := false
		for _, n := range c.nodes {
			if n.gone {
				continue
			}
			switch {
			case cl.volume != nil:
				reach = cl.volume.affinity == nil || cl.volume.affinity.Match(n.obj)
			case cl.pinNode != "":
				reach = cl.pinNode == n.Name
			case cl.pinZone != "":
				reach = n.Zone == cl.pinZone
			default:
				reach = true
			}
			if reach {
				break
			}
		}
		if !reach {
			return true
		}
	}
	return false
}

// metaSelector reads a label selector; nil selects nothing.
func metaSelector(s *metav1.LabelSelector) (labels.Selector, error) {
	if s == nil {
		return labels.Nothing(), nil
	}
	return metav1.LabelSelectorAsSelector(s)
}

// percentOf resolves a PodDisruptionBudget percentage of n pods, rounding
// up for minAvailable and down for maxUnavailable, as the disruption
// controller does.
func percentOf(v string, n int, up bool) int {
	x := intstr.FromString(v)
	r, err := intstr.GetScaledValueFromIntOrPercent(&x, n, up)
	if err != nil {
		return 0
	}
	return r
}
