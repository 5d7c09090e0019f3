package spec

import (
	"fmt"

	"github.com/hashicorp/hcl/v2"
)

// Role is what a machine does in the cluster.
type Role string

// Machine roles.
const (
	RoleControlPlane Role = "control-plane"
	RoleEtcd         Role = "etcd"
	RoleLoadBalancer Role = "load-balancer"
	RoleWorker       Role = "worker"
)

// MaxCountPerZone bounds count_per_zone so a typo cannot ask for millions of
// nodes; Kubernetes itself is tested up to 5,000 nodes.
const MaxCountPerZone = 1000

// Machine is one host of the design, whatever block declared it.
type Machine struct {
	Role    Role
	Name    string
	Address string // an IP address or a DNS name; empty for counted pool nodes, which get theirs from DHCP
	// SSHAddress is where the operator reaches the machine, if not Address.
	SSHAddress string
	Zone       string
	Pool       *NodePool // for workers

	NameRange       hcl.Range
	AddressRange    hcl.Range
	SSHAddressRange hcl.Range
	ZoneRange       hcl.Range
	DeclRange       hcl.Range
}

// Machines lists every host in declaration order: control-plane nodes,
// external etcd members, dedicated load-balancer hosts, then pool nodes.
// Counted pools yield nodes named <pool>-<zone>-<n>.
func (s *Spec) Machines() []Machine {
	var ms []Machine
	host := func(role Role, h *Host) Machine {
		return Machine{Role: role, Name: h.Name, Address: h.Address, SSHAddress: deref(h.SSHAddress), Zone: h.Zone,
			NameRange: h.NameRange, AddressRange: h.AddressRange, SSHAddressRange: h.SSHAddressRange, ZoneRange: h.ZoneRange, DeclRange: h.DeclRange}
	}
	if s.ControlPlane != nil {
		for _, h := range s.ControlPlane.Nodes {
			ms = append(ms, host(RoleControlPlane, h))
		}
	}
	if s.Etcd.TopologyOrDefault() == EtcdExternal {
		for _, h := range s.Etcd.Members {
			ms = append(ms, host(RoleEtcd, h))
		}
	}
	if s.LoadBalancer != nil && s.LoadBalancer.Mode == LBDedicated {
		for _, h := range s.LoadBalancer.Hosts {
			ms = append(ms, host(RoleLoadBalancer, h))
		}
	}
	for _, p := range s.NodePools {
		for _, n := range p.Nodes {
			m := Machine{Role: RoleWorker, Name: n.Name, Zone: n.Zone, Pool: p, SSHAddress: deref(n.SSHAddress),
				NameRange: n.NameRange, AddressRange: n.AddressRange, SSHAddressRange: n.SSHAddressRange, ZoneRange: n.ZoneRange, DeclRange: n.DeclRange}
			if n.Address != nil {
				m.Address = *n.Address
			}
			ms = append(ms, m)
		}
		if p.CountPerZone == nil || *p.CountPerZone < 1 || *p.CountPerZone > MaxCountPerZone {
			continue
		}
		for _, z := range p.Zones {
			for i := 1; i <= *p.CountPerZone; i++ {
				ms = append(ms, Machine{Role: RoleWorker, Name: fmt.Sprintf("%s-%s-%d", p.Name, z, i), Zone: z, Pool: p,
					NameRange: p.CountPerZoneRange, AddressRange: p.CountPerZoneRange, ZoneRange: p.ZonesRange, DeclRange: p.DeclRange})
			}
		}
	}
	return ms
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}
