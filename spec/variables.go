package spec

import (
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/ext/typeexpr"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"

	"github.com/blueprint-dev/blueprint/internal/safefs"
)

// variable is a declared input of a spec.
type variable struct {
	name      string
	typ       cty.Type
	value     cty.Value // the default until a var file or --var overrides it
	set       bool
	declRange hcl.Range
	// from says where the value came from, for messages: "its default",
	// "--var", "the variables file x.hcl".
	from string
	// valueRange is where the value is written, if in a file.
	valueRange *hcl.Range
	// count is where the spec uses the variable as a count, if it does:
	// its value must then be a whole number.
	count *countUse
}

var variableSchema = &hcl.BodySchema{Attributes: []hcl.AttributeSchema{
	{Name: "type"}, {Name: "default"}, {Name: "description"},
}}

// variables decodes the variable blocks and applies, in increasing
// precedence, their defaults, the --var-file files and the --var arguments.
// Values from var files and --var arguments are charged to g's budget like
// the spec's own.
func (l *Loader) variables(blocks []*hcl.Block, opts Options, g *guard, counts map[string]countUse) (map[string]cty.Value, hcl.Diagnostics) {
	var diags hcl.Diagnostics
	decl := map[string]*variable{}
	for _, b := range blocks {
		var count *countUse
		if use, ok := counts[b.Labels[0]]; ok {
			count = &use
		}
		v, vd := decodeVariable(b, count)
		diags = append(diags, vd...)
		if v == nil {
			continue
		}
		if prev, dup := decl[v.name]; dup {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Duplicate variable",
				Detail:   fmt.Sprintf("Variable %q is already declared at %s. Remove one of the two blocks.", v.name, prev.declRange),
				Subject:  b.LabelRanges[0].Ptr(),
			})
			continue
		}
		decl[v.name] = v
	}

	for _, path := range lastOccurrences(opts.VarFiles) {
		diags = append(diags, l.applyVarFile(path, decl, g)...)
	}
	for _, arg := range opts.Vars {
		diags = append(diags, applyVarArg(arg, decl, g)...)
	}

	vals := map[string]cty.Value{}
	for _, name := range slices.Sorted(maps.Keys(decl)) {
		v := decl[name]
		if !v.set {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "No value for required variable",
				Detail:   fmt.Sprintf("Variable %q has no default. Give it one, or pass --var '%s=…' or a --var-file that sets it.", name, name),
				Subject:  v.declRange.Ptr(),
			})
			v.value = cty.UnknownVal(v.typ)
		} else if d := v.checkWhole(); d != nil {
			diags = append(diags, d)
		}
		vals[name] = v.value
	}
	return vals, diags
}

func decodeVariable(b *hcl.Block, count *countUse) (*variable, hcl.Diagnostics) {
	content, diags := b.Body.Content(variableSchema)
	v := &variable{name: b.Labels[0], typ: cty.DynamicPseudoType, declRange: b.DefRange, count: count}
	if !hclsyntax.ValidIdentifier(v.name) {
		diags = append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Invalid variable name",
			Detail:   "A variable name starts with a letter and holds only letters, digits, underscores and dashes.",
			Subject:  b.LabelRanges[0].Ptr(),
		})
		return nil, diags
	}
	if a, ok := content.Attributes["type"]; ok {
		t, td := typeexpr.TypeConstraint(a.Expr)
		diags = append(diags, td...)
		if !td.HasErrors() {
			v.typ = t
		}
	}
	if a, ok := content.Attributes["default"]; ok {
		val, dd := a.Expr.Value(nil)
		diags = append(diags, dd...)
		if !dd.HasErrors() {
			if _, err := convert.Convert(val, v.typ); err != nil {
				diags = append(diags, &hcl.Diagnostic{
					Severity: hcl.DiagError,
					Summary:  "Default does not match the variable's type",
					Detail:   fmt.Sprintf("The default of %s.", v.mismatch(val)),
					Subject:  a.Expr.Range().Ptr(),
				})
			} else {
				diags = append(diags, v.assign(val, a.Expr.Range().Ptr(), "its default")...)
			}
		}
	}
	return v, diags
}

func (l *Loader) applyVarFile(path string, decl map[string]*variable, g *guard) hcl.Diagnostics {
	src, diags := l.readInput(path, "Cannot read variables file", "Give --var-file a regular file of name = value lines.")
	if diags.HasErrors() {
		return diags
	}
	f, diags := l.parse(src, path)
	if diags.HasErrors() {
		return diags
	}
	if body, ok := f.Body.(*hclsyntax.Body); ok {
		g.body(body)
		diags = append(diags, g.diags...)
		g.diags = nil
		if diags.HasErrors() {
			return diags
		}
	}
	attrs, ad := f.Body.JustAttributes()
	diags = append(diags, ad...)
	for _, name := range slices.Sorted(maps.Keys(attrs)) {
		a := attrs[name]
		v, ok := decl[name]
		if !ok {
			diags = append(diags, undeclared(name, decl, a.NameRange.Ptr()))
			continue
		}
		val, vd := a.Expr.Value(nil)
		diags = append(diags, vd...)
		if !vd.HasErrors() {
			diags = append(diags, v.assign(val, a.Expr.Range().Ptr(), "the variables file "+safefs.Show(path))...)
		}
	}
	return diags
}

// lastOccurrences drops every repeat of a variables file (the same path, or
// another name of the same file) but its last: a file applied again changes
// nothing that applying it only at its last position does not, since for
// each variable the last file that sets it still comes last. So each file
// is read once, however often it is given.
func lastOccurrences(paths []string) []string {
	var kept []string
	var infos []fs.FileInfo
	seen := map[string]bool{}
	for _, p := range slices.Backward(paths) {
		clean := filepath.Clean(p)
		if seen[clean] {
			continue
		}
		seen[clean] = true
		// Beyond the file limit readInput refuses anyway: no need to
		// compare each with all the others.
		fi, err := os.Stat(p)
		if err == nil && len(infos) <= MaxInputFiles && slices.ContainsFunc(infos, func(o fs.FileInfo) bool { return o != nil && os.SameFile(o, fi) }) {
			continue
		}
		kept = append(kept, p)
		infos = append(infos, fi)
	}
	slices.Reverse(kept)
	return kept
}

// applyVarArg applies one --var argument. A variable of a primitive type
// (string, number, bool) or of no declared type takes the text as it is,
// converted to its type; any other type reads it as an HCL expression, as
// Terraform does.
func applyVarArg(arg string, decl map[string]*variable, g *guard) hcl.Diagnostics {
	name, raw, ok := splitVar(arg)
	if !ok {
		return hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Invalid --var argument", Detail: fmt.Sprintf("%q is not of the form name=value: write --var 'name=value'.", arg)}}
	}
	v, ok := decl[name]
	if !ok {
		return hcl.Diagnostics{undeclared(name, decl, nil)}
	}
	if v.typ.IsPrimitiveType() || v.typ == cty.DynamicPseudoType {
		val := cty.StringVal(raw)
		if d := g.b.charge(val, hcl.Range{}); d != nil {
			d.Detail = fmt.Sprintf("The value of --var %s: %s", name, d.Detail)
			return hcl.Diagnostics{d}
		}
		if diags := v.assign(val, nil, "--var"); diags.HasErrors() {
			return diags
		}
		if d := g.b.charge(v.value, hcl.Range{}); d != nil {
			d.Detail = fmt.Sprintf("The value of --var %s: %s", name, d.Detail)
			return hcl.Diagnostics{d}
		}
		return nil
	}
	src, filename := []byte(raw), "<value for var."+name+">"
	if diags := checkSource(src, filename, true); diags.HasErrors() {
		return diags
	}
	expr, diags := hclsyntax.ParseExpression(src, filename, hcl.InitialPos)
	if !diags.HasErrors() {
		expr = g.expr(expr)
		if g.diags.HasErrors() {
			diags, g.diags = append(diags, g.diags...), nil
			return diags
		}
		var val cty.Value
		if val, diags = expr.Value(nil); !diags.HasErrors() {
			return v.assign(val, nil, "--var")
		}
	}
	// The value is not an expression: say what is expected, not what the
	// parser met (a bare word reads as a variable, which --var values may
	// not refer to).
	return hcl.Diagnostics{{
		Severity: hcl.DiagError,
		Summary:  "Invalid value for variable",
		Detail: fmt.Sprintf("%s: %s is required, got %q, which is not an HCL value. Write it in HCL syntax, quoting strings, for example --var '%s=%s'.",
			name, ctyWords(v.typ), raw, name, exampleOf(v.typ)),
	}}
}

// assign sets the variable to val, converted to its type; from and
// subject say where the value comes from.
func (v *variable) assign(val cty.Value, subject *hcl.Range, from string) hcl.Diagnostics {
	conv, err := convert.Convert(val, v.typ)
	if err == nil && v.count != nil && (v.typ == cty.Number || v.typ == cty.DynamicPseudoType) {
		if _, _, isNum := wholeNumber(val); !isNum {
			err = errors.New("not a number")
		}
	}
	if err != nil {
		return hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "Invalid value for variable",
			Detail:   fmt.Sprintf("%s (from %s).", v.mismatch(val), from),
			Subject:  subject,
		}}
	}
	v.value, v.set, v.from, v.valueRange = conv, true, from, subject
	return nil
}

// mismatch says what the variable takes and what it was given:
// `workers_per_zone: a whole number is required, got "three"`.
func (v *variable) mismatch(val cty.Value) string {
	want := ctyWords(v.typ)
	if v.count != nil && (v.typ == cty.Number || v.typ == cty.DynamicPseudoType) {
		want = "a whole number"
	}
	return fmt.Sprintf("%s: %s is required, got %s", v.name, want, valueWords(val))
}

// checkWhole refuses a fractional value for a variable the spec counts
// with, at the place it counts.
func (v *variable) checkWhole() *hcl.Diagnostic {
	if v.count == nil {
		return nil
	}
	n, whole, ok := wholeNumber(v.value)
	if !ok || whole {
		return nil
	}
	return &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  "Invalid value for variable",
		Detail: fmt.Sprintf("%s: a whole number is required, got %s (from %s). The spec counts with it in %s here, and a count has no fractions: range(7.5), say, would silently make 8 of something.",
			v.name, n.Text('g', -1), v.from, v.count.what),
		Subject: v.count.rng.Ptr(),
	}
}

// ctyWords names an HCL type with its article: "a number", "a list of
// string".
func ctyWords(t cty.Type) string {
	switch {
	case t == cty.DynamicPseudoType:
		return "a value"
	case t == cty.Bool:
		return "a bool (true or false)"
	}
	name := t.FriendlyNameForConstraint()
	if strings.HasPrefix(name, "object") {
		return "an object"
	}
	return "a " + name
}

// valueWords shows a value in a message: a string quoted, a number or
// bool as written, a collection by its type.
func valueWords(v cty.Value) string {
	switch {
	case v.IsNull():
		return "null"
	case !v.IsKnown():
		return "an unknown value"
	case v.Type() == cty.String:
		s := v.AsString()
		if len(s) > 60 {
			s = s[:60] + "…"
		}
		return fmt.Sprintf("%q", s)
	case v.Type() == cty.Number:
		return v.AsBigFloat().Text('g', -1)
	case v.Type() == cty.Bool:
		return fmt.Sprint(v.True())
	}
	return "a " + v.Type().FriendlyName()
}

// exampleOf is a value of type t as --var takes it.
func exampleOf(t cty.Type) string {
	switch {
	case t.IsListType() || t.IsSetType() || t.IsTupleType():
		return `["a", "b"]`
	case t.IsMapType() || t.IsObjectType():
		return `{ key = "value" }`
	}
	return "value"
}

func undeclared(name string, decl map[string]*variable, subject *hcl.Range) *hcl.Diagnostic {
	detail := fmt.Sprintf("No variable named %q is declared.", name)
	if s := Suggest(name, slices.Sorted(maps.Keys(decl))); s != "" {
		detail += fmt.Sprintf(" Did you mean %q?", s)
	} else {
		detail += fmt.Sprintf(" Declare it with a variable %q block.", name)
	}
	return &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Value for undeclared variable", Detail: detail, Subject: subject}
}

// Suggest returns the candidate within edit distance 2 of name, or "" when
// none is that close; diagnostics use it for "did you mean". It gives up on
// long names and long lists, where a hostile spec would make it slow and a
// suggestion would help no one.
func Suggest(name string, candidates []string) string {
	if len(name) > maxSuggestLen || len(candidates) > maxSuggestCandidates {
		return ""
	}
	best, bestDist := "", 3
	lower := strings.ToLower(name)
	for _, c := range candidates {
		if abs(len(c)-len(name)) >= bestDist {
			continue // the distance is at least the difference in length
		}
		if d := levenshtein(lower, strings.ToLower(c), bestDist); d < bestDist {
			best, bestDist = c, d
		}
	}
	return best
}

const (
	maxSuggestLen        = 256
	maxSuggestCandidates = 1000
)

func abs(n int) int { return max(n, -n) }

// levenshtein is the edit distance between a and b, or any number of at
// least limit once it is sure to be that far.
func levenshtein(a, b string, limit int) int {
	prev, cur := make([]int, len(b)+1), make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		rowMin := i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			rowMin = min(rowMin, cur[j])
		}
		if rowMin >= limit {
			return limit
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
