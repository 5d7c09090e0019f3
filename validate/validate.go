// Package validate checks a decoded spec against the rules of a working,
// highly available cluster. Every problem becomes an HCL diagnostic that
// points at the offending source and says what to do; all problems are
// reported in one run.
package validate

import (
	"fmt"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"

	"github.com/blueprint-dev/blueprint/spec"
)

// Spec runs every rule and returns the diagnostics sorted by file and position.
func Spec(s *spec.Spec) hcl.Diagnostics {
	v := &validator{s: s, all: s.Machines()}
	v.cluster()
	v.network()
	v.zones()
	v.machines()
	v.controlPlane()
	v.etcd()
	v.loadBalancer()
	v.nodePools()
	v.services()
	Sort(v.diags)
	return v.diags
}

type validator struct {
	s     *spec.Spec
	all   []spec.Machine // s.Machines(), listed once for every rule
	diags hcl.Diagnostics
}

func (v *validator) errorf(subject hcl.Range, context *hcl.Range, summary, detail string, args ...any) {
	v.add(hcl.DiagError, subject, context, summary, detail, args...)
}

func (v *validator) warnf(subject hcl.Range, context *hcl.Range, summary, detail string, args ...any) {
	v.add(hcl.DiagWarning, subject, context, summary, detail, args...)
}

func (v *validator) add(sev hcl.DiagnosticSeverity, subject hcl.Range, context *hcl.Range, summary, detail string, args ...any) {
	if subject.Filename == "" {
		// The attribute is absent: decoding already reported it as a missing
		// required argument, and its zero value would only repeat that.
		return
	}
	d := &hcl.Diagnostic{Severity: sev, Summary: summary, Detail: fmt.Sprintf(detail, args...), Subject: subject.Ptr()}
	if context != nil && context.Filename != "" {
		d.Context = context
	}
	v.diags = append(v.diags, d)
}

// missing reports a required block that is absent, at the top of the spec.
func (v *validator) missing(block, example string) {
	v.errorf(v.s.DeclRange, nil, fmt.Sprintf("Missing %s block", block),
		"A spec needs a %s block, for example:\n\n%s", block, example)
}

// Sort orders diagnostics by file, then position, errors before warnings at
// the same place, so output is stable and reads top to bottom.
func Sort(diags hcl.Diagnostics) {
	sort.SliceStable(diags, func(i, j int) bool {
		a, b := diags[i], diags[j]
		af, bf := subjectOf(a), subjectOf(b)
		if af.Filename != bf.Filename {
			return af.Filename < bf.Filename
		}
		if af.Start.Byte != bf.Start.Byte {
			return af.Start.Byte < bf.Start.Byte
		}
		return a.Severity < b.Severity
	})
}

func subjectOf(d *hcl.Diagnostic) hcl.Range {
	if d.Subject != nil {
		return *d.Subject
	}
	return hcl.Range{}
}

// oneOf checks an enumerated value and suggests the nearest allowed one.
func (v *validator) oneOf(value string, allowed []string, subject hcl.Range, context *hcl.Range, what string) bool {
	for _, a := range allowed {
		if value == a {
			return true
		}
	}
	detail := fmt.Sprintf("%s must be one of %s; got %q.", what, quoteList(allowed), value)
	if s := spec.Suggest(value, allowed); s != "" {
		detail += fmt.Sprintf(" Did you mean %q?", s)
	}
	v.errorf(subject, context, "Invalid "+what, "%s", detail)
	return false
}

func quoteList(items []string) string {
	q := make([]string, len(items))
	for i, s := range items {
		q[i] = fmt.Sprintf("%q", s)
	}
	if len(q) <= 1 {
		return strings.Join(q, "")
	}
	return strings.Join(q[:len(q)-1], ", ") + " or " + q[len(q)-1]
}
