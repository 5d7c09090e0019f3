package impact

import (
	"fmt"
	"slices"
	"strings"

	"github.com/blueprint-dev/blueprint/spec"
	"github.com/blueprint-dev/blueprint/state"
)

type version struct{ minor, patch int }

func parseVersion(s string) version {
	var v version
	fmt.Sscanf(s, "1.%d.%d", &v.minor, &v.patch)
	return v
}

func (v version) String() string { return fmt.Sprintf("1.%d.%d", v.minor, v.patch) }

func (v version) less(o version) bool {
	return v.minor < o.minor || v.minor == o.minor && v.patch < o.patch
}

// Hops returns the releases an upgrade from one version to another passes
// through, the last being the target: Kubernetes supports no skipped
// minor, so each minor between is one hop, at its newest known patch.
func Hops(from, to string) []string {
	f, t := parseVersion(from), parseVersion(to)
	if !f.less(t) {
		return nil
	}
	if f.minor == t.minor {
		return []string{t.String()}
	}
	var out []string
	for m := f.minor + 1; m < t.minor; m++ {
		p, ok := spec.NewestPatch(m)
		if !ok {
			p = 0
		}
		out = append(out, version{m, p}.String())
	}
	return append(out, t.String())
}

// network refuses what cannot change in a running cluster.
func (c *comparer) network() {
	o, n := c.old.Network, c.new.Network
	refuse := func(target, summary string) {
		c.add(Change{Target: target, Category: "network", Action: Refuse, Impact: Destructive, phase: phaseRefused, Summary: summary})
	}
	if !slices.Equal(o.PodCIDRs, n.PodCIDRs) {
		refuse("pod CIDR", fmt.Sprintf("%s → %s is refused in place: every node's podCIDR is allocated from it at registration and never changes, the CNI's IP pools and every running pod's address come from it; build a new cluster (or migrate with the CNI's own procedure) instead",
			strings.Join(o.PodCIDRs, ","), strings.Join(n.PodCIDRs, ",")))
	}
	if !slices.Equal(o.ServiceCIDRs, n.ServiceCIDRs) {
		refuse("service CIDR", fmt.Sprintf("%s → %s is refused in place: every Service's clusterIP was allocated from it, the kubernetes Service's address is in the API server's certificate and CoreDNS's fixed address is in every kubelet's clusterDNS; Kubernetes can add a ServiceCIDR but not move the primary range",
			strings.Join(o.ServiceCIDRs, ","), strings.Join(n.ServiceCIDRs, ",")))
	}
	if o.CNI != n.CNI {
		refuse("CNI", fmt.Sprintf("%s → %s is refused in place: two CNIs cannot serve the same pods; changing it means re-creating every pod's network on every node, a migration the CNI vendors describe, not a render", o.CNI, n.CNI))
	}
	if o.DNSDomain != n.DNSDomain {
		refuse("DNS domain", fmt.Sprintf("%s → %s is refused in place: it is in every pod's resolv.conf, in the API server's certificate and in every service name clients use", o.DNSDomain, n.DNSDomain))
	}
	if oc := c.old.Cluster; oc != c.new.Cluster {
		refuse("cluster name", fmt.Sprintf("%s → %s is refused in place: kubeadm writes the name into every kubeconfig and the kubeadm-config ConfigMap; it names another cluster", oc, c.new.Cluster))
	}
}

// versions plans a Kubernetes version change under the version skew
// policy: no downgrade, no skipped minor (each minor between is a hop),
// the control plane before the kubelets, so that no kubelet is newer than
// the API server.
func (c *comparer) versions() {
	from, to := parseVersion(c.old.Kubernetes.Version), parseVersion(c.new.Kubernetes.Version)
	if from == to {
		c.deprecations(nil)
		return
	}
	if to.less(from) {
		c.refusedVersion = true
		c.add(Change{Target: "Kubernetes " + to.String(), Category: "versions", Action: Refuse, Impact: Destructive, phase: phaseRefused,
			Summary: fmt.Sprintf("downgrade %s → %s is refused: Kubernetes supports no downgrade of a control plane (objects stored by the newer API server may use fields and storage versions the older one cannot read); restore the etcd backup taken before the upgrade instead", from, to)})
		return
	}
	hops := Hops(from.String(), to.String())
	prev := from.String()
	for i, h := range hops {
		c.add(c.hop(prev, h, i+1, len(hops)))
		prev = h
	}
	c.deprecations(hops)
}

// hop is one upgrade from prev to target, with kubeadm of the target's
// minor.
func (c *comparer) hop(prev, target string, n, of int) Change {
	v := parseVersion(target)
	etcdV := state.EtcdVersionFor(v.minor)
	ch := Change{Target: "Kubernetes " + target, Category: "versions", Action: Upgrade, Impact: Disruptive, phase: phaseUpgrade, scope: target,
		Summary: fmt.Sprintf("hop %d of %d: %s → %s; every control-plane component restarts one node at a time and every node is drained in turn, so workloads lose capacity while it runs", n, of, prev, target)}
	if c.new.Etcd.Topology == "stacked" {
		ch.Details = append(ch.Details, fmt.Sprintf("kubeadm %s upgrades stacked etcd to %s, the version it pins for 1.%d", target, etcdV, v.minor))
	} else {
		ch.Details = append(ch.Details, fmt.Sprintf("kubeadm leaves external etcd alone; kubeadm 1.%d pins etcd %s and needs at least %s: upgrade the members one at a time with kubeadm/etcd/<member>.yaml", v.minor, etcdV, state.MinExternalEtcd))
	}
	if n < of {
		ch.Details = append(ch.Details, fmt.Sprintf("an intermediate hop: Kubernetes supports upgrades of one minor version at a time, so %s cannot be skipped", target))
	}
	ch.Details = append(ch.Details, "kubelets are upgraded after every control-plane node: a kubelet is never newer than the API server")
	// Masters: the first (existing) one applies, the others follow.
	var masters, workers []state.Machine
	oldM := machineMap(c.old)
	for _, m := range byZone(c.old.Machines) {
		if _, ok := machineMap(c.new)[m.Name]; !ok {
			continue // leaves the cluster
		}
		switch role(m) {
		case state.RoleControlPlane:
			masters = append(masters, m)
		case state.RoleWorker:
			workers = append(workers, m)
		}
	}
	firstName := ""
	if f := first(c.old); f != nil {
		if _, ok := machineMap(c.new)[f.Name]; ok {
			firstName = f.Name
		}
	}
	if firstName == "" && len(masters) > 0 {
		firstName = masters[0].Name
	}
	slices.SortStableFunc(masters, func(a, b state.Machine) int {
		if a.Name == firstName {
			return -1
		}
		if b.Name == firstName {
			return 1
		}
		return 0
	})
	_ = oldM
	install := func(host, pkgs string) Step {
		return Step{Host: host, Kind: StepManual, Command: fmt.Sprintf("install %s %s", pkgs, target), Purpose: "the packages of the hop's release"}
	}
	for i, m := range masters {
		ch.Steps = append(ch.Steps, install(m.Name, "kubeadm"))
		if i == 0 {
			ch.Steps = append(ch.Steps,
				Step{Host: m.Name, Kind: StepCheck, Command: "kubeadm upgrade plan", Purpose: "kubeadm checks the cluster can go to " + target},
				Step{Host: m.Name, Kind: StepRun, Command: "kubeadm upgrade apply v" + target + " --yes", Purpose: "upgrade the first control-plane node, the cluster's configuration and the addons"})
		} else {
			ch.Steps = append(ch.Steps, Step{Host: m.Name, Kind: StepRun, Command: "kubeadm upgrade node", Purpose: "upgrade this control-plane node's static pods"})
		}
		ch.Steps = append(ch.Steps, readyz(m))
	}
	for _, m := range append(masters, workers...) {
		if role(m) == state.RoleWorker {
			ch.Steps = append(ch.Steps, install(m.Name, "kubeadm"),
				Step{Host: m.Name, Kind: StepRun, Command: "kubeadm upgrade node" + patchesFlag(m), Purpose: "upgrade the node's kubelet configuration"})
		}
		ch.Steps = append(ch.Steps,
			Step{Host: AdminHost, Kind: StepRun, Command: "kubectl drain " + m.Name + " --ignore-daemonsets --delete-emptydir-data --timeout=15m", Purpose: "move its pods away, honouring PodDisruptionBudgets"},
			install(m.Name, "kubelet and kubectl"),
			Step{Host: m.Name, Kind: StepRun, Command: "systemctl daemon-reload && systemctl restart kubelet", Purpose: "run the new kubelet"},
			Step{Host: AdminHost, Kind: StepRun, Command: "kubectl uncordon " + m.Name, Purpose: "let pods come back"},
			Step{Host: AdminHost, Kind: StepCheck, Command: "kubectl wait --for=condition=Ready node/" + m.Name + " --timeout=10m", Purpose: "the node is Ready before the next"},
		)
	}
	if c.new.Etcd.Topology == "external" && n == of {
		for _, m := range c.new.Etcd.Members {
			if _, ok := oldM[m.Name]; !ok {
				continue
			}
			ch.Steps = append(ch.Steps,
				Step{Host: m.Name, Kind: StepRun, Command: "kubeadm init phase etcd local --config kubeadm/etcd/" + m.Name + ".yaml", Purpose: fmt.Sprintf("etcd %s, as kubeadm %s deploys it", etcdV, target)},
				Step{Host: m.Name, Kind: StepCheck, Command: "etcdctl --endpoints https://127.0.0.1:2379 --cacert /etc/kubernetes/pki/etcd/ca.crt --cert /etc/kubernetes/pki/etcd/healthcheck-client.crt --key /etc/kubernetes/pki/etcd/healthcheck-client.key endpoint health --cluster", Purpose: "every member healthy before the next"})
		}
	}
	return ch
}

// deprecations points at what the rendered tree uses that the target
// version (and, for objects stored in the cluster, each hop) removed or
// deprecated.
func (c *comparer) deprecations(hops []string) {
	target := parseVersion(c.new.Kubernetes.Version)
	for _, f := range Findings(c.new, target.minor) {
		impact, action := None, Note
		if f.Removed {
			impact, action = Destructive, Refuse
		}
		c.add(Change{Target: f.Where, Category: "versions", Action: action, Impact: impact, phase: phaseRefused,
			Summary: f.Message})
	}
	// Objects the cluster stores in an API version a hop removes must be
	// moved to a served version before that hop.
	for _, h := range hops {
		v := parseVersion(h)
		for _, d := range Deprecations {
			if d.Kind != KindAPIVersion || d.Removed == 0 || d.Removed != v.minor {
				continue
			}
			for _, o := range c.old.Objects {
				if o.APIVersion == d.Name && (d.Object == "" || d.Object == o.Kind) {
					c.add(Change{Target: objectTarget(o), Category: "versions", Action: Update, Impact: InPlace, phase: phaseEndpoint,
						Summary: fmt.Sprintf("stored as %s, which Kubernetes 1.%d removes: apply it as %s before the hop to %s", d.Name, d.Removed, d.Replacement, h),
						Steps:   []Step{{Host: AdminHost, Kind: StepRun, Command: "kubectl apply --server-side -k " + o.Component, Purpose: "store it in the served version"}}})
				}
			}
		}
	}
}
