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

// TestEtcdRecipeStashIsRootOnly: the external etcd recipe sets the other
// members' keys aside in a folder only root may read, never below /tmp
// (where another user could create the path first), and leaves nothing.
func TestEtcdRecipeStashIsRootOnly(t *testing.T) {
	s, diags := spec.NewLoader().Load("../blueprints/external-etcd.hcl", spec.Options{})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	p := plan.Build(s)
	if len(p.Etcd.Recipe) == 0 || len(p.Etcd.Members) < 2 {
		t.Fatal("external-etcd.hcl has no recipe for several members")
	}
	var stashing []string
	for _, st := range p.Etcd.Recipe {
		texts := []string{st.Command}
		if st.Copy != nil {
			texts = append(texts, st.Copy.From, st.Copy.To)
		}
		for _, text := range texts {
			if strings.Contains(text, "/tmp") {
				t.Errorf("step on %s uses /tmp: %q", st.Host, text)
			}
		}
		if strings.Contains(st.Command, plan.EtcdStashDir) {
			stashing = append(stashing, st.Command)
		}
	}
	if len(stashing) == 0 {
		t.Fatal("no step uses " + plan.EtcdStashDir)
	}
	if want := "install -d -m 0700 " + plan.EtcdStashDir + " && umask 077 && "; !strings.HasPrefix(stashing[0], want) {
		t.Errorf("the first step into the stash is %q; it must start with %q", stashing[0], want)
	}
	for _, c := range stashing {
		if strings.Contains(c, "cp ") && !strings.Contains(c, "umask 077") {
			t.Errorf("%q copies keys into the stash without umask 077", c)
		}
	}
	if last := stashing[len(stashing)-1]; last != "rmdir "+plan.EtcdStashDir {
		t.Errorf("the last step on the stash is %q; it must remove it", last)
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

// TestRequestsMayFailFor: the bound on failing requests after a loss is
// the slowest of what the loss sets off, and includes the API servers'
// etcd clients only when external members are lost.
func TestRequestsMayFailFor(t *testing.T) {
	load := func(path string) *plan.Plan {
		t.Helper()
		s, diags := spec.NewLoader().Load(path, spec.Options{})
		if s != nil {
			diags = append(diags, validate.Spec(s)...)
		}
		if diags.HasErrors() {
			t.Fatalf("%s: %v", path, diags)
		}
		return plan.Build(s)
	}
	row := func(p *plan.Plan, lost string) plan.Failure {
		t.Helper()
		for _, f := range p.Failures {
			if f.Lost == lost {
				return f
			}
		}
		t.Fatalf("no failure row %q", lost)
		return plan.Failure{}
	}
	haproxy := float64(plan.HAProxyCheckFall * (plan.HAProxyCheckInter + plan.HAProxyTimeout))

	ext := load("../blueprints/external-etcd.hcl")
	for _, c := range []struct {
		lost        string
		want        float64
		etcdClients bool
	}{
		{"zone dc1-a", plan.EtcdClientGiveUp, true}, // an API server, two members and a VIP peer: the etcd clients are slowest
		{"node etcd1", plan.EtcdClientGiveUp, true},
		{"node master-a", haproxy, false},         // no member lost: HAProxy's checks
		{"node lb-a", ext.LB.MasterDown(), false}, // the VIP moves
	} {
		f := row(ext, c.lost)
		if f.RequestsMayFailFor != c.want || f.EtcdClients != c.etcdClients {
			t.Errorf("external-etcd, %s: %v s (etcd clients %v), want %v s (%v)", c.lost, f.RequestsMayFailFor, f.EtcdClients, c.want, c.etcdClients)
		}
	}
	ha := load("../blueprints/ha.hcl")
	for _, f := range ha.Failures {
		// Stacked: a member goes with its API server; HAProxy's checks are
		// the slowest.
		if f.RequestsMayFailFor != haproxy || f.EtcdClients {
			t.Errorf("ha, %s: %v s (etcd clients %v), want %v s", f.Lost, f.RequestsMayFailFor, f.EtcdClients, haproxy)
		}
	}
	lb := load("../blueprints/external-lb.hcl")
	for _, f := range lb.Failures {
		if f.RequestsMayFailFor != 0 {
			t.Errorf("external-lb, %s: %v s, want no bound: the external load balancer's checks are not blueprint's", f.Lost, f.RequestsMayFailFor)
		}
	}
}
