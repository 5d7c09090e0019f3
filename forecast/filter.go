package forecast

import (
	"fmt"
	"sort"
	"strings"

	"k8s.io/apimachinery/pkg/labels"
	v1helper "k8s.io/component-helpers/scheduling/corev1"
)

// The reasons the scheduler's filters give, word for word (kube-scheduler
// v1.37, pkg/scheduler/framework/plugins).
const (
	ReasonTaint           = "node(s) had untolerated taint(s)"
	ReasonNodeAffinity    = "node(s) didn't match Pod's node affinity/selector"
	ReasonPinnedElsewhere = "node(s) didn't satisfy plugin(s) [NodeAffinity]"
	ReasonPorts           = "node(s) didn't have free ports for the requested pod ports"
	ReasonTooManyPods     = "Too many pods"
	ReasonCPU             = "Insufficient cpu"
	ReasonMemory          = "Insufficient memory"
	ReasonVolumeNode      = "node(s) didn't match PersistentVolume's node affinity"
	ReasonVolumeBind      = "node(s) didn't find available persistent volumes to bind"
	ReasonImmediateClaims = "pod has unbound immediate PersistentVolumeClaims"
	ReasonSpread          = "node(s) didn't match pod topology spread constraints"
	ReasonSpreadLabel     = "node(s) didn't match pod topology spread constraints (missing required label)"
	ReasonPodAffinity     = "node(s) didn't match pod affinity rules"
	ReasonPodAntiAffinity = "node(s) didn't match pod anti-affinity rules"
	ReasonExistingAntiAff = "node(s) didn't satisfy existing pods anti-affinity rules"
	noPreemptionVictims   = "No preemption victims found for incoming pod"
	preemptionNotHelpful  = "Preemption is not helpful for scheduling"
	// noNodes is the scheduler's ErrNoNodesAvailable.
	noNodes = "no nodes available to schedule pods"
	// noteRoom groups the nodes that lack CPU, memory or pod room, for people.
	noteRoom = "not enough room"
)

// Class is the family of a reason: the filter that gives it.
type Class string

// Reason classes, one per filter plugin.
const (
	ClassTaints       Class = "taints"
	ClassNodeAffinity Class = "node affinity"
	ClassPorts        Class = "host ports"
	ClassResources    Class = "resources"
	ClassVolumes      Class = "volumes"
	ClassSpread       Class = "topology spread"
	ClassPodAffinity  Class = "pod affinity"
)

// ClassOf is the class of one of the scheduler's reasons, "" if it is not
// one the forecast knows.
func ClassOf(reason string) Class {
	switch reason {
	case ReasonTaint:
		return ClassTaints
	case ReasonNodeAffinity, ReasonPinnedElsewhere:
		return ClassNodeAffinity
	case ReasonPorts:
		return ClassPorts
	case ReasonTooManyPods, ReasonCPU, ReasonMemory, noteRoom:
		return ClassResources
	case ReasonVolumeNode, ReasonVolumeBind, ReasonImmediateClaims:
		return ClassVolumes
	case ReasonSpread, ReasonSpreadLabel:
		return ClassSpread
	case ReasonPodAffinity, ReasonPodAntiAffinity, ReasonExistingAntiAff:
		return ClassPodAffinity
	}
	return ""
}

// Pending is why a pod is not bound: per reason, on how many nodes.
type Pending struct {
	Nodes   int // nodes in the cluster
	Reasons map[string]int
	// PreFilter is the reason given for every node at once, when a check
	// before the per-node filters failed.
	PreFilter string
	// Notes say, for people, what each reason was on which nodes: which
	// taint, how much room was left.
	Notes []Note
}

// Note is one reason on a group of nodes, with what it was there.
type Note struct {
	Reason string
	What   string // the taint, or "" where the reason says it all
	Nodes  []string
}

// note records that node rejected the pod for reason, with what.
func (p *Pending) note(reason, what, node string) {
	for i := range p.Notes {
		if p.Notes[i].Reason == reason && p.Notes[i].What == what {
			p.Notes[i].Nodes = append(p.Notes[i].Nodes, node)
			return
		}
	}
	p.Notes = append(p.Notes, Note{Reason: reason, What: what, Nodes: []string{node}})
}

// classRank orders the notes for people: what blocks the pods on the
// nodes meant for them first, what keeps them off other pools last.
var classRank = map[Class]int{ClassResources: 0, ClassPodAffinity: 1, ClassSpread: 2, ClassVolumes: 3, ClassPorts: 4, ClassNodeAffinity: 5, ClassTaints: 6}

// Explain writes the notes for people, naming at most max nodes per note.
func (p *Pending) Explain(max int) string {
	notes := append([]Note(nil), p.Notes...)
	sort.SliceStable(notes, func(i, j int) bool {
		return classRank[ClassOf(notes[i].Reason)] < classRank[ClassOf(notes[j].Reason)]
	})
	var parts []string
	for _, n := range notes {
		s := n.Reason
		if n.What != "" {
			s += " (" + n.What + ")"
		}
		names := n.Nodes
		more := ""
		if len(names) > max {
			names, more = names[:max], fmt.Sprintf(" and %d more", len(n.Nodes)-max)
		}
		parts = append(parts, s+": "+strings.Join(names, ", ")+more)
	}
	return strings.Join(parts, "; ")
}

// Message is the scheduler's FailedScheduling message up to its
// preemption part: "0/12 nodes are available: 3 Insufficient memory, 9
// node(s) had untolerated taint(s)." (framework.FitError.Error).
func (p *Pending) Message() string {
	if p.Nodes == 0 {
		return noNodes
	}
	msg := fmt.Sprintf("0/%d nodes are available:", p.Nodes)
	if p.PreFilter != "" {
		return msg + " " + p.PreFilter + "."
	}
	var parts []string
	for r, n := range p.Reasons {
		parts = append(parts, fmt.Sprintf("%d %s", n, r))
	}
	sort.Strings(parts)
	if len(parts) > 0 {
		msg += " " + strings.Join(parts, ", ") + "."
	}
	return msg
}

// Classes are the reason classes of the message, sorted.
func (p *Pending) Classes() []Class {
	seen := map[Class]bool{}
	if p.PreFilter != "" {
		seen[ClassOf(p.PreFilter)] = true
	}
	for r := range p.Reasons {
		seen[ClassOf(r)] = true
	}
	var out []Class
	for c := range seen {
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// filterState is what the per-node filters of one pod share: computed
// once per scheduling attempt, as the scheduler's PreFilter does.
type filterState struct {
	p      *placed
	static []uint8
	spread []spreadState
	// inter-pod affinity
	affCounts        map[topologyPair]int // incoming required affinity: matching pods per domain
	antiDomains      map[topologyPair]bool
	existingAnti     map[topologyPair]bool
	selfAffinity     bool
	immediateUnbound bool
	lastVolumes      []volumeChoice // the volume choices made on the node last checked
}

type topologyPair struct{ key, value string }

type spreadState struct {
	c        spreadConstraint
	counts   map[string]int
	min      int
	self     int
	eligible func(n *node) bool
}

// prepare computes the filter state of p over the live nodes.
func (c *cluster) prepare(p *placed) *filterState {
	t := p.t
	fs := &filterState{p: p, static: c.staticVerdicts(t)}
	fs.immediateUnbound = c.vols.immediateUnbound(p)
	if fs.immediateUnbound {
		return fs
	}
	for _, sc := range t.hardSpread {
		fs.spread = append(fs.spread, c.spreadCounts(t, sc, t.hardSpread))
	}
	if len(t.affTerms) > 0 {
		fs.affCounts = map[topologyPair]int{}
		c.matching("", labels.Everything(), func(q *placed) {
			if podMatchesAll(t.affTerms, q.t, c) {
				for _, term := range t.affTerms {
					if v, ok := q.node.Labels[term.topologyKey]; ok {
						fs.affCounts[topologyPair{term.topologyKey, v}]++
					}
				}
			}
		})
		fs.selfAffinity = podMatchesAll(t.affTerms, t, c)
	}
	if len(t.antiTerms) > 0 {
		fs.antiDomains = map[topologyPair]bool{}
		for i := range t.antiTerms {
			term := &t.antiTerms[i]
			c.termMatching(term, func(q *placed) {
				if v, ok := q.node.Labels[term.topologyKey]; ok {
					fs.antiDomains[topologyPair{term.topologyKey, v}] = true
				}
			})
		}
	}
	nsl := c.nsLabels(t.namespace)
	for _, q := range c.anti {
		if q.node == nil {
			continue
		}
		for _, term := range q.t.antiTerms {
			if term.matches(t, nsl) {
				if fs.existingAnti == nil {
					fs.existingAnti = map[topologyPair]bool{}
				}
				if v, ok := q.node.Labels[term.topologyKey]; ok {
					fs.existingAnti[topologyPair{term.topologyKey, v}] = true
				}
			}
		}
	}
	return fs
}

// podMatchesAll reports whether pod q matches every term (the scheduler
// reads a pod's affinity terms as one conjunction).
func podMatchesAll(terms []affinityTerm, q *template, c *cluster) bool {
	if len(terms) == 0 {
		return false
	}
	for i := range terms {
		if !terms[i].matches(q, c.nsLabels(q.namespace)) {
			return false
		}
	}
	return true
}

// spreadCounts counts, per domain of the constraint's topology key, the
// placed pods the selector matches, over the nodes the constraint counts:
// those that have every constraint's key and, as its policies say, match
// the pod's node affinity and tolerate its taints.
func (c *cluster) spreadCounts(t *template, sc spreadConstraint, all []spreadConstraint) spreadState {
	st := spreadState{c: sc, counts: map[string]int{}}
	if sc.selector.Matches(t.labels) {
		st.self = 1
	}
	static := c.staticVerdicts(t)
	st.eligible = func(n *node) bool {
		for _, o := range all {
			if _, ok := n.Labels[o.topologyKey]; !ok {
				return false
			}
		}
		if sc.honorAffinity {
			if ok, _ := t.affinity.Match(n.obj); !ok {
				return false
			}
		}
		if sc.honorTaints && static[n.idx] == rejectTaint {
			return false
		}
		return true
	}
	for _, n := range c.nodes {
		if !n.gone && st.eligible(n) {
			st.counts[n.Labels[sc.topologyKey]] += 0
		}
	}
	if !sc.selector.Empty() {
		c.matching(t.namespace, sc.selector, func(q *placed) {
			if !q.node.gone && st.eligible(q.node) {
				st.counts[q.node.Labels[sc.topologyKey]]++
			}
		})
	}
	st.min = -1
	for _, n := range st.counts {
		if st.min < 0 || n < st.min {
			st.min = n
		}
	}
	if len(st.counts) < int(sc.minDomains) || st.min < 0 {
		st.min = 0
	}
	return st
}

// filter runs the filters on one node, in the scheduler's order, and
// returns the first that rejects it: its reasons (several for resources),
// and whether preemption could help (Unschedulable rather than
// UnschedulableAndUnresolvable).
func (c *cluster) filter(fs *filterState, n *node) (reasons []string, resolvable bool) {
	p := fs.p
	t := p.t
	switch fs.static[n.idx] {
	case rejectTaint:
		return []string{ReasonTaint}, false
	case rejectAffinity:
		return []string{ReasonNodeAffinity}, false
	}
	for _, want := range t.ports {
		for _, have := range n.ports {
			if want.conflicts(have) {
				return []string{ReasonPorts}, true
			}
		}
	}
	if r := c.fits(t, n); len(r) > 0 {
		resolvable = true
		for _, x := range r {
			if x == ReasonCPU && t.req.MilliCPU > n.Allocatable.MilliCPU || x == ReasonMemory && t.req.Memory > n.Allocatable.Memory {
				resolvable = false
			}
		}
		return r, resolvable
	}
	if len(p.claims) > 0 {
		if r := c.vols.check(p, n, fs); len(r) > 0 {
			return r, false
		}
	}
	for _, st := range fs.spread {
		v, ok := n.Labels[st.c.topologyKey]
		if !ok {
			return []string{ReasonSpreadLabel}, false
		}
		if st.counts[v]+st.self-st.min > int(st.c.maxSkew) {
			return []string{ReasonSpread}, true
		}
	}
	if len(t.affTerms) > 0 && !c.affinityHolds(fs, n) {
		return []string{ReasonPodAffinity}, false
	}
	for _, term := range t.antiTerms {
		if v, ok := n.Labels[term.topologyKey]; ok && fs.antiDomains[topologyPair{term.topologyKey, v}] {
			return []string{ReasonPodAntiAffinity}, true
		}
	}
	for pair := range fs.existingAnti {
		if v, ok := n.Labels[pair.key]; ok && v == pair.value {
			return []string{ReasonExistingAntiAff}, true
		}
	}
	return nil, true
}

// fits is NodeResourcesFit's filter: the pod count, then CPU and memory.
func (c *cluster) fits(t *template, n *node) []string {
	var out []string
	if int64(len(n.pods))+1 > n.Allocatable.Pods {
		out = append(out, ReasonTooManyPods)
	}
	if t.req.MilliCPU == 0 && t.req.Memory == 0 {
		return out
	}
	if t.req.MilliCPU > 0 && t.req.MilliCPU > n.Allocatable.MilliCPU-n.used.MilliCPU {
		out = append(out, ReasonCPU)
	}
	if t.req.Memory > 0 && t.req.Memory > n.Allocatable.Memory-n.used.Memory {
		out = append(out, ReasonMemory)
	}
	return out
}

// affinityHolds is InterPodAffinity's check of the incoming pod's required
// affinity: every term's domain on n holds a matching pod, or no pod
// anywhere matches and the pod matches its own terms (the first of a group
// may go anywhere that has the keys).
func (c *cluster) affinityHolds(fs *filterState, n *node) bool {
	all := true
	for _, term := range fs.p.t.affTerms {
		v, ok := n.Labels[term.topologyKey]
		if !ok {
			return false
		}
		if fs.affCounts[topologyPair{term.topologyKey, v}] <= 0 {
			all = false
		}
	}
	if all {
		return true
	}
	return len(fs.affCounts) == 0 && fs.selfAffinity
}

// untoleratedTaint names the taint that keeps a template off a node.
func untoleratedTaint(t *template, n *node) string {
	taint, ok := v1helper.FindMatchingUntoleratedTaint(logger, n.obj.Spec.Taints, t.tolerations, doNotSchedule, false)
	if !ok {
		return ""
	}
	s := taint.Key
	if taint.Value != "" {
		s += "=" + taint.Value
	}
	return s + ":" + string(taint.Effect)
}

// WithoutPostFilter cuts what the PostFilter plugins (preemption's words,
// or a bare "not found") append to a FailedScheduling message, "0/N nodes
// are available: <PreFilter or Filter reasons>. <PostFilter message>":
// they are no filter's reasons.
func WithoutPostFilter(msg string) string {
	if i := strings.Index(msg, ". "); i >= 0 {
		return msg[:i+1]
	}
	return msg
}

// ParseMessage reads a FailedScheduling message back into what Pending
// holds: the node count, and the reasons with their node counts (or the
// reason given for every node at once). What PostFilter plugins add is left out.
func ParseMessage(msg string) (*Pending, error) {
	p := &Pending{Reasons: map[string]int{}}
	if strings.HasPrefix(msg, noNodes) {
		// No node at all (a single-zone design after losing its zone):
		// no filter ran, so there are no reasons.
		return p, nil
	}
	head, rest, ok := strings.Cut(msg, " nodes are available: ")
	if !ok || !strings.HasPrefix(head, "0/") {
		return nil, fmt.Errorf("not a scheduler's message: %q", msg)
	}
	if _, err := fmt.Sscanf(head, "0/%d", &p.Nodes); err != nil {
		return nil, fmt.Errorf("not a scheduler's message: %q", msg)
	}
	rest = WithoutPostFilter(rest)
	rest = strings.TrimSuffix(rest, ".")
	for _, part := range strings.Split(rest, ", ") {
		var n int
		count, reason, _ := strings.Cut(part, " ")
		if _, err := fmt.Sscanf(count, "%d", &n); err != nil || reason == "" {
			p.PreFilter = rest
			p.Reasons = map[string]int{}
			return p, nil
		}
		p.Reasons[reason] += n
	}
	return p, nil
}

// ReasonSet lists the reasons without their counts, sorted: the verdict the
// e2e suite compares.
func (p *Pending) ReasonSet() string {
	if p.PreFilter != "" {
		return p.PreFilter
	}
	var rs []string
	for r := range p.Reasons {
		rs = append(rs, r)
	}
	sort.Strings(rs)
	return strings.Join(rs, "; ")
}
