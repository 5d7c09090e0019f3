package forecast

import (
	"fmt"
	"slices"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
	v1helper "k8s.io/component-helpers/scheduling/corev1"
	"k8s.io/klog/v2"
)

// node is a machine during one scenario: what is placed on it.
type node struct {
	*Machine
	obj     *corev1.Node
	idx     int
	used    Resources // requests of the pods placed here
	nonzero Resources // the same, with the defaults for unset requests
	pods    []*placed
	ports   []hostPort
	gone    bool
}

// placed is a pod and where it is, in one scenario.
type placed struct {
	*Pod
	t       *template
	claims  []*claim
	node    *node
	pending *Pending
	// lost: the pod was on a node the scenario lost, and its controller
	// made it again; removed: a daemon or static pod of a lost node, gone
	// with it.
	lost, removed bool
	// listed: the pod is in the cluster's nsPods (and anti, prefers) lists,
	// which keep a pod once taken off its node; readers skip those.
	listed bool
}

// cluster is the state of one scenario: nodes, the pods placed, the
// volumes bound.
type cluster struct {
	// replay, when set, breaks ties among the best nodes as a real
	// scheduler did (Forecast.LoseFrom).
	replay  *replay
	objs    *Objects
	nodes   []*node
	byName  map[string]*node
	pods    []*placed // every pod, in creation order
	nsPods  map[string][]*placed
	anti    []*placed // placed pods with required anti-affinity terms
	prefers []*placed // placed pods with preferred (anti-)affinity terms
	vols    *volumes
	tmpls   map[*Workload]*template
	static  map[*template][]uint8 // per node: 0 passes, else the static filter that rejects it
	requeue []*placed             // pods preempted, to be made and scheduled again
	nsl     map[string]labels.Set // namespace labels, by namespace
	// byTemplate lists the pods of each template (taken off their node or
	// not), and nsTemplates the templates of each namespace: selectors are
	// matched once per template, whose pods all carry the same labels.
	byTemplate  map[*template][]*placed
	nsTemplates map[string][]*template
	nLive       int // nodes not gone
	next        int // where the next search for nodes starts
}

// Static filter verdicts, per node, that depend only on the pod's template
// and the node.
const (
	passes uint8 = iota
	rejectTaint
	rejectAffinity
)

var logger = klog.Background()

func newCluster(machines []Machine, objs *Objects) *cluster {
	c := &cluster{objs: objs, byName: map[string]*node{}, nsPods: map[string][]*placed{},
		tmpls: map[*Workload]*template{}, static: map[*template][]uint8{}}
	for i := range machines {
		n := &node{Machine: &machines[i], obj: machines[i].Node(), idx: i}
		c.nodes = append(c.nodes, n)
		c.byName[n.Name] = n
	}
	c.vols = newVolumes(objs)
	c.nLive = len(c.nodes)
	return c
}

// template returns the parsed template of a workload.
func (c *cluster) template(w *Workload) (*template, error) {
	if t, ok := c.tmpls[w]; ok {
		return t, nil
	}
	t, err := c.parseTemplate(w)
	if err != nil {
		return nil, err
	}
	c.tmpls[w] = t
	return t, nil
}

// staticVerdicts are the template's taint and node-affinity verdicts on
// every node: the same for all its pods.
func (c *cluster) staticVerdicts(t *template) []uint8 {
	if v, ok := c.static[t]; ok {
		return v
	}
	v := make([]uint8, len(c.nodes))
	for i, n := range c.nodes {
		v[i] = staticVerdict(t, n)
	}
	c.static[t] = v
	return v
}

func staticVerdict(t *template, n *node) uint8 {
	if _, untolerated := v1helper.FindMatchingUntoleratedTaint(logger, n.obj.Spec.Taints, t.tolerations, doNotSchedule, false); untolerated {
		return rejectTaint
	}
	if ok, _ := t.affinity.Match(n.obj); !ok {
		return rejectAffinity
	}
	return passes
}

func doNotSchedule(t *corev1.Taint) bool {
	return t.Effect == corev1.TaintEffectNoSchedule || t.Effect == corev1.TaintEffectNoExecute
}

// daemonNodes are the nodes a DaemonSet makes a pod for: those its pods'
// node affinity matches and whose NoSchedule and NoExecute taints they
// tolerate (the controller's nodeShouldRunDaemonPod).
func (c *cluster) daemonNodes(t *template) []*node {
	var out []*node
	for i, v := range c.staticVerdicts(t) {
		if v == passes && !c.nodes[i].gone {
			out = append(out, c.nodes[i])
		}
	}
	return out
}

// bind places p on n.
func (c *cluster) bind(p *placed, n *node) {
	p.node, p.pending = n, nil
	n.pods = append(n.pods, p)
	n.used = n.used.Add(p.t.req)
	n.nonzero = n.nonzero.Add(p.t.nonzero)
	n.ports = append(n.ports, p.t.ports...)
	if p.listed {
		return
	}
	p.listed = true
	c.nsPods[p.t.namespace] = append(c.nsPods[p.t.namespace], p)
	if c.byTemplate == nil {
		c.byTemplate, c.nsTemplates = map[*template][]*placed{}, map[string][]*template{}
	}
	if _, ok := c.byTemplate[p.t]; !ok {
		c.nsTemplates[p.t.namespace] = append(c.nsTemplates[p.t.namespace], p.t)
	}
	c.byTemplate[p.t] = append(c.byTemplate[p.t], p)
	if len(p.t.antiTerms) > 0 {
		c.anti = append(c.anti, p)
	}
	if len(p.t.prefAffTerms)+len(p.t.prefAntiTerms)+len(p.t.affTerms) > 0 {
		c.prefers = append(c.prefers, p)
	}
}

// unbind takes p off its node.
func (c *cluster) unbind(p *placed) {
	n := p.node
	if n == nil {
		return
	}
	p.node = nil
	n.pods = slices.DeleteFunc(n.pods, func(q *placed) bool { return q == p })
	n.used = n.used.Sub(p.t.req)
	n.nonzero = n.nonzero.Sub(p.t.nonzero)
	if len(p.t.ports) > 0 {
		n.ports = n.ports[:0]
		for _, q := range n.pods {
			n.ports = append(n.ports, q.t.ports...)
		}
	}
}

// live counts the nodes that exist in the scenario.
func (c *cluster) live() int { return c.nLive }

// nsLabels returns a namespace's labels, with the name label the API
// server adds to every namespace.
func (c *cluster) nsLabels(ns string) labels.Set {
	if l, ok := c.nsl[ns]; ok {
		return l
	}
	l := labels.Set{corev1.LabelMetadataName: ns}
	for k, v := range c.objs.Namespaces[ns] {
		l[k] = v
	}
	if c.nsl == nil {
		c.nsl = map[string]labels.Set{}
	}
	c.nsl[ns] = l
	return l
}

func (p *placed) String() string {
	if p.node != nil {
		return fmt.Sprintf("%s on %s", p.Name, p.node.Name)
	}
	return p.Name + " (pending)"
}

// matching calls f for each placed pod of namespace ns (every namespace
// when ns is "") whose labels match sel.
func (c *cluster) matching(ns string, sel labels.Selector, f func(q *placed)) {
	visit := func(ts []*template) {
		for _, t := range ts {
			if !sel.Matches(t.labels) {
				continue
			}
			for _, q := range c.byTemplate[t] {
				if q.node != nil {
					f(q)
				}
			}
		}
	}
	if ns != "" {
		visit(c.nsTemplates[ns])
		return
	}
	for _, ts := range c.nsTemplates {
		visit(ts)
	}
}

// termMatching calls f for each placed pod an affinity term selects.
func (c *cluster) termMatching(t *affinityTerm, f func(q *placed)) {
	check := func(q *placed) {
		if t.matches(q.t, c.nsLabels(q.t.namespace)) {
			f(q)
		}
	}
	if t.nsSelector != nil {
		c.matching("", t.selector, check)
		return
	}
	for ns := range t.namespaces {
		c.matching(ns, t.selector, check)
	}
}
