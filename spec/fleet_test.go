package spec

import (
	"strings"
	"testing"
)

// TestFleetExample loads blueprints/fleet.hcl: two members of one class,
// each with its variables applied and its own blocks merged in.
func TestFleetExample(t *testing.T) {
	s, f, diags := NewLoader().LoadAny("../blueprints/fleet.hcl", Options{})
	if diags.HasErrors() || s != nil || f == nil {
		t.Fatalf("want a fleet without errors, got spec %v, diagnostics %v", s != nil, diags)
	}
	if len(f.Members) != 2 {
		t.Fatalf("want 2 members, got %d", len(f.Members))
	}
	west, east := f.Member("west"), f.Member("east")
	if west.Spec.Cluster.Name != "west" || east.Spec.Cluster.Name != "east" {
		t.Errorf("clusters are named after their members, got %q and %q", west.Spec.Cluster.Name, east.Spec.Cluster.Name)
	}
	if west.Spec.Cluster.KubernetesVersion != "1.37.2" || east.Spec.Cluster.KubernetesVersion != "1.36.4" {
		t.Errorf("cluster attributes merge, the member's winning: got %q and %q", west.Spec.Cluster.KubernetesVersion, east.Spec.Cluster.KubernetesVersion)
	}
	if got := east.Spec.Network.NodeSubnets[0]; got != "10.61.0.0/16" {
		t.Errorf("east's node subnet from its variables: got %q", got)
	}
	if got := *east.Spec.LoadBalancer.VirtualRouterID; got != 52 {
		t.Errorf("east's router id: got %d", got)
	}
	if got := *west.Spec.LoadBalancer.VirtualRouterID; got != 51 {
		t.Errorf("west's router id, the variable's default: got %d", got)
	}
	if len(west.Spec.Zones) != 3 || west.Spec.Zones[0].Name != "euw-a" {
		t.Errorf("west's zones: got %d", len(west.Spec.Zones))
	}
	if r := west.Spec.Network.DeclRange; r.Filename != "../blueprints/fleet.hcl" || r.Start.Line != 36 {
		t.Errorf("the network block keeps the class's range, got %v", r)
	}
	if r := east.Spec.Cluster.KubernetesVersionRange; r.Start.Line < 140 {
		t.Errorf("east's kubernetes_version points into the member, got %v", r)
	}
}

// TestFleetMergeRules checks each merge rule on one member: a labelled
// block replaces the class's of the same type and label, in its place; an
// unlabelled one replaces the class's; a block the class lacks is added; a
// dynamic block is added; cluster attributes merge one by one.
func TestFleetMergeRules(t *testing.T) {
	src := `
class "c" {
  cluster {
    kubernetes_version = "1.37.2"
    dns_domain         = "class.local"
  }
  network { node_subnets = ["10.0.0.0/16"] }
  node_pool "a" { cpu = 1 }
  node_pool "b" { cpu = 2 }
}

member "m" {
  class  = "c"
  region = "r"
  cluster { dns_domain = "member.local" }
  network { node_subnets = ["10.9.0.0/16"] }
  node_pool "b" { cpu = 20 }
  node_pool "x" { cpu = 30 }
  dynamic "node_pool" {
    for_each = ["y"]
    labels   = [node_pool.value]
    content { cpu = 40 }
  }
}
`
	_, f, diags := NewLoader().LoadSourceAny("m.hcl", []byte(src), Options{})
	if diags.HasErrors() || f == nil {
		t.Fatalf("want a fleet, got %v", diags)
	}
	s := f.Member("m").Spec
	var pools []string
	for _, p := range s.NodePools {
		pools = append(pools, p.Name)
		if p.Name == "b" && (p.CPU != 20 || p.DeclRange.Start.Line != 17) {
			t.Errorf("node_pool b is the member's (line 17, cpu 20), got line %d cpu %d", p.DeclRange.Start.Line, p.CPU)
		}
	}
	if got := strings.Join(pools, " "); got != "a b x y" {
		t.Errorf("pools in order: want a b x y, got %s", got)
	}
	if s.Network.NodeSubnets[0] != "10.9.0.0/16" {
		t.Errorf("the member's network replaces the class's, got %v", s.Network.NodeSubnets)
	}
	if s.Cluster.Name != "m" || s.Cluster.KubernetesVersion != "1.37.2" || *s.Cluster.DNSDomain != "member.local" {
		t.Errorf("cluster: named after the member, attributes merged; got %q %q %q", s.Cluster.Name, s.Cluster.KubernetesVersion, *s.Cluster.DNSDomain)
	}
	if s.Cluster.DNSDomainRange.Start.Line != 15 || s.Cluster.KubernetesVersionRange.Start.Line != 4 {
		t.Errorf("each cluster attribute keeps its own range: %v %v", s.Cluster.DNSDomainRange, s.Cluster.KubernetesVersionRange)
	}
}
