package plan

import (
	"fmt"
	"slices"
	"strings"
)

// The install order of ARCHITECTURE.md, as data: each numbered step of the
// document is an InstallStep, and the commands it lists are its Steps, so
// that the document and a rehearsal (blueprint rehearse) follow one list.

// InstallPhase names what one numbered step of the install order does; the
// template words each phase.
type InstallPhase string

// The phases, in the order they are installed.
const (
	PhasePackages     InstallPhase = "packages"      // runtime, kubelet, kubeadm on every host
	PhaseEtcd         InstallPhase = "etcd"          // external members (kubeadm's recipe), or stacked
	PhaseLoadBalancer InstallPhase = "load-balancer" // HAProxy and keepalived, or the external one
	PhaseConfigs      InstallPhase = "configs"       // audit, encryption and authentication files
	PhaseInit         InstallPhase = "init"          // kubeadm init on the first control-plane node
	PhaseCNI          InstallPhase = "cni"
	PhaseJoinMasters  InstallPhase = "join-control-plane"
	PhaseJoinWorkers  InstallPhase = "join-workers"
	PhaseServingCerts InstallPhase = "serving-certificates"
	PhaseServices     InstallPhase = "services" // Secrets, then manifests/ (directly or through gitops/)
)

// InstallStep is one numbered step of the install order.
type InstallStep struct {
	Phase InstallPhase
	// Text is the step's wording in the document when the phase's own
	// wording does not say it (each step of the services phase), Markdown.
	Text string `markdown:"blueprint"`
	// Steps carry the phase out, in order. Manual steps are the document's
	// prose only; the others are also listed with their commands.
	Steps []Step
}

// StepManual is an action the reader performs by hand or with tools
// outside this tree (a package manager, the CNI's installer): it has no
// command here, only a purpose.
const StepManual StepKind = "manual"

// nodeVar stands for the host's name in the command of a step run on
// each of a group of hosts (Step.Each).
const nodeVar = "<node>"

// KubeadmRun is a `kubeadm init` or `kubeadm join` a step runs, typed so
// that a rehearsal without a kubelet can run its phases one by one with
// the same configuration.
type KubeadmRun struct {
	Verb         string // "init" or "join"
	Config       string // the --config path, as the command has it
	ControlPlane bool   // a join of a control-plane node
	Flags        []string
}

// Service is what a service step (re)starts.
type Service struct {
	Units []string // systemd units, such as kubelet or haproxy
	// Containers are static pods' containers the step restarts, by name.
	Containers []string
}

// Placeholder is an install-time secret: a ${NAME} in the tree's files,
// filled in with envsubst on the host.
type Placeholder struct {
	Name string // KUBEADM_TOKEN
	What string
	// Host mints it ("" for any machine), by running Command, whose last
	// line of output is the value.
	Host    string
	Command string
	Note    string `markdown:"blueprint"` // when and how often, in a few words
}

// Placeholders returns the placeholders of the tree and how each is
// minted, in the order the install needs them.
func (p *Plan) Placeholders() []Placeholder {
	first := p.ControlPlane[0].Name
	return []Placeholder{
		{Name: EncryptionKeyVar, What: "key that encrypts Secrets in etcd", Command: "head -c 32 /dev/urandom | base64",
			Note: "once per cluster; keep it in your secret store"},
		{Name: TokenVar, What: "bootstrap token for joining", Host: first, Command: "kubeadm token create --ttl 2h"},
		{Name: CACertHashVar, What: "pins the cluster CA for joining nodes", Host: first,
			Command: "openssl x509 -pubkey -in /etc/kubernetes/pki/ca.crt | openssl rsa -pubin -outform der 2>/dev/null | openssl dgst -sha256 -hex | sed 's/^.* /sha256:/'"},
		{Name: CertificateKeyVar, What: "decrypts the control-plane certificates kubeadm uploads", Host: first,
			Command: "kubeadm init phase upload-certs --upload-certs --config " + p.InitConfig() + " | tail -n 1",
			Note:    "uploads them again under a new key, valid 2 hours; `kubeadm init --upload-certs` prints one too"},
	}
}

// InitConfig is the path of the first control-plane node's kubeadm file.
func (p *Plan) InitConfig() string { return "kubeadm/init/" + p.ControlPlane[0].Name + ".yaml" }

// JoinConfig is where a joining node keeps its kubeadm file after envsubst.
const JoinConfig = "/etc/kubernetes/kubeadm-join.yaml"

// skipManifestsCheck lets kubeadm start with the load balancer's static
// pods already in the manifests folder.
const skipManifestsCheck = "--ignore-preflight-errors=DirAvailable--etc-kubernetes-manifests"

// buildInstall lists the install order.
func buildInstall(p *Plan) []InstallStep {
	var out []InstallStep
	add := func(phase InstallPhase, steps ...Step) { out = append(out, InstallStep{Phase: phase, Steps: steps}) }
	run := func(host, command, purpose string) Step {
		return Step{Kind: StepRun, Host: host, Command: command, Purpose: purpose}
	}
	manual := func(host, purpose string) Step { return Step{Kind: StepManual, Host: host, Purpose: purpose} }

	add(PhasePackages, manual("every host", fmt.Sprintf("container runtime, kubelet, kubeadm and kubectl %s; swap off; etcdctl and etcdutl on etcd members", p.KubernetesVersion)))
	// The image patches go where the kubeadm configs name them before
	// kubeadm writes a static pod: on external etcd members before the
	// recipe, on control-plane nodes with their other files.
	patches := ""
	if ps := p.ImageSupply.Patches; len(ps) > 0 {
		patches = "install -D -m 0644 -t " + p.ImageSupply.PatchesDir
		for _, kp := range ps {
			patches += " kubeadm/patches/" + kp.File
		}
	}
	var etcd []Step
	if patches != "" && p.Etcd.External {
		for _, m := range p.Etcd.Members {
			etcd = append(etcd, run(m.Name, patches, "the patches that pin etcd's image by digest"))
		}
	}
	add(PhaseEtcd, append(etcd, p.Etcd.Recipe...)...)

	var lb []Step
	files := func(host string) string {
		return "install -D -m 0644 loadbalancer/haproxy.cfg " + HAProxyConfigPath +
			" && install -D -m 0644 loadbalancer/keepalived/" + host + ".conf " + KeepalivedConfPath +
			" && install -D -m 0755 loadbalancer/check_apiserver.sh " + CheckScriptPath
	}
	switch {
	case p.LB.KubeVIP, p.LB.LocalProxy:
		// Placed by the steps of the init, the joins and the workers
		// (LoadBalancer.Steps).
	case p.LB.Managed && !p.LB.Keepalived:
		h := p.LB.Hosts[0].Name
		lb = append(lb, manual(h, "install haproxy"),
			run(h, "install -D -m 0644 loadbalancer/haproxy.cfg "+HAProxyConfigPath, "the load balancer's configuration"),
			Step{Kind: StepService, Host: h, Command: "systemctl enable --now haproxy",
				Purpose: "HAProxy starts, now and at every boot", Service: &Service{Units: []string{"haproxy"}}})
	case p.LB.Colocated:
		for _, n := range p.ControlPlane {
			lb = append(lb, run(n.Name, files(n.Name)+" && install -D -m 0644 -t "+ManifestsDir+" loadbalancer/static-pods/haproxy.yaml loadbalancer/static-pods/keepalived.yaml",
				"HAProxy, keepalived and their static pods; the kubelet starts them"))
		}
	case p.LB.Managed:
		for _, peer := range p.LB.Peers {
			lb = append(lb, manual(peer.Name, "install haproxy, keepalived and curl"),
				run(peer.Name, files(peer.Name), "the load balancer's configuration"),
				Step{Kind: StepService, Host: peer.Name, Command: "systemctl enable --now haproxy keepalived",
					Purpose: "HAProxy and keepalived start, now and at every boot", Service: &Service{Units: []string{"haproxy", "keepalived"}}})
		}
	default:
		lb = append(lb, manual("the external load balancer", fmt.Sprintf("forward %s to port %d of every control-plane node, checking `%s` over HTTPS", p.Endpoint, APIServerPort, p.LB.HealthPath)))
	}
	add(PhaseLoadBalancer, lb...)

	var configs []Step
	for _, n := range p.ControlPlane {
		configs = append(configs, run(n.Name,
			`: "${`+EncryptionKeyVar+`:?}" && install -D -m 0644 kubeadm/audit-policy.yaml `+AuditPolicyDir+"/policy.yaml"+
				" && install -D -m 0644 kubeadm/authentication-config.yaml "+AuthenticationDir+"/config.yaml"+
				" && install -d -m 0700 "+EncryptionDir+
				" && envsubst '${"+EncryptionKeyVar+"}' < kubeadm/encryption-config.yaml > "+EncryptionDir+"/config.yaml"+
				" && chmod 0600 "+EncryptionDir+"/config.yaml",
			"the API server's audit policy, authentication and encryption configuration"))
		if patches != "" {
			configs = append(configs, run(n.Name, patches, "the patches that pin the images kubeadm writes by digest"))
		}
	}
	add(PhaseConfigs, configs...)

	first := p.ControlPlane[0]
	init := KubeadmRun{Verb: "init", Config: p.InitConfig(), Flags: []string{"--upload-certs"}}
	if p.LB.StaticPodsFirst {
		init.Flags = append(init.Flags, skipManifestsCheck)
	}
	purpose := "certificates, etcd, the control plane's static pods, the cluster's configuration"
	if p.Etcd.External {
		purpose = "certificates, the control plane's static pods, the cluster's configuration"
	}
	initSteps := append(append(slices.Clone(p.LB.Steps.BeforeInit),
		Step{Kind: StepRun, Host: first.Name, Command: init.String(), Kubeadm: &init, Purpose: purpose}), p.LB.Steps.AfterInit...)
	add(PhaseInit, initSteps...)
	add(PhaseCNI, manual("", fmt.Sprintf("the CNI (%s) with pod CIDR %s", p.CNI, p.PodSubnet)))

	var masters []Step
	for _, n := range p.ControlPlane[1:] {
		join := KubeadmRun{Verb: "join", Config: JoinConfig, ControlPlane: true}
		if p.LB.StaticPodsFirst {
			join.Flags = []string{skipManifestsCheck}
		}
		masters = append(masters, onHost(p.LB.Steps.BeforeJoin, n.Name)...)
		masters = append(masters,
			run(n.Name, envsubst(true)+" < kubeadm/join-control-plane/"+n.Name+".yaml > "+JoinConfig, "fill in the join secrets"),
			Step{Kind: StepRun, Host: n.Name, Command: join.String(), Kubeadm: &join,
				Purpose: "join as a control-plane node" + map[bool]string{true: "", false: " and an etcd member"}[p.Etcd.External]})
		masters = append(masters, onHost(p.LB.Steps.AfterJoin, n.Name)...)
	}
	add(PhaseJoinMasters, masters...)

	// Each pool's workers put its kubelet patch where their join config
	// names it, then join.
	var workers []Step
	for _, pool := range p.Pools {
		var names []string
		for _, w := range p.Workers {
			if w.Pool == pool.Name {
				names = append(names, w.Name)
			}
		}
		if len(names) == 0 {
			continue
		}
		join := KubeadmRun{Verb: "join", Config: JoinConfig}
		workers = append(workers, Step{Kind: StepRun, Host: "every worker of pool " + pool.Name, Each: names,
			Command: "install -D -m 0644 -t " + KubeletPatchDir + " " + KubeletPatchTree + pool.Name + "/" + KubeletPatchFile +
				" && " + envsubst(false) + " < kubeadm/join-worker/" + nodeVar + ".yaml > " + JoinConfig + " && " + join.String(), Kubeadm: &join,
			Purpose: "the pool's kubelet reservations, then join as a worker, in any order"})
	}
	if len(workers) > 0 {
		var all []string
		for _, w := range p.Workers {
			all = append(all, w.Name)
		}
		for _, st := range p.LB.Steps.Worker {
			st.Each = all
			workers = append(workers, st)
		}
		add(PhaseJoinWorkers, append(workers, p.LB.Steps.AllJoined...)...)
	}
	add(PhaseServingCerts, manual("", "each kubelet's serving certificate is approved"))
	out = append(out, p.Services.InstallSteps()...)
	return out
}

// onHost returns steps (of LoadBalancer.Steps, whose host is a group of
// hosts in words) as run on one host.
func onHost(steps []Step, host string) []Step {
	out := slices.Clone(steps)
	for i := range out {
		out[i].Host = host
	}
	return out
}

// envsubst fills in the join secrets of a join file (the certificate key
// only for a control-plane node), refusing to run while one is not set.
func envsubst(controlPlane bool) string {
	vars := []string{TokenVar, CACertHashVar}
	if controlPlane {
		vars = append(vars, CertificateKeyVar)
	}
	var check, names []string
	for _, v := range vars {
		check = append(check, `"${`+v+`:?}"`)
		names = append(names, "${"+v+"}")
	}
	return ": " + strings.Join(check, " ") + " && envsubst '" + strings.Join(names, " ") + "'"
}

// String is the command line.
func (k KubeadmRun) String() string {
	return strings.Join(append([]string{"kubeadm", k.Verb, "--config", k.Config}, k.Flags...), " ")
}

// ForHost returns the command of a step for one host of Each.
func (s Step) ForHost(host string) string { return strings.ReplaceAll(s.Command, nodeVar, host) }
