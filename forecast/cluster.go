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
}

// cluster is the state of one scenario: nodes, the pods placed, the
// volumes bound.
type cluster struct {
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
	c.nsPods[p.t.namespace] = append(c.nsPods[p.t.namespace], p)
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
	n.ports = n.ports[:0]
	for _, q := range n.pods {
		n.ports = append(n.ports, q.t.ports...)
	}
	c.nsPods[p.t.namespace] = slices.DeleteFunc(c.nsPods[p.t.namespace], func(q *placed) bool { return q == p })
	c.anti = slices.DeleteFunc(c.anti, func(q *placed) bool { return q == p })
	c.prefers = slices.DeleteFunc(c.prefers, func(q *placed) bool { return q == p })
}

// live counts the nodes that exist in the scenario.
func (c *cluster) live() int {
	n := 0
	for _, x := range c.nodes {
		if !x.gone {
			n++
		}
	}
	return n
}

// nsLabels returns a namespace's labels, with the name label the API
// server adds to every namespace.
func (c *cluster) nsLabels(ns string) labels.Set {
	l := labels.Set{corev1.LabelMetadataName: ns}
	for k, v := range c.objs.Namespaces[ns] {
		l[k] = v
	}
	return l
}

func (p *placed) String() string {
	if p.node != nil {
		return fmt.Sprintf("%s on %s", p.Name, p.node.Name)
	}
	return p.Name + " (pending)"
}
