package spec

import (
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
