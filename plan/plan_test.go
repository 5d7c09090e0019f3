package plan_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/blueprint-dev/blueprint/plan"
	"github.com/blueprint-dev/blueprint/spec"
	"github.com/blueprint-dev/blueprint/validate"
)

// cluster builds a spec with the given control-plane zones and LB hosts.
func cluster(t *testing.T, cpZones []string, lbHosts int) *plan.Plan {
	t.Helper()
	var b strings.Builder
	b.WriteString("cluster \"c\" {\n  kubernetes_version = \"1.37.2\"\n}\nnetwork {\n  node_subnets = [\"10.0.0.0/16\"]\n}\n")
	for _, z := range []string{"a", "b", "c"} {
		fmt.Fprintf(&b, "zone %q {}\n", z)
	}
	b.WriteString("control_plane {\n")
	for i, z := range cpZones {
		fmt.Fprintf(&b, "  node \"m%d\" {\n    address = \"10.0.1.%d\"\n    zone = %q\n  }\n", i+1, i+11, z)
	}
	b.WriteString("}\nload_balancer {\n  mode = \"dedicated\"\n  vip = \"10.0.0.10\"\n")
	for i := 0; i < lbHosts; i++ {
		fmt.Fprintf(&b, "  host \"lb%d\" {\n    address = \"10.0.2.%d\"\n    zone = %q\n  }\n", i+1, i+11, []string{"a", "b", "c"}[i%3])
	}
	b.WriteString("}\n")
	s, diags := spec.NewLoader().LoadSource("t.hcl", []byte(b.String()), spec.Options{})
	if s != nil {
		diags = append(diags, validate.Spec(s)...)
	}
	if diags.HasErrors() {
		t.Fatalf("%v\n%s", diags, b.String())
	}
	return plan.Build(s)
}

// TestFailingCheckMovesVIP: whatever the number of hosts, a MASTER whose
// check fails drops below every healthy BACKUP.
func TestFailingCheckMovesVIP(t *testing.T) {
	for n := 2; n <= 9; n++ {
		p := cluster(t, []string{"a", "b", "c"}, n)
		master := p.LB.Peers[0]
		if master.State != "MASTER" {
			t.Fatalf("first peer is %s", master.State)
		}
		for _, peer := range p.LB.Peers[1:] {
			if peer.State != "BACKUP" || master.Priority-p.LB.CheckWeight >= peer.Priority || peer.Priority >= master.Priority {
				t.Errorf("%d hosts: master %d (weight %d) vs backup %s %d", n, master.Priority, p.LB.CheckWeight, peer.Name, peer.Priority)
			}
		}
	}
}

func TestFailureDomains(t *testing.T) {
	cases := []struct {
		zones []string
		want  map[string]bool // lost -> API reachable
	}{
		{[]string{"a", "b", "c"}, map[string]bool{"zone a": true, "zone b": true, "zone c": true, "node m1": true}},
		{[]string{"a", "a", "b"}, map[string]bool{"zone a": false, "zone b": true, "node m1": true}},
		{[]string{"a", "a", "b", "b", "c"}, map[string]bool{"zone a": true, "zone c": true}},
	}
	for _, c := range cases {
		p := cluster(t, c.zones, 2)
		got := map[string]plan.Failure{}
		for _, f := range p.Failures {
			got[f.Lost] = f
		}
		for lost, reachable := range c.want {
			f, ok := got[lost]
			if !ok {
				t.Fatalf("%v: no row for %s", c.zones, lost)
			}
			if f.APIReachable != reachable || f.EtcdQuorum != reachable {
				t.Errorf("%v: losing %s: reachable=%v quorum=%v, want %v", c.zones, lost, f.APIReachable, f.EtcdQuorum, reachable)
			}
		}
	}
}

func TestCertSANsCoverEndpointAndMasters(t *testing.T) {
	p := cluster(t, []string{"a", "b", "c"}, 2)
	sans := strings.Join(p.CertSANs, " ")
	for _, want := range []string{"10.0.0.10", "10.0.1.11", "10.0.1.12", "10.0.1.13", "m1", "m3"} {
		if !strings.Contains(" "+sans+" ", " "+want+" ") {
			t.Errorf("cert SANs %q lack %s", sans, want)
		}
	}
}

// The diagram names each machine and zone by its own name: adding workers
// leaves every other machine's identifier as it was, so the diagram's diff
// shows only the new machines.
func TestDiagramIDsStable(t *testing.T) {
	ids := func(workersPerZone string) map[string]string {
		s, diags := spec.NewLoader().Load("../blueprints/ha.hcl", spec.Options{Vars: []string{"workers_per_zone=" + workersPerZone}})
		if diags.HasErrors() {
			t.Fatal(diags)
		}
		out := map[string]string{}
		for _, g := range plan.Build(s).ZoneGroups {
			out["zone "+g.Name] = g.ID
			for _, m := range g.Machines {
				out[m.Name] = m.ID
			}
		}
		return out
	}
	before, after := ids("2"), ids("3")
	if len(after) != len(before)+3 {
		t.Fatalf("%d identifiers before, %d after adding three workers", len(before), len(after))
	}
	for name, id := range before {
		if after[name] != id {
			t.Errorf("%s was %s, is %s after adding workers", name, id, after[name])
		}
	}
}
