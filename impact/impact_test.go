package impact

import (
	"slices"
	"strings"
	"testing"

	"github.com/blueprint-dev/blueprint/state"
)

func TestHops(t *testing.T) {
	cases := map[[2]string][]string{
		{"1.35.0", "1.37.2"}: {"1.36.5", "1.37.2"},
		{"1.33.0", "1.37.2"}: {"1.34.5", "1.35.6", "1.36.5", "1.37.2"},
		{"1.37.1", "1.37.2"}: {"1.37.2"},
		{"1.37.2", "1.37.2"}: nil,
		{"1.37.2", "1.36.4"}: nil,
	}
	for in, want := range cases {
		if got := Hops(in[0], in[1]); !slices.Equal(got, want) {
			t.Errorf("Hops(%s, %s) = %v, want %v", in[0], in[1], got, want)
		}
	}
}

// masters builds a stacked design with the named control-plane nodes.
func masters(names ...string) *state.State {
	s := &state.State{Kind: state.Kind, Version: state.Version, Cluster: "c", Kubernetes: state.Kubernetes{Version: "1.37.2"},
		Etcd: state.Etcd{Topology: "stacked"}, LoadBalancer: state.LoadBalancer{Mode: "external", Port: 6443}}
	for i, n := range names {
		s.Machines = append(s.Machines, state.Machine{Name: n, Address: "10.0.0." + string(rune('1'+i)), Zone: "z",
			Roles: []string{state.RoleControlPlane, state.RoleEtcd}, First: i == 0, Kubelet: true})
		s.Etcd.Members = append(s.Etcd.Members, state.EtcdMember{Name: n})
	}
	return s
}

// TestQuorumRefusal: removing a member that etcd's quorum needs is refused;
// with members enough, the removal is planned with the member removed
// first.
func TestQuorumRefusal(t *testing.T) {
	p := Compare(masters("a", "b"), masters("a"))
	var refused bool
	for _, c := range p.Changes {
		refused = refused || c.Action == Refuse && strings.Contains(c.Summary, "below the quorum")
	}
	if !refused || p.Summary.Refused != 1 {
		t.Errorf("2 → 1 members must be refused: %+v", p.Changes)
	}
	p = Compare(masters("a", "b", "c"), masters("a", "b"))
	if len(p.Changes) == 0 || p.Changes[0].Action != Remove || p.Changes[0].Impact != Destructive ||
		!slices.ContainsFunc(p.Steps, func(s Step) bool { return s.Command == "kubeadm reset phase remove-etcd-member" }) {
		t.Errorf("3 → 2 members: %+v", p.Changes)
	}
}

// TestImpactOrder: changes are listed most severe first.
func TestImpactOrder(t *testing.T) {
	p := Compare(masters("a", "b", "c"), masters("a", "b"))
	for i := 1; i < len(p.Changes); i++ {
		if p.Changes[i-1].Impact.rank() < p.Changes[i].Impact.rank() {
			t.Errorf("%s (%s) before %s (%s)", p.Changes[i-1].Target, p.Changes[i-1].Impact, p.Changes[i].Target, p.Changes[i].Impact)
		}
	}
}

// TestDeprecationFindings: what the target release removed is refused,
// what it deprecated is noted, each pointed at.
func TestDeprecationFindings(t *testing.T) {
	s := masters("a", "b", "c")
	s.Kubernetes.KubeadmAPI = "kubeadm.k8s.io/v1beta3"
	s.KubeProxy.Fields = map[string]string{"mode": `"ipvs"`}
	f := Findings(s, 37)
	if len(f) != 2 || !f[0].Removed || f[1].Removed || !strings.Contains(f[1].Where, "KubeProxyConfiguration mode") {
		t.Errorf("findings for 1.37: %+v", f)
	}
	if f := Findings(s, 34); len(f) != 1 || f[0].Removed {
		t.Errorf("findings for 1.34 (v1beta3 deprecated, ipvs not yet): %+v", f)
	}
}

// TestProcedure: the steps convert to plan.Steps in order, kinds mapped.
func TestProcedure(t *testing.T) {
	p := Compare(masters("a", "b", "c"), masters("a", "b"))
	proc := p.Procedure()
	if len(proc) != len(p.Steps) || len(proc) == 0 {
		t.Fatalf("%d plan steps, %d procedure steps", len(p.Steps), len(proc))
	}
	for i, s := range proc {
		if s.Host != p.Steps[i].Host || s.Command != p.Steps[i].Command || string(s.Kind) == "" {
			t.Errorf("step %d: %+v from %+v", i, s, p.Steps[i])
		}
	}
}

// TestEveryHopComplete: each hop of a multi-minor upgrade keeps all its
// steps; the second hop repeats the first one's commands (kubeadm upgrade
// node, drains, kubelet restarts) and none of them may be merged away.
func TestEveryHopComplete(t *testing.T) {
	old, new := masters("a", "b", "c"), masters("a", "b", "c")
	old.Kubernetes.Version = "1.35.0"
	p := Compare(old, new)
	if p.Summary.Hops != 2 {
		t.Fatalf("1.35.0 → 1.37.2: %d hops", p.Summary.Hops)
	}
	count := func(host, command string) int {
		n := 0
		for _, s := range p.Steps {
			if s.Host == host && s.Command == command {
				n++
			}
		}
		return n
	}
	for _, want := range []struct{ host, command string }{
		{"b", "kubeadm upgrade node"},
		{"c", "kubeadm upgrade node"},
		{AdminHost, "kubectl drain a --ignore-daemonsets --delete-emptydir-data --timeout=15m"},
		{AdminHost, "kubectl uncordon c"},
		{"b", "systemctl daemon-reload && systemctl restart kubelet"},
		{"c", "curl -fsk https://10.0.0.3:6443/readyz"},
	} {
		if n := count(want.host, want.command); n != 2 {
			t.Errorf("%s: %s: %d times, once per hop is 2", want.host, want.command, n)
		}
	}
}

// TestHostFiles: a changed file kube-apiserver reads from its host is
// installed on each control-plane node before the component restarts
// there; the encryption configuration is filled in with the key the cluster
// uses and every Secret is written again after the last node.
func TestHostFiles(t *testing.T) {
	old, new := masters("a", "b", "c"), masters("a", "b", "c")
	old.ControlPlane = []state.Component{{Name: "kube-apiserver", Hash: "h:1",
		Files: map[string]string{"kubeadm/encryption-config.yaml": "h:e1", "kubeadm/audit-policy.yaml": "h:a"}}}
	new.ControlPlane = []state.Component{{Name: "kube-apiserver", Hash: "h:1",
		Files: map[string]string{"kubeadm/encryption-config.yaml": "h:e2", "kubeadm/audit-policy.yaml": "h:a"}}}
	p := Compare(old, new)
	if p.Summary.ComponentsRestart != 1 || len(p.Changes) != 1 || p.Changes[0].Impact != Restart {
		t.Fatalf("changes: %+v", p.Changes)
	}
	var got []string
	for _, s := range p.Steps {
		got = append(got, s.Host+": "+strings.Fields(s.Command)[0])
	}
	want := []string{"a: envsubst", "a: crictl", "a: curl", "b: envsubst", "b: crictl", "b: curl", "c: envsubst", "c: crictl", "c: curl", "kubectl: kubectl"}
	if !slices.Equal(got, want) {
		t.Errorf("steps %v, want %v", got, want)
	}
	// With a flag changed too, kubeadm writes the new manifest after the
	// file is in place, and that restarts it.
	new.ControlPlane[0].Hash = "h:2"
	p = Compare(old, new)
	if s := p.Steps; len(s) < 3 || !strings.HasPrefix(s[0].Command, "kubeadm init phase upload-config") ||
		!strings.HasPrefix(s[1].Command, "envsubst") || s[2].Command != "kubeadm upgrade node phase control-plane" {
		t.Errorf("steps with a flag change: %+v", s)
	}
}

// TestKubeletConfig: a KubeletConfiguration change (no spec attribute sets
// one yet; a new blueprint release can) is uploaded once, then every node
// fetches it and restarts its kubelet, one node at a time, Ready between.
func TestKubeletConfig(t *testing.T) {
	old, new := masters("a", "b"), masters("a", "b")
	old.Kubelet = state.Config{Hash: "h:1", Fields: map[string]string{"readOnlyPort": "0"}}
	new.Kubelet = state.Config{Hash: "h:2", Fields: map[string]string{"readOnlyPort": "0", "maxPods": "200"}}
	p := Compare(old, new)
	if len(p.Changes) != 1 || p.Changes[0].Target != "kubelet" || p.Changes[0].Impact != Restart ||
		!strings.Contains(strings.Join(p.Changes[0].Details, ";"), "maxPods") {
		t.Fatalf("changes: %+v", p.Changes)
	}
	var got []string
	for _, s := range p.Steps {
		got = append(got, s.Host+": "+s.Command)
	}
	want := []string{
		"a: kubeadm init phase upload-config kubelet --config kubeadm/init/a.yaml",
		"a: kubeadm upgrade node phase kubelet-config && systemctl restart kubelet",
		"kubectl: kubectl wait --for=condition=Ready node/a --timeout=5m",
		"b: kubeadm upgrade node phase kubelet-config && systemctl restart kubelet",
		"kubectl: kubectl wait --for=condition=Ready node/b --timeout=5m",
	}
	if !slices.Equal(got, want) {
		t.Errorf("steps:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
