package validate

import (
	"net/netip"

	"github.com/hashicorp/hcl/v2"

	"github.com/blueprint-dev/blueprint/spec"
)

// Limits the Kubernetes control plane puts on its address ranges.
const (
	maxServiceBitsV4 = 20 // kube-apiserver refuses IPv4 service ranges larger than /12
	maxServiceBitsV6 = 20 // and IPv6 ranges larger than /108
	nodeMaskV4       = 24 // kube-controller-manager's default per-node pod range
	nodeMaskV6       = 64
	maxNodeMaskBits  = 16 // kubeadm: at most 2^16 per-node ranges in a pod range
	minServiceBits   = 4  // 16 addresses: kubeadm puts the DNS service at the tenth
)

// reservedRanges hold no addresses a node, pod or service can use: they
// are for this host, loopback, link-local, multicast, reserved, discarded,
// for documentation only, or deprecated.
var reservedRanges = []struct {
	prefix netip.Prefix
	what   string
}{
	{netip.MustParsePrefix("0.0.0.0/8"), "\"this network\" (0.0.0.0/8)"},
	{netip.MustParsePrefix("127.0.0.0/8"), "loopback (127.0.0.0/8)"},
	{netip.MustParsePrefix("169.254.0.0/16"), "link-local (169.254.0.0/16)"},
	{netip.MustParsePrefix("224.0.0.0/4"), "multicast (224.0.0.0/4)"},
	{netip.MustParsePrefix("240.0.0.0/4"), "reserved (240.0.0.0/4)"},
	{netip.MustParsePrefix("::/8"), "reserved (::/8, with loopback ::1)"},
	{netip.MustParsePrefix("fe80::/10"), "link-local (fe80::/10)"},
	{netip.MustParsePrefix("ff00::/8"), "multicast (ff00::/8)"},
	{netip.MustParsePrefix("100::/64"), "discard-only (100::/64, RFC 6666)"},
	{netip.MustParsePrefix("2001:db8::/32"), "documentation (2001:db8::/32, RFC 3849)"},
	{netip.MustParsePrefix("fec0::/10"), "deprecated site-local (fec0::/10, RFC 3879)"},
}

// reserved returns the reserved range p overlaps, if any.
func reserved(p netip.Prefix) (string, bool) {
	for _, r := range reservedRanges {
		if r.prefix.Overlaps(p) {
			return r.what, true
		}
	}
	return "", false
}

type namedPrefix struct {
	what   string
	prefix netip.Prefix
	rng    hcl.Range
}

func (v *validator) network() {
	n := v.s.Network
	if n == nil {
		v.missing("network", "  network {\n    node_subnets = [\"10.0.0.0/16\"]\n    cni          = \"calico\"\n  }")
		return
	}
	v.cni(n)
	v.proxyMode(n)

	if len(n.NodeSubnets) == 0 {
		v.errorf(n.NodeSubnetsRange, &n.DeclRange, "No node subnets", "node_subnets must list at least one subnet that holds the nodes' addresses, such as [\"10.0.0.0/16\"].")
	}
	var all []namedPrefix
	for _, s := range n.NodeSubnets {
		if p, ok := v.prefix(s, n.NodeSubnetsRange, &n.DeclRange, "node subnet"); ok {
			all = append(all, namedPrefix{"node subnet " + s, p, n.NodeSubnetsRange})
		}
	}
	pods := v.familyList(n.PodCIDRsOrDefault(), n.PodCIDRsRange, &n.DeclRange, "pod CIDR")
	svcs := v.familyList(n.ServiceCIDRsOrDefault(), n.ServiceCIDRsRange, &n.DeclRange, "service CIDR")
	for _, p := range pods {
		all = append(all, namedPrefix{"pod CIDR " + p.String(), p, n.PodCIDRsRange})
		mask := nodeMaskV4
		if p.Addr().Is6() {
			mask = nodeMaskV6
		}
		if p.Bits() > mask {
			v.errorf(rangeOr(n.PodCIDRsRange, n.DeclRange), &n.DeclRange, "Pod CIDR too small",
				"Pod CIDR %s is smaller than the /%d range each node takes from it. Use a prefix of /%d or shorter.", p, mask, mask)
		} else if mask-p.Bits() > maxNodeMaskBits {
			v.errorf(rangeOr(n.PodCIDRsRange, n.DeclRange), &n.DeclRange, "Pod CIDR too large",
				"Pod CIDR %s holds 2^%d per-node /%d ranges; kubeadm refuses more than 2^%d, because the controller-manager keeps a bitmap of them. Use /%d or longer.", p, mask-p.Bits(), mask, maxNodeMaskBits, mask-maxNodeMaskBits)
		} else if nodes := len(v.all); mask-p.Bits() < 30 && nodes > 1<<(mask-p.Bits()) {
			v.errorf(rangeOr(n.PodCIDRsRange, n.DeclRange), &n.DeclRange, "Pod CIDR too small",
				"Pod CIDR %s holds %d per-node /%d ranges, but the design has %d machines. Use a shorter prefix.", p, 1<<(mask-p.Bits()), mask, nodes)
		}
	}
	for _, p := range svcs {
		all = append(all, namedPrefix{"service CIDR " + p.String(), p, n.ServiceCIDRsRange})
		limit := maxServiceBitsV4
		if p.Addr().Is6() {
			limit = maxServiceBitsV6
		}
		if p.Addr().BitLen()-p.Bits() > limit {
			v.errorf(rangeOr(n.ServiceCIDRsRange, n.DeclRange), &n.DeclRange, "Service CIDR too large",
				"kube-apiserver accepts service ranges of at most %d host bits; %s has %d. Use /%d or longer.", limit, p, p.Addr().BitLen()-p.Bits(), p.Addr().BitLen()-limit)
		} else if p.Addr().BitLen()-p.Bits() < minServiceBits {
			v.errorf(rangeOr(n.ServiceCIDRsRange, n.DeclRange), &n.DeclRange, "Service CIDR too small",
				"Service CIDR %s holds %d addresses; kubeadm wants at least 10 and gives the cluster DNS service the tenth, so it needs %d or more. Use /%d or shorter.", p, 1<<(p.Addr().BitLen()-p.Bits()), 1<<minServiceBits, p.Addr().BitLen()-minServiceBits)
		}
	}
	if len(pods) > 0 && len(svcs) > 0 && families(pods) != families(svcs) {
		v.errorf(rangeOr(n.ServiceCIDRsRange, n.DeclRange), &n.DeclRange, "Mismatched IP families",
			"The pod CIDRs are %s but the service CIDRs are %s. A dual-stack cluster needs one IPv4 and one IPv6 range in both lists, in the same order.", families(pods), families(svcs))
	}
	for i := range all {
		for j := i + 1; j < len(all); j++ {
			if all[i].prefix.Overlaps(all[j].prefix) {
				v.errorf(rangeOr(all[j].rng, n.DeclRange), &n.DeclRange, "Overlapping address ranges",
					"%s overlaps %s. Node, pod and service ranges must be disjoint, or traffic is routed to the wrong place.", all[j].what, all[i].what)
			}
		}
	}
}

// CNIs blueprint knows; "none" leaves the choice to the operator.
var cnis = []string{"calico", "cilium", "flannel", spec.CNINone}

func (v *validator) cni(n *spec.Network) {
	if !v.oneOf(n.CNIOrDefault(), cnis, n.CNIRange, &n.DeclRange, "CNI") {
		return
	}
	switch n.CNIOrDefault() {
	case spec.CNINone:
		if len(n.PodCIDRs) == 0 {
			v.errorf(n.CNIRange, &n.DeclRange, "Pod CIDR needed",
				"With cni = \"none\" the operator installs a CNI blueprint knows nothing of, so blueprint has no default pod range: kubeadm gives each node a slice of pod_cidrs, and the NetworkPolicies and the node subnets' checks need it. Add pod_cidrs = [\"…\"] with the range your CNI assigns pods from.")
		}
	case "flannel":
		v.warnf(CodeCNINoPolicies, n.CNIRange, &n.DeclRange, "CNI does not enforce NetworkPolicies",
			"Flannel does not implement NetworkPolicy: the default-deny and allow policies blueprint renders for every namespace are accepted by the API server and do nothing. Use calico or cilium, or run a policy engine beside flannel (such as Calico in policy-only mode, \"canal\").")
	}
}

// proxyModes are kube-proxy's modes with the first minor where each is
// generally available and the minor from which it is deprecated (0: not).
var proxyModes = []struct {
	mode             string
	ga, deprecatedIn int
	note             string
}{
	{"iptables", 0, 0, ""},
	// KEP-3866: nftables is beta from 1.31, GA from 1.33.
	{"nftables", 33, 0, ""},
	// KEP-5495: ipvs is deprecated from 1.35, in favour of nftables.
	{"ipvs", 0, 35, "Kubernetes 1.35 deprecated kube-proxy's ipvs mode (KEP-5495) in favour of nftables: it still works and logs a deprecation warning, and the KEP plans to turn it off in a later release"},
}

func (v *validator) proxyMode(n *spec.Network) {
	names := make([]string, len(proxyModes))
	for i, m := range proxyModes {
		names[i] = m.mode
	}
	mode := n.ProxyModeOrDefault()
	if !v.oneOf(mode, names, n.ProxyModeRange, &n.DeclRange, "kube-proxy mode") || v.s.Cluster == nil {
		return
	}
	ver, ok := KubernetesVersion(v.s.Cluster.KubernetesVersion)
	if !ok {
		return
	}
	for _, m := range proxyModes {
		switch {
		case m.mode != mode:
		case m.ga > 0 && ver.Minor < m.ga:
			v.errorf(n.ProxyModeRange, &n.DeclRange, "kube-proxy mode not available",
				"kube-proxy's %s mode is generally available from Kubernetes 1.%d, and this cluster runs %s. Use iptables, or Kubernetes 1.%d or newer.", mode, m.ga, ver, m.ga)
		case m.deprecatedIn > 0 && ver.Minor >= m.deprecatedIn:
			v.warnf(CodeProxyModeDeprecated, n.ProxyModeRange, &n.DeclRange, "Deprecated kube-proxy mode",
				"%s (this cluster runs %s). Use proxy_mode = \"nftables\" (Linux 5.13 or newer) or \"iptables\".", m.note, ver)
		}
	}
}

// prefix parses a CIDR that must be written in canonical form.
func (v *validator) prefix(s string, rng hcl.Range, ctx *hcl.Range, what string) (netip.Prefix, bool) {
	p, err := netip.ParsePrefix(s)
	if err != nil {
		v.errorf(rangeOr(rng, *ctx), ctx, "Invalid "+what, "%q is not a CIDR such as \"10.0.0.0/16\" or \"fd00::/48\".", s)
		return p, false
	}
	if p != p.Masked() {
		v.errorf(rangeOr(rng, *ctx), ctx, "Invalid "+what, "%q has host bits set. Did you mean %q?", s, p.Masked().String())
		return p, false
	}
	if p.Bits() == 0 {
		v.errorf(rangeOr(rng, *ctx), ctx, "Invalid "+what, "%q covers every address. Give the real range.", s)
		return p, false
	}
	if p.Addr().Is4In6() || p.Addr().Zone() != "" {
		v.errorf(rangeOr(rng, *ctx), ctx, "Invalid "+what, "%q mixes IPv4 into IPv6 notation. Write IPv4 ranges in dotted form.", s)
		return p, false
	}
	if r, bad := reserved(p); bad {
		v.errorf(rangeOr(rng, *ctx), ctx, "Invalid "+what, "%q overlaps the %s range, whose addresses no node, pod or service can use. Use a private range such as 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16 or fd00::/8.", s, r)
		return p, false
	}
	return p, true
}

// familyList parses a pod or service CIDR list: one range, or one per
// family for dual-stack.
func (v *validator) familyList(list []string, rng hcl.Range, ctx *hcl.Range, what string) []netip.Prefix {
	var out []netip.Prefix
	for _, s := range list {
		if p, ok := v.prefix(s, rng, ctx, what); ok {
			out = append(out, p)
		}
	}
	if len(list) > 2 || (len(out) == 2 && out[0].Addr().Is4() == out[1].Addr().Is4()) {
		v.errorf(rangeOr(rng, *ctx), ctx, "Invalid "+what+" list",
			"Give one %s, or two for dual-stack: one IPv4 and one IPv6.", what)
		return nil
	}
	return out
}

func families(ps []netip.Prefix) string {
	s := ""
	for i, p := range ps {
		if i > 0 {
			s += "+"
		}
		if p.Addr().Is4() {
			s += "IPv4"
		} else {
			s += "IPv6"
		}
	}
	return s
}

// rangeOr returns r, or fallback when r is empty (an attribute left to its default).
func rangeOr(r, fallback hcl.Range) hcl.Range {
	if r.Filename == "" {
		return fallback
	}
	return r
}

// nodeSubnets returns the parsable node subnets.
func (v *validator) nodeSubnets() []netip.Prefix {
	if v.s.Network == nil {
		return nil
	}
	var out []netip.Prefix
	for _, s := range v.s.Network.NodeSubnets {
		p, err := netip.ParsePrefix(s)
		if _, bad := reserved(p); err == nil && p == p.Masked() && p.Bits() > 0 && !p.Addr().Is4In6() && !bad {
			out = append(out, p)
		}
	}
	return out
}

// subnetOf returns the node subnet that holds addr.
func (v *validator) subnetOf(addr netip.Addr) (netip.Prefix, bool) {
	for _, p := range v.nodeSubnets() {
		if p.Contains(addr) {
			return p, true
		}
	}
	return netip.Prefix{}, false
}

// address parses a host address and checks that it is usable in a node subnet.
func (v *validator) address(s string, rng hcl.Range, ctx *hcl.Range, owner string) (netip.Addr, bool) {
	a, err := netip.ParseAddr(s)
	if err != nil || a.Zone() != "" || a.Is4In6() {
		v.errorf(rng, ctx, "Invalid address", "%s has address %q, which is not a plain IPv4 or IPv6 address such as \"10.0.1.11\".", owner, s)
		return a, false
	}
	subnets := v.nodeSubnets()
	if len(subnets) == 0 {
		return a, true
	}
	p, ok := v.subnetOf(a)
	if !ok {
		v.errorf(rng, ctx, "Address outside the node subnets", "%s has address %s, outside every node subnet (%s). Fix the address or add its subnet to network.node_subnets.", owner, a, prefixList(subnets))
		return a, false
	}
	if a == p.Addr() || (a.Is4() && a == lastAddr(p)) {
		v.errorf(rng, ctx, "Unusable address", "%s is the network or broadcast address of %s. Use a host address.", a, p)
		return a, false
	}
	return a, true
}

func lastAddr(p netip.Prefix) netip.Addr {
	b := p.Masked().Addr().As16()
	bits := p.Bits()
	if p.Addr().Is4() {
		bits += 96
	}
	for i := bits; i < 128; i++ {
		b[i/8] |= 1 << (7 - i%8)
	}
	a := netip.AddrFrom16(b)
	if p.Addr().Is4() {
		return a.Unmap()
	}
	return a
}

func prefixList(ps []netip.Prefix) string {
	s := ""
	for i, p := range ps {
		if i > 0 {
			s += ", "
		}
		s += p.String()
	}
	return s
}

// clusterRange returns the pod or service range of the network that holds
// a, if any.
func (v *validator) clusterRange(a netip.Addr) (string, netip.Prefix, bool) {
	n := v.s.Network
	if n == nil {
		return "", netip.Prefix{}, false
	}
	for _, r := range []struct {
		what  string
		cidrs []string
	}{{"pod", n.PodCIDRsOrDefault()}, {"service", n.ServiceCIDRsOrDefault()}} {
		for _, c := range r.cidrs {
			if p, err := netip.ParsePrefix(c); err == nil && p.Contains(a) {
				return r.what, p, true
			}
		}
	}
	return "", netip.Prefix{}, false
}

// apiAddress refuses an address clients reach the API at (the VIP or an
// external load balancer's) that lies in the pod or service range: inside
// the cluster, those addresses lead to pods and Services, not to the load
// balancer. It reports whether it did. A range that overlaps a node subnet
// is already refused as such, and not blamed again here.
func (v *validator) apiAddress(a netip.Addr, rng hcl.Range, ctx *hcl.Range, what string) bool {
	kind, p, in := v.clusterRange(a)
	if !in {
		return false
	}
	for _, n := range v.nodeSubnets() {
		if n.Overlaps(p) {
			return false
		}
	}
	v.errorf(rng, ctx, "API address inside the "+kind+" range",
		"%s %s lies in the %s range %s. Inside the cluster that range is routed to %ss, so kubelets, kube-proxy and pods would not reach the load balancer there. Pick an address outside the pod and service ranges.", what, a, kind, p, kind)
	return true
}
