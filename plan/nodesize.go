package plan

import "github.com/blueprint-dev/blueprint/spec"

// NodeSize is one node's size as its kubelet registers it: capacity, what
// the kubelet leaves to pods, and its maxPods.
type NodeSize struct {
	CPU         int
	Memory      string
	MaxPods     int
	Allocatable Allocatable
	// Unknown: the spec does not size the machine (a pool without cpu
	// and memory).
	Unknown bool
}

// Allocatable is what the scheduler may place on a node.
type Allocatable struct {
	MilliCPU int64
	Memory   int64 // bytes
}

// DefaultMaxPods is the kubelet's default maxPods, and the most pods per
// node Kubernetes is tested with.
const DefaultMaxPods = 110

// KubeletOf sizes the kubelet of node n: its capacity, maxPods, and the
// allocatable its reservations leave, from the same Kubelet that renders
// its KubeletConfiguration (the control plane's, or its pool's patch).
func (p *Plan) KubeletOf(n Node) NodeSize {
	k := &p.ControlPlaneKubelet
	if n.Role != spec.RoleControlPlane {
		for i := range p.Pools {
			if p.Pools[i].Name == n.Pool {
				k = &p.Pools[i].Kubelet
			}
		}
	}
	s := NodeSize{CPU: k.CPU, Memory: k.Memory, MaxPods: k.MaxPods,
		Allocatable: Allocatable{MilliCPU: k.Allocatable.MilliCPU, Memory: k.Allocatable.Memory}, Unknown: k.Unknown}
	if s.MaxPods == 0 {
		s.MaxPods = DefaultMaxPods
	}
	return s
}
