package spec

import (
	"fmt"
	"math/big"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
)

// countUse is where a spec uses a variable as a count: in an argument of
// range(), or in an attribute that takes a whole number, through nothing
// but +, -, *, min, max and parentheses, whose results stay whole when
// their operands are. Such a variable must hold a whole number: 2.5
// workers per zone would otherwise become range(7.5), eight workers.
type countUse struct {
	rng  hcl.Range // the expression that counts
	what string    // "range()" or the attribute's name
}

// countVariables finds, for each variable used as a count, its first such
// use in the order of the files.
func countVariables(files []*hcl.File) map[string]countUse {
	uses := map[string]countUse{}
	file := 0
	// Attributes sit in maps: of several uses, keep the earliest by place,
	// not the first visited, so that the message is the same every run.
	earlier := map[string][2]int{}
	add := func(e hclsyntax.Expression, what string) {
		at := [2]int{file, e.Range().Start.Byte}
		for _, name := range countedVars(e) {
			if prev, seen := earlier[name]; !seen || at[0] < prev[0] || (at[0] == prev[0] && at[1] < prev[1]) {
				earlier[name] = at
				uses[name] = countUse{rng: e.Range(), what: what}
			}
		}
	}
	for i, f := range files {
		file = i
		body, ok := f.Body.(*hclsyntax.Body)
		if !ok {
			continue
		}
		walkCounts(body, Schema(), add)
		_ = hclsyntax.VisitAll(body, func(n hclsyntax.Node) hcl.Diagnostics {
			if call, ok := n.(*hclsyntax.FunctionCallExpr); ok && call.Name == "range" {
				for _, a := range call.Args {
					add(a, "range()")
				}
			}
			return nil
		})
	}
	return uses
}

// walkCounts visits the attributes of body that take whole numbers.
func walkCounts(body *hclsyntax.Body, s *BlockSchema, add func(hclsyntax.Expression, string)) {
	walkAttributes(body, s, func(a *hclsyntax.Attribute, as *AttributeSchema) {
		if as.Whole {
			add(a.Expr, a.Name)
		}
	})
}

// walkAttributes visits every attribute of body that the schema knows,
// with dynamic blocks read as the blocks they generate.
func walkAttributes(body *hclsyntax.Body, s *BlockSchema, visit func(*hclsyntax.Attribute, *AttributeSchema)) {
	if s == nil {
		return
	}
	for _, a := range body.Attributes {
		if as := s.Attribute(a.Name); as != nil {
			visit(a, as)
		}
	}
	for _, b := range body.Blocks {
		if b.Type != "dynamic" {
			walkAttributes(b.Body, s.Block(b.Type), visit)
			continue
		}
		if len(b.Labels) == 0 {
			continue
		}
		for _, c := range b.Body.Blocks {
			if c.Type == "content" {
				walkAttributes(c.Body, s.Block(b.Labels[0]), visit)
			}
		}
	}
}

// explainTypeErrors rewrites the decoder's "Unsuitable value: a number is
// required" into what the attribute takes and what it was given, as for
// variables: `count_per_zone: a whole number is required, got "one"`. The
// subject becomes the whole value instead of its first token.
func explainTypeErrors(diags hcl.Diagnostics, files []*hcl.File, ctx *hcl.EvalContext) {
	type site struct {
		attr *hclsyntax.Attribute
		as   *AttributeSchema
		src  []byte
	}
	var index map[hcl.Range]site
	for _, d := range diags {
		if d.Summary != "Unsuitable value type" || d.Context == nil {
			continue
		}
		if index == nil {
			index = map[hcl.Range]site{}
			for _, f := range files {
				if body, ok := f.Body.(*hclsyntax.Body); ok {
					walkAttributes(body, Schema(), func(a *hclsyntax.Attribute, as *AttributeSchema) {
						index[a.Expr.Range()] = site{a, as, f.Bytes}
					})
				}
			}
		}
		at, ok := index[*d.Context]
		if !ok {
			continue
		}
		got := ""
		if v, vd := at.attr.Expr.Value(ctx); !vd.HasErrors() && v.IsWhollyKnown() {
			got = valueWords(v)
		} else if r := at.attr.Expr.Range(); r.End.Byte <= len(at.src) {
			got = string(at.src[r.Start.Byte:r.End.Byte])
			if len(got) > 60 {
				got = got[:60] + "…"
			}
		}
		d.Detail = fmt.Sprintf("%s: a %s is required, got %s.", at.attr.Name, at.as.Type, got)
		d.Subject = d.Context
	}
}

// countedVars lists the variables e counts with.
func countedVars(e hclsyntax.Expression) []string {
	if g, ok := e.(*guarded); ok {
		e = g.Expression // the loader's budget wrapper
	}
	switch e := e.(type) {
	case *hclsyntax.ScopeTraversalExpr:
		if len(e.Traversal) == 2 && e.Traversal.RootName() == "var" {
			if a, ok := e.Traversal[1].(hcl.TraverseAttr); ok {
				return []string{a.Name}
			}
		}
	case *hclsyntax.BinaryOpExpr:
		if e.Op == hclsyntax.OpAdd || e.Op == hclsyntax.OpSubtract || e.Op == hclsyntax.OpMultiply {
			return append(countedVars(e.LHS), countedVars(e.RHS)...)
		}
	case *hclsyntax.UnaryOpExpr:
		if e.Op == hclsyntax.OpNegate {
			return countedVars(e.Val)
		}
	case *hclsyntax.ParenthesesExpr:
		return countedVars(e.Expression)
	case *hclsyntax.TemplateWrapExpr:
		return countedVars(e.Wrapped)
	case *hclsyntax.FunctionCallExpr:
		if e.Name == "min" || e.Name == "max" || e.Name == "abs" {
			var names []string
			for _, a := range e.Args {
				names = append(names, countedVars(a)...)
			}
			return names
		}
	}
	return nil
}

// wholeNumber returns v as a number and whether it is whole; ok is false
// when v is not a known number, nor a string that reads as one.
func wholeNumber(v cty.Value) (n *big.Float, whole, ok bool) {
	if !v.IsWhollyKnown() || v.IsNull() {
		return nil, false, false
	}
	num, err := convert.Convert(v, cty.Number)
	if err != nil {
		return nil, false, false
	}
	n = num.AsBigFloat()
	return n, n.IsInt(), true
}
