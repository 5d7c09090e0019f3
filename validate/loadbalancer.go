package validate

import (
	"net"
	"net/netip"
	"regexp"
	"strconv"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/blueprint-dev/blueprint/spec"
)

// ifaceRE matches a Linux interface name: at most 15 bytes, and none of the
// slash, colon or whitespace the kernel refuses ("eth0:1" is an address
// label, not an interface). "." and ".." are refused apart.
var ifaceRE = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,15}$`)

func (v *validator) loadBalancer() {
	lb := v.s.LoadBalancer
	if lb == nil {
		v.missing("load_balancer", "  load_balancer {\n    mode = \"colocated\" # HAProxy + keepalived on the control-plane nodes\n    vip  = \"10.0.1.10\"\n  }")
		return
	}
	if !v.oneOf(lb.Mode, []string{spec.LBDedicated, spec.LBColocated, spec.LBExternal, spec.LBKubeVIP, spec.LBLocalProxy}, lb.ModeRange, &lb.DeclRange, "load-balancer mode") {
		return
	}
	if lb.Port != nil && (*lb.Port < 1 || *lb.Port > 65535) {
		v.errorf(lb.PortRange, &lb.DeclRange, "Invalid port", "port %d is not a TCP port (1-65535).", *lb.Port)
	}
	switch lb.Mode {
	case spec.LBExternal:
		v.externalLB(lb)
		return
	case spec.LBKubeVIP:
		v.kubeVIP(lb)
		return
	case spec.LBLocalProxy:
		v.localProxy(lb)
		return
	}
	if lb.Endpoint != nil {
		v.errorf(lb.EndpointRange, &lb.DeclRange, "Endpoint with a managed load balancer",
			"endpoint names an existing load balancer and goes only with mode = \"external\"; in %s mode clients reach the API at the VIP. Remove it, or switch the mode.", lb.Mode)
	}
	v.iface(lb)
	if id := lb.VirtualRouterIDOrDefault(); id < 1 || id > 255 {
		v.errorf(lb.VirtualRouterIDRange, &lb.DeclRange, "Invalid virtual router id", "virtual_router_id %d is outside 1-255. Pick one no other VRRP group on this network uses.", id)
	}

	var hosts []spec.Machine
	switch lb.Mode {
	case spec.LBColocated:
		for _, h := range lb.Hosts {
			v.errorf(h.DeclRange, &lb.DeclRange, "Host of a co-located load balancer",
				"In colocated mode HAProxy and keepalived run as static pods on the control-plane nodes, so host blocks have no place here. Remove them, or set mode = \"dedicated\".")
		}
		if lb.PortOrDefault() == 6443 {
			v.errorf(lb.PortRange, &lb.DeclRange, "Port taken by the API server",
				"Co-located HAProxy shares the control-plane nodes with kube-apiserver, which listens on 6443. Use another port, such as %d.", spec.DefaultColocatedPort)
		} else if owner, taken := controlPlanePorts[lb.PortOrDefault()]; taken {
			v.errorf(lb.PortRange, &lb.DeclRange, "Port taken by "+owner,
				"Co-located HAProxy shares the control-plane nodes with %s, which listens on %d. Use another port, such as %d.", owner, lb.PortOrDefault(), spec.DefaultColocatedPort)
		}
		hosts = v.hostsOf(spec.RoleControlPlane)
		if len(hosts) > maxLBHosts {
			v.errorf(lb.DeclRange, nil, "Too many load-balancer hosts", "In colocated mode every control-plane node runs keepalived, and its priorities are spaced so a failing health check always moves the VIP; that holds for up to %d hosts, and this design has %d control-plane nodes. Use mode = \"dedicated\" with at most %d hosts.", maxLBHosts, len(hosts), maxLBHosts)
		}
	case spec.LBDedicated:
		hosts = v.hostsOf(spec.RoleLoadBalancer)
		switch {
		case len(hosts) == 0:
			v.errorf(lb.DeclRange, nil, "No load-balancer hosts", "Dedicated mode needs host blocks for the machines that run HAProxy and keepalived; give at least two so the VIP can move.")
		case len(hosts) == 1 && lb.VIP == nil:
			v.warnf(CodeLBSingleHost, lb.DeclRange, nil, "Single load-balancer host", "One load-balancer host is a single point of failure for the whole API: without a vip, HAProxy runs there without keepalived, and clients reach the API at the host's own address, %s. Add a second host block and a vip.", hosts[0].Address)
			v.keepalivedSettings(lb, "Without a vip, the one load-balancer host runs HAProxy alone")
			v.zoneSpread(hosts, "load-balancer hosts", lb.DeclRange)
			return
		case len(hosts) == 1:
			v.warnf(CodeLBSingleHost, lb.DeclRange, nil, "Single load-balancer host", "One load-balancer host is a single point of failure for the whole API: keepalived holds the VIP there with no peer to take it over. Add a second host block.")
		case len(hosts) > maxLBHosts:
			v.errorf(lb.DeclRange, nil, "Too many load-balancer hosts", "keepalived priorities are spaced so a failing health check always moves the VIP; that holds for up to %d hosts, and this design has %d.", maxLBHosts, len(hosts))
		}
		v.zoneSpread(hosts, "load-balancer hosts", lb.DeclRange)
	}
	v.keepalivedPeers(hosts)
	v.vip(lb, hosts)
}

// iface checks the interface that carries the VIP.
func (v *validator) iface(lb *spec.LoadBalancer) {
	if lb.Interface != nil && (!ifaceRE.MatchString(*lb.Interface) || *lb.Interface == "." || *lb.Interface == "..") {
		v.errorf(lb.InterfaceRange, &lb.DeclRange, "Invalid interface", "interface %q is not a Linux network interface name such as \"eth0\" or \"bond0.100\".", *lb.Interface)
	}
}

// keepalivedPeers refuses a keepalived host whose address is a DNS name:
// keepalived's unicast_src_ip and unicast_peer take IP addresses only, and
// nothing resolves a name for it.
func (v *validator) keepalivedPeers(hosts []spec.Machine) {
	for _, h := range hosts {
		if _, name, _ := hostAddress(h.Address); name != "" {
			v.errorf(h.AddressRange, &h.DeclRange, "Load-balancer host needs an IP address",
				"%s %q has the DNS name %s as its address, but keepalived names its VRRP peers by IP address (unicast_src_ip, unicast_peer) and resolves no names. Give this host's IP address; the other machines may keep DNS names.", h.Role, h.Name, name)
		}
	}
}

// keepalivedSettings refuses the settings only keepalived reads, in a mode
// without keepalived.
func (v *validator) keepalivedSettings(lb *spec.LoadBalancer, why string) {
	if lb.VirtualRouterID != nil {
		v.errorf(lb.VirtualRouterIDRange, &lb.DeclRange, "Virtual router id without keepalived", "%s, and virtual_router_id configures keepalived's VRRP. Remove it.", why)
	}
	if lb.Interface != nil {
		v.errorf(lb.InterfaceRange, &lb.DeclRange, "Interface without a VIP", "%s, and interface names where a VIP is held. Remove it.", why)
	}
}

// kubeVIP checks mode = "kube-vip": kube-vip static pods on the
// control-plane nodes hold the VIP on the API server's own port, by ARP
// with leader election, so the VIP must share a layer-2 subnet with every
// control-plane node.
func (v *validator) kubeVIP(lb *spec.LoadBalancer) {
	ctx := &lb.DeclRange
	if lb.Port != nil && *lb.Port != APIPort {
		v.errorf(lb.PortRange, ctx, "Port of a kube-vip VIP", "kube-vip puts the VIP in front of the API servers' own port, %d, on the control-plane nodes: clients reach VIP:%d. Remove port.", APIPort, APIPort)
	}
	if lb.VirtualRouterID != nil {
		v.errorf(lb.VirtualRouterIDRange, ctx, "Virtual router id with kube-vip", "kube-vip elects the VIP's holder with a Lease in the API, not VRRP: virtual_router_id configures keepalived. Remove it.")
	}
	if lb.Endpoint != nil {
		v.errorf(lb.EndpointRange, ctx, "Endpoint with kube-vip", "With kube-vip, clients reach the API at the VIP; endpoint goes only with mode = \"external\". Remove it.")
	}
	for _, h := range lb.Hosts {
		v.errorf(h.DeclRange, ctx, "Host with kube-vip", "kube-vip runs as a static pod on the control-plane nodes, so host blocks have no place here. Remove them, or set mode = \"dedicated\".")
	}
	v.iface(lb)
	v.vip(lb, v.hostsOf(spec.RoleControlPlane))
}

// localProxy checks mode = "local-proxy": an HAProxy static pod on every
// node that is not a control-plane node forwards 127.0.0.1:6443 to every
// API server, as Kubespray's localhost load balancing does; there is no VIP.
func (v *validator) localProxy(lb *spec.LoadBalancer) {
	ctx := &lb.DeclRange
	if lb.Port != nil && *lb.Port != APIPort {
		v.errorf(lb.PortRange, ctx, "Port of a local proxy",
			"The local proxy listens on 127.0.0.1:%d, the port the API servers listen on: so 127.0.0.1:%d reaches an API server on every node, through the proxy on workers and directly on the control-plane nodes, and one kube-proxy configuration serves both. Remove port.", APIPort, APIPort)
	}
	if lb.VIP != nil {
		v.errorf(lb.VIPRange, ctx, "VIP with a local proxy", "A local proxy needs no VIP: each node reaches the API servers through its own 127.0.0.1:%d. Remove vip, or use mode = \"kube-vip\" or \"colocated\" for a VIP.", APIPort)
	}
	if lb.Endpoint != nil {
		v.errorf(lb.EndpointRange, ctx, "Endpoint with a local proxy", "endpoint names an existing load balancer and goes only with mode = \"external\". Remove it.")
	}
	for _, h := range lb.Hosts {
		v.errorf(h.DeclRange, ctx, "Host with a local proxy", "The local proxy runs on every worker, so host blocks have no place here. Remove them, or set mode = \"dedicated\".")
	}
	v.keepalivedSettings(lb, "A local proxy has no VIP and no keepalived")
	if len(v.hostsOf(spec.RoleWorker)) == 0 && len(v.all) > 0 {
		v.errorf(lb.ModeRange, ctx, "Local proxy without workers",
			"The local proxy runs on the workers, and this design has none: every node is a control-plane node and reaches its own API server. Use mode = \"kube-vip\" or \"colocated\" for a VIP that clients outside the cluster can use.")
	}
}

// APIPort is the port every kube-apiserver listens on.
const APIPort = 6443

// controlPlanePorts are the ports that the components on every control-plane
// node hold, which a co-located HAProxy cannot bind.
var controlPlanePorts = map[int]string{
	2379:  "etcd",
	2380:  "etcd",
	2381:  "etcd",
	10248: "the kubelet",
	10250: "the kubelet",
	10249: "kube-proxy",
	10256: "kube-proxy",
	10257: "kube-controller-manager",
	10259: "kube-scheduler",
}

// maxLBHosts is how many keepalived peers fit priorities spaced by
// PriorityStep below the check weight (see plan).
const maxLBHosts = 9

func (v *validator) vip(lb *spec.LoadBalancer, hosts []spec.Machine) {
	if lb.VIP == nil {
		holder := "keepalived"
		if lb.Mode == spec.LBKubeVIP {
			holder = "kube-vip"
		}
		v.errorf(lb.DeclRange, nil, "Missing VIP", "%s needs a virtual IP to hold: add vip = \"<a free address in the load-balancer hosts' subnet>\".", holder)
		return
	}
	if a, err := netip.ParseAddr(*lb.VIP); err == nil && v.apiAddress(a, lb.VIPRange, &lb.DeclRange, "The VIP") {
		return
	}
	vip, ok := v.address(*lb.VIP, lb.VIPRange, &lb.DeclRange, "The VIP")
	if !ok {
		return
	}
	for _, m := range v.all {
		if a, err := netip.ParseAddr(m.Address); err == nil && a == vip {
			v.errorf(lb.VIPRange, &lb.DeclRange, "VIP is a node address",
				"The VIP %s is the address of %s %q. The VIP must be a free address that only keepalived holds.", vip, m.Role, m.Name)
		}
	}
	vipNet, _ := v.subnetOf(vip)
	for _, h := range hosts {
		a, err := netip.ParseAddr(h.Address)
		if _, inSubnet := v.subnetOf(a); err != nil || !inSubnet {
			continue // already reported as an invalid address
		}
		if !vipNet.Contains(a) {
			v.errorf(lb.VIPRange, &lb.DeclRange, "VIP outside the load-balancer hosts' subnet",
				"The VIP %s is in %s, but %s %q (%s) is not: a VIP moves (by VRRP or gratuitous ARP) only between hosts on one layer-2 subnet. Pick a VIP in the subnet of every load-balancer host.", vip, vipNet, h.Role, h.Name, a)
		}
	}
}

func (v *validator) externalLB(lb *spec.LoadBalancer) {
	if lb.Endpoint == nil {
		v.errorf(lb.DeclRange, nil, "Missing endpoint", "An external load balancer is given as endpoint = \"host:port\", for example \"api.example.com:6443\".")
	} else if host, port, err := net.SplitHostPort(*lb.Endpoint); err != nil || !validEndpointHost(host) || !validPort(port) {
		v.errorf(lb.EndpointRange, &lb.DeclRange, "Invalid endpoint", "endpoint %q is not host:port with a DNS name or a unicast address, such as \"api.example.com:6443\", \"10.0.0.5:6443\" or \"[fd00::5]:6443\".", *lb.Endpoint)
	} else if loopbackHost(host) {
		v.errorf(lb.EndpointRange, &lb.DeclRange, "Loopback API endpoint",
			"endpoint %q is the loopback address: every node (and every pod) would reach itself there, not the load balancer, and joining nodes could not find the API. Give the load balancer's address or DNS name, such as \"api.example.com:6443\".", *lb.Endpoint)
	} else if a, err := netip.ParseAddr(host); err == nil {
		v.apiAddress(a, lb.EndpointRange, &lb.DeclRange, "The API endpoint")
	}
	if lb.Interface != nil {
		v.errorf(lb.InterfaceRange, &lb.DeclRange, "Interface with an external load balancer", "interface names where keepalived holds the VIP, and goes only with dedicated or colocated mode. Remove it.")
	}
	if lb.VirtualRouterID != nil {
		v.errorf(lb.VirtualRouterIDRange, &lb.DeclRange, "Virtual router id with an external load balancer", "virtual_router_id configures keepalived, which an external load balancer does without. Remove it.")
	}
	for _, h := range lb.Hosts {
		v.errorf(h.DeclRange, &lb.DeclRange, "Host of an external load balancer", "blueprint does not configure an external load balancer's machines. Remove the host blocks, or set mode = \"dedicated\".")
	}
	if lb.VIP != nil {
		v.errorf(lb.VIPRange, &lb.DeclRange, "VIP with an external load balancer", "An external load balancer is reached at its endpoint; vip goes with dedicated or colocated mode. Remove it.")
	}
	if lb.Port != nil {
		v.errorf(lb.PortRange, &lb.DeclRange, "Port with an external load balancer", "The port of an external load balancer is part of its endpoint. Remove port.")
	}
}

// validEndpointHost accepts a unicast address that a certificate can name
// (no zone, not IPv4-mapped, not 0.0.0.0 or a multicast group) or a DNS name
// whose labels are at most 63 characters and whole at most 253.
func validEndpointHost(h string) bool {
	if a, err := netip.ParseAddr(h); err == nil {
		return a.Zone() == "" && !a.Is4In6() && !a.IsUnspecified() && !a.IsMulticast()
	}
	return dnsNameRE.MatchString(h) && len(validation.IsDNS1123Subdomain(h)) == 0
}

// loopbackHost reports whether h names this machine: a loopback address,
// localhost or a name below it (RFC 6761 reserves .localhost for loopback).
func loopbackHost(h string) bool {
	if a, err := netip.ParseAddr(h); err == nil {
		return a.IsLoopback()
	}
	return h == "localhost" || strings.HasSuffix(h, ".localhost")
}

var dnsNameRE = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$`)

// validPort accepts a port written as plain digits, as it will be printed.
func validPort(s string) bool {
	p, err := strconv.Atoi(s)
	return err == nil && p >= 1 && p <= 65535 && strconv.Itoa(p) == s
}
