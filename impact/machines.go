package impact

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"

	"github.com/blueprint-dev/blueprint/state"
)

func has(roles []string, r string) bool { return slices.Contains(roles, r) }

// first returns the control-plane node that ran kubeadm init in s.
func first(s *state.State) *state.Machine {
	for i := range s.Machines {
		if s.Machines[i].First {
			return &s.Machines[i]
		}
	}
	return nil
}

// byZone sorts machines zone by zone, then by name: the order nodes are
// worked through.
func byZone(ms []state.Machine) []state.Machine {
	out := slices.Clone(ms)
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Zone != out[j].Zone {
			return out[i].Zone < out[j].Zone
		}
		return out[i].Name < out[j].Name
	})
	return out
}

func machineMap(s *state.State) map[string]state.Machine {
	m := map[string]state.Machine{}
	for _, x := range s.Machines {
		m[x.Name] = x
	}
	return m
}

// role names what a machine mainly is.
func role(m state.Machine) string {
	switch {
	case has(m.Roles, state.RoleControlPlane):
		return state.RoleControlPlane
	case has(m.Roles, state.RoleWorker):
		return state.RoleWorker
	case has(m.Roles, state.RoleEtcd):
		return state.RoleEtcd
	}
	return state.RoleLoadBalancer
}

// machines plans machines added, removed, renamed, moved, relabelled.
func (c *comparer) machines() {
	oldM, newM := machineMap(c.old), machineMap(c.new)
	c.rebuilt = map[string]bool{}
	// A machine gone and one new at the same address, of the same kind,
	// is the machine renamed.
	renamedTo := map[string]string{}
	byAddr := map[string]string{}
	for _, m := range c.new.Machines {
		if _, ok := oldM[m.Name]; !ok && m.Address != "" {
			byAddr[role(m)+" "+m.Address] = m.Name
		}
	}
	for _, m := range c.old.Machines {
		if _, ok := newM[m.Name]; !ok && m.Address != "" {
			if n, ok := byAddr[role(m)+" "+m.Address]; ok {
				renamedTo[m.Name] = n
				delete(byAddr, role(m)+" "+m.Address)
			}
		}
	}
	renamedFrom := map[string]string{}
	for o, n := range renamedTo {
		renamedFrom[n] = o
	}

	// Control-plane changes are planned together, to keep etcd's quorum.
	var cpAdd, cpRebuild, cpRemove []state.Machine
	var cpWhy = map[string]string{}
	for _, m := range byZone(c.new.Machines) {
		old, existed := oldM[m.Name]
		cp := role(m) == state.RoleControlPlane
		switch {
		case renamedFrom[m.Name] != "":
			o := oldM[renamedFrom[m.Name]]
			why := fmt.Sprintf("renamed from %s (same address %s): a node's name is its identity in its certificates and its Node object", o.Name, m.Address)
			if cp {
				cpRebuild = append(cpRebuild, m)
				cpWhy[m.Name] = why
				continue
			}
			c.rebuild(o, m, why)
		case !existed:
			if cp {
				cpAdd = append(cpAdd, m)
				continue
			}
			c.addMachine(m)
		default:
			if why := rebuildReason(old, m); why != "" {
				if cp {
					cpRebuild = append(cpRebuild, m)
					cpWhy[m.Name] = why
					continue
				}
				c.rebuild(old, m, why)
				continue
			}
			c.relabel(old, m)
			c.capacity(old, m)
		}
	}
	for _, m := range byZone(c.old.Machines) {
		if _, ok := newM[m.Name]; ok || renamedTo[m.Name] != "" {
			continue
		}
		if role(m) == state.RoleControlPlane {
			cpRemove = append(cpRemove, m)
			continue
		}
		c.removeMachine(m)
	}
	c.controlPlaneMembers(cpAdd, cpRebuild, cpRemove, cpWhy, renamedFrom, oldM)
}

// rebuildReason says why a machine in both designs must leave and join
// again, or "" if it need not.
func rebuildReason(old, m state.Machine) string {
	switch {
	case old.Zone != m.Zone:
		return fmt.Sprintf("moved from zone %s to %s: the zone label is set when the kubelet registers the node, and volumes and spread constraints are bound to it", old.Zone, m.Zone)
	case role(old) != role(m):
		return fmt.Sprintf("changes role from %s to %s", role(old), role(m))
	case old.Address != m.Address && role(m) != state.RoleWorker:
		return fmt.Sprintf("address %s → %s: the address is in its certificates, etcd's peer list and the load balancer", old.Address, m.Address)
	}
	return ""
}

func joinSteps(m state.Machine, version string, colocated bool) []Step {
	file := "kubeadm/join-worker/" + m.Name + ".yaml"
	vars := "'${KUBEADM_TOKEN} ${KUBEADM_CA_CERT_HASH}'"
	ignore := ""
	if role(m) == state.RoleControlPlane {
		file = "kubeadm/join-control-plane/" + m.Name + ".yaml"
		vars = "'${KUBEADM_TOKEN} ${KUBEADM_CA_CERT_HASH} ${KUBEADM_CERTIFICATE_KEY}'"
		if colocated {
			ignore = " --ignore-preflight-errors=DirAvailable--etc-kubernetes-manifests"
		}
	}
	steps := []Step{
		{Host: m.Name, Kind: StepManual, Command: fmt.Sprintf("install the container runtime and kubelet, kubeadm, kubectl %s; turn swap off", version),
			Purpose: "prepare the host as ARCHITECTURE.md's install order says"},
	}
	if role(m) == state.RoleControlPlane && colocated {
		steps = append(steps, Step{Host: m.Name, Kind: StepRun,
			Command: fmt.Sprintf("install -D -m 0644 loadbalancer/haproxy.cfg /etc/haproxy/haproxy.cfg && install -D -m 0644 loadbalancer/keepalived/%s.conf /etc/keepalived/keepalived.conf && install -D -m 0755 loadbalancer/check_apiserver.sh /etc/keepalived/check_apiserver.sh && install -D -m 0644 -t /etc/kubernetes/manifests loadbalancer/static-pods/haproxy.yaml loadbalancer/static-pods/keepalived.yaml", m.Name),
			Purpose: "the load balancer's files and static pods, before the node joins"})
	}
	if m.KubeletPatch != "" {
		steps = append(steps, copyPatches(m))
	}
	steps = append(steps,
		Step{Host: m.Name, Kind: StepRun, Command: fmt.Sprintf("envsubst %s < %s > /etc/kubernetes/kubeadm-join.yaml", vars, file),
			Purpose: "fill in the join secrets (minted as ARCHITECTURE.md says)"},
		Step{Host: m.Name, Kind: StepRun, Command: "kubeadm join --config /etc/kubernetes/kubeadm-join.yaml" + ignore,
			Purpose: "join the cluster with the node's name, labels and taints"},
		Step{Host: AdminHost, Kind: StepCheck, Command: "kubectl wait --for=condition=Ready node/" + m.Name + " --timeout=10m",
			Purpose: "the node registered and is Ready"},
		Step{Host: AdminHost, Kind: StepRun, Command: "kubectl get csr --field-selector spec.signerName=kubernetes.io/kubelet-serving | grep system:node:" + m.Name,
			Purpose: "approve " + m.Name + "'s kubelet serving certificate request after checking its name and address (kubectl certificate approve NAME), unless an approver runs"},
	)
	return steps
}

// mintSecrets are the steps that mint the join secrets on the first
// control-plane node.
func mintSecrets(firstNode string, controlPlane bool) []Step {
	steps := []Step{{Host: firstNode, Kind: StepRun, Command: "kubeadm token create --ttl 2h",
		Purpose: "mint a bootstrap token: export it as KUBEADM_TOKEN, with KUBEADM_CA_CERT_HASH as ARCHITECTURE.md computes it"}}
	if controlPlane {
		steps = append(steps, Step{Host: firstNode, Kind: StepRun, Command: "kubeadm init phase upload-certs --upload-certs",
			Purpose: "upload the control-plane certificates; export the key it prints as KUBEADM_CERTIFICATE_KEY (valid 2 hours)"})
	}
	return steps
}

func (c *comparer) firstName() string {
	if f := first(c.old); f != nil {
		if _, ok := machineMap(c.new)[f.Name]; ok {
			return f.Name
		}
	}
	if f := first(c.new); f != nil {
		return f.Name
	}
	return "the first control-plane node"
}

func (c *comparer) addMachine(m state.Machine) {
	ch := Change{Target: "machine " + m.Name, Category: "machines", Action: Add, Impact: InPlace, phase: phaseAddWorkers}
	switch role(m) {
	case state.RoleWorker:
		ch.Summary = fmt.Sprintf("new worker of pool %s in zone %s: kubeadm join with kubeadm/join-worker/%s.yaml", m.Pool, m.Zone, m.Name)
		ch.Steps = append(mintSecrets(c.firstName(), false), joinSteps(m, c.new.Kubernetes.Version, false)...)
	case state.RoleEtcd:
		return // planned with etcd's membership
	default:
		ch.Summary = fmt.Sprintf("new load-balancer host in zone %s", m.Zone)
		ch.Steps = []Step{
			{Host: m.Name, Kind: StepManual, Command: "install haproxy, keepalived and curl", Purpose: "prepare the host"},
			{Host: m.Name, Kind: StepRun, Command: fmt.Sprintf("install -D -m 0644 loadbalancer/haproxy.cfg /etc/haproxy/haproxy.cfg && install -D -m 0644 loadbalancer/keepalived/%s.conf /etc/keepalived/keepalived.conf && install -D -m 0755 loadbalancer/check_apiserver.sh /etc/keepalived/check_apiserver.sh", m.Name), Purpose: "its configuration"},
			{Host: m.Name, Kind: StepRun, Command: "systemctl enable --now haproxy keepalived", Purpose: "start it as a BACKUP peer"},
		}
		ch.phase = phaseLoadBalancer
	}
	if m.CPU > 0 {
		ch.Details = append(ch.Details, fmt.Sprintf("capacity %d CPU, %s", m.CPU, m.Memory))
	}
	c.add(ch)
}

// leaveSteps drain a node and take it out of the cluster.
func leaveSteps(m state.Machine) []Step {
	var steps []Step
	if m.Kubelet {
		steps = append(steps,
			Step{Host: AdminHost, Kind: StepRun, Command: "kubectl drain " + m.Name + " --ignore-daemonsets --delete-emptydir-data --timeout=15m",
				Purpose: "evict its pods through the eviction API, which honours every PodDisruptionBudget"})
	}
	if role(m) == state.RoleControlPlane {
		steps = append(steps, Step{Host: m.Name, Kind: StepRun, Command: "kubeadm reset phase remove-etcd-member",
			Purpose: "remove its etcd member while the others keep quorum"})
	}
	if m.Kubelet {
		steps = append(steps,
			Step{Host: m.Name, Kind: StepRun, Command: "kubeadm reset -f", Purpose: "stop its kubelet's pods and remove what kubeadm wrote"},
			Step{Host: AdminHost, Kind: StepRun, Command: "kubectl delete node " + m.Name, Purpose: "remove the Node object"})
	} else {
		steps = append(steps, Step{Host: m.Name, Kind: StepRun, Command: "systemctl disable --now haproxy keepalived", Purpose: "stop the load balancer on this host"})
	}
	return steps
}

// localVolumes lists the old design's PersistentVolumes pinned to node.
func (c *comparer) localVolumes(node string) []string {
	var out []string
	for _, o := range c.old.Objects {
		if o.Kind == "PersistentVolume" && strings.Contains(o.Fields["spec.nodeAffinity"], `"`+node+`"`) {
			out = append(out, o.Name)
		}
	}
	return out
}

func (c *comparer) removeMachine(m state.Machine) {
	if role(m) == state.RoleEtcd {
		return // planned with etcd's membership
	}
	ch := Change{Target: "machine " + m.Name, Category: "machines", Action: Remove, Impact: Disruptive, phase: phaseRemove,
		Summary: fmt.Sprintf("%s leaves the cluster: its pods move to other nodes and its capacity is gone", role(m)),
		Steps:   leaveSteps(m)}
	if role(m) == state.RoleLoadBalancer {
		ch.Summary = "load-balancer host leaves; the VIP moves if it held it"
	}
	if pvs := c.localVolumes(m.Name); len(pvs) > 0 {
		ch.Impact = Destructive
		ch.Details = append(ch.Details, "destroys data: its local volumes "+strings.Join(pvs, ", ")+" go with it")
	}
	c.add(ch)
}

func (c *comparer) rebuild(old, m state.Machine, why string) {
	ch := Change{Target: "machine " + m.Name, Category: "machines", Action: Rebuild, Impact: Disruptive, phase: phaseRebuild,
		Summary: "rebuild: " + why}
	if old.Name != m.Name {
		ch.Target = "machine " + old.Name + " → " + m.Name
	}
	if pvs := c.localVolumes(old.Name); len(pvs) > 0 {
		ch.Impact = Destructive
		ch.Details = append(ch.Details, "destroys data: its local volumes "+strings.Join(pvs, ", ")+" are bound to the old node")
	}
	ch.Steps = leaveSteps(old)
	if role(m) == state.RoleWorker {
		ch.Steps = append(ch.Steps, mintSecrets(c.firstName(), false)...)
		ch.Steps = append(ch.Steps, joinSteps(m, c.new.Kubernetes.Version, false)...)
	} else {
		ch.Steps = append(ch.Steps, Step{Host: m.Name, Kind: StepManual, Command: "set up the host again as a " + role(m) + " (see the machine's add steps)", Purpose: "join it again"})
	}
	c.rebuilt[old.Name] = true
	c.rebuilt[m.Name] = true
	c.add(ch)
}

// relabel plans label and taint changes of a node, which the kubelet
// applies only when it first registers.
func (c *comparer) relabel(old, m state.Machine) {
	if !m.Kubelet {
		return
	}
	var steps []Step
	var details []string
	impact := InPlace
	for _, k := range slices.Sorted(maps.Keys(old.Labels)) {
		if _, ok := m.Labels[k]; !ok {
			steps = append(steps, Step{Host: AdminHost, Kind: StepRun, Command: fmt.Sprintf("kubectl label node %s %s-", m.Name, k), Purpose: "remove label " + k})
			details = append(details, fmt.Sprintf("label %s=%s removed", k, old.Labels[k]))
		}
	}
	for _, k := range slices.Sorted(maps.Keys(m.Labels)) {
		if v, ok := old.Labels[k]; !ok || v != m.Labels[k] {
			steps = append(steps, Step{Host: AdminHost, Kind: StepRun, Command: fmt.Sprintf("kubectl label node %s %s=%s --overwrite", m.Name, k, m.Labels[k]), Purpose: "set label " + k})
			if ok {
				details = append(details, fmt.Sprintf("label %s: %s → %s", k, v, m.Labels[k]))
			} else {
				details = append(details, fmt.Sprintf("label %s=%s added", k, m.Labels[k]))
			}
		}
	}
	taintKey := func(t state.Taint) string { return t.Key + ":" + t.Effect }
	oldT, newT := map[string]state.Taint{}, map[string]state.Taint{}
	for _, t := range old.Taints {
		oldT[taintKey(t)] = t
	}
	for _, t := range m.Taints {
		newT[taintKey(t)] = t
	}
	for _, k := range slices.Sorted(maps.Keys(oldT)) {
		if _, ok := newT[k]; !ok {
			steps = append(steps, Step{Host: AdminHost, Kind: StepRun, Command: fmt.Sprintf("kubectl taint node %s %s-", m.Name, k), Purpose: "remove taint " + k})
			details = append(details, "taint "+k+" removed")
		}
	}
	for _, k := range slices.Sorted(maps.Keys(newT)) {
		t := newT[k]
		if o, ok := oldT[k]; ok && o.Value == t.Value {
			continue
		}
		spec := t.Key
		if t.Value != "" {
			spec += "=" + t.Value
		}
		steps = append(steps, Step{Host: AdminHost, Kind: StepRun, Command: fmt.Sprintf("kubectl taint node %s %s:%s --overwrite", m.Name, spec, t.Effect), Purpose: "set taint " + k})
		details = append(details, fmt.Sprintf("taint %s:%s added", spec, t.Effect))
		if t.Effect == "NoExecute" {
			impact = Disruptive
			details = append(details, "NoExecute evicts the pods on it that do not tolerate the taint")
		}
	}
	if len(steps) == 0 {
		if old.KubeletArgs != m.KubeletArgs && old.Address == m.Address {
			c.add(Change{Target: "machine " + m.Name, Category: "machines", Action: Note, Impact: None, phase: phaseRelabel,
				Summary: "the node's registration settings in its kubeadm configuration changed; they apply the next time it joins"})
		}
		if old.Address != m.Address {
			c.add(Change{Target: "machine " + m.Name, Category: "machines", Action: RestartComponent, Impact: Restart, phase: phaseRelabel,
				Summary: fmt.Sprintf("address %s → %s: the kubelet reports the new address after a restart; its serving certificate names the old one", old.Address, m.Address),
				Steps: []Step{
					{Host: m.Name, Kind: StepRun, Command: "rm -f /var/lib/kubelet/pki/kubelet-server-current.pem && systemctl restart kubelet", Purpose: "restart the kubelet so it requests a serving certificate for the new address"},
					{Host: AdminHost, Kind: StepRun, Command: "kubectl get csr --field-selector spec.signerName=kubernetes.io/kubelet-serving | grep system:node:" + m.Name, Purpose: "approve the new serving certificate request after checking it"},
				}})
		}
		return
	}
	steps = append(steps, Step{Host: m.Name, Kind: StepManual,
		Command: fmt.Sprintf("keep /var/lib/kubelet/kubeadm-flags.env in step with kubeadm/join-worker/%s.yaml's node-labels", m.Name),
		Purpose: "the kubelet sets labels only when it registers; a re-registered node would get them from there"})
	if role(m) == state.RoleControlPlane {
		steps = steps[:len(steps)-1]
	}
	c.add(Change{Target: "node " + m.Name, Category: "machines", Action: Relabel, Impact: impact, phase: phaseRelabel,
		Summary: "labels or taints change; the kubelet applies them only when it first registers, so they are set with kubectl",
		Details: details, Steps: steps})
}

func (c *comparer) capacity(old, m state.Machine) {
	if old.CPU == m.CPU && old.Memory == m.Memory {
		return
	}
	c.add(Change{Target: "machine " + m.Name, Category: "machines", Action: Note, Impact: None, phase: phaseRelabel,
		Summary: fmt.Sprintf("capacity %d CPU, %s → %d CPU, %s: what the machine has; blueprint does not resize machines", old.CPU, old.Memory, m.CPU, m.Memory)})
}
