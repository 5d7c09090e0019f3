// Package forecast places every pod blueprint renders on the machines of a
// design the way kube-scheduler v1.37 does, before anything exists: the
// intact cluster, then the cluster left after each zone and after the
// largest node of each pool is lost. It reads the pods from the rendered
// objects (the built manifests/ tree, kubeadm's own add-ons and the static
// pods), never from a model of its own, so the forecast cannot drift from
// what is deployed.
//
// The filters follow the scheduler's default profile, in its order, with
// its reasons: TaintToleration, NodeAffinity, NodePorts, NodeResourcesFit,
// VolumeBinding, PodTopologySpread and InterPodAffinity (NodeUnschedulable,
// NodeName, VolumeRestrictions, NodeVolumeLimits and VolumeZone never
// reject what blueprint renders on the nodes it registers). Node choice
// follows its scores (TaintToleration, NodeAffinity, LeastAllocated,
// BalancedAllocation, PodTopologySpread with the system defaults,
// InterPodAffinity), with ties going to the first node in the design's
// order where the scheduler picks at random. The e2e suite holds the
// forecast to the real scheduler on a corpus of designs (testdata/capacity).
package forecast

import (
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// Resources are amounts of what the scheduler counts on a node.
type Resources struct {
	MilliCPU int64
	Memory   int64 // bytes
	Pods     int64
}

// Add returns r + o.
func (r Resources) Add(o Resources) Resources {
	return Resources{r.MilliCPU + o.MilliCPU, r.Memory + o.Memory, r.Pods + o.Pods}
}

// Sub returns r - o.
func (r Resources) Sub(o Resources) Resources {
	return Resources{r.MilliCPU - o.MilliCPU, r.Memory - o.Memory, r.Pods - o.Pods}
}

// CPUText writes millicores as cores, for people: "3.82".
func CPUText(m int64) string {
	s := fmt.Sprintf("%.2f", float64(m)/1000)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	if s == "-0" {
		return "0"
	}
	return s
}

// MemoryText writes bytes for people: "13.0Gi", or "512Mi" below 1Gi.
func MemoryText(b int64) string {
	if b < 1<<30 && b > -(1<<30) {
		return fmt.Sprintf("%dMi", b>>20)
	}
	return fmt.Sprintf("%.1fGi", float64(b)/(1<<30))
}

// String writes the amounts for people.
func (r Resources) String() string {
	return CPUText(r.MilliCPU) + " CPU, " + MemoryText(r.Memory)
}

// Machine is one host that runs a kubelet, as its kubelet registers it.
type Machine struct {
	Name         string
	Zone         string
	Pool         string // "" for a control-plane node
	ControlPlane bool
	// Labels and Taints are the Node's: the kubelet's own labels
	// (hostname, os, arch), the zone, the pool's and kubeadm's.
	Labels map[string]string
	Taints []corev1.Taint
	// Capacity is the machine; Allocatable what the kubelet leaves to pods
	// (capacity less systemReserved, kubeReserved and the hard eviction
	// threshold), with Pods its maxPods.
	Capacity, Allocatable Resources
	// UnknownSize: the spec does not give the machine's CPU and memory.
	UnknownSize bool
}

// Node returns the Node object the machine's kubelet registers, as far as
// the scheduler reads it.
func (m Machine) Node() *corev1.Node {
	n := &corev1.Node{}
	n.Name = m.Name
	n.Labels = m.Labels
	n.Spec.Taints = m.Taints
	return n
}
