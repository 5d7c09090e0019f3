package spec

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
)

// Fleet is several clusters described in one spec: classes that hold the
// blocks of a cluster spec, and members that each take a class, override
// or add blocks, and become one ordinary cluster spec.
//
// The merge rules, the same for every block type:
//   - A member's top-level block replaces the class's block of the same
//     type and labels (node_pool "kafka" replaces node_pool "kafka";
//     network replaces network), whole: nested blocks are not merged.
//   - A member's block the class lacks is added after the class's blocks.
//   - cluster is the exception: it has no label in a class or member (the
//     cluster is named after the member), and its attributes merge one by
//     one, the member's winning.
//   - dynamic blocks are always added, never replace.
type Fleet struct {
	Classes  []*Class
	Members  []*Member
	Peerings []*Peering
	// Files holds the parsed sources, for printing diagnostics.
	Files map[string]*hcl.File
	// DeclRange is the start of the first file.
	DeclRange hcl.Range
}

// Class is a cluster design that members instantiate.
type Class struct {
	Name      string
	NameRange hcl.Range
	DeclRange hcl.Range
	body      *hclsyntax.Body
}

// Member is one cluster of a fleet.
type Member struct {
	Name       string
	NameRange  hcl.Range
	Class      string
	ClassRange hcl.Range
	// Region is where the member's machines are; its zones are in it
	// unless a zone names another region.
	Region      string
	RegionRange hcl.Range
	// Network names the routed network the member is on; members on the
	// same network are routed together, and share layer-2 segments.
	Network      string
	NetworkRange hcl.Range
	DeclRange    hcl.Range
	// BodyRange spans the member's block, braces included.
	BodyRange hcl.Range
	// Spec is the merged cluster spec; nil when the member could not be
	// decoded at all (an unknown class).
	Spec *Spec
}

// Peering routes members to each other, so their address ranges must not
// overlap.
type Peering struct {
	Name         string
	NameRange    hcl.Range
	Members      []string
	MembersRange hcl.Range
	DeclRange    hcl.Range
}

// Member returns the member of that name, or nil.
func (f *Fleet) Member(name string) *Member {
	for _, m := range f.Members {
		if m.Name == name {
			return m
		}
	}
	return nil
}

// ZoneRegion returns the region a member's zone is in: the zone's own
// region, or the member's.
func (m *Member) ZoneRegion(z *Zone) string {
	if z.Region != nil && *z.Region != "" {
		return *z.Region
	}
	return m.Region
}

// notOneCluster is the error of a command that takes one cluster and was
// given a fleet.
func (f *Fleet) notOneCluster() *hcl.Diagnostic {
	subject := f.DeclRange
	if len(f.Members) > 0 {
		subject = f.Members[0].DeclRange
	} else if len(f.Classes) > 0 {
		subject = f.Classes[0].DeclRange
	}
	return &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  "A fleet where one cluster was expected",
		Detail:   "This spec declares class and member blocks: it describes a fleet of clusters. blueprint validate, render and plan take a fleet; this command takes one cluster. Render the fleet and use the member's tree under clusters/NAME/, or write that member's spec on its own.",
		Subject:  subject.Ptr(),
	}
}

// fleetBlocks returns the class, member and peering blocks of the top level.
func fleetBlocks(blocks hcl.Blocks) hcl.Blocks {
	var out hcl.Blocks
	for _, b := range blocks {
		switch b.Type {
		case "class", "member", "peering":
			out = append(out, b)
		}
	}
	return out
}

// fleetTopLevel are the blocks a fleet spec holds at its top level; the
// cluster's blocks belong in a class or a member.
var fleetTopLevel = []string{"variable", "locals", "class", "member", "peering"}

var memberAttrs = []string{"class", "region", "network", "variables"}

// decodeFleet decodes classes, members and peerings, then each member as
// one cluster spec: its class's blocks merged with its own, with the
// class's variables set from the member's variables.
func (l *Loader) decodeFleet(files []*hcl.File, blocks hcl.Blocks, ctx *hcl.EvalContext, b *budget) (*Fleet, hcl.Diagnostics) {
	f := &Fleet{Files: l.parser.Files()}
	if len(files) > 0 {
		f.DeclRange = hcl.Range{Filename: files[0].Body.MissingItemRange().Filename, Start: hcl.InitialPos, End: hcl.InitialPos}
	}
	var diags hcl.Diagnostics
	errorf := func(subject hcl.Range, context *hcl.Range, summary, detail string, args ...any) {
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: summary, Detail: fmt.Sprintf(detail, args...), Subject: subject.Ptr(), Context: context})
	}

	// Everything else at the top level belongs in a class or member.
	for _, file := range files {
		body, ok := file.Body.(*hclsyntax.Body)
		if !ok {
			continue
		}
		for _, a := range sortedAttrs(body.Attributes) {
			errorf(a.NameRange, nil, "Attribute outside a class or member", "In a fleet spec the top level holds only variable, locals, class, member and peering blocks; %s belongs inside a class or member block.", a.Name)
		}
		for _, blk := range body.Blocks {
			if !slices.Contains(fleetTopLevel, blk.Type) {
				r := blk.DefRange()
				errorf(blk.TypeRange, &r, "Cluster block outside a class or member",
					"This spec declares class or member blocks, so it describes a fleet: its top level holds only variable, locals, class, member and peering blocks. Move this %s block into the class that members share, or into the one member it belongs to.", blk.Type)
			}
		}
	}

	classes := map[string]*Class{}
	for _, blk := range blocks {
		sb, ok := blk.Body.(*hclsyntax.Body)
		if !ok {
			continue
		}
		switch blk.Type {
		case "class":
			c := &Class{Name: blk.Labels[0], NameRange: blk.LabelRanges[0], DeclRange: blk.DefRange, body: sb}
			if prev, dup := classes[c.Name]; dup {
				errorf(c.NameRange, nil, "Duplicate class", "Class %q is already declared at %s. Rename one of them.", c.Name, prev.DeclRange)
				continue
			}
			classes[c.Name] = c
			f.Classes = append(f.Classes, c)
			for _, a := range sortedAttrs(sb.Attributes) {
				errorf(a.NameRange, &c.DeclRange, "Attribute in a class", "A class holds the blocks of a cluster spec and its own variable blocks; %s is not one of them. Put member settings (class, region, network, variables) in the member blocks.", a.Name)
			}
			for _, inner := range sb.Blocks {
				switch inner.Type {
				case "locals", "class", "member", "peering":
					errorf(inner.TypeRange, &c.DeclRange, "Block not allowed in a class", "A %s block cannot be inside a class. Declare locals at the top level of the fleet spec, and classes, members and peerings there too.", inner.Type)
				case "cluster":
					if len(inner.Labels) > 0 {
						errorf(inner.LabelRanges[0], &c.DeclRange, "Cluster label in a fleet", "In a fleet, each cluster is named after its member, so a class's cluster block has no label: write cluster { … }.")
					}
				}
			}
			_, vd := classVariables(c, ctx.Variables["var"].AsValueMap())
			diags = append(diags, vd...)
		case "peering":
			p := &Peering{Name: blk.Labels[0], NameRange: blk.LabelRanges[0], DeclRange: blk.DefRange}
			diags = append(diags, decodePeering(p, sb, ctx)...)
			f.Peerings = append(f.Peerings, p)
		}
	}
	for _, blk := range blocks {
		sb, ok := blk.Body.(*hclsyntax.Body)
		if !ok || blk.Type != "member" {
			continue
		}
		m := &Member{Name: blk.Labels[0], NameRange: blk.LabelRanges[0], DeclRange: blk.DefRange, BodyRange: sb.SrcRange}
		if prev := f.Member(m.Name); prev != nil {
			errorf(m.NameRange, nil, "Duplicate member", "Member %q is already declared at %s. Each member is one cluster, named after its label: rename one of them.", m.Name, prev.DeclRange)
			continue
		}
		f.Members = append(f.Members, m)
		vars, md := decodeMemberAttrs(m, sb, ctx)
		diags = append(diags, md...)
		if m.Class == "" {
			continue
		}
		c, ok := classes[m.Class]
		if !ok {
			detail := fmt.Sprintf("There is no class %q.", m.Class)
			if s := Suggest(m.Class, slices.Sorted(maps.Keys(classes))); s != "" {
				detail += fmt.Sprintf(" Did you mean %q?", s)
			} else if len(classes) > 0 {
				detail += fmt.Sprintf(" The classes are %s.", strings.Join(quoted(slices.Sorted(maps.Keys(classes))), ", "))
			} else {
				detail += " Declare one: class \"NAME\" { … } holding the blocks members share."
			}
			errorf(m.ClassRange, &m.DeclRange, "Unknown class", "%s", detail)
			continue
		}
		s, sd := l.decodeMember(files, m, c, sb, vars, ctx, b)
		diags = append(diags, sd...)
		m.Spec = s
		if b.spent() {
			return f, diags
		}
	}
	if len(f.Members) == 0 {
		subject := f.DeclRange
		if len(f.Classes) > 0 {
			subject = f.Classes[0].DeclRange
		}
		errorf(subject, nil, "A fleet without members", "The spec declares classes or peerings but no member block, so it describes no cluster. Add one: member \"NAME\" { class = \"…\" region = \"…\" }.")
	}
	return f, diags
}

// memberVariable is one entry of a member's variables attribute.
type memberVariable struct {
	value    cty.Value
	rng      hcl.Range // where the value is written
	keyRange hcl.Range
}

// decodeMemberAttrs reads a member's own attributes (class, region,
// network, variables), evaluated with the fleet's variables and locals.
func decodeMemberAttrs(m *Member, body *hclsyntax.Body, ctx *hcl.EvalContext) (map[string]memberVariable, hcl.Diagnostics) {
	var diags hcl.Diagnostics
	str := func(name string, required bool, hint string) (string, hcl.Range) {
		a, ok := body.Attributes[name]
		if !ok {
			if required {
				diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: fmt.Sprintf("Member without %s", name),
					Detail: fmt.Sprintf("Member %q has no %s attribute. %s", m.Name, name, hint), Subject: m.DeclRange.Ptr()})
			}
			return "", hcl.Range{}
		}
		v, vd := a.Expr.Value(ctx)
		diags = append(diags, vd...)
		if vd.HasErrors() {
			return "", a.Expr.Range()
		}
		if v.IsNull() || !v.IsKnown() || v.Type() != cty.String || v.AsString() == "" {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: fmt.Sprintf("Invalid %s", name),
				Detail: fmt.Sprintf("%s must be a non-empty string. %s", name, hint), Subject: a.Expr.Range().Ptr(), Context: m.DeclRange.Ptr()})
			return "", a.Expr.Range()
		}
		return v.AsString(), a.Expr.Range()
	}
	m.Class, m.ClassRange = str("class", true, `Name the class the member instantiates: class = "platform".`)
	m.Region, m.RegionRange = str("region", true, `Name the region its machines are in: region = "eu-west".`)
	m.Network, m.NetworkRange = str("network", false, `Name the routed network members share: network = "backbone".`)
	for _, a := range sortedAttrs(body.Attributes) {
		if !slices.Contains(memberAttrs, a.Name) {
			detail := fmt.Sprintf("A member takes the attributes %s and the blocks of a cluster spec; %q is none of them.", strings.Join(quoted(memberAttrs), ", "), a.Name)
			if s := Suggest(a.Name, memberAttrs); s != "" {
				detail += fmt.Sprintf(" Did you mean %q?", s)
			}
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Unsupported argument", Detail: detail, Subject: a.NameRange.Ptr(), Context: m.DeclRange.Ptr()})
		}
	}
	vars := map[string]memberVariable{}
	a, ok := body.Attributes["variables"]
	if !ok {
		return vars, diags
	}
	v, vd := a.Expr.Value(ctx)
	diags = append(diags, vd...)
	if vd.HasErrors() {
		return vars, diags
	}
	if v.IsNull() || !v.IsKnown() || !(v.Type().IsObjectType() || v.Type().IsMapType()) {
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid variables",
			Detail: "variables is an object of the class's variables: variables = { workers_per_zone = 3 }.", Subject: a.Expr.Range().Ptr(), Context: m.DeclRange.Ptr()})
		return vars, diags
	}
	// Each value's own range, for diagnostics that point at it.
	ranges := map[string][2]hcl.Range{}
	isObject := func(e hcl.Expression) bool { _, ok := e.(*hclsyntax.ObjectConsExpr); return ok }
	if obj, ok := hcl.UnwrapExpressionUntil(a.Expr, isObject).(*hclsyntax.ObjectConsExpr); ok {
		for _, item := range obj.Items {
			if k, kd := item.KeyExpr.Value(nil); !kd.HasErrors() && k.Type() == cty.String && k.IsKnown() {
				ranges[k.AsString()] = [2]hcl.Range{item.ValueExpr.Range(), item.KeyExpr.Range()}
			}
		}
	}
	for k, val := range v.AsValueMap() {
		r, ok := ranges[k]
		if !ok {
			r = [2]hcl.Range{a.Expr.Range(), a.Expr.Range()}
		}
		vars[k] = memberVariable{value: val, rng: r[0], keyRange: r[1]}
	}
	return vars, diags
}

func decodePeering(p *Peering, body *hclsyntax.Body, ctx *hcl.EvalContext) hcl.Diagnostics {
	var diags hcl.Diagnostics
	for _, a := range sortedAttrs(body.Attributes) {
		if a.Name != "members" {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Unsupported argument",
				Detail: fmt.Sprintf("A peering takes only members, the list of members it routes together; %q is not one.", a.Name), Subject: a.NameRange.Ptr(), Context: p.DeclRange.Ptr()})
		}
	}
	for _, blk := range body.Blocks {
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Unsupported block type",
			Detail: "A peering holds no blocks, only members = [\"…\", \"…\"].", Subject: blk.TypeRange.Ptr(), Context: p.DeclRange.Ptr()})
	}
	a, ok := body.Attributes["members"]
	if !ok {
		return append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Peering without members",
			Detail: "A peering names the members it routes together: members = [\"west\", \"east\"].", Subject: p.DeclRange.Ptr()})
	}
	p.MembersRange = a.Expr.Range()
	v, vd := a.Expr.Value(ctx)
	diags = append(diags, vd...)
	if vd.HasErrors() {
		return diags
	}
	if v.IsNull() || !v.IsKnown() || !(v.Type().IsTupleType() || v.Type().IsListType()) {
		return append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid members",
			Detail: "members is a list of member names: members = [\"west\", \"east\"].", Subject: p.MembersRange.Ptr(), Context: p.DeclRange.Ptr()})
	}
	for _, e := range v.AsValueSlice() {
		if e.IsNull() || !e.IsKnown() || e.Type() != cty.String {
			return append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid members",
				Detail: "members is a list of member names (strings).", Subject: p.MembersRange.Ptr(), Context: p.DeclRange.Ptr()})
		}
		p.Members = append(p.Members, e.AsString())
	}
	return diags
}

// decodeMember merges the class's blocks with the member's and decodes
// the result as one cluster spec, with the class's variables set from
// the member's.
func (l *Loader) decodeMember(files []*hcl.File, m *Member, c *Class, body *hclsyntax.Body, given map[string]memberVariable, ctx *hcl.EvalContext, b *budget) (*Spec, hcl.Diagnostics) {
	var diags hcl.Diagnostics
	fleetVars := ctx.Variables["var"].AsValueMap()
	vars := map[string]cty.Value{}
	maps.Copy(vars, fleetVars)
	// The class's own problems were reported once, with the class.
	declared, _ := classVariables(c, fleetVars)
	for _, name := range slices.Sorted(maps.Keys(given)) {
		g := given[name]
		v, ok := declared[name]
		if !ok {
			detail := fmt.Sprintf("Class %q declares no variable %q.", c.Name, name)
			if s := Suggest(name, slices.Sorted(maps.Keys(declared))); s != "" {
				detail += fmt.Sprintf(" Did you mean %q?", s)
			} else if len(declared) > 0 {
				detail += fmt.Sprintf(" Its variables are %s.", strings.Join(quoted(slices.Sorted(maps.Keys(declared))), ", "))
			} else {
				detail += " Declare it in the class: variable \"" + name + "\" { type = … }."
			}
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Undeclared class variable", Detail: detail, Subject: g.keyRange.Ptr(), Context: m.DeclRange.Ptr()})
			continue
		}
		ad := v.assign(g.value, g.rng.Ptr(), fmt.Sprintf("member %q", m.Name))
		diags = append(diags, ad...)
		if ad.HasErrors() {
			v.set = true // reported: not missing as well
		}
	}
	for _, name := range slices.Sorted(maps.Keys(declared)) {
		v := declared[name]
		if !v.set {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "No value for required variable",
				Detail:  fmt.Sprintf("Class %q's variable %q has no default, and member %q does not set it. Add it to the member: variables = { %s = %s }.", c.Name, name, m.Name, name, exampleOf(v.typ)),
				Subject: m.ClassRange.Ptr(), Context: v.declRange.Ptr()})
			v.value = cty.UnknownVal(v.typ)
		}
		vars[name] = v.value
	}
	if diags.HasErrors() {
		// The class's blocks would only report the same values again as
		// unknown.
		return nil, diags
	}
	// member.name, member.region and member.network let a class name
	// what differs by member (a GitOps path, a DNS name).
	memberCtx := &hcl.EvalContext{Variables: map[string]cty.Value{
		"var": cty.ObjectVal(vars), "local": ctx.Variables["local"],
		"member": cty.ObjectVal(map[string]cty.Value{
			"name": cty.StringVal(m.Name), "region": cty.StringVal(m.Region), "network": cty.StringVal(m.Network),
		}),
	}, Functions: ctx.Functions}

	merged, md := mergeBlocks(m, c, body)
	diags = append(diags, md...)
	s, sd := l.decodeCluster(merged, files, memberCtx, b, m.DeclRange)
	return s, append(diags, sd...)
}

// mergeBlocks applies the merge rules (see Fleet) to a class's and a
// member's blocks. The blocks keep their source ranges, so every
// diagnostic of the merged spec points into the class or the member.
func mergeBlocks(m *Member, c *Class, member *hclsyntax.Body) (*hclsyntax.Body, hcl.Diagnostics) {
	var diags hcl.Diagnostics
	key := func(b *hclsyntax.Block) string {
		if b.Type == "dynamic" {
			return ""
		}
		return b.Type + "\x00" + strings.Join(b.Labels, "\x00")
	}
	own := map[string]*hclsyntax.Block{}
	var clusterBlocks []*hclsyntax.Block
	var memberCluster *hclsyntax.Block
	for _, b := range member.Blocks {
		if b.Type == "cluster" {
			if len(b.Labels) > 0 {
				diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Cluster label in a fleet",
					Detail:  fmt.Sprintf("In a fleet, each cluster is named after its member (here %q), so a member's cluster block has no label: write cluster { … }.", m.Name),
					Subject: b.LabelRanges[0].Ptr()})
			}
			memberCluster = b
			continue
		}
		if k := key(b); k != "" {
			own[k] = b
		}
	}
	out := &hclsyntax.Body{Attributes: hclsyntax.Attributes{}, SrcRange: member.SrcRange, EndRange: member.EndRange}
	used := map[*hclsyntax.Block]bool{}
	var classCluster *hclsyntax.Block
	for _, b := range c.body.Blocks {
		switch b.Type {
		case "variable", "locals", "class", "member", "peering":
			continue
		case "cluster":
			classCluster = b
			continue
		}
		if mb, ok := own[key(b)]; ok && key(b) != "" {
			out.Blocks = append(out.Blocks, mb)
			used[mb] = true
			continue
		}
		out.Blocks = append(out.Blocks, b)
	}
	for _, b := range member.Blocks {
		if b.Type != "cluster" && !used[b] {
			out.Blocks = append(out.Blocks, b)
		}
	}

	// The cluster block: the class's attributes, then the member's.
	attrs := hclsyntax.Attributes{}
	for _, cb := range []*hclsyntax.Block{classCluster, memberCluster} {
		if cb == nil {
			continue
		}
		for _, a := range sortedAttrs(cb.Body.Attributes) {
			attrs[a.Name] = a
		}
		clusterBlocks = append(clusterBlocks, cb.Body.Blocks...)
	}
	cluster := &hclsyntax.Block{
		Type:   "cluster",
		Labels: []string{m.Name},
		// The member's header is where the cluster is declared: DefRange
		// spans from here to the member's label.
		TypeRange:   hcl.Range{Filename: m.DeclRange.Filename, Start: m.DeclRange.Start, End: m.DeclRange.Start},
		LabelRanges: []hcl.Range{m.NameRange},
		Body: &hclsyntax.Body{
			Attributes: attrs,
			Blocks:     clusterBlocks,
			SrcRange:   m.DeclRange,
			EndRange:   m.DeclRange,
		},
		OpenBraceRange:  m.DeclRange,
		CloseBraceRange: m.DeclRange,
	}
	out.Blocks = append(hclsyntax.Blocks{cluster}, out.Blocks...)
	return out, diags
}

func sortedAttrs(attrs hclsyntax.Attributes) []*hclsyntax.Attribute {
	out := make([]*hclsyntax.Attribute, 0, len(attrs))
	for _, name := range slices.Sorted(maps.Keys(attrs)) {
		out = append(out, attrs[name])
	}
	return out
}

func quoted(items []string) []string {
	out := make([]string, len(items))
	for i, s := range items {
		out[i] = fmt.Sprintf("%q", s)
	}
	return out
}

// classVariables decodes a class's variable blocks, each a fresh copy a
// member may assign to. A variable the fleet's top level declares too is
// left out, with an error.
func classVariables(c *Class, fleetVars map[string]cty.Value) (map[string]*variable, hcl.Diagnostics) {
	var diags hcl.Diagnostics
	declared := map[string]*variable{}
	for _, blk := range c.body.Blocks {
		if blk.Type != "variable" {
			continue
		}
		if len(blk.Labels) != 1 {
			r := blk.DefRange()
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid variable block",
				Detail: "A variable block has one label, its name: variable \"workers\" { … }.", Subject: &r})
			continue
		}
		v, vd := decodeVariable(blk.AsHCLBlock(), nil)
		diags = append(diags, vd...)
		if v == nil {
			continue
		}
		if prev, dup := declared[v.name]; dup {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Duplicate variable",
				Detail: fmt.Sprintf("Variable %q is already declared at %s. Remove one of the two blocks.", v.name, prev.declRange), Subject: blk.LabelRanges[0].Ptr()})
			continue
		}
		if _, clash := fleetVars[v.name]; clash {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Variable declared twice",
				Detail: fmt.Sprintf("Class %q declares variable %q, which the fleet spec's top level declares too; var.%s would be ambiguous. Rename one of them.", c.Name, v.name, v.name), Subject: blk.LabelRanges[0].Ptr()})
			continue
		}
		declared[v.name] = v
	}
	return declared, diags
}
