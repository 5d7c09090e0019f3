package validate

import (
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/blueprint-dev/blueprint/plan/capacity"
	"github.com/blueprint-dev/blueprint/spec"
)

// kubeletReservations checks a pool's or the control plane's overrides of
// the kubelet's reservations: known keys, values the kubelet parses, and
// something left for pods once the defaults and overrides are taken.
func (v *validator) kubeletReservations(what string, cpu int, memory string, o spec.KubeletReservations, decl hcl.Range) {
	ok := true
	for _, r := range []struct {
		attr   string
		values map[string]string
		rng    hcl.Range
	}{{"system_reserved", o.SystemReserved, o.SystemReservedRange}, {"kube_reserved", o.KubeReserved, o.KubeReservedRange}} {
		for _, k := range slices.Sorted(maps.Keys(r.values)) {
			if !slices.Contains(capacity.ReservedKeys, k) {
				v.errorf(r.rng, &decl, "Unknown reservation", "%s of %s reserves %q; the kubelet reserves only %s.%s",
					r.attr, what, k, quoteList(capacity.ReservedKeys), didYouMean(k, capacity.ReservedKeys))
				ok = false
				continue
			}
			if q, err := resource.ParseQuantity(r.values[k]); err != nil || q.Sign() < 0 {
				v.errorf(r.rng, &decl, "Invalid reservation", "%s of %s: %s = %q is not a Kubernetes quantity such as \"500m\" (CPU) or \"1Gi\" (memory).",
					r.attr, what, k, r.values[k])
				ok = false
			}
		}
	}
	for _, k := range slices.Sorted(maps.Keys(o.EvictionHard)) {
		val := o.EvictionHard[k]
		if !slices.Contains(capacity.EvictionSignals, k) {
			v.errorf(o.EvictionHardRange, &decl, "Unknown eviction signal", "eviction_hard of %s names %q; the kubelet evicts on %s.%s",
				what, k, quoteList(capacity.EvictionSignals), didYouMean(k, capacity.EvictionSignals))
			ok = false
			continue
		}
		if !evictionValue(val) {
			v.errorf(o.EvictionHardRange, &decl, "Invalid eviction threshold", "eviction_hard of %s: %s = %q is neither a percentage above 0%% and at most 100%% (\"10%%\") nor a quantity (\"500Mi\").",
				what, k, val)
			ok = false
		}
	}
	mem, err := resource.ParseQuantity(memory)
	if !ok || err != nil || cpu < 1 || cpu > 1024 || mem.Cmp(resource.MustParse("1Gi")) < 0 {
		return // reported above, or by the capacity checks
	}
	a, err := capacity.Defaults(cpu, mem.Value()).With(o).Allocatable(cpu, mem.Value())
	if err != nil {
		return
	}
	subject := o.KubeReservedRange
	if subject.Filename == "" {
		subject = o.SystemReservedRange
	}
	if subject.Filename == "" {
		subject = o.EvictionHardRange
	}
	if subject.Filename == "" {
		subject = decl
	}
	if a.MilliCPU <= 0 {
		v.errorf(subject, &decl, "No CPU left for pods", "The kubelet's reservations on %s take all of its %d CPUs. Lower system_reserved and kube_reserved cpu.", what, cpu)
	}
	if a.Memory <= 0 {
		v.errorf(subject, &decl, "No memory left for pods", "The kubelet's reservations and the memory.available eviction threshold on %s take all of its %s. Lower them, or give the machines more memory.", what, memory)
	}
}

// evictionValue reports whether the kubelet accepts v as a hard eviction
// threshold: a percentage above 0 and at most 100, or a quantity.
func evictionValue(v string) bool {
	if pct, ok := strings.CutSuffix(v, "%"); ok {
		f, err := strconv.ParseFloat(pct, 64)
		return err == nil && f > 0 && f <= 100
	}
	q, err := resource.ParseQuantity(v)
	return err == nil && q.Sign() >= 0
}

// controlPlaneSize checks the size given to the control-plane machines
// against kubeadm's preflight minimums, and their kubelet reservations.
func (v *validator) controlPlaneSize(cp *spec.ControlPlane) {
	if cp.CPU != nil && *cp.CPU < 2 || cp.CPU != nil && *cp.CPU > 1024 {
		v.errorf(cp.CPURange, &cp.DeclRange, "Invalid CPU count", "cpu is the number of cores of each control-plane machine; kubeadm's preflight checks want at least 2, and at most 1024 make sense; got %d.", *cp.CPU)
	}
	if cp.Memory != nil {
		q, err := resource.ParseQuantity(*cp.Memory)
		switch {
		case err != nil || q.Sign() <= 0:
			v.errorf(cp.MemoryRange, &cp.DeclRange, "Invalid memory size", "memory %q is not a Kubernetes quantity such as \"16Gi\".", *cp.Memory)
		case q.Cmp(resource.MustParse("1700Mi")) < 0:
			v.errorf(cp.MemoryRange, &cp.DeclRange, "Too little memory", "memory %s is below the 1700 MB kubeadm's preflight checks want on a control-plane machine.%s", *cp.Memory, memoryHint(*cp.Memory))
		}
	}
	v.kubeletReservations("the control-plane machines", cp.CPUOrDefault(), cp.MemoryOrDefault(), cp.Reservations(), cp.DeclRange)
}
