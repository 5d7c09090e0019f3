package forecast

import (
	"fmt"
	"slices"
	"strings"
)

// Placement is where a real scheduler put the pods of the intact cluster:
// per workload, the nodes of its bound pods. Pods are not told apart by
// name: a StatefulSet whose pods are made in parallel is scheduled in no
// fixed order, and pods of one workload are alike but for their claims,
// which follow them.
type Placement map[*Workload][]string

// replay steers the forecast's tie-breaks towards a Placement.
type replay struct {
	nodes map[*Workload][]string // what is left to place, per workload
	// misses are pods the real scheduler put on a node the forecast would
	// not have chosen: not feasible, or scoring below the best.
	misses []string
	// parts are the scores of the last choice, plugin by plugin, to
	// explain a miss.
	parts []string
}

// pick returns the node for p among the feasible ones: the best (the
// first of the best, in the design's order), or with a replay the best
// node the real scheduler chose.
func (c *cluster) pick(p *placed, feasible []*node, total []int64, best int) *node {
	r := c.replay
	if r == nil || p.Target != "" {
		return feasible[best]
	}
	want := r.nodes[p.Workload]
	for i, n := range feasible {
		if total[i] != total[best] {
			continue
		}
		if j := slices.Index(want, n.Name); j >= 0 {
			r.nodes[p.Workload] = slices.Delete(want, j, j+1)
			return n
		}
	}
	var scored []string
	for i, n := range feasible {
		scored = append(scored, fmt.Sprintf("%s %d", n.Name, total[i]))
	}
	r.misses = append(r.misses, fmt.Sprintf("%s: the scheduler put the workload's other pods on %s, none of which the forecast scores best (%s; per plugin, times its weight: %s)", p.Name, strings.Join(want, ", "), strings.Join(scored, ", "), strings.Join(r.parts, ", ")))
	return feasible[best]
}

// stays takes a pod that keeps its node out of what is left to place.
func (r *replay) stays(p *placed) {
	if j := slices.Index(r.nodes[p.Workload], p.node.Name); j >= 0 {
		r.nodes[p.Workload] = slices.Delete(r.nodes[p.Workload], j, j+1)
	}
}

func newReplay(real Placement) *replay {
	r := &replay{nodes: map[*Workload][]string{}}
	for w, ns := range real {
		r.nodes[w] = slices.Clone(ns)
	}
	return r
}

// replayIntact places the first n workloads as Run does, taking among the
// best nodes those of real.
func (f *Forecast) replayIntact(real Placement, n int) (*cluster, *replay, error) {
	c := newCluster(f.Machines, f.Objects)
	r := newReplay(real)
	c.replay = r
	if err := c.create(f.Workloads[:n]); err != nil {
		return nil, nil, err
	}
	c.replay = nil
	for _, t := range c.tmpls {
		c.staticVerdicts(t)
	}
	return c, r, nil
}

// Replay forecasts the intact cluster with its first n workloads, as a
// real scheduler placed them (real): the scheduler breaks ties among
// equally scored nodes at random, and where one workload's pods went
// decides what room the next ones find. It returns the scenario and the
// pods the scheduler put where the forecast would not have (each a
// disagreement, not a tie).
func (f *Forecast) Replay(real Placement, n int) (*Scenario, []string, error) {
	c, r, err := f.replayIntact(real, n)
	if err != nil {
		return nil, nil, err
	}
	return c.result("intact", "", nil), r.misses, nil
}

// LoseFrom forecasts the loss of the named nodes from the placement a
// real scheduler made of the intact cluster (intact), trying the pending
// pods again, then placing the lost pods of the first n workloads again,
// as it placed them after the loss (after),
// each taken among the nodes the forecast scores best. It returns the
// scenario and the pods the scheduler put where the forecast would not
// have.
func (f *Forecast) LoseFrom(name, zone string, lost []string, intact, after Placement, n int) (*Scenario, []string, error) {
	c, r, err := f.replayIntact(intact, len(f.Workloads))
	if err != nil {
		return nil, nil, err
	}
	ra := newReplay(after)
	sc := c.loseWith(name, zone, lost, f.Workloads, f.Workloads[:n], ra)
	return sc, append(r.misses, ra.misses...), nil
}
