package impact

import (
	"fmt"
	"slices"
	"strings"

	"github.com/blueprint-dev/blueprint/plan"
	"github.com/blueprint-dev/blueprint/state"
)

func quorum(n int) int { return n/2 + 1 }

// controlPlaneMembers plans control-plane nodes added, rebuilt and
// removed. With stacked etcd each is an etcd member too: new members join
// first, rebuilt ones leave and join one at a time, removed ones go last,
// and a step that would leave fewer members than the quorum of the members
// before it is refused.
func (c *comparer) controlPlaneMembers(add, rebuild, remove []state.Machine, why, renamedFrom map[string]string, oldM map[string]state.Machine) {
	stacked := c.new.Etcd.Topology == "stacked" && c.old.Etcd.Topology == "stacked"
	colocated := c.new.LoadBalancer.Mode == "colocated"
	members := 0
	for _, m := range c.old.Machines {
		if role(m) == state.RoleControlPlane {
			members++
		}
	}
	// leave reports whether one member may leave now, and says why not.
	leave := func(name string) (bool, string) {
		if !stacked {
			return true, ""
		}
		if members-1 < quorum(members) {
			return false, fmt.Sprintf("removing %s's etcd member would leave %d of %d members, below the quorum of %d: add members first, one at a time", name, members-1, members, quorum(members))
		}
		return true, ""
	}
	impactOfLeave := Disruptive
	if stacked {
		impactOfLeave = Destructive // an etcd member is removed
	}
	for _, m := range add {
		ch := Change{Target: "machine " + m.Name, Category: "machines", Action: Add, Impact: InPlace, phase: phaseAddControlPlane,
			Summary: fmt.Sprintf("new control-plane node in zone %s: kubeadm join --control-plane, one at a time", m.Zone)}
		if stacked {
			ch.Summary += fmt.Sprintf("; its etcd member joins (%d → %d members)", members, members+1)
			members++
		}
		ch.Steps = append(mintSecrets(c.firstName(), true), joinSteps(m, c.new.Kubernetes.Version, colocated)...)
		ch.Steps = append(ch.Steps, readyz(m))
		c.add(ch)
	}
	for _, m := range rebuild {
		old := oldM[m.Name]
		if o := renamedFrom[m.Name]; o != "" {
			old = oldM[o]
		}
		ch := Change{Target: "machine " + m.Name, Category: "machines", Action: Rebuild, Impact: impactOfLeave, phase: phaseAddControlPlane,
			Summary: "rebuild: " + why[m.Name]}
		if old.Name != m.Name {
			ch.Target = "machine " + old.Name + " → " + m.Name
		}
		if ok, reason := leave(old.Name); !ok {
			ch.Action, ch.Impact, ch.Summary = Refuse, Destructive, "refused: "+reason
			c.add(ch)
			continue
		}
		if stacked {
			ch.Details = append(ch.Details, fmt.Sprintf("etcd member %s leaves (%d of %d members stay, quorum %d) and joins again", old.Name, members-1, members, quorum(members)))
		}
		ch.Steps = append(leaveSteps(old), mintSecrets(c.firstName(), true)...)
		ch.Steps = append(ch.Steps, joinSteps(m, c.new.Kubernetes.Version, colocated)...)
		ch.Steps = append(ch.Steps, readyz(m))
		c.rebuilt[old.Name], c.rebuilt[m.Name] = true, true
		c.add(ch)
	}
	for _, m := range remove {
		ch := Change{Target: "machine " + m.Name, Category: "machines", Action: Remove, Impact: impactOfLeave, phase: phaseRemove,
			Summary: "control-plane node leaves the cluster"}
		if ok, reason := leave(m.Name); !ok {
			ch.Action, ch.Summary = Refuse, "refused: "+reason
			c.add(ch)
			continue
		}
		if stacked {
			ch.Summary += fmt.Sprintf("; its etcd member is removed first (%d → %d members, quorum %d → %d)", members, members-1, quorum(members), quorum(members-1))
			members--
		}
		ch.Steps = leaveSteps(m)
		c.rebuilt[m.Name] = true
		c.add(ch)
	}
}

func readyz(m state.Machine) Step {
	return Step{Host: m.Name, Kind: StepCheck, Command: fmt.Sprintf("curl -fsk https://%s/readyz", hostPort(m.Address, 6443)),
		Purpose: "its API server is ready before the next control-plane node"}
}

func hostPort(addr string, port int) string {
	if strings.Contains(addr, ":") {
		return fmt.Sprintf("[%s]:%d", addr, port)
	}
	return fmt.Sprintf("%s:%d", addr, port)
}

// masters lists the control-plane nodes of both designs that neither join
// nor leave, zone by zone: those whose static pods a change restarts.
func (c *comparer) masters() []state.Machine {
	oldM := machineMap(c.old)
	var out []state.Machine
	for _, m := range byZone(c.new.Machines) {
		if role(m) != state.RoleControlPlane || c.rebuilt[m.Name] {
			continue
		}
		if o, ok := oldM[m.Name]; ok && role(o) == state.RoleControlPlane {
			out = append(out, m)
		}
	}
	return out
}

func (c *comparer) initFile() string {
	f := first(c.new)
	return "kubeadm/init/" + f.Name + ".yaml"
}

// uploadConfig is the step that stores the new ClusterConfiguration in the
// cluster (the kubeadm-config ConfigMap), which kubeadm's per-node commands
// read.
func (c *comparer) uploadConfig() Step {
	return Step{Host: c.firstName(), Kind: StepRun, Command: "kubeadm init phase upload-config kubeadm --config " + c.initFile(),
		Purpose: "store the new ClusterConfiguration in kube-system/kubeadm-config"}
}

// endpoint plans a change of the API endpoint and of the API server's
// certificate names.
func (c *comparer) endpoint() {
	o, n := c.old.API, c.new.API
	if o.Endpoint != n.Endpoint {
		ch := Change{Target: "API endpoint", Category: "control-plane", Action: Update, Impact: Destructive, phase: phaseEndpoint,
			Summary: fmt.Sprintf("%s → %s: the cluster's identity for every client changes: every kubeconfig, every kubelet, kube-proxy and the join configuration name the endpoint", o.Endpoint, n.Endpoint),
			Details: []string{"kubeadm has no command for this: each step below edits what kubeadm wrote; expect the API to be unreachable for clients until they have the new endpoint"}}
		ch.Steps = append(ch.Steps, c.uploadConfig())
		for _, m := range c.masters() {
			ch.Steps = append(ch.Steps, reissue(c, m)...)
			ch.Steps = append(ch.Steps, Step{Host: m.Name, Kind: StepRun,
				Command: "cd /etc/kubernetes && mkdir -p /root/kubeconfig-old && mv admin.conf super-admin.conf controller-manager.conf scheduler.conf /root/kubeconfig-old/ 2>/dev/null; kubeadm init phase kubeconfig all --config /etc/kubernetes/kubeadm-node.yaml",
				Purpose: "write the kubeconfigs again with the new endpoint (kubeadm-node.yaml: this node's InitConfiguration with the new ClusterConfiguration)"})
		}
		for _, m := range byZone(c.new.Machines) {
			if !m.Kubelet || c.rebuilt[m.Name] {
				continue
			}
			ch.Steps = append(ch.Steps, Step{Host: m.Name, Kind: StepRun,
				Command: fmt.Sprintf("sed -i 's#server: https://%s#server: https://%s#' /etc/kubernetes/kubelet.conf && systemctl restart kubelet", o.Endpoint, n.Endpoint),
				Purpose: "point the kubelet at the new endpoint"})
		}
		ch.Steps = append(ch.Steps,
			Step{Host: AdminHost, Kind: StepRun, Command: fmt.Sprintf("kubectl -n kube-system get configmap kube-proxy -o yaml | sed 's#https://%s#https://%s#' | kubectl apply -f - && kubectl -n kube-system rollout restart daemonset kube-proxy", o.Endpoint, n.Endpoint), Purpose: "kube-proxy's kubeconfig"},
			Step{Host: AdminHost, Kind: StepRun, Command: fmt.Sprintf("kubectl -n kube-public get configmap cluster-info -o yaml | sed 's#https://%s#https://%s#' | kubectl apply -f -", o.Endpoint, n.Endpoint), Purpose: "what joining nodes discover"},
		)
		c.add(ch)
		return
	}
	added, removed := diffSets(o.CertSANs, n.CertSANs)
	if len(added)+len(removed) == 0 {
		return
	}
	ch := Change{Target: "apiserver certificate", Category: "control-plane", Action: Reissue, Impact: InPlace, phase: phaseCertificates,
		Summary: "the API server's certificate names change: apiserver.crt is issued again on every control-plane node, one at a time; kube-apiserver reloads its serving certificate from disk without a restart"}
	if len(added) > 0 {
		ch.Details = append(ch.Details, "names added: "+strings.Join(added, ", "))
	}
	if len(removed) > 0 {
		ch.Details = append(ch.Details, "names removed: "+strings.Join(removed, ", "))
	}
	ch.Steps = append(ch.Steps, c.uploadConfig())
	for _, m := range c.masters() {
		ch.Steps = append(ch.Steps, reissue(c, m)...)
	}
	if len(ch.Steps) == 1 {
		ch.Details = append(ch.Details, "only new control-plane nodes are affected: they get the new names when they join")
	}
	c.add(ch)
}

// reissue issues a master's apiserver.crt again with the names in the
// ClusterConfiguration: kubeadm keeps an existing certificate, so the old
// one is moved away first.
func reissue(c *comparer, m state.Machine) []Step {
	gen := "kubeadm init phase certs apiserver --config " + c.initFile()
	if !m.First || first(c.new).Name != m.Name {
		gen = "kubeadm join phase control-plane-prepare certs --config /etc/kubernetes/kubeadm-join.yaml"
	}
	steps := []Step{
		{Host: m.Name, Kind: StepRun, Command: "mkdir -p /root/pki-old && mv /etc/kubernetes/pki/apiserver.crt /etc/kubernetes/pki/apiserver.key /root/pki-old/",
			Purpose: "kubeadm keeps an existing certificate; move it away"},
		{Host: m.Name, Kind: StepRun, Command: gen, Purpose: "issue apiserver.crt with the new names"},
		{Host: m.Name, Kind: StepCheck, Command: "openssl x509 -in /etc/kubernetes/pki/apiserver.crt -noout -ext subjectAltName", Purpose: "the certificate holds the new names"},
		readyz(m),
	}
	if strings.HasPrefix(gen, "kubeadm join") {
		file := "kubeadm/join-control-plane/" + m.Name + ".yaml"
		steps = slices.Insert(steps, 1, Step{Host: m.Name, Kind: StepRun,
			Command: fmt.Sprintf("envsubst '${KUBEADM_TOKEN} ${KUBEADM_CA_CERT_HASH} ${KUBEADM_CERTIFICATE_KEY}' < %s > /etc/kubernetes/kubeadm-join.yaml", file),
			Purpose: "its join configuration, with fresh join secrets, names it and the cluster"})
	}
	return steps
}

func diffSets(old, new []string) (added, removed []string) {
	for _, s := range new {
		if !slices.Contains(old, s) {
			added = append(added, s)
		}
	}
	for _, s := range old {
		if !slices.Contains(new, s) {
			removed = append(removed, s)
		}
	}
	return added, removed
}

// controlPlane plans flag changes of the static pods kubeadm runs, and of
// the kubelet's and kube-proxy's configurations.
func (c *comparer) controlPlane() {
	oldC := map[string]state.Component{}
	for _, x := range c.old.ControlPlane {
		oldC[x.Name] = x
	}
	masters := c.masters()
	for _, n := range c.new.ControlPlane {
		o, ok := oldC[n.Name]
		files := changedFiles(o.Files, n.Files)
		if !ok || o.Hash == n.Hash && len(files) == 0 {
			continue
		}
		flags := o.Hash != n.Hash
		details := argDiff(o.Args, n.Args)
		if o.Volumes != n.Volumes {
			details = append(details, "its extra volumes change")
		}
		for _, f := range files {
			details = append(details, fmt.Sprintf("%s changes: it goes to %s, which %s reads when it starts", f.Tree, f.Host, n.Name))
		}
		if len(details) == 0 {
			details = append(details, "its configuration changes (version or image repository)")
			if c.old.Kubernetes.Version != c.new.Kubernetes.Version {
				continue // the upgrade hops restart it
			}
		}
		var names []string
		for _, m := range masters {
			names = append(names, m.Name)
		}
		ch := Change{Target: n.Name, Category: "control-plane", Action: RestartComponent, Impact: Restart, phase: phaseControlPlane, Details: details,
			Summary: fmt.Sprintf("restarts on %s, one control-plane node at a time, with /readyz checked between", strings.Join(names, ", "))}
		if len(names) == 0 {
			ch.Summary = "no existing control-plane node runs it with the old flags; new nodes get the new ones"
			ch.Action, ch.Impact = Note, None
		}
		if flags {
			ch.Steps = append(ch.Steps, c.uploadConfig())
		}
		for _, m := range masters {
			for _, f := range files {
				ch.Steps = append(ch.Steps, installHostFile(m, f))
			}
			if flags {
				ch.Steps = append(ch.Steps, Step{Host: m.Name, Kind: StepRun, Command: "kubeadm upgrade node phase control-plane",
					Purpose: "write the static pod manifests from the stored ClusterConfiguration; the kubelet restarts each component whose manifest changed and kubeadm waits for it"})
			} else {
				ch.Steps = append(ch.Steps, Step{Host: m.Name, Kind: StepRun, Command: fmt.Sprintf("crictl ps --name '^%s$' -q | xargs -r crictl stop", n.Name),
					Purpose: "its manifest is unchanged, so stop its container: the kubelet starts it again and it reads the new files"})
			}
			ch.Steps = append(ch.Steps, readyz(m))
		}
		for _, f := range files {
			if f.Envsubst != "" && len(masters) > 0 {
				ch.Steps = append(ch.Steps, Step{Host: AdminHost, Kind: StepRun, Command: "kubectl get secrets -A -o json | kubectl replace -f -",
					Purpose: "write every Secret again, so that it is stored with the encryption configuration's first provider"})
			}
		}
		if n.Name == "etcd" {
			ch.Summary = "etcd members restart one at a time (" + strings.Join(names, ", ") + "): quorum holds while each restarts"
		}
		c.add(ch)
	}
	c.kubelet()
	c.kubeProxy()
}

// changedFiles returns the host files whose hash differs between old and
// new, in the order of state.HostFiles.
func changedFiles(old, new map[string]string) []state.HostFile {
	var out []state.HostFile
	for _, f := range state.HostFiles {
		if old[f.Tree] != new[f.Tree] && new[f.Tree] != "" {
			out = append(out, f)
		}
	}
	return out
}

// installHostFile copies a file of the tree to its place on a
// control-plane node, filling in its variables from the environment.
func installHostFile(m state.Machine, f state.HostFile) Step {
	if f.Envsubst != "" {
		return Step{Host: m.Name, Kind: StepRun, Command: fmt.Sprintf("envsubst '%s' < %s > %s.new && chmod 600 %s.new && mv %s.new %s", f.Envsubst, f.Tree, f.Host, f.Host, f.Host, f.Host),
			Purpose: fmt.Sprintf("install %s with the values the cluster already uses (%s, from your secret store)", f.Host, f.Envsubst)}
	}
	return Step{Host: m.Name, Kind: StepRun, Command: fmt.Sprintf("install -D -m 0644 %s %s", f.Tree, f.Host),
		Purpose: "install the new " + f.Host}
}

// argDiff says which flags change.
func argDiff(old, new []state.Arg) []string {
	om, nm := map[string]string{}, map[string]string{}
	for _, a := range old {
		om[a.Name] = a.Value
	}
	for _, a := range new {
		nm[a.Name] = a.Value
	}
	var out []string
	for _, a := range new {
		if v, ok := om[a.Name]; !ok {
			out = append(out, fmt.Sprintf("--%s=%s added", a.Name, a.Value))
		} else if v != a.Value {
			out = append(out, fmt.Sprintf("--%s: %s → %s", a.Name, v, a.Value))
		}
	}
	for _, a := range old {
		if _, ok := nm[a.Name]; !ok {
			out = append(out, fmt.Sprintf("--%s=%s removed", a.Name, a.Value))
		}
	}
	return out
}

func fieldDiff(old, new map[string]string) []string {
	var out []string
	keys := map[string]bool{}
	for k := range old {
		keys[k] = true
	}
	for k := range new {
		keys[k] = true
	}
	for _, k := range sortedKeys(keys) {
		o, okO := old[k]
		n, okN := new[k]
		switch {
		case !okO:
			out = append(out, fmt.Sprintf("%s: %s added", k, short(n)))
		case !okN:
			out = append(out, fmt.Sprintf("%s: removed (was %s)", k, short(o)))
		case o != n:
			out = append(out, fmt.Sprintf("%s: %s → %s", k, short(o), short(n)))
		}
	}
	return out
}

func short(v string) string {
	if strings.HasPrefix(v, state.HashPrefix) {
		return "(long value)"
	}
	return v
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func (c *comparer) kubelet() {
	o, n := c.old.Kubelet, c.new.Kubelet
	if o.Hash == n.Hash || c.old.Kubernetes.Version != c.new.Kubernetes.Version && len(fieldDiff(o.Fields, n.Fields)) == 0 {
		c.kubeletPatches()
		return
	}
	ch := Change{Target: "kubelet", Category: "control-plane", Action: RestartComponent, Impact: Restart, phase: phaseKubelet,
		Summary: "the KubeletConfiguration changes: uploaded once, then each node fetches it and restarts its kubelet, node by node, zone by zone; running pods keep running",
		Details: fieldDiff(o.Fields, n.Fields)}
	ch.Steps = append(ch.Steps, Step{Host: c.firstName(), Kind: StepRun, Command: "kubeadm init phase upload-config kubelet --config " + c.initFile(),
		Purpose: "store the new KubeletConfiguration in kube-system/kubelet-config"})
	oldM := machineMap(c.old)
	for _, m := range byZone(c.new.Machines) {
		old, ok := oldM[m.Name]
		if !ok || !m.Kubelet || c.rebuilt[m.Name] {
			continue
		}
		ch.Steps = append(ch.Steps, c.kubeletSteps(old, m)...)
	}
	c.add(ch)
}

// kubeletSteps write a node's kubelet configuration again, from the
// cluster's and its pool's patch (copied first when it changed), and
// restart its kubelet.
func (c *comparer) kubeletSteps(old, m state.Machine) []Step {
	var steps []Step
	if m.KubeletPatch != "" && m.KubeletPatch != old.KubeletPatch {
		steps = append(steps, copyPatches(m))
	}
	return append(steps,
		Step{Host: m.Name, Kind: StepRun, Command: "kubeadm upgrade node phase kubelet-config" + patchesFlag(m) + " && systemctl restart kubelet", Purpose: "fetch the new configuration and restart the kubelet"},
		Step{Host: AdminHost, Kind: StepCheck, Command: "kubectl wait --for=condition=Ready node/" + m.Name + " --timeout=5m", Purpose: "the node is Ready again before the next"})
}

// kubeletPatches plans a pool whose patch of the KubeletConfiguration
// changed (its reservations, or the size they derive from): each of its
// nodes, zone by zone, gets the patch and restarts its kubelet.
func (c *comparer) kubeletPatches() {
	oldM := machineMap(c.old)
	byPool := map[string]*Change{}
	var pools []string
	for _, m := range byZone(c.new.Machines) {
		old, ok := oldM[m.Name]
		if !ok || !m.Kubelet || c.rebuilt[m.Name] || old.KubeletPatch == m.KubeletPatch || m.KubeletPatch == "" {
			continue
		}
		ch := byPool[m.Pool]
		if ch == nil {
			ch = &Change{Target: "kubelet (pool " + m.Pool + ")", Category: "control-plane", Action: RestartComponent, Impact: Restart, phase: phaseKubelet,
				Summary: fmt.Sprintf("%s%s/ changes (what each kubelet of the pool reserves): node by node, zone by zone, the patch is copied, kubeadm writes the kubelet's configuration again and the kubelet restarts; running pods keep running", plan.KubeletPatchTree, m.Pool)}
			byPool[m.Pool] = ch
			pools = append(pools, m.Pool)
		}
		ch.Steps = append(ch.Steps, c.kubeletSteps(old, m)...)
	}
	for _, p := range pools {
		c.add(*byPool[p])
	}
}

// patchesFlag makes kubeadm apply a node's pool patch when it writes the
// node's kubelet configuration again: without it the pool's reservations
// would be lost.
func patchesFlag(m state.Machine) string {
	if m.KubeletPatch == "" {
		return ""
	}
	return " --patches " + plan.KubeletPatchDir
}

// copyPatches puts a node's pool patch where its join configuration and
// kubeadm upgrade read it.
func copyPatches(m state.Machine) Step {
	return Step{Host: m.Name, Kind: StepRun,
		Command: fmt.Sprintf("rm -rf %s && install -D -m 0644 -t %s %s%s/*", plan.KubeletPatchDir, plan.KubeletPatchDir, plan.KubeletPatchTree, m.Pool),
		Purpose: "its pool's patch of the KubeletConfiguration, where kubeadm reads it"}
}

func (c *comparer) kubeProxy() {
	o, n := c.old.KubeProxy, c.new.KubeProxy
	if o.Hash == n.Hash {
		return
	}
	c.add(Change{Target: "kube-proxy", Category: "control-plane", Action: Roll, Impact: Rolling, phase: phaseKubelet,
		Summary: "the KubeProxyConfiguration changes: kubeadm updates the kube-proxy ConfigMap and its DaemonSet replaces its pods node by node",
		Details: fieldDiff(o.Fields, n.Fields),
		Steps: []Step{
			{Host: c.firstName(), Kind: StepRun, Command: "kubeadm init phase addon kube-proxy --config " + c.initFile(), Purpose: "store the new configuration"},
			{Host: AdminHost, Kind: StepRun, Command: "kubectl -n kube-system rollout restart daemonset kube-proxy", Purpose: "kube-proxy reads its configuration only when it starts"},
			{Host: AdminHost, Kind: StepCheck, Command: "kubectl -n kube-system rollout status daemonset kube-proxy --timeout=15m", Purpose: "every node runs the new configuration"},
		}})
}

// etcd plans external etcd's membership and configuration; stacked
// members come and go with their control-plane nodes.
func (c *comparer) etcd() {
	o, n := c.old.Etcd, c.new.Etcd
	if o.Topology != n.Topology {
		c.add(Change{Target: "etcd", Category: "etcd", Action: Refuse, Impact: Destructive, phase: phaseRefused,
			Summary: fmt.Sprintf("topology %s → %s is refused: moving etcd's data between stacked and external members is a migration (snapshot, restore on the new members, every API server pointed at them) that kubeadm does not perform in place", o.Topology, n.Topology)})
		return
	}
	if n.Topology != "external" {
		return
	}
	oldM, newM := machineMap(c.old), machineMap(c.new)
	oldMembers := map[string]state.EtcdMember{}
	for _, m := range o.Members {
		oldMembers[m.Name] = m
	}
	newMembers := map[string]state.EtcdMember{}
	for _, m := range n.Members {
		newMembers[m.Name] = m
	}
	count := len(o.Members)
	anyMember := ""
	for _, m := range n.Members {
		if _, ok := oldMembers[m.Name]; ok {
			anyMember = m.Name
			break
		}
	}
	for _, m := range n.Members {
		om, ok := oldMembers[m.Name]
		if ok && om.PeerURL == m.PeerURL && oldM[m.Name].Zone == newM[m.Name].Zone {
			if oldM[m.Name].StaticPods["etcd"] != newM[m.Name].StaticPods["etcd"] {
				c.add(Change{Target: "etcd " + m.Name, Category: "etcd", Action: RestartComponent, Impact: Restart, phase: phaseEtcd,
					Summary: "its configuration changes: etcd restarts on this member; one member at a time keeps quorum",
					Steps: []Step{
						{Host: m.Name, Kind: StepRun, Command: "kubeadm init phase etcd local --config kubeadm/etcd/" + m.Name + ".yaml", Purpose: "write its static pod again; the kubelet restarts etcd"},
						{Host: m.Name, Kind: StepCheck, Command: "etcdctl --endpoints https://127.0.0.1:2379 --cacert /etc/kubernetes/pki/etcd/ca.crt --cert /etc/kubernetes/pki/etcd/healthcheck-client.crt --key /etc/kubernetes/pki/etcd/healthcheck-client.key endpoint health --cluster", Purpose: "every member is healthy before the next"},
					}})
			}
			continue
		}
		ch := Change{Target: "etcd member " + m.Name, Category: "etcd", Action: Add, Impact: InPlace, phase: phaseEtcd,
			Summary: fmt.Sprintf("new member (%d → %d members, quorum %d → %d)", count, count+1, quorum(count), quorum(count+1))}
		if ok {
			ch.Action, ch.Impact = Rebuild, Destructive
			ch.Summary = "its peer address or zone changes: the member is removed and added again, one at a time"
		}
		ch.Steps = []Step{
			{Host: anyMember, Kind: StepRun, Command: fmt.Sprintf("etcdctl --endpoints https://127.0.0.1:2379 --cacert /etc/kubernetes/pki/etcd/ca.crt --cert /etc/kubernetes/pki/etcd/healthcheck-client.crt --key /etc/kubernetes/pki/etcd/healthcheck-client.key member add %s --peer-urls=%s", m.Name, m.PeerURL), Purpose: "announce the member before it starts"},
			{Host: m.Name, Kind: StepRun, Command: fmt.Sprintf("sed 's/^      value: new$/      value: existing/' kubeadm/etcd/%s.yaml > /etc/kubernetes/etcd-join.yaml && kubeadm init phase etcd local --config /etc/kubernetes/etcd-join.yaml", m.Name), Purpose: "start it joining the existing cluster (initial-cluster-state existing), after its certificates as the recipe in ARCHITECTURE.md makes them"},
			{Host: m.Name, Kind: StepCheck, Command: "etcdctl --endpoints https://127.0.0.1:2379 --cacert /etc/kubernetes/pki/etcd/ca.crt --cert /etc/kubernetes/pki/etcd/healthcheck-client.crt --key /etc/kubernetes/pki/etcd/healthcheck-client.key endpoint health --cluster", Purpose: "every member is healthy"},
		}
		count++
		c.add(ch)
	}
	for _, m := range o.Members {
		if _, ok := newMembers[m.Name]; ok {
			continue
		}
		ch := Change{Target: "etcd member " + m.Name, Category: "etcd", Action: Remove, Impact: Destructive, phase: phaseEtcd,
			Summary: fmt.Sprintf("member removed (%d → %d members, quorum %d → %d)", count, count-1, quorum(count), quorum(count-1))}
		if count-1 < quorum(count) {
			ch.Action, ch.Summary = Refuse, fmt.Sprintf("refused: removing %s would leave %d of %d members, below the quorum of %d", m.Name, count-1, count, quorum(count))
			c.add(ch)
			continue
		}
		count--
		ch.Steps = []Step{
			{Host: anyMember, Kind: StepRun, Command: fmt.Sprintf("etcdctl --endpoints https://127.0.0.1:2379 --cacert /etc/kubernetes/pki/etcd/ca.crt --cert /etc/kubernetes/pki/etcd/healthcheck-client.crt --key /etc/kubernetes/pki/etcd/healthcheck-client.key member remove $(etcdctl --endpoints https://127.0.0.1:2379 --cacert /etc/kubernetes/pki/etcd/ca.crt --cert /etc/kubernetes/pki/etcd/healthcheck-client.crt --key /etc/kubernetes/pki/etcd/healthcheck-client.key member list | awk -F', ' '$3==\"%s\" {print $1}')", m.Name), Purpose: "remove the member while the others keep quorum"},
			{Host: m.Name, Kind: StepRun, Command: "rm -f /etc/kubernetes/manifests/etcd.yaml && rm -rf /var/lib/etcd", Purpose: "stop etcd on the host and drop its data"},
		}
		c.add(ch)
	}
}
