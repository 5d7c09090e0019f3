package plan

import (
	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/blueprint-dev/blueprint/spec"
)

// NodeSize is one node's size as its kubelet registers it: capacity, what
// the kubelet leaves to pods, and its maxPods.
type NodeSize struct {
	CPU         int
	Memory      string
	MaxPods     int
	Allocatable Allocatable
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
// allocatable its reservations leave.
// TODO(capacity): one function with the kubelet reservations that are
// rendered into each KubeletConfiguration, once they land; until then the
// same tiers, computed here.
func (p *Plan) KubeletOf(n Node) NodeSize {
	s := NodeSize{CPU: n.CPU, Memory: n.Memory, MaxPods: n.MaxPods}
	if s.MaxPods == 0 {
		s.MaxPods = DefaultMaxPods
	}
	if n.Role == spec.RoleControlPlane {
		s.CPU, s.Memory = 4, "16Gi"
	}
	q, _ := resource.ParseQuantity(s.Memory)
	mem := q.Value()
	s.Allocatable = Allocatable{MilliCPU: int64(s.CPU)*1000 - 100 - kubeReservedMilliCPU(s.CPU), Memory: mem - 256<<20 - kubeReservedMemory(mem) - max(100<<20, mem/100)}
	return s
}

// kubeReservedMilliCPU is GKE's tier: 6% of the first core, 1% of the
// second, 0.5% of the third and fourth, 0.25% of every further one.
func kubeReservedMilliCPU(cores int) int64 {
	tenths := int64(0)
	for c := 1; c <= cores; c++ {
		switch {
		case c == 1:
			tenths += 600
		case c == 2:
			tenths += 100
		case c <= 4:
			tenths += 50
		default:
			tenths += 25
		}
	}
	return (tenths + 9) / 10
}

// kubeReservedMemory is GKE's tier: 255 MiB below 1 GiB, else 25% of the
// first 4 GiB, 20% of the next 4, 10% of the next 8, 6% of the next 112 and
// 2% of the rest, rounded up to a MiB.
func kubeReservedMemory(b int64) int64 {
	const gi = 1 << 30
	if b < gi {
		return 255 << 20
	}
	var m float64
	for _, t := range []struct {
		from, to int64
		share    float64
	}{{0, 4, 0.25}, {4, 8, 0.20}, {8, 16, 0.10}, {16, 128, 0.06}, {128, 1 << 30, 0.02}} {
		if b > t.from*gi {
			m += float64(min(b, t.to*gi)-t.from*gi) * t.share
		}
	}
	return (int64(m) + (1 << 20) - 1) >> 20 << 20
}
