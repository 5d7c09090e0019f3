package validate

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"k8s.io/apimachinery/pkg/api/validate/content"

	"github.com/blueprint-dev/blueprint/spec"
)

// FleetResult is the outcome of validating a fleet: every diagnostic,
// sorted, and each member's own result.
type FleetResult struct {
	Diagnostics hcl.Diagnostics
	Members     map[string]Result
}

// Fleet validates a fleet: each member as the ordinary cluster spec it is
// (with more, when given, run for a member without errors, as RunWith
// does), then the rules across members. A diagnostic about a class's
// block that several members share is reported once, naming them.
func Fleet(f *spec.Fleet, loadDiags hcl.Diagnostics, more func(*spec.Member) func() hcl.Diagnostics) FleetResult {
	r := FleetResult{Members: map[string]Result{}}
	loaded := map[*hcl.Diagnostic]bool{}
	for _, d := range loadDiags {
		loaded[d] = true
	}
	type shared struct {
		d       *hcl.Diagnostic
		members []string
	}
	var order []*shared
	byKey := map[string]*shared{}
	for _, m := range f.Members {
		if m.Spec == nil {
			continue
		}
		var extra func() hcl.Diagnostics
		if more != nil {
			extra = more(m)
		}
		res := RunWith(m.Spec, loadDiags, extra)
		r.Members[m.Name] = res
		for _, d := range res.Diagnostics {
			if loaded[d] {
				continue
			}
			k := diagKey(d)
			if s, ok := byKey[k]; ok {
				s.members = append(s.members, m.Name)
				continue
			}
			s := &shared{d: d, members: []string{m.Name}}
			byKey[k] = s
			order = append(order, s)
		}
	}
	diags := append(hcl.Diagnostics{}, loadDiags...)
	for _, s := range order {
		d := *s.d
		if m := f.Member(s.members[0]); d.Subject != nil && !within(*d.Subject, m.BodyRange) {
			d.Detail += fmt.Sprintf(" (In class %q, as member%s %s use%s it.)", m.Class, plural(len(s.members)), strings.Join(quoteEach(s.members), " and "), map[bool]string{true: "", false: "s"}[len(s.members) > 1])
		}
		diags = append(diags, &d)
	}
	v := &fleetValidator{f: f}
	v.run()
	r.Diagnostics = append(diags, v.diags...)
	Sort(r.Diagnostics)
	return r
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

func diagKey(d *hcl.Diagnostic) string {
	return fmt.Sprintf("%d\x00%s\x00%s\x00%v", d.Severity, d.Summary, d.Detail, subjectOf(d))
}

// within reports whether r lies inside outer.
func within(r, outer hcl.Range) bool {
	return r.Filename == outer.Filename && r.Start.Byte >= outer.Start.Byte && r.End.Byte <= outer.End.Byte
}

type fleetValidator struct {
	f     *spec.Fleet
	diags hcl.Diagnostics
}

func (v *fleetValidator) add(sev hcl.DiagnosticSeverity, subject hcl.Range, context *hcl.Range, summary, detail string, args ...any) *hcl.Diagnostic {
	d := &hcl.Diagnostic{Severity: sev, Summary: summary, Detail: fmt.Sprintf(detail, args...), Subject: subject.Ptr()}
	if context != nil && context.Filename != "" {
		d.Context = context
	}
	v.diags = append(v.diags, d)
	return d
}

func (v *fleetValidator) run() {
	v.regions()
	v.peerings()
	v.addressRanges()
	v.routerIDs()
	v.versionSkew()
	v.mirrors()
	v.etcdRegions()
	v.gitopsPaths()
}

// members are the members that decoded, in declaration order.
func (v *fleetValidator) members() []*spec.Member {
	var out []*spec.Member
	for _, m := range v.f.Members {
		if m.Spec != nil {
			out = append(out, m)
		}
	}
	return out
}

// regions: a region becomes a label value (blueprint.dev/region on the
// fleet's GitOps objects) and a zone's region must be one too.
func (v *fleetValidator) regions() {
	check := func(region string, subject hcl.Range, context *hcl.Range) {
		if errs := content.IsLabelValue(region); len(errs) > 0 && subject.Filename != "" {
			v.add(hcl.DiagError, subject, context, "Invalid region", "Region %q is not a Kubernetes label value (%s): the fleet's GitOps objects carry it as one. Use letters, digits, '-', '_' and '.', such as \"eu-west\".", region, strings.Join(errs, "; "))
		}
	}
	for _, m := range v.f.Members {
		if m.Region != "" {
			check(m.Region, m.RegionRange, &m.DeclRange)
		}
		if m.Spec == nil {
			continue
		}
		for _, z := range m.Spec.Zones {
			if z.Region != nil {
				check(*z.Region, z.RegionRange, &z.DeclRange)
			}
		}
	}
}

func (v *fleetValidator) peerings() {
	var names []string
	for _, m := range v.f.Members {
		names = append(names, m.Name)
	}
	for _, p := range v.f.Peerings {
		seen := map[string]bool{}
		for _, name := range p.Members {
			switch {
			case v.f.Member(name) == nil:
				v.add(hcl.DiagError, p.MembersRange, &p.DeclRange, "Unknown member", "Peering %q names %q, which is no member of this fleet.%s", p.Name, name, didYouMean(name, names))
			case seen[name]:
				v.add(hcl.DiagError, p.MembersRange, &p.DeclRange, "Member named twice", "Peering %q names %q twice. Name each member once.", p.Name, name)
			}
			seen[name] = true
		}
		if len(p.Members) < 2 && p.MembersRange.Filename != "" {
			v.add(hcl.DiagError, p.MembersRange, &p.DeclRange, "Peering of fewer than two members", "A peering routes members to each other: name at least two, members = [\"west\", \"east\"].")
		}
	}
}

// RoutedTogether reports why two members are routed to each other: the
// peering or the network they share, or "" when they are not.
func RoutedTogether(f *spec.Fleet, a, b *spec.Member) string {
	if a.Network != "" && a.Network == b.Network {
		return fmt.Sprintf("both are on network %q", a.Network)
	}
	for _, p := range f.Peerings {
		if slices.Contains(p.Members, a.Name) && slices.Contains(p.Members, b.Name) {
			return fmt.Sprintf("peering %q routes them together", p.Name)
		}
	}
	return ""
}

type memberRange struct {
	kind   string // "node subnet", "pod range", "service range"
	prefix netip.Prefix
	rng    hcl.Range
}

func memberRanges(m *spec.Member) []memberRange {
	n := m.Spec.Network
	if n == nil {
		return nil
	}
	var out []memberRange
	addAll := func(kind string, cidrs []string, rng hcl.Range) {
		if rng.Filename == "" {
			rng = n.DeclRange // a default: point at the network block
		}
		for _, c := range cidrs {
			if p, err := netip.ParsePrefix(c); err == nil {
				out = append(out, memberRange{kind, p.Masked(), rng})
			}
		}
	}
	addAll("node subnet", n.NodeSubnets, n.NodeSubnetsRange)
	addAll("pod range", n.PodCIDRsOrDefault(), n.PodCIDRsRange)
	addAll("service range", n.ServiceCIDRsOrDefault(), n.ServiceCIDRsRange)
	return out
}

// addressRanges: members routed together must not share addresses, or
// traffic for one cluster's pods or services would reach the other's.
func (v *fleetValidator) addressRanges() {
	ms := v.members()
	for i, a := range ms {
		for _, b := range ms[i+1:] {
			why := RoutedTogether(v.f, a, b)
			if why == "" {
				continue
			}
			for _, ra := range memberRanges(a) {
				for _, rb := range memberRanges(b) {
					if !ra.prefix.Overlaps(rb.prefix) {
						continue
					}
					v.add(hcl.DiagError, rb.rng, &b.DeclRange, "Overlapping ranges between clusters",
						"Member %q's %s %s overlaps member %q's %s %s (declared at %s), and %s: packets for one would be routed to the other. Give each member ranges of its own (a class variable the member sets).",
						b.Name, rb.kind, rb.prefix, a.Name, ra.kind, ra.prefix, ra.rng, why)
				}
			}
		}
	}
}

func usesKeepalived(lb *spec.LoadBalancer) bool {
	if lb == nil {
		return false
	}
	return lb.Mode == "colocated" || (lb.Mode == "dedicated" && lb.VIP != nil)
}

// routerIDs: keepalived's VRRP groups of members on one network share
// its segments; two groups with one router id fight over the VIP.
func (v *fleetValidator) routerIDs() {
	ms := v.members()
	for i, a := range ms {
		for _, b := range ms[i+1:] {
			if a.Network == "" || a.Network != b.Network {
				continue
			}
			la, lb := a.Spec.LoadBalancer, b.Spec.LoadBalancer
			if !usesKeepalived(la) || !usesKeepalived(lb) || la.VirtualRouterIDOrDefault() != lb.VirtualRouterIDOrDefault() {
				continue
			}
			subject := lb.VirtualRouterIDRange
			if subject.Filename == "" {
				subject = lb.DeclRange
			}
			v.add(hcl.DiagError, subject, &b.DeclRange, "Duplicate virtual router id",
				"Members %q and %q are both on network %q and both run keepalived with virtual_router_id %d: on a shared segment, two VRRP groups with one id take each other's advertisements and the VIPs flap. Give each member its own id (a class variable the member sets).",
				a.Name, b.Name, a.Network, lb.VirtualRouterIDOrDefault())
		}
	}
}

// versionSkew warns when one kubectl cannot manage every cluster: kubectl
// supports one minor release either side of the API server.
func (v *fleetValidator) versionSkew() {
	type ver struct {
		m     *spec.Member
		minor int
	}
	var vs []ver
	for _, m := range v.members() {
		if m.Spec.Cluster == nil {
			continue
		}
		// A release blueprint does not support is an error of its own.
		if kv, ok := KubernetesVersion(m.Spec.Cluster.KubernetesVersion); ok && kv.Minor >= MinMinor && kv.Minor <= MaxMinor {
			vs = append(vs, ver{m, kv.Minor})
		}
	}
	if len(vs) == 0 {
		return
	}
	newest := vs[0]
	for _, x := range vs {
		if x.minor > newest.minor {
			newest = x
		}
	}
	// Each member more than one minor release behind the newest is the one
	// to upgrade.
	for _, x := range vs {
		if newest.minor-x.minor <= 1 {
			continue
		}
		c := x.m.Spec.Cluster
		subject := c.KubernetesVersionRange
		if subject.Filename == "" {
			subject = c.DeclRange
		}
		d := v.add(hcl.DiagWarning, subject, nil, "Clusters beyond kubectl's version skew",
			"Member %q runs Kubernetes 1.%d and member %q 1.%d: kubectl supports one minor release either side of the API server, so no one kubectl manages both. Upgrade %q first. (warning %s)",
			x.m.Name, x.minor, newest.m.Name, newest.minor, x.m.Name, CodeFleetVersionSkew)
		d.Extra = Warning{Code: CodeFleetVersionSkew, Detail: d.Detail}
	}
}

// mirrors: when any member pulls through a mirror, all pull through the
// same one, so that one images.txt and one lock file serve the fleet.
func (v *fleetValidator) mirrors() {
	ms := v.members()
	registry := func(m *spec.Member) string {
		if m.Spec.Images == nil || m.Spec.Images.Registry == nil {
			return ""
		}
		return *m.Spec.Images.Registry
	}
	var first *spec.Member
	for _, m := range ms {
		if registry(m) != "" {
			first = m
			break
		}
	}
	if first == nil {
		return
	}
	for _, m := range ms {
		if registry(m) == registry(first) {
			continue
		}
		subject, what := m.DeclRange, "pulls from the images' own registries"
		if registry(m) != "" {
			subject, what = m.Spec.Images.RegistryRange, fmt.Sprintf("pulls from %q", registry(m))
		}
		v.add(hcl.DiagError, subject, &m.DeclRange, "Members without the shared mirror",
			"Member %q pulls its images from the mirror %q, but member %q %s: a fleet shares one mirror, so one images.txt fills it for every cluster. Set images { registry = %q } in the class.",
			first.Name, registry(first), m.Name, what, registry(first))
	}
}

// etcdRegions: etcd's members must answer each other within milliseconds;
// a zone in another region (a stacked control-plane node, or an external
// etcd member there) puts that latency on every write.
func (v *fleetValidator) etcdRegions() {
	for _, m := range v.members() {
		s := m.Spec
		zones := map[string]*spec.Zone{}
		for _, z := range s.Zones {
			zones[z.Name] = z
		}
		hosts, what := etcdHosts(s)
		for _, h := range hosts {
			z := zones[h.Zone]
			if z == nil || m.ZoneRegion(z) == m.Region {
				continue
			}
			v.add(hcl.DiagError, z.RegionRange, &z.DeclRange, "etcd spans regions",
				"Zone %q is in region %q, but member %q is in %q, and %s %q runs in it: etcd would span regions, and every write would wait for a round trip between them. Keep etcd's zones in the member's region; serve the other region with a member of its own.",
				z.Name, m.ZoneRegion(z), m.Name, m.Region, what, h.Name)
		}
	}
}

// gitopsPaths: two members writing one GitOps path would overwrite each
// other's manifests in the repository.
func (v *fleetValidator) gitopsPaths() {
	seen := map[string]*spec.Member{}
	for _, m := range v.members() {
		g := m.Spec.GitOps
		if g == nil {
			continue
		}
		key := g.RepoURL + "\x00" + strings.TrimSuffix(g.Path, "/")
		if prev, dup := seen[key]; dup {
			v.add(hcl.DiagError, g.PathRange, &m.DeclRange, "Members share a GitOps path",
				"Members %q and %q both sync %s from path %q: each would overwrite the other's manifests. Name the path after the member: path = \"clusters/${member.name}\".",
				prev.Name, m.Name, g.RepoURL, g.Path)
			continue
		}
		seen[key] = m
	}
}

// etcdHosts are the machines etcd runs on: the control-plane nodes with
// stacked etcd, the etcd members with external etcd.
func etcdHosts(s *spec.Spec) ([]*spec.Host, string) {
	if s.Etcd != nil && s.Etcd.TopologyOrDefault() == "external" {
		return s.Etcd.Members, "external etcd member"
	}
	if s.ControlPlane != nil {
		return s.ControlPlane.Nodes, "stacked etcd member (a control-plane node)"
	}
	return nil, ""
}

// zoneRegions: within one spec, the zones etcd runs in name at most one
// region.
func (v *validator) zoneRegions() {
	zones := map[string]*spec.Zone{}
	for _, z := range v.s.Zones {
		zones[z.Name] = z
	}
	hosts, _ := etcdHosts(v.s)
	var first *spec.Zone
	for _, h := range hosts {
		z := zones[h.Zone]
		if z == nil || z.Region == nil {
			continue
		}
		if first == nil {
			first = z
			continue
		}
		if *z.Region != *first.Region {
			v.errorf(z.RegionRange, &z.DeclRange, "etcd spans regions",
				"Zone %q is in region %q and zone %q in %q, and etcd runs in both (%s): every write would wait for a round trip between regions. Keep etcd in one region; run a cluster per region (a fleet) instead.",
				z.Name, *z.Region, first.Name, *first.Region, h.Name)
		}
	}
}
