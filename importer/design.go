// Package importer turns the description of an existing cluster (a
// Kubespray inventory, kubeadm configuration files, a KubeOne manifest) into
// a blueprint spec. Each source format has its own package, which reads its
// files into a Design and notes, with file and line, every setting it could
// not map; this package writes the Design as a formatted spec with hclwrite.
// Nothing here validates the result: blueprint validate does.
package importer

import (
	"bytes"
	"fmt"
	"net/netip"
	"reflect"
	"slices"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/hashicorp/hcl/v2/hclwrite"
	"github.com/zclconf/go-cty/cty"
)

// Design is a cluster as a source describes it, in blueprint's terms.
// Empty fields are left to blueprint's defaults.
type Design struct {
	Name            string
	Version         string
	DNSDomain       string
	ImageRepository string
	CRISocket       string

	NodeSubnets  []string // derived from the addresses when empty
	PodCIDRs     []string
	ServiceCIDRs []string
	CNI          string
	ProxyMode    string

	ControlPlane []Host
	Schedulable  bool
	ExtraSANs    []string
	// ControlPlaneKubelet is the control plane's KubeletConfiguration
	// sizing, which kubeadm uploads for every node.
	ControlPlaneKubelet Kubelet

	// Tuning is the components' flags that blueprint's tuning block sets.
	Tuning Tuning

	EtcdExternal bool
	EtcdMembers  []Host

	LB LB

	Pools []Pool

	// Findings are the source settings not mapped, or mapped only
	// approximately.
	Findings []Finding
}

// Host is a machine.
type Host struct {
	Name       string
	Address    string
	SSHAddress string
	Zone       string
}

// LB is the load balancer: Mode is one of blueprint's modes.
type LB struct {
	Mode      string
	VIP       string
	Interface string
	Port      int
	Endpoint  string // host:port, for mode external
	Hosts     []Host // for mode dedicated
}

// Pool is a group of workers that share labels and taints.
type Pool struct {
	Name   string
	Labels map[string]string
	Taints []Taint
	Nodes  []Host
}

// Kubelet is what a KubeletConfiguration reserves and how many pods it
// runs; empty fields are left to blueprint's defaults.
type Kubelet struct {
	MaxPods                                    int
	SystemReserved, KubeReserved, EvictionHard map[string]string
}

// Tuning is the flags of the tuning block; zero fields are left to
// blueprint, which sizes them for the cluster.
type Tuning struct {
	MaxRequestsInflight, MaxMutatingRequestsInflight int
	ControllerManagerQPS, ControllerManagerBurst     int
	SchedulerQPS, SchedulerBurst                     int
	EtcdQuota                                        string
	EventsEtcdServers                                []string
}

// Taint is a node taint.
type Taint struct{ Key, Value, Effect string }

// Finding is one setting of a source that the spec does not carry as the
// source has it.
type Finding struct {
	File    string
	Line    int
	Setting string // the setting's path, as the source writes it
	Note    string // what became of it
}

func (f Finding) String() string {
	if f.Line > 0 {
		return fmt.Sprintf("%s:%d: %s: %s", f.File, f.Line, f.Setting, f.Note)
	}
	return fmt.Sprintf("%s: %s: %s", f.File, f.Setting, f.Note)
}

// Note records a finding.
func (d *Design) Note(file string, line int, setting, note string, args ...any) {
	d.Findings = append(d.Findings, Finding{File: file, Line: line, Setting: setting, Note: fmt.Sprintf(note, args...)})
}

// Missing lists what a spec cannot do without and the sources did not say:
// the control-plane machines and, unless the load balancer is blueprint's
// own, the API endpoint.
func (d *Design) Missing() []string {
	var out []string
	if len(d.ControlPlane) == 0 {
		out = append(out, "control-plane machines")
	}
	if d.LB.Mode == "" || (d.LB.Mode == "external" && d.LB.Endpoint == "") {
		out = append(out, "the API endpoint (a load balancer or controlPlaneEndpoint)")
	}
	return out
}

// DefaultZone is the zone of machines whose source names none.
const DefaultZone = "default"

// zones lists the zones of every machine, in order of appearance.
func (d *Design) zones() []string {
	var out []string
	add := func(hs []Host) {
		for _, h := range hs {
			if !slices.Contains(out, h.Zone) {
				out = append(out, h.Zone)
			}
		}
	}
	add(d.ControlPlane)
	add(d.EtcdMembers)
	add(d.LB.Hosts)
	for _, p := range d.Pools {
		add(p.Nodes)
	}
	return out
}

// fillZones puts every machine without a zone in DefaultZone.
func (d *Design) fillZones() {
	fill := func(hs []Host) {
		for i := range hs {
			if hs[i].Zone == "" {
				hs[i].Zone = DefaultZone
			}
		}
	}
	fill(d.ControlPlane)
	fill(d.EtcdMembers)
	fill(d.LB.Hosts)
	for _, p := range d.Pools {
		fill(p.Nodes)
	}
}

// deriveSubnets returns, when the sources name no node subnet, the /24
// (IPv6: /64) around every IP address of a machine or of the VIP: the
// smallest subnets that hold them, which the reader should widen to the
// real ones.
func (d *Design) deriveSubnets() []string {
	seen := map[netip.Prefix]bool{}
	add := func(s string) {
		a, err := netip.ParseAddr(s)
		if err != nil {
			return
		}
		bits := 24
		if a.Is6() {
			bits = 64
		}
		p, _ := a.Prefix(bits)
		seen[p] = true
	}
	each := func(hs []Host) {
		for _, h := range hs {
			add(h.Address)
		}
	}
	each(d.ControlPlane)
	each(d.EtcdMembers)
	each(d.LB.Hosts)
	for _, p := range d.Pools {
		each(p.Nodes)
	}
	add(d.LB.VIP)
	var out []string
	for p := range seen {
		out = append(out, p.String())
	}
	sort.Strings(out)
	return out
}

// Spec writes the design as a formatted spec. header is a comment put
// first, one line per element.
func (d *Design) Spec(header []string) []byte {
	d.fillZones()
	f := hclwrite.NewEmptyFile()
	root := f.Body()
	for _, h := range header {
		root.AppendUnstructuredTokens(comment(h))
	}
	if len(header) > 0 {
		root.AppendNewline()
	}

	name := d.Name
	if name == "" {
		name = "imported"
	}
	c := root.AppendNewBlock("cluster", []string{name}).Body()
	setString(c, "kubernetes_version", d.Version)
	setString(c, "dns_domain", d.DNSDomain)
	setString(c, "image_repository", d.ImageRepository)
	if d.CRISocket != "unix:///var/run/containerd/containerd.sock" {
		setString(c, "cri_socket", d.CRISocket)
	}
	root.AppendNewline()

	n := root.AppendNewBlock("network", nil).Body()
	subnets := d.NodeSubnets
	if len(subnets) == 0 {
		subnets = d.deriveSubnets()
		if len(subnets) > 0 {
			d.Note("(derived)", 0, "network.node_subnets", "no source names the node subnets: %s are the /24 (IPv6 /64) around the machines' addresses; widen them to the real subnets", strings.Join(subnets, ", "))
		}
	}
	setList(n, "node_subnets", subnets)
	setString(n, "cni", d.CNI)
	setList(n, "pod_cidrs", d.PodCIDRs)
	setList(n, "service_cidrs", d.ServiceCIDRs)
	setString(n, "proxy_mode", d.ProxyMode)
	root.AppendNewline()

	for _, z := range d.zones() {
		root.AppendNewBlock("zone", []string{z})
	}
	root.AppendNewline()

	cp := root.AppendNewBlock("control_plane", nil).Body()
	if d.Schedulable {
		cp.SetAttributeValue("schedulable", cty.True)
	}
	setList(cp, "extra_sans", d.ExtraSANs)
	setInt(cp, "max_pods", d.ControlPlaneKubelet.MaxPods)
	setMap(cp, "system_reserved", d.ControlPlaneKubelet.SystemReserved)
	setMap(cp, "kube_reserved", d.ControlPlaneKubelet.KubeReserved)
	setMap(cp, "eviction_hard", d.ControlPlaneKubelet.EvictionHard)
	for _, h := range d.ControlPlane {
		host(cp, "node", h)
	}

	if d.EtcdExternal {
		root.AppendNewline()
		e := root.AppendNewBlock("etcd", nil).Body()
		setString(e, "topology", "external")
		for _, h := range d.EtcdMembers {
			host(e, "member", h)
		}
	}

	if d.LB.Mode != "" {
		root.AppendNewline()
		lb := root.AppendNewBlock("load_balancer", nil).Body()
		setString(lb, "mode", d.LB.Mode)
		setString(lb, "vip", d.LB.VIP)
		setString(lb, "interface", d.LB.Interface)
		if d.LB.Port != 0 {
			lb.SetAttributeValue("port", cty.NumberIntVal(int64(d.LB.Port)))
		}
		setString(lb, "endpoint", d.LB.Endpoint)
		for _, h := range d.LB.Hosts {
			host(lb, "host", h)
		}
	}

	for _, p := range d.Pools {
		root.AppendNewline()
		pb := root.AppendNewBlock("node_pool", []string{p.Name}).Body()
		var zones []string
		for _, n := range p.Nodes {
			if !slices.Contains(zones, n.Zone) {
				zones = append(zones, n.Zone)
			}
		}
		setList(pb, "zones", zones)
		setMap(pb, "labels", p.Labels)
		for _, t := range p.Taints {
			tb := pb.AppendNewBlock("taint", nil).Body()
			setString(tb, "key", t.Key)
			setString(tb, "value", t.Value)
			setString(tb, "effect", t.Effect)
		}
		for _, n := range p.Nodes {
			host(pb, "node", n)
		}
	}
	if t := d.Tuning; !reflect.ValueOf(t).IsZero() {
		root.AppendNewline()
		tb := root.AppendNewBlock("tuning", nil).Body()
		setInt(tb, "max_requests_inflight", t.MaxRequestsInflight)
		setInt(tb, "max_mutating_requests_inflight", t.MaxMutatingRequestsInflight)
		setString(tb, "etcd_quota", t.EtcdQuota)
		setList(tb, "events_etcd_servers", t.EventsEtcdServers)
		setInt(tb, "controller_manager_qps", t.ControllerManagerQPS)
		setInt(tb, "controller_manager_burst", t.ControllerManagerBurst)
		setInt(tb, "scheduler_qps", t.SchedulerQPS)
		setInt(tb, "scheduler_burst", t.SchedulerBurst)
	}
	// hclwrite writes an empty block over two lines; zones read better as
	// zone "az1" {}.
	return bytes.ReplaceAll(hclwrite.Format(f.Bytes()), []byte(" {\n}\n"), []byte(" {}\n"))
}

func host(b *hclwrite.Body, kind string, h Host) {
	hb := b.AppendNewBlock(kind, []string{h.Name}).Body()
	setString(hb, "address", h.Address)
	setString(hb, "ssh_address", h.SSHAddress)
	setString(hb, "zone", h.Zone)
}

func setString(b *hclwrite.Body, name, v string) {
	if v != "" {
		b.SetAttributeValue(name, cty.StringVal(v))
	}
}

func setInt(b *hclwrite.Body, name string, v int) {
	if v != 0 {
		b.SetAttributeValue(name, cty.NumberIntVal(int64(v)))
	}
}

// setMap writes a map of strings; hclwrite orders its keys.
func setMap(b *hclwrite.Body, name string, m map[string]string) {
	if len(m) == 0 {
		return
	}
	vs := map[string]cty.Value{}
	for k, v := range m {
		vs[k] = cty.StringVal(v)
	}
	b.SetAttributeValue(name, cty.MapVal(vs))
}

func setList(b *hclwrite.Body, name string, vs []string) {
	if len(vs) == 0 {
		return
	}
	l := make([]cty.Value, len(vs))
	for i, v := range vs {
		l[i] = cty.StringVal(v)
	}
	b.SetAttributeValue(name, cty.ListVal(l))
}

// comment writes one line of text as an HCL comment; control characters
// (a file name may hold any) are written as "?".
func comment(text string) hclwrite.Tokens {
	clean := strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r <= 0x9f) || r == 0x2028 || r == 0x2029 {
			return '?'
		}
		return r
	}, text)
	return hclwrite.Tokens{{Type: hclsyntax.TokenComment, Bytes: []byte("# " + clean + "\n")}}
}
