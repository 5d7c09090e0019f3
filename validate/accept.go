package validate

import (
	"fmt"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"

	"github.com/blueprint-dev/blueprint/spec"
)

// Result is the outcome of validating a spec: what is left to report, and
// the warnings its accept blocks acknowledge.
type Result struct {
	// Diagnostics are the errors and the warnings no accept block covers,
	// sorted by file and position.
	Diagnostics hcl.Diagnostics
	// Accepted lists, per accept block in declaration order, the warnings
	// it acknowledges.
	Accepted []Accepted
}

// Accepted is one accept block with the warnings it covers.
type Accepted struct {
	Accept   *spec.Accept
	Warnings hcl.Diagnostics
}

// Run runs every rule on a spec that loaded with loadDiags (see Check),
// then takes the warnings that accept blocks acknowledge out of the
// diagnostics. An accept block that names an unknown code, an undeclared
// zone, node, pool or workload, repeats another, or gives no reason is an
// error; one that acknowledges nothing is a warning (accept-unused) that no
// accept block can acknowledge, so --strict fails until it is removed.
func Run(s *spec.Spec, loadDiags hcl.Diagnostics) Result { return RunWith(s, loadDiags, nil) }

// RunWith is Run with the diagnostics of later checks that need a valid
// spec (the capacity forecast, which needs the rendered tree): when the
// rules find no error, more is called and what it returns joins the
// diagnostics before the accept blocks apply.
func RunWith(s *spec.Spec, loadDiags hcl.Diagnostics, more func() hcl.Diagnostics) Result {
	diags := append(hcl.Diagnostics{}, loadDiags...)
	var v *validator
	if s != nil {
		v = newValidator(s)
		v.run()
		for _, d := range v.diags {
			if !overlapsError(d, loadDiags) {
				diags = append(diags, d)
			}
		}
		if more != nil && !diags.HasErrors() {
			diags = append(diags, more()...)
		}
	}
	var r Result
	if v != nil {
		r.Diagnostics, r.Accepted = v.applyAccepts(diags)
	} else {
		r.Diagnostics = diags
	}
	Sort(r.Diagnostics)
	return r
}

// accepts checks the accept blocks themselves.
func (v *validator) accepts() {
	type key struct {
		code  string
		scope Scope
	}
	seen := map[key]*spec.Accept{}
	for _, a := range v.s.Accepts {
		ctx := &a.DeclRange
		info, known := codeInfo(Code(a.Code))
		switch {
		case !known:
			v.errorf(a.CodeRange, ctx, "Unknown warning code",
				"accept %q names no warning blueprint reports.%s The codes are listed in the README (Warning codes): %s.", a.Code, didYouMean(a.Code, codeNames()), quoteList(codeNames()))
		case !info.Acceptable:
			v.errorf(a.CodeRange, ctx, "Warning that cannot be accepted",
				"%q is reported about accept blocks themselves (%s) and cannot be acknowledged. Remove the accept block it points at instead.", a.Code, info.Meaning)
		}
		if strings.TrimSpace(a.Reason) == "" {
			v.errorf(rangeOr(a.ReasonRange, a.DeclRange), ctx, "Accepted risk without a reason",
				"An accept block is read by whoever reviews the design: say why the risk is acceptable, such as reason = \"Lab cluster in one rack; rebuilt from Git if the rack fails\".")
		}
		sc := acceptScope(a)
		if sc.Zone != "" {
			v.undeclaredZone(sc.Zone, fmt.Sprintf("accept %q is scoped to zone %q, which no zone block declares.", a.Code, sc.Zone), a.ZoneRange, ctx)
		}
		if sc.Node != "" && !slices.ContainsFunc(v.all, func(m spec.Machine) bool { return m.Name == sc.Node }) {
			v.errorf(a.NodeRange, ctx, "Unknown node", "accept %q is scoped to node %q, which is no machine of this design.%s", a.Code, sc.Node, didYouMean(sc.Node, v.machineNames()))
		}
		if sc.Pool != "" && v.pool(sc.Pool) == nil {
			v.errorf(a.PoolRange, ctx, "Unknown node pool", "accept %q is scoped to pool %q, which no node_pool block declares.%s", a.Code, sc.Pool, didYouMean(sc.Pool, v.poolNames()))
		}
		if sc.Workload != "" && !slices.Contains(v.workloadNames(), sc.Workload) {
			v.errorf(a.WorkloadRange, ctx, "Unknown workload",
				"accept %q is scoped to workload %q; a workload is the name of a kafka, hdfs or spark block, or monitoring or logging, and this design has %s.%s", a.Code, sc.Workload, quoteList(v.workloadNames()), didYouMean(sc.Workload, v.workloadNames()))
		}
		k := key{a.Code, sc}
		if prev, dup := seen[k]; dup {
			v.errorf(a.CodeRange, ctx, "Duplicate accept block", "accept %q with the same scope is already declared at %s. Keep one, with both reasons.", a.Code, prev.DeclRange)
			continue
		}
		seen[k] = a
	}
}

// AcceptScope returns the scope an accept block narrows its
// acknowledgement to.
func AcceptScope(a *spec.Accept) Scope { return acceptScope(a) }

func acceptScope(a *spec.Accept) Scope {
	get := func(p *string) string {
		if p == nil {
			return ""
		}
		return *p
	}
	return Scope{Zone: get(a.Zone), Node: get(a.Node), Pool: get(a.Pool), Workload: get(a.Workload)}
}

// covers reports whether an accept block with scope a acknowledges a
// warning about w: each attribute the block sets must match.
func (a Scope) covers(w Scope) bool {
	match := func(want, got string) bool { return want == "" || want == got }
	return match(a.Zone, w.Zone) && match(a.Node, w.Node) && match(a.Pool, w.Pool) && match(a.Workload, w.Workload)
}

// applyAccepts takes the warnings accept blocks acknowledge out of diags,
// each to the most specific block that covers it, and reports the blocks
// that cover nothing (only when the spec has no errors: an error can stop
// the rule whose warning the block acknowledges).
func (v *validator) applyAccepts(diags hcl.Diagnostics) (hcl.Diagnostics, []Accepted) {
	if len(v.s.Accepts) == 0 {
		return diags, nil
	}
	accepted := make([]Accepted, len(v.s.Accepts))
	used := make([]bool, len(v.s.Accepts))
	var out hcl.Diagnostics
	for _, d := range diags {
		w, ok := WarningOf(d)
		if !ok {
			out = append(out, d)
			continue
		}
		best, bestSpecific := -1, -1
		for i, a := range v.s.Accepts {
			sc := acceptScope(a)
			if Code(a.Code) != w.Code || !sc.covers(w.Scope) {
				continue
			}
			used[i] = true
			if n := sc.specificity(); n > bestSpecific {
				best, bestSpecific = i, n
			}
		}
		if best < 0 || !acceptable(w.Code) {
			out = append(out, d)
			continue
		}
		accepted[best].Warnings = append(accepted[best].Warnings, d)
	}
	for i, a := range v.s.Accepts {
		accepted[i].Accept = a
	}
	if !out.HasErrors() {
		for i, a := range v.s.Accepts {
			if used[i] || !acceptable(Code(a.Code)) {
				continue
			}
			where := ""
			if sc := acceptScope(a).String(); sc != "" {
				where = " with " + sc
			}
			d := &hcl.Diagnostic{Severity: hcl.DiagWarning, Summary: "Accepted warning does not occur",
				Subject: a.CodeRange.Ptr(), Context: a.DeclRange.Ptr()}
			w := Warning{Code: CodeAcceptUnused, Detail: fmt.Sprintf("No %s warning%s is reported for this design, so this block acknowledges nothing: remove it (the risk it names is gone), or fix its scope.", a.Code, where)}
			d.Detail, d.Extra = w.Detail+acceptHint(w), w
			out = append(out, d)
		}
	}
	return out, accepted
}

func acceptable(c Code) bool {
	info, ok := codeInfo(c)
	return ok && info.Acceptable
}

func (a Scope) specificity() int {
	n := 0
	for _, f := range []string{a.Zone, a.Node, a.Pool, a.Workload} {
		if f != "" {
			n++
		}
	}
	return n
}

func (v *validator) machineNames() []string {
	out := make([]string, 0, len(v.all))
	for _, m := range v.all {
		out = append(out, m.Name)
	}
	return out
}

func (v *validator) poolNames() []string {
	var out []string
	for _, p := range v.s.NodePools {
		out = append(out, p.Name)
	}
	return out
}

// workloadNames are the names an accept block's workload may take.
func (v *validator) workloadNames() []string {
	var out []string
	for _, k := range v.s.Kafka {
		out = append(out, k.Name)
	}
	for _, h := range v.s.HDFS {
		out = append(out, h.Name)
	}
	for _, s := range v.s.Spark {
		out = append(out, s.Name)
	}
	if v.s.Monitoring != nil {
		out = append(out, "monitoring")
	}
	if v.s.Logging != nil {
		out = append(out, "logging")
	}
	return out
}
