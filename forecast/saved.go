package forecast

import (
	"bytes"
	"encoding/gob"
	"errors"
	"fmt"
)

// A forecast is saved as the placements it found, without the inputs it
// found them from: Restore takes the same Input again (the caller keys the
// saved bytes by Input.Key and the code that ran). A loss scenario keeps
// most pods where the intact cluster has them, so each of its results is
// either a reference to the intact one or a result of its own.

// savedVersion changes whenever the saved form or its meaning does.
const savedVersion = 1

type savedForecast struct {
	Version             int
	Machines, Workloads int
	// Pods is every pod of every scenario: W indexes the input's install
	// order.
	Pods       []savedPod
	Intact     savedScenario
	ZoneLosses []savedScenario
	NodeLosses []savedScenario
}

type savedPod struct {
	W       int32
	Name    string
	Ordinal int
	Target  string
}

type savedScenario struct {
	Name, Zone string
	Lost       []string
	// Refs has one entry per pod result, in order: i ≥ 0 is Results[i];
	// -(i+1) is the intact scenario's result i, unchanged.
	Refs    []int32
	Results []savedResult
	Nodes   []savedNode
}

type savedResult struct {
	Pod int32
	// Machine is the node's index in the input's machines, plus one; 0
	// when the pod is pending.
	Machine        int32
	Pending        *Pending
	Priority       int32
	Requests       Resources
	Lost           bool
	WaitsForVolume bool
}

type savedNode struct {
	Machine   int32
	Requested Resources
}

// Encode saves the forecast's placements for Restore.
func (f *Forecast) Encode() ([]byte, error) {
	e := encoder{machine: map[string]int32{}, workload: map[*Workload]int32{}, pod: map[*Pod]int32{}}
	for i, m := range f.Machines {
		e.machine[m.Name] = int32(i)
	}
	for i, w := range f.Workloads {
		e.workload[w] = int32(i)
	}
	s := savedForecast{Version: savedVersion, Machines: len(f.Machines), Workloads: len(f.Workloads)}
	var err error
	if s.Intact, err = e.scenario(f.Intact, nil); err != nil {
		return nil, err
	}
	for _, list := range []struct {
		from []*Scenario
		to   *[]savedScenario
	}{{f.ZoneLosses, &s.ZoneLosses}, {f.NodeLosses, &s.NodeLosses}} {
		for _, sc := range list.from {
			saved, err := e.scenario(sc, f.Intact)
			if err != nil {
				return nil, err
			}
			*list.to = append(*list.to, saved)
		}
	}
	s.Pods = e.pods
	var b bytes.Buffer
	if err := gob.NewEncoder(&b).Encode(&s); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

type encoder struct {
	machine  map[string]int32
	workload map[*Workload]int32
	pod      map[*Pod]int32
	pods     []savedPod
}

func (e *encoder) scenario(sc, intact *Scenario) (savedScenario, error) {
	out := savedScenario{Name: sc.Name, Zone: sc.Zone, Lost: sc.Lost, Refs: make([]int32, 0, len(sc.Pods))}
	// Where each intact pod's result is, to find it unchanged.
	at := map[*Pod]int{}
	if intact != nil {
		for i, r := range intact.Pods {
			at[r.Pod] = i
		}
	}
	for _, r := range sc.Pods {
		if i, ok := at[r.Pod]; ok && intact.Pods[i] == r {
			out.Refs = append(out.Refs, -int32(i)-1)
			continue
		}
		saved, err := e.result(r)
		if err != nil {
			return out, fmt.Errorf("%s: %w", sc.Name, err)
		}
		out.Refs = append(out.Refs, int32(len(out.Results)))
		out.Results = append(out.Results, saved)
	}
	for _, n := range sc.Nodes {
		m, ok := e.machine[n.Machine.Name]
		if !ok {
			return out, fmt.Errorf("%s: node %s is no machine of the input", sc.Name, n.Machine.Name)
		}
		out.Nodes = append(out.Nodes, savedNode{Machine: m, Requested: n.Requested})
	}
	return out, nil
}

func (e *encoder) result(r PodResult) (savedResult, error) {
	p, ok := e.pod[r.Pod]
	if !ok {
		w, ok := e.workload[r.Pod.Workload]
		if !ok {
			return savedResult{}, fmt.Errorf("pod %s belongs to no workload of the input", r.Pod.Name)
		}
		p = int32(len(e.pods))
		e.pod[r.Pod] = p
		e.pods = append(e.pods, savedPod{W: w, Name: r.Pod.Name, Ordinal: r.Pod.Ordinal, Target: r.Pod.Target})
	}
	out := savedResult{Pod: p, Pending: r.Pending, Priority: r.Priority, Requests: r.Requests, Lost: r.Lost, WaitsForVolume: r.WaitsForVolume}
	if r.Node != "" {
		m, ok := e.machine[r.Node]
		if !ok {
			return out, fmt.Errorf("pod %s is on %s, no machine of the input", r.Pod.Name, r.Node)
		}
		out.Machine = m + 1
	}
	return out, nil
}

// errSaved is a saved forecast that does not fit the input it is restored
// on: the caller forecasts again.
var errSaved = errors.New("the saved forecast does not fit its input")

// Restore rebuilds the forecast Encode saved from in, the input it was
// made from. Pods the scenarios share in the forecast are shared again;
// anything that does not fit the input is an error, never a guess.
func Restore(in *Input, data []byte) (*Forecast, error) {
	var s savedForecast
	if err := gob.NewDecoder(bytes.NewReader(data)).Decode(&s); err != nil {
		return nil, err
	}
	f := &Forecast{Machines: in.Machines, Objects: in.Objects, Workloads: in.Objects.InstallOrder()}
	if s.Version != savedVersion || s.Machines != len(f.Machines) || s.Workloads != len(f.Workloads) {
		return nil, errSaved
	}
	pods := make([]*Pod, len(s.Pods))
	for i, p := range s.Pods {
		if p.W < 0 || int(p.W) >= len(f.Workloads) {
			return nil, errSaved
		}
		pods[i] = &Pod{Name: p.Name, Workload: f.Workloads[p.W], Ordinal: p.Ordinal, Target: p.Target}
	}
	r := restorer{f: f, pods: pods}
	var err error
	if f.Intact, err = r.scenario(s.Intact, nil); err != nil {
		return nil, err
	}
	for _, sc := range s.ZoneLosses {
		loss, err := r.scenario(sc, f.Intact)
		if err != nil {
			return nil, err
		}
		f.ZoneLosses = append(f.ZoneLosses, loss)
	}
	for _, sc := range s.NodeLosses {
		loss, err := r.scenario(sc, f.Intact)
		if err != nil {
			return nil, err
		}
		f.NodeLosses = append(f.NodeLosses, loss)
	}
	return f, nil
}

type restorer struct {
	f    *Forecast
	pods []*Pod
}

func (r *restorer) scenario(s savedScenario, intact *Scenario) (*Scenario, error) {
	sc := &Scenario{Name: s.Name, Zone: s.Zone, Lost: s.Lost, Pods: make([]PodResult, 0, len(s.Refs)), Nodes: make([]NodeUse, 0, len(s.Nodes))}
	for _, ref := range s.Refs {
		switch {
		case ref < 0 && intact != nil && int(-ref-1) < len(intact.Pods):
			sc.Pods = append(sc.Pods, intact.Pods[-ref-1])
		case ref >= 0 && int(ref) < len(s.Results):
			res, err := r.result(s.Results[ref])
			if err != nil {
				return nil, err
			}
			sc.Pods = append(sc.Pods, res)
		default:
			return nil, errSaved
		}
	}
	for _, n := range s.Nodes {
		if n.Machine < 0 || int(n.Machine) >= len(r.f.Machines) {
			return nil, errSaved
		}
		sc.Nodes = append(sc.Nodes, NodeUse{Machine: &r.f.Machines[n.Machine], Requested: n.Requested})
	}
	return sc, nil
}

func (r *restorer) result(s savedResult) (PodResult, error) {
	if s.Pod < 0 || int(s.Pod) >= len(r.pods) || s.Machine < 0 || int(s.Machine) > len(r.f.Machines) {
		return PodResult{}, errSaved
	}
	out := PodResult{Pod: r.pods[s.Pod], Pending: s.Pending, Priority: s.Priority, Requests: s.Requests, Lost: s.Lost, WaitsForVolume: s.WaitsForVolume}
	if s.Machine > 0 {
		m := &r.f.Machines[s.Machine-1]
		out.Node, out.Zone = m.Name, m.Zone
	}
	return out, nil
}
