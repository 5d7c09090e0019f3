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

// KubeletOf sizes the kubelet of node n.
// TODO(capacity): allocatable from the kubelet reservations once they land.
func (p *Plan) KubeletOf(n Node) NodeSize {
	s := NodeSize{CPU: n.CPU, Memory: n.Memory, MaxPods: DefaultMaxPods}
	if n.Role == spec.RoleControlPlane {
		s.CPU, s.Memory = 4, "16Gi"
	}
	q, _ := resource.ParseQuantity(s.Memory)
	s.Allocatable = Allocatable{MilliCPU: int64(s.CPU) * 1000, Memory: q.Value()}
	return s
}
