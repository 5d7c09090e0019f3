// Package capacity sizes what a node's kubelet keeps from pods, and so what
// the scheduler may place there: the reservations blueprint renders into
// each KubeletConfiguration, and the allocatable they leave. validate checks
// a spec's overrides with it and plan renders its numbers, so the two agree.
package capacity

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/blueprint-dev/blueprint/spec"
)

// Setting is one key of a reservation, such as memory: 256Mi.
type Setting struct{ Key, Value string }

// Keys a reservation may hold, and the hard eviction signals the kubelet
// of the pinned version acts on (pkg/kubelet/eviction/api; it ignores
// containerfs.* and derives allocatableMemory.available itself); validate
// refuses others.
var (
	ReservedKeys    = []string{"cpu", "ephemeral-storage", "memory", "pid"}
	EvictionSignals = []string{"imagefs.available", "imagefs.inodesFree", "memory.available", "nodefs.available",
		"nodefs.inodesFree", "pid.available"}
)

// Reservations are what a node's kubelet keeps from pods: for the
// operating system's daemons (systemReserved), for the kubelet and the
// container runtime (kubeReserved), and the free memory and disk below which
// it evicts pods (evictionHard). Each is sorted by key.
type Reservations struct {
	SystemReserved, KubeReserved, EvictionHard []Setting
}

// Fixed parts of the default reservations.
const (
	systemReservedCPU    = "100m"
	systemReservedMemory = "256Mi"
	// evictionMemoryFloor is the kubelet's own default memory.available
	// threshold; larger nodes evict at 1% of their memory.
	evictionMemoryFloor = 100 << 20
)

// Defaults sizes the reservations of a machine with cpu cores and
// memory bytes. kubeReserved follows GKE's published tiers, which grow with
// the machine: CPU 6% of the first core, 1% of the second, 0.5% each of the
// third and fourth and 0.25% of every further core; memory 255 MiB below
// 1 GiB, else 25% of the first 4 GiB, 20% of the next 4, 10% of the next 8,
// 6% of the next 112 and 2% of the rest. systemReserved is a fixed 100m and
// 256 MiB for the operating system's own daemons, which GKE's trimmed image
// barely has. Hard eviction keeps the kubelet's disk thresholds and evicts
// at 1% of free memory, at least the kubelet's default 100 MiB, so that a
// large node evicts before the kernel's OOM killer acts.
func Defaults(cpu int, memory int64) Reservations {
	const gi = 1 << 30
	// CPU in tenths of a millicore, so that 0.25% of a core is exact.
	tenths := int64(0)
	if cpu >= 1 {
		tenths += 600
	}
	if cpu >= 2 {
		tenths += 100
	}
	tenths += 50*int64(min(max(cpu-2, 0), 2)) + 25*int64(max(cpu-4, 0))
	var mem float64
	if memory < gi {
		mem = 255 << 20
	} else {
		for _, tier := range []struct {
			from, to int64 // GiB
			share    float64
		}{{0, 4, 0.25}, {4, 8, 0.20}, {8, 16, 0.10}, {16, 128, 0.06}, {128, 1 << 30, 0.02}} {
			if memory > tier.from*gi {
				mem += float64(min(memory, tier.to*gi)-tier.from*gi) * tier.share
			}
		}
	}
	evict := max(int64(evictionMemoryFloor), memory/100)
	return Reservations{
		SystemReserved: []Setting{{"cpu", systemReservedCPU}, {"memory", systemReservedMemory}},
		KubeReserved:   []Setting{{"cpu", fmt.Sprintf("%dm", (tenths+9)/10)}, {"memory", mebibytes(int64(mem))}},
		EvictionHard: []Setting{
			{"imagefs.available", "15%"}, {"imagefs.inodesFree", "5%"},
			{"memory.available", mebibytes(evict)},
			{"nodefs.available", "10%"}, {"nodefs.inodesFree", "5%"},
		},
	}
}

// mebibytes writes bytes as a whole number of MiB, rounded up.
func mebibytes(b int64) string { return fmt.Sprintf("%dMi", (b+(1<<20)-1)>>20) }

// With returns r with the spec's values in place of the defaults, key by key.
func (r Reservations) With(o spec.KubeletReservations) Reservations {
	merge := func(def []Setting, over map[string]string) []Setting {
		m := map[string]string{}
		for _, l := range def {
			m[l.Key] = l.Value
		}
		maps.Copy(m, over)
		out := make([]Setting, 0, len(m))
		for _, k := range slices.Sorted(maps.Keys(m)) {
			out = append(out, Setting{k, m[k]})
		}
		return out
	}
	return Reservations{merge(r.SystemReserved, o.SystemReserved), merge(r.KubeReserved, o.KubeReserved), merge(r.EvictionHard, o.EvictionHard)}
}

// Allocatable is what the scheduler may place on a node.
type Allocatable struct {
	MilliCPU int64
	Memory   int64 // bytes
}

// String writes the allocatable CPU in cores and memory in GiB, for people.
func (a Allocatable) String() string {
	return fmt.Sprintf("%s CPU, %.1fGi", strings.TrimSuffix(strings.TrimRight(fmt.Sprintf("%.3f", float64(a.MilliCPU)/1000), "0"), "."),
		float64(a.Memory)/(1<<30))
}

// Allocatable computes node allocatable the way the kubelet does: capacity
// less systemReserved, kubeReserved and, for memory, the hard eviction
// threshold of memory.available (a percentage is that share of capacity).
// It fails on a value that is not a quantity; validate reports those.
func (r Reservations) Allocatable(cpu int, memory int64) (Allocatable, error) {
	a := Allocatable{MilliCPU: int64(cpu) * 1000, Memory: memory}
	for _, list := range [][]Setting{r.SystemReserved, r.KubeReserved} {
		for _, l := range list {
			if l.Key != "cpu" && l.Key != "memory" {
				continue
			}
			q, err := resource.ParseQuantity(l.Value)
			if err != nil {
				return Allocatable{}, fmt.Errorf("%s %q: %w", l.Key, l.Value, err)
			}
			if l.Key == "cpu" {
				a.MilliCPU -= q.MilliValue()
			} else {
				a.Memory -= q.Value()
			}
		}
	}
	for _, l := range r.EvictionHard {
		if l.Key != "memory.available" {
			continue
		}
		b, err := EvictionBytes(l.Value, memory)
		if err != nil {
			return Allocatable{}, err
		}
		a.Memory -= b
	}
	return a, nil
}

// EvictionBytes is a memory.available threshold in bytes: a quantity, or a
// percentage of capacity.
func EvictionBytes(v string, capacity int64) (int64, error) {
	if pct, ok := strings.CutSuffix(v, "%"); ok {
		var f float64
		if _, err := fmt.Sscanf(pct, "%g", &f); err != nil || f < 0 || f > 100 {
			return 0, fmt.Errorf("memory.available %q is not a percentage", v)
		}
		return int64(float64(capacity) * f / 100), nil
	}
	q, err := resource.ParseQuantity(v)
	if err != nil {
		return 0, fmt.Errorf("memory.available %q: %w", v, err)
	}
	return q.Value(), nil
}
