package validate

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/blueprint-dev/blueprint/spec"
)

// maxMachines bounds the whole design; Kubernetes is tested up to 5,000 nodes.
const maxMachines = 5000

// machines checks what every host shares: a valid, unique name, a unique
// address inside a node subnet, and a declared zone.
func (v *validator) machines() {
	ms := v.all
	if len(ms) > maxMachines {
		v.errorf(v.s.DeclRange, nil, "Too many machines",
			"The design has %d machines; blueprint supports at most %d, the largest cluster Kubernetes is tested with. Split it into several clusters.", len(ms), maxMachines)
		return
	}
	names := map[string]spec.Machine{}
	addrs := map[netip.Addr]spec.Machine{}
	for _, m := range ms {
		owner := fmt.Sprintf("%s %q", m.Role, m.Name)
		if errs := validation.IsDNS1123Subdomain(m.Name); len(errs) > 0 {
			v.errorf(m.NameRange, &m.DeclRange, "Invalid node name",
				"%s: a machine name becomes a Kubernetes node name and a file name, so it must be a DNS-1123 subdomain such as \"kmaster1\" or \"kmaster1.example.com\": %s.", owner, strings.Join(errs, "; "))
		} else if prev, dup := names[m.Name]; dup {
			v.errorf(m.NameRange, &m.DeclRange, "Duplicate machine name",
				"%s has the same name as the %s declared at %s. Every machine needs its own name.", owner, prev.Role, prev.DeclRange)
		} else {
			names[m.Name] = m
		}
		v.checkZone(m.Zone, m)
		if m.Address == "" {
			continue
		}
		a, ok := v.address(m.Address, m.AddressRange, &m.DeclRange, owner)
		if !ok {
			continue
		}
		if prev, dup := addrs[a]; dup {
			v.errorf(m.AddressRange, &m.DeclRange, "Duplicate address",
				"%s has address %s, already used by %s %q at %s.", owner, a, prev.Role, prev.Name, prev.DeclRange)
			continue
		}
		addrs[a] = m
	}
}

// hostsOf returns the machines of one role.
func (v *validator) hostsOf(role spec.Role) []spec.Machine {
	var out []spec.Machine
	for _, m := range v.all {
		if m.Role == role {
			out = append(out, m)
		}
	}
	return out
}

func (v *validator) controlPlane() {
	cp := v.s.ControlPlane
	if cp == nil {
		v.missing("control_plane", "  control_plane {\n    node \"kmaster1\" {\n      address = \"10.0.1.11\"\n      zone    = \"az1\"\n    }\n    # … at least three nodes\n  }")
		return
	}
	n := len(cp.Nodes)
	if n < 3 {
		v.errorf(cp.DeclRange, nil, "Too few control-plane nodes",
			"A highly available control plane needs at least 3 nodes; this one has %d. Add node blocks, ideally one per zone.", n)
	}
	if v.s.Etcd.TopologyOrDefault() == spec.EtcdStacked && n >= 3 && n%2 == 0 {
		v.errorf(cp.DeclRange, nil, "Even number of stacked etcd members",
			"With stacked etcd every control-plane node runs an etcd member, and %d members tolerate no more failures than %d while adding latency. Use an odd number of nodes: 3 or 5.", n, n-1)
	}
	v.zoneSpread(v.hostsOf(spec.RoleControlPlane), "control-plane nodes", cp.DeclRange)
	if v.s.Etcd.TopologyOrDefault() == spec.EtcdStacked {
		v.quorum(v.hostsOf(spec.RoleControlPlane), cp.DeclRange)
	}
}

// zoneSpread warns when a group of replicas sits in one zone while the
// cluster has several.
func (v *validator) zoneSpread(ms []spec.Machine, what string, subject hcl.Range) {
	if len(ms) < 2 || len(v.s.Zones) < 2 {
		return
	}
	for _, m := range ms[1:] {
		if m.Zone != ms[0].Zone {
			return
		}
	}
	v.warnf(subject, nil, "Single zone", "All %s are in zone %q; losing that zone takes them all down. Spread them over the %d declared zones.", what, ms[0].Zone, len(v.s.Zones))
}

// quorum warns, naming the zone, when losing one zone would lose etcd quorum.
func (v *validator) quorum(members []spec.Machine, subject hcl.Range) {
	n := len(members)
	if n == 0 {
		return
	}
	need := n/2 + 1
	perZone := map[string]int{}
	for _, m := range members {
		perZone[m.Zone]++
	}
	for _, z := range v.zoneNames() {
		if lost := perZone[z]; lost > 0 && n-lost < need {
			v.warnf(subject, nil, "Zone failure loses etcd quorum",
				"Zone %q holds %d of the %d etcd members; losing it leaves %d, short of the quorum of %d, and the whole control plane stops. Place the members so that no zone holds %d or more (for example 3 members in 3 zones, or 5 in 3 zones as 2+2+1).", z, lost, n, n-lost, need, n-need+1)
		}
	}
}

func (v *validator) etcd() {
	e := v.s.Etcd
	if e == nil {
		return
	}
	if !v.oneOf(e.TopologyOrDefault(), []string{spec.EtcdStacked, spec.EtcdExternal}, e.TopologyRange, &e.DeclRange, "etcd topology") {
		return
	}
	if e.TopologyOrDefault() == spec.EtcdStacked {
		for _, m := range e.Members {
			v.errorf(m.DeclRange, &e.DeclRange, "Member of stacked etcd",
				"Stacked etcd runs one member on each control-plane node, so member blocks have no place here. Remove them, or set topology = \"external\" to run etcd on its own hosts.")
		}
		return
	}
	n := len(e.Members)
	switch {
	case n < 3:
		v.errorf(e.DeclRange, nil, "Too few etcd members", "An external etcd cluster needs at least 3 members to survive the loss of one; this one has %d. Add member blocks.", n)
	case n%2 == 0:
		v.errorf(e.DeclRange, nil, "Even number of etcd members", "%d etcd members tolerate no more failures than %d. Use an odd number: 3, 5 or 7.", n, n-1)
	case n > 7:
		v.warnf(e.DeclRange, nil, "Large etcd cluster", "%d etcd members slow every write for no gain in practice; etcd recommends 3, 5 or 7.", n)
	}
	v.quorum(v.hostsOf(spec.RoleEtcd), e.DeclRange)
}
