package validate

import (
	"fmt"
	"slices"

	"github.com/hashicorp/hcl/v2"
	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/blueprint-dev/blueprint/spec"
)

// Rules that refuse a design whose pods cannot be placed or whose claims
// cannot bind: each would pass every static check and stay Pending on the
// cluster.

// noProvisioner is the provisioner of a class whose volumes are made by
// hand: only the PersistentVolumes that exist can bind its claims.
const noProvisioner = "kubernetes.io/no-provisioner"

// repelling reports whether a taint keeps pods that do not tolerate it off
// a node (PreferNoSchedule only discourages them).
func repelling(t *spec.Taint) bool { return t.Effect == "NoSchedule" || t.Effect == "NoExecute" }

// memoryBytes reads a Kubernetes quantity such as "64Gi"; 0 if it is not one.
func memoryBytes(q string) int64 {
	v, err := resource.ParseQuantity(q)
	if err != nil || v.Sign() <= 0 {
		return 0
	}
	return v.Value()
}

// heapBytes reads a JVM size as validate allows it ("4g", "1536m"); 0 if it
// is not one.
func heapBytes(h string) int64 {
	if !jvmHeap.MatchString(h) || len(h) > 12 {
		return 0
	}
	n := memoryBytes(h[:len(h)-1])
	if h[len(h)-1] == 'g' {
		return n << 30
	}
	return n << 20
}

// bytesText writes a size in the largest binary unit that divides it.
func bytesText(b int64) string {
	return resource.NewQuantity(b, resource.BinarySI).String()
}

// placeableIn is how many pods with required hostname anti-affinity and a
// hard zone spread (maxSkew 1) fit: capacity counts, per zone, the nodes
// the pods may run on, and domains are the zones the spread counts. The
// spread counts every node that matches the pods' node selector, tainted
// or not (nodeTaintsPolicy defaults to Ignore), so a domain without a
// usable node holds the minimum at zero and every other zone at one pod.
func placeableIn(capacity map[string]int, domains map[string]bool) int {
	least := -1
	for z := range domains {
		if least < 0 || capacity[z] < least {
			least = capacity[z]
		}
	}
	total := 0
	for z := range domains {
		total += min(capacity[z], least+1)
	}
	return total
}

// pool returns the declared pool called name, or nil.
func (v *validator) pool(name string) *spec.NodePool {
	for _, p := range v.s.NodePools {
		if p.Name == name {
			return p
		}
	}
	return nil
}

// fit is what a group of pods asks of the nodes: how many pods, how much
// memory each (0: not checked), whether they keep one per node spread
// evenly over zones (hostAntiAffinity and zoneSpread in the manifest
// templates), and where in the spec each number was written.
type fit struct {
	what          string
	replicas      int
	replicasRange hcl.Range
	memory        int64
	memoryRange   hcl.Range
	spread        bool
	pool          *string
	poolRange     hcl.Range
	ctx           *hcl.Range
}

// serviceFit checks that the pods of a cluster service fit the nodes it may
// use: its pool's (whose taints blueprint tolerates for it) or, without a
// pool, every worker without a NoSchedule or NoExecute taint. It returns
// false when no node at all can hold one of the pods, which the caller's
// further checks on the same nodes would only repeat.
func (v *validator) serviceFit(f fit) bool {
	if f.pool != nil {
		np := v.pool(*f.pool)
		if np == nil {
			return false // reported by poolRef
		}
		if m := memoryBytes(np.Memory); f.memory > 0 && m > 0 && f.memory > m {
			v.errorf(rangeOr(f.memoryRange, f.poolRange), f.ctx, "Pod larger than a node",
				"Each of the %s asks for %s of memory, more than a node of pool %q has (%s), so none can be scheduled. Give it less memory, or use a pool of larger machines.",
				f.what, bytesText(f.memory), np.Name, np.Memory)
			return false
		}
		if f.spread {
			v.workloadPool(np.Name, f.poolRange, f.ctx, f.replicas, f.replicasRange, f.what)
		}
		return true
	}

	// No pool: the pods select no node and tolerate no taint, so they may
	// run on any worker that does not repel them and is large enough.
	capacity, domains := map[string]int{}, map[string]bool{}
	var tainted, small []string
	usable := 0
	for _, m := range v.all {
		domains[m.Zone] = true
		if m.Role == spec.RoleControlPlane && v.s.ControlPlane.SchedulableOrDefault() {
			// No taint, and no size given: usable, its memory unchecked.
			capacity[m.Zone]++
			usable++
			continue
		}
		if m.Role != spec.RoleWorker || m.Pool == nil {
			continue
		}
		switch {
		case slices.ContainsFunc(m.Pool.Taints, repelling):
			if !slices.Contains(tainted, m.Pool.Name) {
				tainted = append(tainted, m.Pool.Name)
			}
		case f.memory > 0 && m.Pool.MemoryKnown() && memoryBytes(m.Pool.Memory) < f.memory:
			if !slices.Contains(small, m.Pool.Name) {
				small = append(small, m.Pool.Name)
			}
		default:
			capacity[m.Zone]++
			usable++
		}
	}
	subject := rangeOr(f.replicasRange, *f.ctx)
	switch {
	case usable == 0 && len(small) > 0:
		v.errorf(rangeOr(f.memoryRange, subject), f.ctx, "Pod larger than a node",
			"Each of the %s asks for %s of memory, more than any untainted worker has (pools %s). Give it less memory, or set node_pool to a pool of larger machines.",
			f.what, bytesText(f.memory), quoteList(small))
		return false
	case usable == 0:
		detail := fmt.Sprintf("The %s select no pool, so they may run only on workers without a NoSchedule or NoExecute taint, and there is none: ", f.what)
		if len(tainted) > 0 {
			detail += fmt.Sprintf("every pool (%s) taints its nodes against them, as kubeadm does the control-plane nodes.", quoteList(tainted))
		} else {
			detail += "the design has no worker, and kubeadm taints the control-plane nodes (control_plane { schedulable = true } leaves that taint off)."
		}
		v.errorf(*f.ctx, nil, "No node without a taint", "%s Set node_pool to the pool they should run on (blueprint then tolerates its taints), or add an untainted pool.", detail)
		return false
	case f.spread && f.replicas > placeableIn(capacity, domains):
		v.errorf(subject, f.ctx, "Workload does not fit its nodes",
			"%d %s need %d untainted workers large enough for them, one each (required anti-affinity on kubernetes.io/hostname) and spread evenly over the zones that hold any node; such workers per zone are {%s}, which place at most %d. Add untainted nodes, set node_pool, or lower the count.",
			f.replicas, f.what, f.replicas, zoneCounts(capacity, domains), placeableIn(capacity, domains))
	}
	return true
}

// zoneCounts writes nodes per zone as "az1: 2, az2: 0", sorted by zone.
func zoneCounts(capacity map[string]int, domains map[string]bool) string {
	zones := make([]string, 0, len(domains))
	for z := range domains {
		zones = append(zones, z)
	}
	slices.Sort(zones)
	out := ""
	for i, z := range zones {
		if i > 0 {
			out += ", "
		}
		out += fmt.Sprintf("%s: %d", z, capacity[z])
	}
	return out
}

// heapFits checks a JVM heap against the memory of its container: the JVM
// needs room beyond its heap (metaspace, thread stacks, direct buffers), or
// the kernel kills it at the limit.
func (v *validator) heapFits(heap string, heapRange hcl.Range, memory int64, memoryText string, ctx *hcl.Range, what string) {
	h := heapBytes(heap)
	if h == 0 || memory == 0 || h < memory {
		return
	}
	v.errorf(heapRange, ctx, "Heap larger than its container",
		"The %s heap of %s does not fit the container's %s of memory: the JVM also needs memory outside its heap, and the container is killed when it reaches its limit. Keep the heap at most three quarters of the memory, or raise the memory.", what, heap, memoryText)
}

// claimFits refuses a claim that no volume can bind: its class provisions
// nothing (kubernetes.io/no-provisioner), the spec declares the class's
// volumes, and none of them allows the claim's access modes with at least
// its size. A class without declared volumes is left alone: they may be
// made outside the spec.
func (v *validator) claimFits(size string, class *string, modes []string, rng hcl.Range, ctx *hcl.Range, what string) {
	want := memoryBytes(size)
	var sc *spec.StorageClass
	for _, c := range v.s.StorageClasses {
		if (class != nil && c.Name == *class) || (class == nil && c.Default != nil && *c.Default) {
			sc = c
		}
	}
	if want == 0 || sc == nil || sc.Provisioner != noProvisioner {
		return
	}
	var largest int64
	found := false
	for _, pv := range v.s.Volumes {
		if pv.StorageClass != sc.Name {
			continue
		}
		found = true
		if !allIn(modes, pv.AccessModesOrDefault()) {
			continue
		}
		c := memoryBytes(pv.Capacity)
		if c >= want {
			return
		}
		largest = max(largest, c)
	}
	if !found {
		return
	}
	largestText := "none of them allows " + quoteList(modes)
	if largest > 0 {
		largestText = "the largest that allows " + quoteList(modes) + " holds " + bytesText(largest)
	}
	v.errorf(rng, ctx, "Claim larger than every volume",
		"%s asks for %s of storage class %q, which provisions nothing (%s): only its volumes declared in this spec can bind it, and %s, so the claim stays Pending. Declare a larger volume, or ask for less.",
		what, size, sc.Name, noProvisioner, largestText)
}

func allIn(want, have []string) bool {
	for _, w := range want {
		if !slices.Contains(have, w) {
			return false
		}
	}
	return true
}
