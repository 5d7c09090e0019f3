// Package kubeadm imports a cluster from kubeadm configuration files:
// InitConfiguration, ClusterConfiguration and JoinConfiguration documents of
// kubeadm.k8s.io/v1beta3 and v1beta4, one file per node or several in one,
// with the KubeletConfiguration and KubeProxyConfiguration beside them.
// kubeadm's files say who the nodes are and where the API is; they do not
// say how the endpoint is load balanced, what the node subnets are, which
// CNI runs or how large the machines are.
package kubeadm

import (
	"fmt"
	"net"
	"net/netip"
	"slices"
	"sort"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/blueprint-dev/blueprint/importer"
	"github.com/blueprint-dev/blueprint/plan"
)

// Labels blueprint reads back from a node's --node-labels.
const (
	zoneLabel = "topology.kubernetes.io/zone"
	poolLabel = "blueprint.dev/pool"
	// DefaultPool holds the workers whose labels name no pool.
	DefaultPool = "workers"
)

// Doc is one document of a source file.
type Doc struct {
	File       string
	APIVersion string
	Kind       string
	Node       *yaml.Node
}

// node is what the files say about one machine.
type node struct {
	name, address, zone, pool string
	labels                    map[string]string
	taints                    []importer.Taint
	taintsGiven               bool
	controlPlane, etcd        bool
	file                      string
	line                      int
}

// Parse reads the documents of kubeadm configuration files.
func Parse(files []importer.File) ([]Doc, error) {
	var docs []Doc
	for _, f := range files {
		ns, err := importer.ParseYAML(f.Data)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f.Path, err)
		}
		for _, n := range ns {
			docs = append(docs, Doc{File: f.Path, APIVersion: importer.Str(n, "apiVersion"), Kind: importer.Str(n, "kind"), Node: n})
		}
	}
	return docs, nil
}

// Read fills d from the documents.
func Read(docs []Doc, d *importer.Design) {
	var nodes []*node
	byName := map[string]*node{}
	get := func(name, file string, line int) *node {
		if n, ok := byName[name]; ok {
			return n
		}
		n := &node{name: name, file: file, line: line, labels: map[string]string{}}
		byName[name] = n
		nodes = append(nodes, n)
		return n
	}
	var cluster, kubeletDoc *Doc
	var etcdFiles = map[string]bool{}
	for i := range docs {
		doc := &docs[i]
		n := doc.Node
		switch {
		case doc.Kind == "ClusterConfiguration" && strings.HasPrefix(doc.APIVersion, "kubeadm.k8s.io/"):
			checkVersion(doc, d)
			if isEtcdMember(n) {
				etcdFiles[doc.File] = true
				continue
			}
			if cluster == nil {
				cluster = doc
			} else if importer.Str(n, "controlPlaneEndpoint") != importer.Str(cluster.Node, "controlPlaneEndpoint") {
				d.Note(doc.File, n.Line, "ClusterConfiguration", "differs from the one in %s; that one is used", cluster.File)
			}
		case doc.Kind == "KubeletConfiguration" && kubeletDoc == nil:
			kubeletDoc = doc
		case doc.Kind == "KubeProxyConfiguration":
			if m := importer.Str(n, "mode"); m != "" {
				d.ProxyMode = m
			}
		}
	}
	for i := range docs {
		doc := &docs[i]
		n := doc.Node
		if doc.Kind != "InitConfiguration" && doc.Kind != "JoinConfiguration" {
			continue
		}
		checkVersion(doc, d)
		reg := importer.Get(n, "nodeRegistration")
		name := importer.Str(reg, "name")
		if name == "" {
			d.Note(doc.File, n.Line, doc.Kind+".nodeRegistration.name", "no node name: the document is skipped (kubeadm would take the host name)")
			continue
		}
		m := get(name, doc.File, n.Line)
		args := kubeletArgs(reg)
		if ip := args["node-ip"]; ip != "" {
			m.address = ip
		}
		for _, l := range splitLabels(args["node-labels"]) {
			k, v, _ := strings.Cut(l, "=")
			switch k {
			case zoneLabel:
				m.zone = v
			case poolLabel:
				m.pool = v
			default:
				m.labels[k] = v
			}
		}
		if t := importer.Get(reg, "taints"); t != nil {
			m.taintsGiven = true
			for _, c := range t.Content {
				m.taints = append(m.taints, importer.Taint{Key: importer.Str(c, "key"), Value: importer.Str(c, "value"), Effect: importer.Str(c, "effect")})
			}
		}
		if crii := importer.Str(reg, "criSocket"); crii != "" {
			d.CRISocket = crii
		}
		switch {
		case etcdFiles[doc.File]:
			m.etcd = true
			m.address = first(importer.Str(n, "localAPIEndpoint", "advertiseAddress"), m.address)
		case doc.Kind == "InitConfiguration":
			m.controlPlane = true
			m.address = first(importer.Str(n, "localAPIEndpoint", "advertiseAddress"), m.address)
		case importer.Get(n, "controlPlane") != nil:
			m.controlPlane = true
			m.address = first(importer.Str(n, "controlPlane", "localAPIEndpoint", "advertiseAddress"), m.address)
		}
		if doc.Kind == "JoinConfiguration" && d.LB.Endpoint == "" {
			d.LB.Endpoint = importer.Str(n, "discovery", "bootstrapToken", "apiServerEndpoint")
		}
	}
	for _, doc := range docs {
		if doc.Kind == "ClusterConfiguration" && etcdFiles[doc.File] {
			etcdMember(doc, byName, d)
		}
	}

	if cluster != nil {
		readCluster(cluster, d)
		readTuning(cluster, docs, etcdFiles, d)
	}
	if kubeletDoc != nil {
		readKubelet(kubeletDoc, d)
	}
	var workers []*node
	for _, m := range nodes {
		h := importer.Host{Name: m.name, Address: m.address, Zone: m.zone}
		switch {
		case m.etcd:
			d.EtcdMembers = append(d.EtcdMembers, h)
		case m.controlPlane:
			d.ControlPlane = append(d.ControlPlane, h)
			if m.taintsGiven && len(m.taints) == 0 {
				d.Schedulable = true
			}
		default:
			workers = append(workers, m)
		}
	}
	if len(d.EtcdMembers) > 0 {
		d.EtcdExternal = true
	} else if cluster != nil && importer.Get(cluster.Node, "etcd", "external") != nil {
		externalEndpoints(cluster, d)
	}
	pools(workers, d)
	extraSANs(cluster, d)
	if d.LB.Endpoint != "" {
		d.LB.Mode = "external"
	}
}

// checkVersion notes a document of an API version blueprint does not
// render, which its spec carries over as v1beta4.
func checkVersion(doc *Doc, d *importer.Design) {
	switch doc.APIVersion {
	case "kubeadm.k8s.io/v1beta4":
	case "kubeadm.k8s.io/v1beta3":
		d.Note(doc.File, doc.Node.Line, doc.Kind+".apiVersion", "v1beta3 is read; blueprint renders kubeadm.k8s.io/v1beta4 (extraArgs as name/value lists)")
	default:
		d.Note(doc.File, doc.Node.Line, doc.Kind+".apiVersion", "%q is not kubeadm.k8s.io/v1beta3 or v1beta4; read as if it were", doc.APIVersion)
	}
}

func readCluster(doc *Doc, d *importer.Design) {
	n := doc.Node
	d.Name = importer.Str(n, "clusterName")
	d.Version = strings.TrimPrefix(importer.Str(n, "kubernetesVersion"), "v")
	if ep := importer.Str(n, "controlPlaneEndpoint"); ep != "" {
		d.LB.Endpoint = withPort(ep)
		d.Note(doc.File, importer.Get(n, "controlPlaneEndpoint").Line, "controlPlaneEndpoint", "%s is taken as an existing load balancer (load_balancer mode \"external\"): kubeadm's files do not say what serves it. If it is a VIP blueprint should configure, set mode \"colocated\", \"kube-vip\" or \"dedicated\" with vip", d.LB.Endpoint)
	}
	if r := importer.Str(n, "imageRepository"); r != "" && r != "registry.k8s.io" {
		d.ImageRepository = r
	}
	if v := importer.Str(n, "networking", "dnsDomain"); v != "" && v != "cluster.local" {
		d.DNSDomain = v
	}
	if v := importer.Str(n, "networking", "podSubnet"); v != "" {
		d.PodCIDRs = strings.Split(v, ",")
		d.CNI = "none"
		d.Note(doc.File, importer.Get(n, "networking", "podSubnet").Line, "networking.podSubnet", "kubeadm's files do not name the CNI: cni = \"none\" (the operator installs one); set calico, cilium or flannel if blueprint should say which")
	}
	if v := importer.Str(n, "networking", "serviceSubnet"); v != "" {
		d.ServiceCIDRs = strings.Split(v, ",")
	}
}

// readTuning reads the flags blueprint's tuning block sets from the
// components' extraArgs (etcd's quota from the stacked etcd, or from an
// external member's file). A value that is not what the block can hold is
// left out, and the comparison with the rendering reports it.
func readTuning(doc *Doc, docs []Doc, etcdFiles map[string]bool, d *importer.Design) {
	n := doc.Node
	t := &d.Tuning
	num := func(component *yaml.Node, name string, into *int) {
		if v, err := strconv.Atoi(extraArg(component, name)); err == nil && v > 0 {
			*into = v
		}
	}
	api := importer.Get(n, "apiServer")
	num(api, "max-requests-inflight", &t.MaxRequestsInflight)
	num(api, "max-mutating-requests-inflight", &t.MaxMutatingRequestsInflight)
	if v, ok := strings.CutPrefix(extraArg(api, "etcd-servers-overrides"), "/events#"); ok && !strings.Contains(v, ",") {
		t.EventsEtcdServers = strings.Split(v, ";")
	}
	num(importer.Get(n, "controllerManager"), "kube-api-qps", &t.ControllerManagerQPS)
	num(importer.Get(n, "controllerManager"), "kube-api-burst", &t.ControllerManagerBurst)
	num(importer.Get(n, "scheduler"), "kube-api-qps", &t.SchedulerQPS)
	num(importer.Get(n, "scheduler"), "kube-api-burst", &t.SchedulerBurst)
	quota := extraArg(importer.Get(n, "etcd", "local"), "quota-backend-bytes")
	for _, e := range docs {
		if quota == "" && etcdFiles[e.File] && e.Kind == "ClusterConfiguration" {
			quota = extraArg(importer.Get(e.Node, "etcd", "local"), "quota-backend-bytes")
		}
	}
	if b, err := strconv.ParseInt(quota, 10, 64); err == nil && b > 0 {
		t.EtcdQuota = resource.NewQuantity(b, resource.BinarySI).String()
	}
}

// readKubelet reads a KubeletConfiguration's reservations and maxPods: the
// control plane's, which kubeadm uploads for every node. A maxPods above
// the 110 blueprint allows is left to the default, and noted.
func readKubelet(doc *Doc, d *importer.Design) {
	n, k := doc.Node, &d.ControlPlaneKubelet
	switch v := importer.Int(n, "maxPods"); {
	case v > plan.MaxPodsPerNode:
		d.Note(doc.File, importer.Key(n, "maxPods").Line, "KubeletConfiguration.maxPods", "%d is above the %d pods per node Kubernetes is tested with, which blueprint allows at most: max_pods is left to the default (%d)", v, plan.MaxPodsPerNode, plan.DefaultMaxPods)
	case v > 0:
		k.MaxPods = v
	}
	k.SystemReserved = stringMap(importer.Get(n, "systemReserved"))
	k.KubeReserved = stringMap(importer.Get(n, "kubeReserved"))
	k.EvictionHard = stringMap(importer.Get(n, "evictionHard"))
}

// stringMap reads a mapping of scalars.
func stringMap(m *yaml.Node) map[string]string {
	if m == nil || m.Kind != yaml.MappingNode {
		return nil
	}
	out := map[string]string{}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if v := m.Content[i+1]; v.Kind == yaml.ScalarNode {
			out[m.Content[i].Value] = v.Value
		}
	}
	return out
}

// withPort adds kubeadm's default port to an endpoint without one.
func withPort(ep string) string {
	if _, _, err := net.SplitHostPort(ep); err == nil {
		return ep
	}
	if a, err := netip.ParseAddr(ep); err == nil && a.Is6() {
		return "[" + ep + "]:6443"
	}
	return ep + ":6443"
}

// isEtcdMember reports whether a ClusterConfiguration is one that sets up
// an external etcd member (kubeadm's recipe for an external etcd cluster,
// as blueprint writes it): local etcd with its own initial-cluster.
func isEtcdMember(n *yaml.Node) bool {
	return importer.Str(n, "controlPlaneEndpoint") == "" && extraArg(importer.Get(n, "etcd", "local"), "initial-cluster") != ""
}

func etcdMember(doc Doc, byName map[string]*node, d *importer.Design) {
	local := importer.Get(doc.Node, "etcd", "local")
	name := extraArg(local, "name")
	m := byName[name]
	if m == nil {
		return
	}
	if m.address == "" {
		if u := extraArg(local, "advertise-client-urls"); u != "" {
			if host, _, err := net.SplitHostPort(strings.TrimPrefix(u, "https://")); err == nil {
				m.address = host
			}
		}
	}
}

// externalEndpoints makes members of an external etcd cluster known only
// by its endpoints.
func externalEndpoints(doc *Doc, d *importer.Design) {
	eps := importer.Key(doc.Node, "etcd", "external", "endpoints")
	for i, e := range importer.Strings(doc.Node, "etcd", "external", "endpoints") {
		host, _, err := net.SplitHostPort(strings.TrimPrefix(strings.TrimPrefix(e, "https://"), "http://"))
		if err != nil {
			d.Note(doc.File, eps.Line, "etcd.external.endpoints", "%q is not a URL with a port: left out", e)
			continue
		}
		d.EtcdMembers = append(d.EtcdMembers, importer.Host{Name: fmt.Sprintf("etcd-%d", i+1), Address: host})
	}
	if len(d.EtcdMembers) > 0 {
		d.EtcdExternal = true
		d.Note(doc.File, eps.Line, "etcd.external.endpoints", "the members' names are not in kubeadm's files: named etcd-1, etcd-2, …, in no zone the files give")
	}
}

// pools groups the workers by their blueprint.dev/pool label (the rest in
// DefaultPool); a pool's labels and taints are those its nodes share.
func pools(workers []*node, d *importer.Design) {
	byPool := map[string][]*node{}
	var names []string
	for _, w := range workers {
		p := w.pool
		if p == "" {
			p = DefaultPool
		}
		if byPool[p] == nil {
			names = append(names, p)
		}
		byPool[p] = append(byPool[p], w)
	}
	for _, name := range names {
		ws := byPool[name]
		pool := importer.Pool{Name: name, Labels: ws[0].labels, Taints: ws[0].taints}
		for _, w := range ws {
			if !sameLabels(w.labels, pool.Labels) || !slices.Equal(w.taints, pool.Taints) {
				d.Note(w.file, w.line, "nodeRegistration", "node %s's labels or taints differ from the other nodes of pool %q: the pool takes those of %s", w.name, name, ws[0].name)
			}
			pool.Nodes = append(pool.Nodes, importer.Host{Name: w.name, Address: w.address, Zone: w.zone})
		}
		d.Pools = append(d.Pools, pool)
	}
}

func sameLabels(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// extraSANs keeps the certificate names blueprint would not add itself.
func extraSANs(doc *Doc, d *importer.Design) {
	if doc == nil {
		return
	}
	own := map[string]bool{"127.0.0.1": true, "localhost": true}
	if host, _, err := net.SplitHostPort(d.LB.Endpoint); err == nil {
		own[host] = true
	}
	for _, h := range d.ControlPlane {
		own[h.Name], own[h.Address] = true, true
	}
	for _, s := range importer.Strings(doc.Node, "apiServer", "certSANs") {
		if !own[s] {
			d.ExtraSANs = append(d.ExtraSANs, s)
		}
	}
}

// kubeletArgs reads nodeRegistration.kubeletExtraArgs: a list of
// name/value pairs (v1beta4) or a map (v1beta3).
func kubeletArgs(reg *yaml.Node) map[string]string {
	out := map[string]string{}
	a := importer.Get(reg, "kubeletExtraArgs")
	if a == nil {
		return out
	}
	switch a.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(a.Content); i += 2 {
			out[a.Content[i].Value] = a.Content[i+1].Value
		}
	case yaml.SequenceNode:
		for _, c := range a.Content {
			out[importer.Str(c, "name")] = importer.Str(c, "value")
		}
	}
	return out
}

// extraArg reads one of a component's extraArgs, in either form.
func extraArg(component *yaml.Node, name string) string {
	return kubeletArgsOf(importer.Get(component, "extraArgs"))[name]
}

func kubeletArgsOf(a *yaml.Node) map[string]string {
	wrap := &yaml.Node{Kind: yaml.MappingNode}
	if a != nil {
		wrap.Content = []*yaml.Node{{Kind: yaml.ScalarNode, Value: "kubeletExtraArgs"}, a}
	}
	return kubeletArgs(wrap)
}

func splitLabels(s string) []string {
	if s == "" {
		return nil
	}
	parts := strings.Split(s, ",")
	sort.Strings(parts)
	return parts
}

func first(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
