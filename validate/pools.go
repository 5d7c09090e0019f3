package validate

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/api/validate/content"
	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/blueprint-dev/blueprint/spec"
)

var taintEffects = []string{"NoSchedule", "PreferNoSchedule", "NoExecute"}

func (v *validator) nodePools() {
	seen := map[string]*spec.NodePool{}
	for _, p := range v.s.NodePools {
		if errs := validation.IsDNS1123Label(p.Name); len(errs) > 0 {
			v.errorf(p.NameRange, &p.DeclRange, "Invalid node pool name",
				"Pool %q names files and node labels, so it must be a DNS-1123 label: %s.", p.Name, strings.Join(errs, "; "))
		}
		if prev, dup := seen[p.Name]; dup {
			v.errorf(p.NameRange, &p.DeclRange, "Duplicate node pool", "Pool %q is already declared at %s. Rename or merge them.", p.Name, prev.DeclRange)
		}
		seen[p.Name] = p
		v.poolSize(p)
		v.poolCapacity(p)
		v.maxPods(p.MaxPods, p.MaxPodsRange, &p.DeclRange, fmt.Sprintf("pool %q", p.Name))
		v.kubeletReservations(fmt.Sprintf("pool %q", p.Name), p.CPU, p.Memory, p.Reservations(), p.DeclRange)
		v.poolLabels(p)
		taints := map[string]*spec.Taint{}
		for _, t := range p.Taints {
			v.taint(p, t)
			// The API server keeps one taint per key and effect.
			key := t.Key + ":" + t.Effect
			if prev, dup := taints[key]; dup {
				v.errorf(t.DeclRange, &p.DeclRange, "Duplicate taint", "Pool %q already has a taint with key %q and effect %s, at %s; the API server refuses a node with two. Remove one, or change its effect.", p.Name, t.Key, t.Effect, prev.DeclRange)
				continue
			}
			taints[key] = t
		}
	}
}

func (v *validator) poolSize(p *spec.NodePool) {
	seen := map[string]bool{}
	for _, z := range p.Zones {
		if seen[z] {
			v.errorf(p.ZonesRange, &p.DeclRange, "Duplicate zone in pool", "Pool %q lists zone %q twice, which would generate each of its counted nodes twice. List every zone once.", p.Name, z)
			continue
		}
		seen[z] = true
		v.undeclaredZone(z, fmt.Sprintf("Node pool %q spans zone %q, which no zone block declares.", p.Name, z), p.ZonesRange, &p.DeclRange)
	}
	if p.CountPerZone != nil {
		switch c := *p.CountPerZone; {
		case c < 1 || c > spec.MaxCountPerZone:
			v.errorf(p.CountPerZoneRange, &p.DeclRange, "Invalid node count", "count_per_zone is %d; give a number from 1 to %d.", c, spec.MaxCountPerZone)
		case len(p.Zones) == 0:
			v.errorf(p.CountPerZoneRange, &p.DeclRange, "Count without zones", "count_per_zone places that many nodes in each of the pool's zones; add zones = [\"az1\", …].")
		}
		if len(p.Nodes) > 0 {
			v.errorf(p.CountPerZoneRange, &p.DeclRange, "Both counted and listed nodes", "Pool %q has count_per_zone and node blocks. Use one: count_per_zone for interchangeable nodes, node blocks (or a dynamic \"node\" block) for nodes with fixed names and addresses.", p.Name)
		}
	} else if len(p.Nodes) == 0 && p.CountPerZoneRange.Filename == "" {
		// (A count_per_zone that did not decode, such as "one", has its
		// range but no value: decoding reported it, and the pool is not
		// empty as written.)
		v.errorf(p.DeclRange, nil, "Empty node pool", "Pool %q has no nodes. Add count_per_zone with zones, or node blocks.", p.Name)
	}
	if len(p.Zones) > 0 {
		for _, n := range p.Nodes {
			if !contains(p.Zones, n.Zone) {
				v.errorf(n.ZoneRange, &n.DeclRange, "Node outside its pool's zones", "Node %q is in zone %q, but pool %q spans only %s. Add the zone to the pool or move the node.", n.Name, n.Zone, p.Name, quoteList(p.Zones))
			}
		}
	}
}

func (v *validator) poolCapacity(p *spec.NodePool) {
	if !p.CapacityKnown() {
		var missing []string
		if !p.CPUKnown() {
			missing = append(missing, "cpu")
		}
		if !p.MemoryKnown() {
			missing = append(missing, "memory")
		}
		v.warnIn(Scope{Pool: p.Name}, CodePoolCapacityUnknown, p.NameRange, &p.DeclRange, "Pool capacity unknown",
			"Pool %q does not give %s, so the checks that need its machines' size are not checked for its nodes: whether each pod that may run there fits one of them, and what is left after a zone is lost. ARCHITECTURE.md says the capacity is unknown. Give %s if you know them.",
			p.Name, strings.Join(missing, " or "), strings.Join(missing, " and "))
	}
	if p.CPUKnown() && (p.CPU < 1 || p.CPU > 1024) {
		v.errorf(p.CPURange, &p.DeclRange, "Invalid CPU count", "cpu is the number of cores of each node, from 1 to 1024; got %d.", p.CPU)
	}
	if !p.MemoryKnown() {
		return
	}
	q, err := resource.ParseQuantity(p.Memory)
	if err != nil || q.Sign() <= 0 {
		v.errorf(p.MemoryRange, &p.DeclRange, "Invalid memory size", "memory %q is not a Kubernetes quantity such as \"64Gi\".", p.Memory)
	} else if q.Cmp(resource.MustParse("1Gi")) < 0 {
		v.errorf(p.MemoryRange, &p.DeclRange, "Too little memory", "memory %s is below the 1Gi a kubelet and its system pods need.%s", p.Memory, memoryHint(p.Memory))
	} else {
		v.bytesInRange(q, p.Memory, maxMemory, p.MemoryRange, &p.DeclRange, "memory")
	}
}

// Label prefixes a kubelet may set on its own Node: the NodeRestriction
// admission plugin refuses others under kubernetes.io and k8s.io.
var (
	restrictedLabelDomains = []string{"kubernetes.io", "k8s.io"}
	allowedLabelPrefixes   = []string{"kubelet.kubernetes.io/", "node.kubernetes.io/"}
	allowedLabelKeys       = []string{"kubernetes.io/hostname", "kubernetes.io/instance-type", "kubernetes.io/os", "kubernetes.io/arch",
		"topology.kubernetes.io/region", "topology.kubernetes.io/zone"}
)

func (v *validator) poolLabels(p *spec.NodePool) {
	keys := make([]string, 0, len(p.Labels))
	for k := range p.Labels {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if errs := content.IsLabelKey(k); len(errs) > 0 {
			v.errorf(p.LabelsRange, &p.DeclRange, "Invalid label key", "Label key %q of pool %q: %s.", k, p.Name, strings.Join(errs, "; "))
			continue
		}
		if errs := content.IsLabelValue(p.Labels[k]); len(errs) > 0 {
			v.errorf(p.LabelsRange, &p.DeclRange, "Invalid label value", "Label %s=%q of pool %q: %s.", k, p.Labels[k], p.Name, strings.Join(errs, "; "))
		}
		if restrictedLabel(k) {
			v.errorf(p.LabelsRange, &p.DeclRange, "Label a kubelet may not set",
				"Label %q is in a kubernetes.io or k8s.io domain that the NodeRestriction admission plugin keeps kubelets from setting, so the node would fail to register. Use your own domain (such as \"example.com/role\") or a node.kubernetes.io/ key.", k)
		}
		if kubeletLabels[k] {
			v.errorf(p.LabelsRange, &p.DeclRange, "Label the kubelet sets",
				"The kubelet sets %q on each node from the machine itself; one value for the whole pool %q would override it on every node (for kubernetes.io/hostname, every node would claim the same host name). Remove the label.", k, p.Name)
		}
		if k == "topology.kubernetes.io/zone" {
			v.errorf(p.LabelsRange, &p.DeclRange, "Zone label set by hand", "blueprint sets topology.kubernetes.io/zone from each node's zone. Remove the label and use zones instead.")
		}
	}
}

// memoryHint guesses the quantity meant by one that is too small: a bare
// number is most likely gibibytes.
func memoryHint(m string) string {
	if _, err := strconv.ParseUint(m, 10, 32); err == nil {
		return fmt.Sprintf(" Quantities without a unit are bytes; did you mean %q?", m+"Gi")
	}
	return " Give it in Gi, such as \"16Gi\"."
}

func restrictedLabel(key string) bool {
	prefix, _, found := strings.Cut(key, "/")
	if !found {
		return false
	}
	for _, k := range allowedLabelKeys {
		if key == k {
			return false
		}
	}
	for _, a := range allowedLabelPrefixes {
		if strings.HasPrefix(key, a) {
			return false
		}
	}
	for _, d := range restrictedLabelDomains {
		if prefix == d || strings.HasSuffix(prefix, "."+d) {
			return true
		}
	}
	return false
}

// kubeletLabels are labels the kubelet may set, and does, from facts about
// its own machine.
var kubeletLabels = map[string]bool{"kubernetes.io/hostname": true, "kubernetes.io/os": true, "kubernetes.io/arch": true}

func (v *validator) taint(p *spec.NodePool, t *spec.Taint) {
	if errs := content.IsLabelKey(t.Key); len(errs) > 0 {
		v.errorf(t.KeyRange, &t.DeclRange, "Invalid taint key", "Taint key %q: %s.", t.Key, strings.Join(errs, "; "))
	}
	if t.Value != nil {
		if errs := content.IsLabelValue(*t.Value); len(errs) > 0 {
			v.errorf(t.ValueRange, &t.DeclRange, "Invalid taint value", "Taint value %q: %s.", *t.Value, strings.Join(errs, "; "))
		}
	}
	v.oneOf(t.Effect, taintEffects, t.EffectRange, &t.DeclRange, "taint effect")
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
