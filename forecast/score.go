package forecast

import (
	"fmt"
	"math"

	corev1 "k8s.io/api/core/v1"
	v1helper "k8s.io/component-helpers/scheduling/corev1"
)

// maxNodeScore is framework.MaxNodeScore.
const maxNodeScore = 100

// Weights of the default profile's score plugins.
const (
	weightTaint    = 3
	weightNodeAff  = 2
	weightFit      = 1
	weightBalanced = 1
	weightSpread   = 2
	weightPodAff   = 2
	// hardPodAffinityWeight is InterPodAffinityArgs' default.
	hardPodAffinityWeight = 1
)

// choose scores the feasible nodes as the default profile does and returns
// the best; the scheduler breaks ties at random, the forecast takes the
// first in the design's order.
func (c *cluster) choose(p *placed, feasible []*node) *node {
	if len(feasible) == 1 {
		return c.pick(p, feasible, []int64{0}, 0)
	}
	t := p.t
	total := make([]int64, len(feasible))
	add := func(scores []int64, weight int64) {
		for i, s := range scores {
			total[i] += s * weight
		}
		if c.replay != nil {
			c.replay.parts = append(c.replay.parts, fmt.Sprintf("%v×%d", scores, weight))
		}
	}
	if c.replay != nil {
		c.replay.parts = nil
	}
	raw := make([]int64, len(feasible))

	// TaintToleration: PreferNoSchedule taints not tolerated, fewer is better.
	for i, n := range feasible {
		raw[i] = 0
		for _, taint := range n.obj.Spec.Taints {
			if taint.Effect == corev1.TaintEffectPreferNoSchedule && !v1helper.TolerationsTolerateTaint(logger, preferNoSchedule(t.tolerations), &taint, false) {
				raw[i]++
			}
		}
	}
	add(defaultNormalize(raw, true), weightTaint)

	// NodeAffinity: preferred terms' weights.
	for i, n := range feasible {
		raw[i] = 0
		if t.preferred != nil {
			raw[i] = t.preferred.Score(n.obj)
		}
	}
	add(defaultNormalize(raw, false), weightNodeAff)

	// NodeResourcesFit, LeastAllocated on CPU and memory (weights 1 and 1),
	// with the defaults for unset requests.
	for i, n := range feasible {
		cpu := leastRequested(n.nonzero.MilliCPU+t.nonzero.MilliCPU, n.Allocatable.MilliCPU)
		mem := leastRequested(n.nonzero.Memory+t.nonzero.Memory, n.Allocatable.Memory)
		raw[i] = (cpu + mem) / 2
	}
	add(raw, weightFit)

	// NodeResourcesBalancedAllocation, on the requests as they are; it
	// skips pods that request nothing.
	if !t.bestEffort {
		for i, n := range feasible {
			with := balanced(n.used.MilliCPU+t.req.MilliCPU, n.used.Memory+t.req.Memory, n.Allocatable)
			without := balanced(n.used.MilliCPU, n.used.Memory, n.Allocatable)
			raw[i] = maxNodeScore/2 + (maxNodeScore/2+with-without)/2
		}
		add(raw, weightBalanced)
	}

	// PodTopologySpread, its soft constraints (or the system defaults).
	if len(t.softSpread) > 0 {
		add(c.spreadScores(t, feasible), weightSpread)
	}

	// InterPodAffinity: preferred terms both ways, and existing pods'
	// required affinity with the hard weight.
	if s := c.podAffinityScores(t, feasible); s != nil {
		add(s, weightPodAff)
	}

	best := 0
	for i := range total {
		if total[i] > total[best] {
			best = i
		}
	}
	return c.pick(p, feasible, total, best)
}

func preferNoSchedule(tols []corev1.Toleration) []corev1.Toleration {
	var out []corev1.Toleration
	for _, t := range tols {
		if t.Effect == "" || t.Effect == corev1.TaintEffectPreferNoSchedule {
			out = append(out, t)
		}
	}
	return out
}

// defaultNormalize is helper.DefaultNormalizeScore.
func defaultNormalize(raw []int64, reverse bool) []int64 {
	out := make([]int64, len(raw))
	var most int64
	for _, s := range raw {
		most = max(most, s)
	}
	for i, s := range raw {
		switch {
		case most == 0 && reverse:
			out[i] = maxNodeScore
		case most == 0:
			out[i] = s
		default:
			out[i] = maxNodeScore * s / most
			if reverse {
				out[i] = maxNodeScore - out[i]
			}
		}
	}
	return out
}

func leastRequested(requested, capacity int64) int64 {
	if capacity == 0 || requested > capacity {
		return 0
	}
	return (capacity - requested) * maxNodeScore / capacity
}

// balanced is balancedResourceScore on CPU and memory.
func balanced(cpu, mem int64, alloc Resources) int64 {
	var fr []float64
	if alloc.MilliCPU > 0 {
		fr = append(fr, math.Min(1, float64(cpu)/float64(alloc.MilliCPU)))
	}
	if alloc.Memory > 0 {
		fr = append(fr, math.Min(1, float64(mem)/float64(alloc.Memory)))
	}
	std := 0.0
	if len(fr) == 2 {
		std = math.Abs((fr[0] - fr[1]) / 2)
	}
	return int64((1 - std) * maxNodeScore)
}

// spreadScores is PodTopologySpread's PreScore, Score and NormalizeScore.
func (c *cluster) spreadScores(t *template, feasible []*node) []int64 {
	requireAll := !t.softDefault
	ignored := make([]bool, len(feasible))
	counts := make([]map[string]int64, len(t.softSpread))
	weights := make([]float64, len(t.softSpread))
	for i := range counts {
		counts[i] = map[string]int64{}
	}
	hasAll := func(n *node) bool {
		for _, sc := range t.softSpread {
			if _, ok := n.Labels[sc.topologyKey]; !ok {
				return false
			}
		}
		return true
	}
	kept := 0
	for j, n := range feasible {
		if requireAll && !hasAll(n) {
			ignored[j] = true
			continue
		}
		kept++
		for i, sc := range t.softSpread {
			if sc.topologyKey == corev1.LabelHostname {
				continue
			}
			v := n.Labels[sc.topologyKey]
			if _, ok := counts[i][v]; !ok {
				counts[i][v] = 0
			}
		}
	}
	for i, sc := range t.softSpread {
		size := len(counts[i])
		if sc.topologyKey == corev1.LabelHostname {
			size = kept
		}
		weights[i] = math.Log(float64(size + 2))
	}
	static := c.staticVerdicts(t)
	onNode := make([]map[*node]int64, len(t.softSpread))
	for i, sc := range t.softSpread {
		onNode[i] = map[*node]int64{}
		if sc.selector.Empty() {
			continue
		}
		c.matching(t.namespace, sc.selector, func(q *placed) {
			onNode[i][q.node]++
		})
		if sc.topologyKey == corev1.LabelHostname {
			continue
		}
		for n, k := range onNode[i] {
			if n.gone || (requireAll && !hasAll(n)) {
				continue
			}
			if sc.honorAffinity {
				if ok, _ := t.affinity.Match(n.obj); !ok {
					continue
				}
			}
			if sc.honorTaints && static[n.idx] == rejectTaint {
				continue
			}
			v := n.Labels[sc.topologyKey]
			if _, ok := counts[i][v]; ok {
				counts[i][v] += k
			}
		}
	}
	raw := make([]int64, len(feasible))
	for j, n := range feasible {
		if ignored[j] {
			continue
		}
		var score float64
		for i, sc := range t.softSpread {
			v, ok := n.Labels[sc.topologyKey]
			if !ok {
				continue
			}
			var cnt int64
			if sc.topologyKey == corev1.LabelHostname {
				cnt = onNode[i][n]
			} else {
				cnt = counts[i][v]
			}
			score += float64(cnt)*weights[i] + float64(sc.maxSkew-1)
		}
		raw[j] = int64(math.Round(score))
	}
	var lo int64 = math.MaxInt64
	var hi int64
	for j := range raw {
		if ignored[j] {
			continue
		}
		lo, hi = min(lo, raw[j]), max(hi, raw[j])
	}
	out := make([]int64, len(raw))
	for j := range raw {
		switch {
		case ignored[j]:
			out[j] = 0
		case hi == 0:
			out[j] = maxNodeScore
		default:
			out[j] = maxNodeScore * (hi + lo - raw[j]) / hi
		}
	}
	return out
}

// podAffinityScores is InterPodAffinity's PreScore, Score and
// NormalizeScore; nil when it would skip.
func (c *cluster) podAffinityScores(t *template, feasible []*node) []int64 {
	topo := map[string]map[string]int64{} // topology key → value → score
	nsl := c.nsLabels(t.namespace)
	term := func(tm *affinityTerm, weight int64, target *template, targetNS map[string]string, n *node) {
		if !tm.matches(target, targetNS) {
			return
		}
		if v, ok := n.Labels[tm.topologyKey]; ok {
			m := topo[tm.topologyKey]
			if m == nil {
				m = map[string]int64{}
				topo[tm.topologyKey] = m
			}
			m[v] += weight
		}
	}
	// The incoming pod's preferred terms, over the pods they may select.
	for _, own := range []struct {
		terms []weightedTerm
		sign  int64
	}{{t.prefAffTerms, 1}, {t.prefAntiTerms, -1}} {
		for i := range own.terms {
			wt := &own.terms[i]
			c.termMatching(&wt.affinityTerm, func(q *placed) {
				if v, ok := q.node.Labels[wt.topologyKey]; ok {
					m := topo[wt.topologyKey]
					if m == nil {
						m = map[string]int64{}
						topo[wt.topologyKey] = m
					}
					m[v] += own.sign * wt.weight
				}
			})
		}
	}
	// Existing pods' required affinity (with the hard weight) and
	// preferred terms that select the incoming pod.
	for _, q := range c.prefers {
		n := q.node
		if n == nil || len(n.Labels) == 0 {
			continue
		}
		for i := range q.t.affTerms {
			term(&q.t.affTerms[i], hardPodAffinityWeight, t, nsl, n)
		}
		for i := range q.t.prefAffTerms {
			term(&q.t.prefAffTerms[i].affinityTerm, q.t.prefAffTerms[i].weight, t, nsl, n)
		}
		for i := range q.t.prefAntiTerms {
			term(&q.t.prefAntiTerms[i].affinityTerm, -q.t.prefAntiTerms[i].weight, t, nsl, n)
		}
	}
	if len(topo) == 0 {
		return nil
	}
	raw := make([]int64, len(feasible))
	var lo, hi int64 = math.MaxInt64, math.MinInt64
	for j, n := range feasible {
		for key, values := range topo {
			if v, ok := n.Labels[key]; ok {
				raw[j] += values[v]
			}
		}
		lo, hi = min(lo, raw[j]), max(hi, raw[j])
	}
	out := make([]int64, len(raw))
	if hi-lo > 0 {
		for j := range raw {
			// In the scheduler's order of operations: 100 × (a/b) and
			// 100 × a / b can truncate to different integers.
			out[j] = int64(float64(maxNodeScore) * (float64(raw[j]-lo) / float64(hi-lo)))
		}
	}
	return out
}
