package kubespray

import (
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/blueprint-dev/blueprint/importer"
)

// Kubespray's groups, and the names older releases gave them.
var groupNames = map[string][]string{
	"kube_control_plane": {"kube_control_plane", "kube-master"},
	"kube_node":          {"kube_node", "kube-node"},
	"etcd":               {"etcd"},
}

// hostVars are the host variables the importer reads.
var hostVars = map[string]bool{"ip": true, "access_ip": true, "ansible_host": true, "etcd_member_name": true}

// Read fills d from an inventory file and its vars files.
func Read(files []importer.File, d *importer.Design) error {
	var inv *Inventory
	var varFiles []importer.File
	for _, f := range files {
		format, err := importer.Detect(f)
		if err == nil && format == importer.Kubespray && inv == nil {
			if inv, err = parseInventory(f); err != nil {
				return err
			}
			continue
		}
		varFiles = append(varFiles, f)
	}
	if inv == nil {
		return fmt.Errorf("no Kubespray inventory among the sources (a hosts file with a kube_control_plane group)")
	}
	// Variables, weakest first: all, k8s_cluster, then every other group,
	// as Ansible applies group_vars; host_vars per host.
	all := map[string]Var{}
	groupVars := map[string]map[string]Var{}
	for _, f := range varFiles {
		vars, err := readVars(f)
		if err != nil {
			return err
		}
		group, host := varsScope(f.Path)
		if host != "" {
			hv := inv.HostVars[host]
			if hv == nil {
				for _, k := range sortedKeys(vars) {
					d.Note(f.Path, vars[k].Line, k, "host_vars of %s, which the inventory does not list", host)
				}
				continue
			}
			for k, v := range vars {
				hv[k] = v
			}
			continue
		}
		if groupVars[group] == nil {
			groupVars[group] = map[string]Var{}
		}
		for k, v := range vars {
			groupVars[group][k] = v
		}
	}
	for _, g := range sortedKeys(inv.Groups) {
		if groupVars[g] == nil {
			groupVars[g] = map[string]Var{}
		}
		for k, v := range inv.Groups[g].Vars {
			groupVars[g][k] = v
		}
	}
	order := []string{"all", "k8s_cluster", "k8s-cluster"}
	for _, g := range sortedKeys(groupVars) {
		if !slices.Contains(order, g) {
			order = append(order, g)
		}
	}
	for _, g := range order {
		for k, v := range groupVars[g] {
			all[k] = v
		}
	}

	r := &reader{d: d, vars: all, used: map[string]bool{}}
	r.machines(inv)
	r.cluster()
	r.loadBalancer()
	for _, k := range sortedKeys(all) {
		if !r.used[k] {
			v := all[k]
			d.Note(v.File, v.Line, k, "not mapped: blueprint has no setting for it")
		}
	}
	for _, h := range inv.Hosts {
		for _, k := range sortedKeys(inv.HostVars[h]) {
			if !hostVars[k] && !strings.HasPrefix(k, "ansible_") {
				v := inv.HostVars[h][k]
				d.Note(v.File, v.Line, h+"."+k, "not mapped: blueprint sets no per-host %s", k)
			}
		}
	}
	return nil
}

func parseInventory(f importer.File) (*Inventory, error) {
	if strings.HasSuffix(f.Path, ".yml") || strings.HasSuffix(f.Path, ".yaml") {
		return ParseYAML(f)
	}
	return ParseINI(f)
}

type reader struct {
	d    *importer.Design
	vars map[string]Var
	used map[string]bool
}

// get returns a variable and marks it read. A Jinja expression is not
// evaluated: it counts as unset, with a finding.
func (r *reader) get(name string) (Var, bool) {
	v, ok := r.vars[name]
	if !ok {
		return v, false
	}
	r.used[name] = true
	if strings.Contains(v.String(), "{{") {
		r.d.Note(v.File, v.Line, name, "a Jinja expression, which blueprint does not evaluate: Kubespray's default meaning is assumed")
		return v, false
	}
	return v, true
}

func (r *reader) str(name string) string {
	v, _ := r.get(name)
	return v.String()
}

func (r *reader) members(inv *Inventory, group string) []string {
	var out []string
	for _, n := range groupNames[group] {
		for _, h := range inv.Members(n) {
			if !slices.Contains(out, h) {
				out = append(out, h)
			}
		}
	}
	return out
}

// machines reads the groups: the control plane, etcd and the workers.
func (r *reader) machines(inv *Inventory) {
	d := r.d
	host := func(name string) importer.Host {
		vars := inv.HostVars[name]
		h := importer.Host{Name: name}
		for _, k := range []string{"ip", "access_ip", "ansible_host"} {
			if v := vars[k].String(); v != "" && !strings.Contains(v, "{{") {
				h.Address = v
				break
			}
		}
		if ssh := vars["ansible_host"].String(); ssh != "" && ssh != h.Address && !strings.Contains(ssh, "{{") {
			h.SSHAddress = ssh
		}
		return h
	}
	masters := r.members(inv, "kube_control_plane")
	etcd := r.members(inv, "etcd")
	nodes := r.members(inv, "kube_node")
	for _, m := range masters {
		d.ControlPlane = append(d.ControlPlane, host(m))
		if slices.Contains(nodes, m) {
			d.Schedulable = true
		}
	}
	etcdType := "host"
	if v, ok := r.get("etcd_deployment_type"); ok && v.String() != "" {
		etcdType = v.String()
	}
	switch {
	case len(etcd) == 0:
	case slices.Equal(sorted(etcd), sorted(masters)):
		if etcdType != "kubeadm" {
			line := inv.Groups["etcd"].Line
			d.Note(inv.File, line, "etcd", "etcd_deployment_type %q: Kubespray runs etcd itself on the control-plane hosts; blueprint renders kubeadm's stacked etcd on the same hosts", etcdType)
		}
	case disjoint(etcd, masters):
		d.EtcdExternal = true
		for _, e := range etcd {
			d.EtcdMembers = append(d.EtcdMembers, host(e))
		}
	default:
		d.Note(inv.File, inv.Groups["etcd"].Line, "etcd", "the etcd hosts (%s) are some of the control-plane hosts but not all: blueprint runs stacked etcd on every control-plane host", strings.Join(etcd, ", "))
	}
	var workers []importer.Host
	for _, n := range nodes {
		if !slices.Contains(masters, n) {
			workers = append(workers, host(n))
		}
	}
	if len(workers) > 0 {
		d.Pools = append(d.Pools, importer.Pool{Name: "kube-node", Nodes: workers})
	}
}

// cluster reads the cluster-wide variables.
func (r *reader) cluster() {
	d := r.d
	if v := r.str("kube_version"); v != "" {
		d.Version = strings.TrimPrefix(v, "v")
	} else {
		d.Note("(kubespray)", 0, "kube_version", "not set in the inventory: Kubespray installs its newest supported release; the spec says \"stable\", blueprint's newest")
		d.Version = "stable"
	}
	d.DNSDomain = r.str("cluster_name") // Kubespray's cluster_name is the DNS domain
	if v := r.str("dns_domain"); v != "" {
		d.DNSDomain = v
	}
	if d.DNSDomain == "cluster.local" {
		d.DNSDomain = ""
	}
	d.PodCIDRs = list(r.str("kube_pods_subnet"))
	d.ServiceCIDRs = list(r.str("kube_service_addresses"))
	if v, ok := r.get("kube_pods_subnet_ipv6"); ok && r.dualStack() {
		d.PodCIDRs = append(d.PodCIDRs, v.String())
	}
	if v, ok := r.get("kube_service_addresses_ipv6"); ok && r.dualStack() {
		d.ServiceCIDRs = append(d.ServiceCIDRs, v.String())
	}
	if len(d.PodCIDRs) == 0 {
		d.PodCIDRs = []string{"10.233.64.0/18"} // Kubespray's default
	}
	if len(d.ServiceCIDRs) == 0 {
		d.ServiceCIDRs = []string{"10.233.0.0/18"}
	}
	plugin, ok := r.get("kube_network_plugin")
	name := plugin.String()
	if !ok {
		name = "calico" // Kubespray's default
	}
	switch name {
	case "calico", "cilium", "flannel":
		d.CNI = name
	default:
		d.CNI = "none"
		d.Note(plugin.File, plugin.Line, "kube_network_plugin", "%q is not a CNI blueprint knows: cni = \"none\", the operator installs it", name)
	}
	if v := r.str("kube_proxy_mode"); v != "" {
		d.ProxyMode = v
	} else {
		d.ProxyMode = "ipvs" // Kubespray's default
	}
	if v, ok := r.get("kube_image_repo"); ok && v.String() != "registry.k8s.io" {
		d.ImageRepository = v.String()
	}
	if v, ok := r.get("supplementary_addresses_in_ssl_keys"); ok && v.Value.Kind == yaml.SequenceNode {
		for _, c := range v.Value.Content {
			d.ExtraSANs = append(d.ExtraSANs, c.Value)
		}
	}
	if v, ok := r.get("container_manager"); ok {
		switch v.String() {
		case "containerd":
		case "crio":
			d.CRISocket = "unix:///var/run/crio/crio.sock"
		default:
			d.Note(v.File, v.Line, "container_manager", "%q: blueprint configures containerd's socket", v.String())
		}
	}
	if v, ok := r.get("kube_apiserver_port"); ok && v.String() != "6443" {
		d.Note(v.File, v.Line, "kube_apiserver_port", "%s: blueprint's API servers listen on 6443", v.String())
	}
}

func (r *reader) dualStack() bool {
	for _, k := range []string{"enable_dual_stack_networks", "ipv6_stack"} {
		if v, ok := r.get(k); ok {
			if b, _ := strconv.ParseBool(v.String()); b {
				return true
			}
		}
	}
	return false
}

// loadBalancer reads how nodes reach the API: kube-vip, an external load
// balancer (loadbalancer_apiserver), or Kubespray's default, a proxy on
// every node (loadbalancer_apiserver_localhost).
func (r *reader) loadBalancer() {
	d := r.d
	lbType, _ := r.get("loadbalancer_apiserver_type")
	port, _ := r.get("loadbalancer_apiserver_port")
	r.get("loadbalancer_apiserver_healthcheck_port")
	if vip, _ := r.get("kube_vip_enabled"); vip.String() == "true" {
		d.LB.Mode = "kube-vip"
		d.LB.VIP = r.str("kube_vip_address")
		d.LB.Interface = r.str("kube_vip_interface")
		if arp, ok := r.get("kube_vip_arp_enabled"); ok && arp.String() != "true" {
			d.Note(arp.File, arp.Line, "kube_vip_arp_enabled", "false: blueprint runs kube-vip in ARP mode")
		}
		r.get("kube_vip_controlplane_enabled")
		return
	}
	ext, hasExt := r.get("loadbalancer_apiserver")
	local, hasLocal := r.get("loadbalancer_apiserver_localhost")
	if hasExt && ext.Value.Kind == yaml.MappingNode && !(hasLocal && local.String() == "true") {
		host := importer.Str(ext.Value, "address")
		if name := r.str("apiserver_loadbalancer_domain_name"); name != "" {
			host = name
		}
		p := importer.Str(ext.Value, "port")
		if p == "" {
			p = "6443"
		}
		d.LB.Mode, d.LB.Endpoint = "external", net.JoinHostPort(host, p)
		return
	}
	r.get("apiserver_loadbalancer_domain_name")
	d.LB.Mode = "local-proxy"
	if lbType.String() == "nginx" || lbType.Value == nil {
		at, line := lbType.File, lbType.Line
		if at == "" {
			at = "(kubespray)"
		}
		d.Note(at, line, "loadbalancer_apiserver_type", "nginx (Kubespray's default): blueprint's local proxy is HAProxy, forwarding the same way")
	}
	if port.Value != nil && port.String() != "6443" {
		d.Note(port.File, port.Line, "loadbalancer_apiserver_port", "%s: blueprint's local proxy listens on 6443, the API servers' port", port.String())
	}
}

func list(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}

func sorted(s []string) []string {
	c := slices.Clone(s)
	slices.Sort(c)
	return c
}

func disjoint(a, b []string) bool {
	for _, x := range a {
		if slices.Contains(b, x) {
			return false
		}
	}
	return true
}
