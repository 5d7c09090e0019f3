// Package plan turns a validated spec into the typed, defaulted data that each
// rendered artifact needs. Nothing here knows HCL or templates: templates only
// print what the plan computed.
package plan

import (
	"fmt"
	"net/netip"
	"sort"
	"strings"

	"github.com/blueprint-dev/blueprint/spec"
	"github.com/blueprint-dev/blueprint/validate"
)

// Ports the design uses.
const (
	APIServerPort      = 6443
	EtcdClientPort     = 2379
	EtcdPeerPort       = 2380
	EtcdMetricsPort    = 2381
	KubeletPort        = 10250
	SchedulerPort      = 10259
	ControllerMgrPort  = 10257
	KubeProxyMetrics   = 10249
	CheckWeight        = 20 // keepalived lowers a failing host's priority by this much
	CheckInterval      = 3  // seconds between two runs of keepalived's check
	CheckFall          = 2  // failed checks in a row before the priority drops
	CheckRise          = 2  // passed checks in a row before it is restored
	AdvertInterval     = 1  // seconds between two VRRP adverts
	HAProxyCheckInter  = 3  // seconds between two health checks of one API server by HAProxy
	HAProxyCheckFall   = 3  // failed health checks in a row before HAProxy stops sending it requests
	HAProxyTimeout     = 5  // seconds HAProxy waits for a connection or a health check's answer
	PriorityStep       = 2  // priority gap between consecutive keepalived peers
	BasePriority       = 100
	AuditPolicyDir     = "/etc/kubernetes/audit"
	AuditLogDir        = "/var/log/kubernetes/audit"
	EncryptionDir      = "/etc/kubernetes/encryption"
	EtcdDataDir        = "/var/lib/etcd"
	CheckScriptPath    = "/etc/keepalived/check_apiserver.sh"
	HAProxyConfigPath  = "/etc/haproxy/haproxy.cfg"
	KeepalivedConfPath = "/etc/keepalived/keepalived.conf"
	ManifestsDir       = "/etc/kubernetes/manifests" // the kubelet's static pods
	// APIServerHealthPath is what the load balancer and keepalived's check
	// ask the API servers: /readyz turns 503 while a server shuts down or
	// has lost etcd, where the deprecated /healthz still answers ok.
	APIServerHealthPath = "/readyz"
)

// Placeholders stand where install-time secrets go; ARCHITECTURE.md says
// how each one is minted and filled in with envsubst.
const (
	TokenVar          = "KUBEADM_TOKEN"
	CACertHashVar     = "KUBEADM_CA_CERT_HASH"
	CertificateKeyVar = "KUBEADM_CERTIFICATE_KEY"
	EncryptionKeyVar  = "ENCRYPTION_KEY"
)

// Plan is everything the templates print.
type Plan struct {
	Name string
	// LabelName is Name where a DNS label is needed (LabelSafe); equal
	// to Name unless Name has dots.
	LabelName         string
	KubernetesVersion string // "v1.37.2"
	// VersionResolution says how a kubernetes_version that names a minor
	// or a channel became KubernetesVersion; "" for a full release.
	VersionResolution string
	DNSDomain         string
	ImageRepository   string
	CRISocket         string
	CNI               string // "none": the operator installs one
	ProxyMode         string // kube-proxy's mode
	PodSubnet         string // kubeadm form: comma-separated for dual-stack
	ServiceSubnet     string
	NodeSubnets       []string

	Endpoint Endpoint
	Zones    []string

	ControlPlane []Node // the first one runs kubeadm init
	// Schedulable: the control-plane nodes carry no taint and take any pod.
	Schedulable bool
	Etcd        Etcd
	LB          LoadBalancer
	Pools       []Pool
	Workers     []Node
	CertSANs    []string
	Audit       Audit
	// ControlPlaneKubelet sizes the cluster-wide KubeletConfiguration
	// (kubeadm/init/): the control-plane nodes use it as it is, workers
	// through their pool's patch.
	ControlPlaneKubelet Kubelet

	Authentication Authentication

	Failures []Failure
	// Install is the install order ARCHITECTURE.md gives.
	Install    []InstallStep
	ZoneGroups []ZoneGroup

	// Risks are the warnings the spec's accept blocks acknowledge.
	Risks []Risk

	Services  Services
	Workloads Workloads
	// Scale is the tuning the cluster's size calls for.
	Scale     Scale
	imageRefs map[string]string
	// ImageSupply is where images come from, how they are pinned and what
	// the admission policy lets run.
	ImageSupply ImageSupply

	HAProxyImage    string
	KeepalivedImage string
}

// Audit is the API server's audit logging: how --audit-log-maxage,
// --audit-log-maxbackup and --audit-log-maxsize rotate the log, which
// ARCHITECTURE.md turns into the retention it states, and the API groups
// whose status writes the policy records at Metadata only.
type Audit struct {
	MaxAgeDays int // a rotated file older than this is deleted
	MaxBackups int // rotated files kept beside the live one
	MaxSizeMB  int // a file is rotated at this size (MiB)
	// StatusGroups are the API groups, built in or of the CRDs blueprint's
	// tree installs, that have status subresources.
	StatusGroups []string
}

// DefaultAudit keeps 10 rotated files of 100 MiB for at most 30 days.
var DefaultAudit = Audit{MaxAgeDays: 30, MaxBackups: 10, MaxSizeMB: 100, StatusGroups: []string{
	"", "admissionregistration.k8s.io", "apiextensions.k8s.io", "apiregistration.k8s.io", "apps",
	"autoscaling", "autoscaling.k8s.io", "batch", "certificates.k8s.io", "flowcontrol.apiserver.k8s.io",
	"gateway.networking.k8s.io", "internal.apiserver.k8s.io", "kustomize.toolkit.fluxcd.io",
	"networking.k8s.io", "policy", "resource.k8s.io", "source.toolkit.fluxcd.io", "storage.k8s.io",
	"storagemigration.k8s.io",
}}

// Files is the most audit log files on a node: the live one and the rotated.
func (a Audit) Files() int { return a.MaxBackups + 1 }

// MaxTotalMB is the most disk the audit log takes on a node, in MiB.
func (a Audit) MaxTotalMB() int { return a.Files() * a.MaxSizeMB }

// HoursAt is how many hours of audit events the files hold when the API
// server records perSecond events of kib KiB each; past that, the size
// limit rotates events out before MaxAgeDays does.
func (a Audit) HoursAt(perSecond, kib int) float64 {
	return float64(a.MaxTotalMB()) * 1024 / float64(perSecond*kib) / 3600
}

// ZoneGroup is the machines of one zone, for the diagram and node table.
type ZoneGroup struct {
	ID       string
	Name     string
	Machines []Node
	// Boxes are what the diagram draws for the zone: a box per machine,
	// except that a pool with more than DiagramPoolNodes nodes in the zone
	// is one box, so a large cluster's diagram stays readable (and within
	// what Mermaid renders).
	Boxes []DiagramBox
}

// DiagramPoolNodes is how many nodes of one pool in one zone the diagram
// draws one by one.
const DiagramPoolNodes = 3

// DiagramBox is one box of the diagram: a machine, or the nodes of a pool
// in a zone.
type DiagramBox struct {
	ID      string
	Machine *Node // nil for a pool's box
	// For a pool's box:
	Pool        string
	Count       int
	First, Last string
}

// Endpoint is where clients and kubelets reach the API.
type Endpoint struct {
	Host string
	Port int
}

// String returns host:port, bracketing IPv6 addresses.
func (e Endpoint) String() string {
	if a, err := netip.ParseAddr(e.Host); err == nil && a.Is6() {
		return fmt.Sprintf("[%s]:%d", e.Host, e.Port)
	}
	return fmt.Sprintf("%s:%d", e.Host, e.Port)
}

// Node is a machine of the design.
type Node struct {
	ID      string // stable identifier for diagrams
	Duties  string // what runs on it, in words
	Name    string
	Address string // an IP address or a DNS name; "" when not fixed
	// SSHAddress is where the operator reaches the machine, when the spec
	// gives one apart from Address.
	SSHAddress string
	Zone       string
	Role       spec.Role
	Pool       string
	CPU        int
	Memory     string
	Labels     []Label // node labels the kubelet registers, sorted by key
	Taints     []Taint
}

// IP returns the node's address when it is an IP address, and "" when it
// is a DNS name (or not fixed): where a consumer needs an IP (kubeadm's
// advertiseAddress, the kubelet's --node-ip, etcd's listen URLs) it is
// then left for the machine to detect.
func (n Node) IP() string {
	if _, err := netip.ParseAddr(n.Address); err == nil {
		return n.Address
	}
	return ""
}

// SSH returns where the operator reaches the node: its SSH address, or
// its address.
func (n Node) SSH() string {
	if n.SSHAddress != "" {
		return n.SSHAddress
	}
	return n.Address
}

// Label is one Kubernetes label.
type Label struct{ Key, Value string }

// Taint is one node taint.
type Taint struct{ Key, Value, Effect string }

// Pool is a worker node pool.
type Pool struct {
	Name   string
	Zones  []string
	CPU    int    // 0 when the spec does not give it
	Memory string // "" when the spec does not give it
	Labels []Label
	Taints []Taint
	Nodes  []Node
	// Kubelet is what each node's kubelet keeps from pods, rendered as the
	// patch kubeadm/kubelet-patches/<pool>/ that its join applies.
	Kubelet Kubelet
}

// Etcd describes the etcd cluster.
type Etcd struct {
	External       bool
	Members        []Node // the control-plane nodes when stacked
	Endpoints      []string
	InitialCluster string // name=https://addr:2380,… for external members
	Quorum         int
	// Recipe is how external members are set up (empty when stacked).
	Recipe []Step
	// Backup is the periodic snapshot; nil when turned off.
	Backup *EtcdBackup
}

// LoadBalancer describes how clients reach the API servers: HAProxy and
// keepalived, kube-vip, a proxy on every worker, or an external balancer.
type LoadBalancer struct {
	Mode string
	// Managed: blueprint configures HAProxy (loadbalancer/haproxy.cfg), on
	// the control-plane nodes, dedicated hosts or every worker.
	Managed bool
	// Keepalived: keepalived holds the VIP (Peers, one config each).
	Keepalived bool
	Colocated  bool // HAProxy and keepalived as static pods on the control-plane nodes
	KubeVIP    bool // kube-vip static pods on the control-plane nodes hold the VIP
	LocalProxy bool // HAProxy static pods on every worker, on 127.0.0.1:6443
	// Hosts are the dedicated load-balancer hosts.
	Hosts []Node
	// ProxyNodes are the workers that run the local proxy.
	ProxyNodes []Node
	// LocalEndpoint is where every node reaches the API in local-proxy mode.
	LocalEndpoint string
	// StaticPodsFirst: static pods of the load balancer are in
	// /etc/kubernetes/manifests before kubeadm init and join run there.
	StaticPodsFirst bool
	// KubeVIP settings: the image and the lease its instances elect a
	// leader with.
	KubeVIPImage   string
	KubeVIPLease   string
	KubeVIPTimings KubeVIPTimings
	// KubeVIPMetricsPort is where kube-vip serves Prometheus metrics.
	KubeVIPMetricsPort int
	// Steps are what the install order adds for kube-vip or the local proxy.
	Steps        LBSteps
	VIP          string
	VIPPrefixLen int
	Port         int
	Interface    string
	RouterID     int
	Peers        []Peer
	Backends     []Node
	// BackendNames: some backends are DNS names, which HAProxy resolves.
	BackendNames bool
	CheckWeight  int
	// keepalived's check runs every CheckInterval seconds; CheckFall
	// failures lower the priority, CheckRise passes restore it; adverts go
	// every AdvertInterval seconds.
	CheckInterval, CheckFall, CheckRise, AdvertInterval int
	// HAProxy checks each API server every HAProxyInter seconds and stops
	// sending it requests after HAProxyFall failures; HAProxyTimeout
	// bounds a connection attempt and a check.
	HAProxyInter, HAProxyFall, HAProxyTimeout int
	// ComponentFailures says what happens when one program of the host
	// holding the VIP stops and stays down.
	ComponentFailures []ComponentFailure

	Description    string // one line for the architecture document
	Short          string // a few words for the diagram
	BindAddress    string // HAProxy's listen address: every IPv4 or every address
	IPv6           bool
	LocalCheckHost string // loopback host for the keepalived check URL
	LocalProbeHost string // loopback address for the static pod's probe
	HealthPath     string // what HAProxy and the check script ask each API server
}

// Peer is one keepalived instance.
type Peer struct {
	Node
	State    string // MASTER or BACKUP
	Priority int
	Others   []string // unicast peers
}

// Failure is one row of the failure-domain table.
type Failure struct {
	Lost         string   // "zone az1" or "node kmaster1"
	Machines     []string // the machines lost, by name
	EtcdLeft     int
	EtcdQuorum   bool
	APIServers   int
	LoadBalancer string
	APIReachable bool
	// RequestsMayFailFor bounds, in seconds, how long after the loss some
	// API requests may still fail while the survivors notice it (see
	// failureWindow); 0 when the API is not reachable or the design's
	// load balancer is not blueprint's to bound.
	RequestsMayFailFor float64
	// EtcdClients is set when the bound includes the API servers' etcd
	// clients giving up on connections to lost external members.
	EtcdClients bool
}

// Build computes the plan of a spec that validated without errors.
func Build(s *spec.Spec) *Plan {
	c, n := s.Cluster, s.Network
	ver, _ := validate.KubernetesVersion(c.KubernetesVersion)
	p := &Plan{
		Name:              c.Name,
		LabelName:         LabelSafe(c.Name),
		KubernetesVersion: "v" + ver.String(),
		VersionResolution: ver.Resolution(),
		DNSDomain:         c.DNSDomainOrDefault(),
		ImageRepository:   c.ImageRepositoryOrDefault(),
		CRISocket:         c.CRISocketOrDefault(),
		CNI:               n.CNIOrDefault(),
		ProxyMode:         n.ProxyModeOrDefault(),
		PodSubnet:         strings.Join(n.PodCIDRsOrDefault(), ","),
		ServiceSubnet:     strings.Join(n.ServiceCIDRsOrDefault(), ","),
		NodeSubnets:       n.NodeSubnets,
		Schedulable:       s.ControlPlane.SchedulableOrDefault(),
		Audit:             DefaultAudit,
	}
	for _, z := range s.Zones {
		p.Zones = append(p.Zones, z.Name)
	}
	var lbHosts []Node
	for _, m := range s.Machines() {
		node := Node{Name: m.Name, Address: m.Address, SSHAddress: m.SSHAddress, Zone: m.Zone, Role: m.Role}
		switch m.Role {
		case spec.RoleControlPlane:
			node.Labels = []Label{{"topology.kubernetes.io/zone", m.Zone}}
			if !s.ControlPlane.SchedulableOrDefault() {
				node.Taints = []Taint{{Key: ControlPlaneLabel, Effect: "NoSchedule"}}
			}
			p.ControlPlane = append(p.ControlPlane, node)
		case spec.RoleEtcd:
			p.Etcd.Members = append(p.Etcd.Members, node)
		case spec.RoleLoadBalancer:
			lbHosts = append(lbHosts, node)
		case spec.RoleWorker:
			p.Workers = append(p.Workers, workerNode(node, m.Pool))
		}
	}
	cp := s.ControlPlane
	p.ControlPlaneKubelet = kubelet("control plane", "", cp.CPUOrDefault(), cp.MemoryOrDefault(), cp.MaxPods, cp.Reservations(), nil)
	p.ControlPlaneKubelet.Assumed = cp.CPU == nil || cp.Memory == nil
	for _, sp := range s.NodePools {
		pool := Pool{Name: sp.Name, Zones: sp.Zones, CPU: sp.CPU, Memory: sp.Memory, Labels: poolLabels(sp), Taints: poolTaints(sp),
			Kubelet: kubelet(sp.Name, sp.Name, sp.CPU, sp.Memory, sp.MaxPods, sp.Reservations(), &p.ControlPlaneKubelet)}
		for _, w := range p.Workers {
			if w.Pool == sp.Name {
				pool.Nodes = append(pool.Nodes, w)
			}
		}
		p.Pools = append(p.Pools, pool)
	}

	p.Etcd.External = s.Etcd.TopologyOrDefault() == spec.EtcdExternal
	if !p.Etcd.External {
		p.Etcd.Members = p.ControlPlane
	}
	var initial []string
	for _, m := range p.Etcd.Members {
		p.Etcd.Endpoints = append(p.Etcd.Endpoints, "https://"+HostPort(m.Address, EtcdClientPort))
		initial = append(initial, m.Name+"=https://"+HostPort(m.Address, EtcdPeerPort))
	}
	p.Etcd.InitialCluster = strings.Join(initial, ",")
	p.Etcd.Quorum = len(p.Etcd.Members)/2 + 1
	if p.Etcd.External {
		p.Etcd.Recipe = externalEtcdRecipe(p)
	}

	buildLB(p, s, lbHosts)
	p.describeLB()
	buildLBSteps(p)
	p.groupZones()
	p.CertSANs = certSANs(p, s.ControlPlane.ExtraSANs)
	p.Authentication = buildAuthentication(s)
	buildServices(p, s)
	p.ImageSupply = buildImageSupply(p, s)
	p.Failures = failures(p)
	p.LB.ComponentFailures = componentFailures(p)
	p.Install = buildInstall(p)
	p.scale(s)
	p.sizePrometheusVPA()
	p.Risks = risks(s)
	return p
}

// HasSSHAddresses reports whether any machine has an SSH address apart
// from its address, for the Nodes table's SSH column.
func (p *Plan) HasSSHAddresses() bool {
	for _, g := range p.ZoneGroups {
		for _, m := range g.Machines {
			if m.SSHAddress != "" {
				return true
			}
		}
	}
	return false
}

// NamedMachines lists the machines whose address is a DNS name, in the
// Nodes table's order, for ARCHITECTURE.md's account of what each
// consumer does with a name.
func (p *Plan) NamedMachines() []Node {
	var named []Node
	for _, g := range p.ZoneGroups {
		for _, m := range g.Machines {
			if m.Address != "" && m.IP() == "" {
				named = append(named, m)
			}
		}
	}
	return named
}

// NamedRole reports whether a machine of the role has a DNS name as its
// address.
func (p *Plan) NamedRole(r spec.Role) bool {
	for _, m := range p.NamedMachines() {
		if m.Role == r {
			return true
		}
	}
	return false
}

// UnknownCapacityPools names the pools whose machines' size the spec does
// not give (spec.NodePool.CapacityKnown).
func (p *Plan) UnknownCapacityPools() []string {
	var out []string
	for _, pool := range p.Pools {
		if pool.CPU == 0 || pool.Memory == "" {
			out = append(out, pool.Name)
		}
	}
	return out
}

// LabelSafe turns a cluster name, a DNS-1123 subdomain of at most 63
// characters, into a DNS-1123 label for the places that need one (a
// Gateway's name, which Gateway implementations turn into Service names):
// every dot becomes a dash, so "ha.example.com" is "ha-example-com". Two
// names that differ only in dots and dashes give the same label; nothing
// that uses it is shared between clusters.
func LabelSafe(name string) string { return strings.ReplaceAll(name, ".", "-") }

func workerNode(n Node, sp *spec.NodePool) Node {
	n.Pool = sp.Name
	n.CPU, n.Memory = sp.CPU, sp.Memory
	n.Labels = append(poolLabels(sp), Label{"topology.kubernetes.io/zone", n.Zone})
	sort.Slice(n.Labels, func(i, j int) bool { return n.Labels[i].Key < n.Labels[j].Key })
	n.Taints = poolTaints(sp)
	return n
}

func poolLabels(sp *spec.NodePool) []Label {
	labels := []Label{{spec.PoolLabel, sp.Name}}
	for k, v := range sp.Labels {
		labels = append(labels, Label{k, v})
	}
	sort.Slice(labels, func(i, j int) bool { return labels[i].Key < labels[j].Key })
	return labels
}

func poolTaints(sp *spec.NodePool) []Taint {
	var ts []Taint
	for _, t := range sp.Taints {
		tt := Taint{Key: t.Key, Effect: t.Effect}
		if t.Value != nil {
			tt.Value = *t.Value
		}
		ts = append(ts, tt)
	}
	return ts
}

// peers spaces keepalived priorities so that a host whose check fails
// (priority - CheckWeight) falls below every healthy peer, and the VIP moves.
func peers(hosts []Node) []Peer {
	out := make([]Peer, len(hosts))
	for i, h := range hosts {
		p := Peer{Node: h, State: "BACKUP", Priority: BasePriority + PriorityStep*(len(hosts)-1-i)}
		if i == 0 {
			p.State = "MASTER"
		}
		for _, o := range hosts {
			if o.Name != h.Name {
				p.Others = append(p.Others, o.Address)
			}
		}
		out[i] = p
	}
	return out
}

// certSANs lists every name and address clients may use for the API server.
func certSANs(p *Plan, extra []string) []string {
	seen := map[string]bool{}
	var sans []string
	add := func(s string) {
		if s != "" && !seen[s] {
			seen[s] = true
			sans = append(sans, s)
		}
	}
	add(p.Endpoint.Host)
	for _, n := range p.ControlPlane {
		add(n.Name)
		add(n.Address)
	}
	add("127.0.0.1")
	add("localhost")
	for _, s := range extra {
		if a, err := netip.ParseAddr(s); err == nil {
			s = a.String()
		}
		add(s)
	}
	return sans
}

func splitEndpoint(s string) (string, int) {
	i := strings.LastIndex(s, ":")
	var port int
	fmt.Sscanf(s[i+1:], "%d", &port)
	return strings.Trim(s[:i], "[]"), port
}

func prefixLen(subnets []string, addr string) int {
	a, _ := netip.ParseAddr(addr)
	for _, s := range subnets {
		if p, err := netip.ParsePrefix(s); err == nil && p.Contains(a) {
			return p.Bits()
		}
	}
	return a.BitLen()
}
