// Package kubeone imports a cluster from a KubeOne manifest: a
// KubeOneCluster of kubeone.k8c.io/v1beta2 or v1beta3 (the types of
// kubermatic/kubeone's pkg/apis/kubeone), with its control-plane hosts,
// static workers, API endpoint, cluster network and Kubernetes version.
package kubeone

import (
	"fmt"
	"net"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/blueprint-dev/blueprint/importer"
)

// mapped are the manifest's settings the importer carries over, by path
// prefix; every other leaf is a finding.
var mapped = []string{
	"apiVersion", "kind", "name", "versions.kubernetes",
	"controlPlane.hosts", "staticWorkers.hosts",
	"apiEndpoint.host", "apiEndpoint.port", "apiEndpoint.alternativeNames",
	"clusterNetwork.podSubnet", "clusterNetwork.podSubnetIPv6",
	"clusterNetwork.serviceSubnet", "clusterNetwork.serviceSubnetIPv6",
	"clusterNetwork.serviceDomainName",
}

// mappedEmpty are settings carried over only as an empty mapping (the
// choice of a CNI or a kube-proxy mode without options): any option below
// them is a finding.
var mappedEmpty = []string{
	"clusterNetwork.cni.cilium", "clusterNetwork.cni.canal", "clusterNetwork.cni.external",
	"clusterNetwork.kubeProxy.ipvs", "clusterNetwork.kubeProxy.iptables",
	"containerRuntime.containerd", "cloudProvider.none",
}

// hostMapped are the keys of a host the importer reads (sshPort has a
// finding of its own).
var hostMapped = map[string]bool{
	"publicAddress": true, "privateAddress": true, "hostname": true, "sshPort": true,
	"taints": true, "labels": true,
}

// Read fills d from a KubeOneCluster manifest.
func Read(f importer.File, d *importer.Design) error {
	docs, err := importer.ParseYAML(f.Data)
	if err != nil {
		return fmt.Errorf("%s: %w", f.Path, err)
	}
	var n *yaml.Node
	for _, doc := range docs {
		if importer.Str(doc, "kind") == "KubeOneCluster" {
			n = doc
		}
	}
	if n == nil {
		return fmt.Errorf("%s: no KubeOneCluster document", f.Path)
	}
	note := func(at *yaml.Node, setting, msg string, args ...any) {
		line := n.Line
		if at != nil {
			line = at.Line
		}
		d.Note(f.Path, line, setting, msg, args...)
	}
	switch v := importer.Str(n, "apiVersion"); v {
	case "kubeone.k8c.io/v1beta2", "kubeone.k8c.io/v1beta3":
	default:
		note(importer.Get(n, "apiVersion"), "apiVersion", "%q is not kubeone.k8c.io/v1beta2 or v1beta3; read as if it were", v)
	}
	v1beta2 := importer.Str(n, "apiVersion") == "kubeone.k8c.io/v1beta2"

	d.Name = importer.Str(n, "name")
	d.Version = strings.TrimPrefix(importer.Str(n, "versions", "kubernetes"), "v")

	allTaintless := true
	var firstTaints *yaml.Node
	for i, h := range items(n, "controlPlane", "hosts") {
		d.ControlPlane = append(d.ControlPlane, host(h, fmt.Sprintf("controlPlane.hosts[%d]", i), fmt.Sprintf("control-plane-%d", i+1), f.Path, d))
		if t := importer.Get(h, "taints"); t == nil || len(t.Content) > 0 {
			allTaintless = false
		} else if firstTaints == nil {
			firstTaints = importer.Key(h, "taints")
		}
		if l := importer.Get(h, "labels"); l != nil && len(l.Content) > 0 {
			note(importer.Key(h, "labels"), fmt.Sprintf("controlPlane.hosts[%d].labels", i), "not mapped: blueprint labels control-plane nodes with their zone only")
		}
	}
	d.Schedulable = allTaintless && len(d.ControlPlane) > 0
	if d.Schedulable {
		note(firstTaints, "controlPlane.hosts[].taints", "every control-plane host has taints: []: schedulable = true")
	}
	pool := importer.Pool{Name: "static-workers", Labels: map[string]string{}}
	for i, h := range items(n, "staticWorkers", "hosts") {
		pool.Nodes = append(pool.Nodes, host(h, fmt.Sprintf("staticWorkers.hosts[%d]", i), fmt.Sprintf("worker-%d", i+1), f.Path, d))
		labels := map[string]string{}
		if l := importer.Get(h, "labels"); l != nil {
			for j := 0; j+1 < len(l.Content); j += 2 {
				labels[l.Content[j].Value] = l.Content[j+1].Value
			}
		}
		var taints []importer.Taint
		for _, t := range items(h, "taints") {
			taints = append(taints, importer.Taint{Key: importer.Str(t, "key"), Value: importer.Str(t, "value"), Effect: importer.Str(t, "effect")})
		}
		if i == 0 {
			pool.Labels, pool.Taints = labels, taints
		} else if fmt.Sprint(labels) != fmt.Sprint(pool.Labels) || fmt.Sprint(taints) != fmt.Sprint(pool.Taints) {
			note(h, fmt.Sprintf("staticWorkers.hosts[%d]", i), "labels or taints differ from the first static worker's: the pool takes the first's")
		}
	}
	if len(pool.Nodes) > 0 {
		d.Pools = append(d.Pools, pool)
	}
	if dw := importer.Get(n, "dynamicWorkers"); dw != nil && len(dw.Content) > 0 {
		note(importer.Key(n, "dynamicWorkers"), "dynamicWorkers", "machine-controller's MachineDeployments create workers on demand; blueprint renders fixed nodes: add them as node_pool blocks")
	}

	if host := importer.Str(n, "apiEndpoint", "host"); host != "" {
		port := importer.Str(n, "apiEndpoint", "port")
		if port == "" {
			port = "6443"
		}
		d.LB.Mode, d.LB.Endpoint = "external", net.JoinHostPort(host, port)
	}
	d.ExtraSANs = importer.Strings(n, "apiEndpoint", "alternativeNames")

	cn := importer.Get(n, "clusterNetwork")
	d.PodCIDRs = nonEmpty(importer.Str(cn, "podSubnet"), importer.Str(cn, "podSubnetIPv6"))
	d.ServiceCIDRs = nonEmpty(importer.Str(cn, "serviceSubnet"), importer.Str(cn, "serviceSubnetIPv6"))
	if len(d.PodCIDRs) == 0 {
		d.PodCIDRs = []string{"10.244.0.0/16"} // KubeOne's default
	}
	if len(d.ServiceCIDRs) == 0 {
		d.ServiceCIDRs = []string{"10.96.0.0/12"}
	}
	if v := importer.Str(cn, "serviceDomainName"); v != "" && v != "cluster.local" {
		d.DNSDomain = v
	}
	cni := importer.Get(cn, "cni")
	switch {
	case importer.Get(cni, "cilium") != nil:
		d.CNI = "cilium"
	case importer.Get(cni, "weaveNet") != nil:
		d.CNI = "none"
		note(importer.Key(cni, "weaveNet"), "clusterNetwork.cni.weaveNet", "Weave Net is not a CNI blueprint knows: cni = \"none\", the operator installs it")
	case importer.Get(cni, "external") != nil:
		d.CNI = "none"
	default:
		d.CNI = "calico"
		line := 0
		if k := importer.Key(cn, "cni"); k != nil {
			line = k.Line
		}
		d.Note(f.Path, line, "clusterNetwork.cni", "canal (KubeOne's default: Calico's policy engine over flannel) becomes calico, which enforces the same NetworkPolicies")
	}
	switch kp := importer.Get(cn, "kubeProxy"); {
	case importer.Get(kp, "ipvs") != nil:
		d.ProxyMode = "ipvs"
	case importer.Get(kp, "iptables") != nil:
		d.ProxyMode = "iptables"
	case importer.Bool(kp, "skipInstallation"):
		note(importer.Key(kp, "skipInstallation"), "clusterNetwork.kubeProxy.skipInstallation", "not mapped: blueprint installs kube-proxy")
	}
	if rt := importer.Key(n, "containerRuntime", "docker"); rt != nil {
		note(rt, "containerRuntime.docker", "Docker was KubeOne v1beta2's runtime; Kubernetes 1.24 removed its dockershim, and blueprint configures containerd")
	}
	if psp := importer.Key(n, "features", "podSecurityPolicy"); psp != nil {
		note(psp, "features.podSecurityPolicy", "PodSecurityPolicy (KubeOne v1beta2) was removed in Kubernetes 1.25; blueprint sets Pod Security Admission levels per namespace")
	}
	if hr := importer.Key(n, "helmReleases"); hr != nil && v1beta2 {
		note(hr, "helmReleases", "KubeOne v1beta2's Helm releases (v1beta3 moved them into addons): not rendered")
	}

	for _, l := range importer.Leaves(n, "") {
		if isMapped(l.Path) || v1beta2Handled(l.Path) {
			continue
		}
		d.Note(f.Path, l.Line, l.Path, "not mapped: blueprint has no setting for it")
	}
	return nil
}

// host reads a control-plane or worker host: hostname (or the given name),
// privateAddress for the cluster, publicAddress for SSH.
func host(h *yaml.Node, at, fallback, file string, d *importer.Design) importer.Host {
	name := importer.Str(h, "hostname")
	if name == "" {
		name = fallback
		d.Note(file, h.Line, at, "no hostname (KubeOne asks the machine): named %s", name)
	}
	private, public := importer.Str(h, "privateAddress"), importer.Str(h, "publicAddress")
	out := importer.Host{Name: name, Address: private}
	if out.Address == "" {
		out.Address = public
	} else if public != "" && public != private {
		out.SSHAddress = public
	}
	for i := 0; i+1 < len(h.Content); i += 2 {
		if k := h.Content[i].Value; !hostMapped[k] {
			d.Note(file, h.Content[i].Line, name+"."+k, "not mapped: blueprint sets no per-host %s", k)
		}
	}
	if p := importer.Str(h, "sshPort"); p != "" && p != "22" {
		if n, err := strconv.Atoi(p); err == nil {
			d.Note(file, importer.Get(h, "sshPort").Line, name+".sshPort", "%d: ssh_address carries no port; reach the host on port %d", n, n)
		}
	}
	return out
}

func items(n *yaml.Node, path ...string) []*yaml.Node {
	v := importer.Get(n, path...)
	if v == nil || v.Kind != yaml.SequenceNode {
		return nil
	}
	return v.Content
}

func nonEmpty(vs ...string) []string {
	var out []string
	for _, v := range vs {
		if v != "" {
			out = append(out, v)
		}
	}
	return out
}

func isMapped(path string) bool {
	for _, m := range mappedEmpty {
		if path == m {
			return true
		}
	}
	for _, m := range mapped {
		if path == m || strings.HasPrefix(path, m+".") || strings.HasPrefix(path, m+"[") {
			return true
		}
	}
	return false
}

// v1beta2Handled are the fields where v1beta2 differs from v1beta3 that
// Read reports on its own.
func v1beta2Handled(path string) bool {
	for _, p := range []string{"containerRuntime.docker", "features.podSecurityPolicy", "helmReleases", "dynamicWorkers"} {
		if path == p || strings.HasPrefix(path, p+".") || strings.HasPrefix(path, p+"[") {
			return true
		}
	}
	return false
}
