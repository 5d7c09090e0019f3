package plan

import (
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/blueprint-dev/blueprint/plan/capacity"
	"github.com/blueprint-dev/blueprint/spec"
)

// Kubelet is the sizing of the kubelets of a group of alike machines: the
// control plane, whose values are in the cluster-wide KubeletConfiguration
// of kubeadm/init/, or a pool, whose values are a kubeadm patch.
type Kubelet struct {
	Group   string // "control plane", or the pool's name
	Pool    string // empty for the control plane
	CPU     int
	Memory  string
	Assumed bool // the spec does not size these machines: the defaults apply
	// MaxPods is the kubelet's maxPods; 0 keeps its default (110).
	MaxPods int
	// Unknown: a pool that does not give cpu and memory; its kubelets keep
	// the control plane's values (with the pool's overrides), and its
	// allocatable is not known.
	Unknown bool
	capacity.Reservations
	Allocatable capacity.Allocatable
	// Patch is the pool's kubeadm patch of the KubeletConfiguration: its
	// values, and a deletion for every key the cluster-wide configuration
	// sets that the pool does not.
	Patch KubeletPatch
}

// KubeletPatch is a strategic merge patch of a KubeletConfiguration.
type KubeletPatch struct {
	SystemReserved, KubeReserved, EvictionHard []PatchEntry
	// MaxPods is the pool's maxPods where it differs from the control
	// plane's; 0 when it does not.
	MaxPods int
}

// PatchEntry sets a key, or deletes it.
type PatchEntry struct {
	Key, Value string
	Delete     bool
}

// KubeletPatchDir is where a worker's kubeadm join reads its patches.
const KubeletPatchDir = "/etc/kubernetes/patches"

// KubeletPatchTree is the tree's folder of the pools' kubelet patches, one
// subfolder per pool. It is not kubeadm/patches/: kubeadm walks a patches
// folder's subfolders too, so a control-plane node given that folder would
// apply every pool's reservations to its own kubelet.
const KubeletPatchTree = "kubeadm/kubelet-patches/"

// KubeletPatchFile names a pool's patch below KubeletPatchTree<pool>/: the
// kubeletconfiguration target, whose patch type is a strategic merge when
// the name gives none.
const KubeletPatchFile = "kubeletconfiguration.yaml"

// kubelet sizes the kubelets of machines with cpu cores and memory, from
// the defaults and the spec's overrides, and their patch against base.
func kubelet(group, pool string, cpu int, memory string, maxPods *int, o spec.KubeletReservations, base *Kubelet) Kubelet {
	k := Kubelet{Group: group, Pool: pool, CPU: cpu, Memory: memory}
	if maxPods != nil {
		k.MaxPods = *maxPods
	}
	if base != nil && (cpu == 0 || memory == "") {
		// A pool that does not give its machines' size keeps the control
		// plane's values, with the pool's own overrides.
		k.Unknown = true
		k.Reservations = base.Reservations.With(o)
	} else {
		q, err := resource.ParseQuantity(memory)
		if err != nil {
			return k // validate has reported it
		}
		k.Reservations = capacity.Defaults(cpu, q.Value()).With(o)
		k.Allocatable, _ = k.Reservations.Allocatable(cpu, q.Value())
	}
	if base != nil {
		entries := func(own, base []capacity.Setting) []PatchEntry {
			var out []PatchEntry
			for _, l := range own {
				out = append(out, PatchEntry{Key: l.Key, Value: l.Value})
			}
			for _, l := range base {
				if !slices.ContainsFunc(own, func(o capacity.Setting) bool { return o.Key == l.Key }) {
					out = append(out, PatchEntry{Key: l.Key, Delete: true})
				}
			}
			slices.SortFunc(out, func(a, b PatchEntry) int { return strings.Compare(a.Key, b.Key) })
			return out
		}
		k.Patch = KubeletPatch{entries(k.SystemReserved, base.SystemReserved), entries(k.KubeReserved, base.KubeReserved),
			entries(k.EvictionHard, base.EvictionHard), 0}
		if own, theirs := or0(k.MaxPods, DefaultMaxPods), or0(base.MaxPods, DefaultMaxPods); own != theirs {
			k.Patch.MaxPods = own
		}
	}
	return k
}

// or0 is v, or def when v is 0.
func or0(v, def int) int {
	if v == 0 {
		return def
	}
	return v
}
