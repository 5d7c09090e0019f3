package forecast

import (
	"fmt"
	"sort"
)

// scheduleOne runs one scheduling attempt for p: the filters on every live
// node, then the scores on the feasible ones. It binds p, or leaves it
// pending with the scheduler's reasons; a pending pod that may preempt
// tries DefaultPreemption.
func (c *cluster) scheduleOne(p *placed) {
	fs := c.prepare(p)
	live := c.live()
	pend := &Pending{Nodes: live, Reasons: map[string]int{}}
	if fs.immediateUnbound {
		pend.PreFilter = ReasonImmediateClaims
		p.pending = pend
		return
	}
	var feasible []*node
	var choices = map[*node][]volumeChoice{}
	var resolvable []*node
	try := func(n *node) {
		reasons, canPreempt := c.filter(fs, n)
		if len(reasons) == 0 {
			feasible = append(feasible, n)
			if len(p.claims) > 0 {
				choices[n] = append([]volumeChoice(nil), fs.lastVolumes...)
			}
			return
		}
		for _, r := range reasons {
			pend.Reasons[r]++
		}
		if canPreempt {
			resolvable = append(resolvable, n)
		}
		c.note(pend, p, n, reasons)
	}
	if p.Target != "" {
		// A daemon pod's node affinity names its node: the scheduler's
		// PreFilter narrows the search to it, and gives every other node
		// the same reason.
		n := c.byName[p.Target]
		try(n)
		if len(feasible) == 0 && live > 1 {
			pend.Reasons[ReasonPinnedElsewhere] += live - 1
		}
		c.next = (c.next + 1) % len(c.nodes)
	} else {
		// The scheduler stops looking once it has enough feasible nodes to
		// score (numFeasibleNodesToFind), starting each search where the
		// last one ended, so that every node gets its turn.
		want := feasibleToFind(live)
		processed := 0
		for i := 0; i < len(c.nodes) && len(feasible) < want; i++ {
			n := c.nodes[(c.next+i)%len(c.nodes)]
			if n.gone {
				continue
			}
			try(n)
			processed++
		}
		c.next = (c.next + processed) % len(c.nodes)
	}
	if len(feasible) == 0 {
		p.pending = pend
		if p.t.preempts && p.t.priority > 0 {
			c.preempt(p, fs, resolvable)
		}
		return
	}
	n := c.choose(p, feasible)
	c.bind(p, n)
	if len(p.claims) > 0 {
		c.vols.bindVolumes(choices[n])
	}
}

// note records for people why n rejects p, beyond the scheduler's words.
func (c *cluster) note(pend *Pending, p *placed, n *node, reasons []string) {
	switch reasons[0] {
	case ReasonTaint:
		pend.note(reasons[0], untoleratedTaint(p.t, n), n.Name)
	case ReasonCPU, ReasonMemory, ReasonTooManyPods:
		free := n.Allocatable.Sub(n.used)
		pend.note(noteRoom, "", fmt.Sprintf("%s (%s and %d pods free of %s, %d pods; the pod asks %s)",
			n.Name, free, free.Pods, n.Allocatable, n.Allocatable.Pods, p.t.req))
	default:
		pend.note(reasons[0], "", n.Name)
	}
}

// preempt is DefaultPreemption, as far as blueprint's pods need it: on the
// nodes where removing lower-priority pods would let p fit, it picks the
// node whose victims matter least (fewest PodDisruptionBudgets broken,
// lowest highest priority, lowest priority sum, fewest victims, first
// node), evicts them and binds p; the victims' controllers make them
// again, and they are scheduled after the current pods.
func (c *cluster) preempt(p *placed, fs *filterState, nodes []*node) {
	type candidate struct {
		n       *node
		victims []*placed
		pdb     int
		highest int32
		sum     int64
	}
	var cands []candidate
	for _, n := range nodes {
		var lower []*placed
		for _, q := range n.pods {
			if q.t.priority < p.t.priority && q.t.w.Kind != KindStaticPod {
				lower = append(lower, q)
			}
		}
		if len(lower) == 0 {
			continue
		}
		// Remove every lower-priority pod, then give back the most
		// important ones while p still fits.
		for _, q := range lower {
			c.unbind(q)
		}
		if !c.feasibleOn(p, n) {
			for _, q := range lower {
				c.bind(q, n)
			}
			continue
		}
		sort.SliceStable(lower, func(i, j int) bool { return lower[i].t.priority > lower[j].t.priority })
		var victims []*placed
		for _, q := range lower {
			c.bind(q, n)
			if !c.feasibleOn(p, n) {
				c.unbind(q)
				victims = append(victims, q)
			}
		}
		for _, q := range victims {
			c.bind(q, n)
		}
		cd := candidate{n: n, victims: victims}
		for _, q := range victims {
			cd.highest = max(cd.highest, q.t.priority)
			cd.sum += int64(q.t.priority) + 1<<31
			if c.breaksBudget(q) {
				cd.pdb++
			}
		}
		cands = append(cands, cd)
	}
	if len(cands) == 0 {
		return
	}
	sort.SliceStable(cands, func(i, j int) bool {
		a, b := cands[i], cands[j]
		switch {
		case a.pdb != b.pdb:
			return a.pdb < b.pdb
		case a.highest != b.highest:
			return a.highest < b.highest
		case a.sum != b.sum:
			return a.sum < b.sum
		default:
			return len(a.victims) < len(b.victims)
		}
	})
	best := cands[0]
	for _, q := range best.victims {
		c.unbind(q)
		q.pending = &Pending{Nodes: c.live(), Reasons: map[string]int{}}
		c.requeue = append(c.requeue, q)
	}
	c.scheduleOne(p)
}

// feasibleOn reports whether p passes every filter on n as things stand.
func (c *cluster) feasibleOn(p *placed, n *node) bool {
	fs := c.prepare(p)
	r, _ := c.filter(fs, n)
	return len(r) == 0
}

// breaksBudget reports whether evicting q would take its
// PodDisruptionBudget below what it allows (counted on the pods placed now).
func (c *cluster) breaksBudget(q *placed) bool {
	for _, b := range c.objs.PDBs {
		if b.Namespace != q.t.namespace {
			continue
		}
		sel, err := metaSelector(b.Spec.Selector)
		if err != nil || !sel.Matches(q.t.labels) {
			continue
		}
		healthy := 0
		for _, r := range c.nsPods[q.t.namespace] {
			if sel.Matches(r.t.labels) {
				healthy++
			}
		}
		switch {
		case b.Spec.MinAvailable != nil:
			want := b.Spec.MinAvailable.IntValue()
			if b.Spec.MinAvailable.Type != 0 {
				want = percentOf(b.Spec.MinAvailable.StrVal, q.t.w.Replicas, true)
			}
			if healthy-1 < want {
				return true
			}
		case b.Spec.MaxUnavailable != nil:
			allowed := b.Spec.MaxUnavailable.IntValue()
			if b.Spec.MaxUnavailable.Type != 0 {
				allowed = percentOf(b.Spec.MaxUnavailable.StrVal, q.t.w.Replicas, false)
			}
			if q.t.w.Replicas-healthy+1 > allowed {
				return true
			}
		}
	}
	return false
}

// feasibleToFind is the scheduler's numFeasibleNodesToFind with the
// default percentageOfNodesToScore: every node below 100, else 50% less
// one point per 125 nodes, at least 5%, and at least 100 nodes.
func feasibleToFind(nodes int) int {
	const minNodes, minPercent = 100, 5
	if nodes < minNodes {
		return nodes
	}
	pct := max(50-nodes/125, minPercent)
	return max(nodes*pct/100, minNodes)
}
