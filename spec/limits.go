package spec

import (
	"fmt"
	"math"
	"math/big"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
)

// A spec is a program: variables, locals, functions, for expressions and
// dynamic blocks can turn a few bytes into gigabytes, and the HCL parser and
// go-cty recurse once per level of nesting, where a Go stack overflow is a
// fatal error that no recover catches. These limits turn every such input into
// a positioned diagnostic. A real cluster spec stays far below each of them.
const (
	// MaxNesting bounds how deeply brackets, templates, template directives
	// and chained operators nest in one expression, and how deeply a
	// computed value nests.
	MaxNesting = 100
	// MaxValues bounds the values a spec computes in all: every element,
	// attribute and scalar that an expression, function or for expression
	// produces counts each time it is produced. The examples compute a few
	// hundred; a 5,000-node spec, about a hundred thousand.
	MaxValues = 250_000
	// MaxCollection bounds the elements of one list, set, map or object, to
	// the most machines a cluster has: go-cty takes time that grows with the
	// square of a collection's length to convert it, from a tuple to a list
	// or from an object to a map.
	MaxCollection = 5000
	// MaxTextBytes bounds the bytes of all the strings a spec computes,
	// counted the same way.
	MaxTextBytes = 32 << 20
	// MaxDynamicBlocks bounds the blocks that dynamic blocks generate in all.
	MaxDynamicBlocks = 10_000
	// MaxBlocks bounds the blocks written out in the spec's files, so that
	// no rule that compares blocks pairwise meets hundreds of thousands.
	MaxBlocks = 20_000
	// maxNumberBits bounds the magnitude of numbers (about 10^330): enough
	// for any IPv6 offset, while formatting a number with a billion digits
	// would take minutes.
	maxNumberBits = 1100
	// maxNumberDigits bounds the digits of a number literal, or of a string
	// that may be read as a number: reading one takes time that grows with
	// the square of its length.
	maxNumberDigits = 1200
)

// checkSource refuses, before parsing, sources the parser cannot take
// safely: larger than MaxFileSize, or nested deeper than MaxNesting.
func checkSource(src []byte, name string, expr bool) hcl.Diagnostics {
	if len(src) > MaxFileSize {
		return hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "Spec file too large",
			Detail:   fmt.Sprintf("%s has %d bytes; a spec file may have at most %d. Split it or generate nodes with dynamic blocks.", name, len(src), MaxFileSize),
		}}
	}
	var tokens hclsyntax.Tokens
	if expr {
		tokens, _ = hclsyntax.LexExpression(src, name, hcl.InitialPos)
	} else {
		tokens, _ = hclsyntax.LexConfig(src, name, hcl.InitialPos)
	}
	if d := checkNesting(tokens); d != nil {
		return hcl.Diagnostics{d}
	}
	return nil
}

// checkNesting measures, token by token, how deep the parser and the
// evaluator will recurse: one level per open bracket, quote or
// interpolation, per open if or for directive, and per operator or index
// chained in the same list item (a+b+c parses as ((a+b)+c)).
func checkNesting(tokens hclsyntax.Tokens) *hcl.Diagnostic {
	type frame struct {
		lines bool // newlines end an item here, as in a block or an object
		ops   int
	}
	stack := []frame{{lines: true}}
	depth, directives := 1, 0
	afterControl := false
	for _, t := range tokens {
		top := &stack[len(stack)-1]
		switch t.Type {
		case hclsyntax.TokenOBrace, hclsyntax.TokenOParen, hclsyntax.TokenOQuote, hclsyntax.TokenOHeredoc,
			hclsyntax.TokenTemplateInterp, hclsyntax.TokenTemplateControl:
			stack = append(stack, frame{lines: t.Type == hclsyntax.TokenOBrace})
			depth++
		case hclsyntax.TokenOBrack: // a list, or an index that wraps what precedes it
			top.ops++
			stack = append(stack, frame{})
			depth += 2
		case hclsyntax.TokenCBrace, hclsyntax.TokenCParen, hclsyntax.TokenCBrack, hclsyntax.TokenCQuote,
			hclsyntax.TokenCHeredoc, hclsyntax.TokenTemplateSeqEnd:
			if len(stack) > 1 {
				depth -= 1 + top.ops
				stack = stack[:len(stack)-1]
			}
		case hclsyntax.TokenComma:
			depth -= top.ops
			top.ops = 0
		case hclsyntax.TokenNewline:
			if top.lines {
				depth -= top.ops
				top.ops = 0
			}
		case hclsyntax.TokenPlus, hclsyntax.TokenMinus, hclsyntax.TokenStar, hclsyntax.TokenSlash, hclsyntax.TokenPercent,
			hclsyntax.TokenEqualOp, hclsyntax.TokenNotEqual, hclsyntax.TokenLessThan, hclsyntax.TokenLessThanEq,
			hclsyntax.TokenGreaterThan, hclsyntax.TokenGreaterThanEq, hclsyntax.TokenAnd, hclsyntax.TokenOr,
			hclsyntax.TokenBang, hclsyntax.TokenQuestion:
			top.ops++
			depth++
		case hclsyntax.TokenNumberLit:
			if len(t.Bytes) > maxNumberDigits {
				return &hcl.Diagnostic{
					Severity: hcl.DiagError,
					Summary:  "Number too long",
					Detail:   fmt.Sprintf("This number has %d characters; blueprint reads numbers of at most %d.", len(t.Bytes), maxNumberDigits),
					Subject:  t.Range.Ptr(),
				}
			}
		case hclsyntax.TokenIdent:
			if afterControl {
				switch string(t.Bytes) {
				case "if", "for":
					directives++
					depth++
				case "endif", "endfor":
					if directives > 0 {
						directives--
						depth--
					}
				}
			}
		}
		afterControl = t.Type == hclsyntax.TokenTemplateControl
		if depth > MaxNesting {
			return &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Expression nested too deeply",
				Detail:   fmt.Sprintf("Here the spec nests brackets, strings, template directives or chained operators more than %d levels deep; blueprint stops there rather than risk exhausting its stack. Split the expression into locals.", MaxNesting),
				Subject:  t.Range.Ptr(),
			}
		}
	}
	return nil
}

// budget is what is left of MaxValues and MaxTextBytes while one spec loads.
type budget struct {
	values, bytes int64
	blocks        int    // left of MaxDynamicBlocks
	overrun       string // the detail of the first limit hit, once reported
}

func newBudget() *budget {
	return &budget{values: MaxValues, bytes: MaxTextBytes, blocks: MaxDynamicBlocks}
}

// charge counts v against the budget. The first value that does not fit,
// or that nests too deeply or holds a number out of range, gets a
// diagnostic on subject; after that every charge fails silently, so that
// evaluation winds down fast without repeating the error.
func (b *budget) charge(v cty.Value, subject hcl.Range) *hcl.Diagnostic {
	if b.spent() {
		return nil
	}
	m := measure(v, b.values, b.bytes)
	if m.problem == nil {
		b.values -= m.values
		b.bytes -= m.bytes
		return nil
	}
	b.overrun = m.problem.detail
	d := &hcl.Diagnostic{Severity: hcl.DiagError, Summary: m.problem.summary, Detail: m.problem.detail}
	if subject.Filename != "" {
		d.Subject = subject.Ptr()
	}
	return d
}

// spent reports whether a limit was hit: evaluation is winding down.
func (b *budget) spent() bool { return b.overrun != "" }

// problem is why a value is refused.
type problem struct{ summary, detail string }

// tooMuch is the problem of a value, or a function result, that does not fit.
func tooMuch(text bool) *problem {
	what := fmt.Sprintf("more than %d values", MaxValues)
	if text {
		what = fmt.Sprintf("more than %d MiB of text", MaxTextBytes>>20)
	}
	return &problem{"Spec computes too much", fmt.Sprintf("Evaluating this would bring what the spec computes in all to %s, the most blueprint evaluates. A cluster spec needs a tiny fraction of that: look for nested for expressions, dynamic blocks or functions such as setproduct over large lists, or strings that double from one local to the next.", what)}
}

type measured struct {
	values, bytes int64
	problem       *problem
}

// measure sizes v, stopping early once it exceeds maxValues or maxBytes.
// Shared parts count each time they appear, as they do for any function
// that walks the value.
func measure(v cty.Value, maxValues, maxBytes int64) measured {
	m := measured{}
	var walk func(v cty.Value, depth int) bool
	walk = func(v cty.Value, depth int) bool {
		v, _ = v.Unmark()
		m.values++
		switch {
		case m.values > maxValues:
			m.problem = tooMuch(false)
			return false
		case depth > MaxNesting:
			m.problem = &problem{"Value nested too deeply", fmt.Sprintf("This value nests more than %d levels deep; blueprint stops there rather than risk exhausting its stack. Flatten it.", MaxNesting)}
			return false
		case !v.IsKnown() || v.IsNull():
			return true
		}
		ty := v.Type()
		switch {
		case ty == cty.String:
			s := v.AsString()
			m.bytes += int64(len(s))
			if m.bytes > maxBytes {
				m.problem = tooMuch(true)
				return false
			}
			if numberPrefix(s) > maxNumberDigits {
				m.problem = &problem{"Number too long", fmt.Sprintf("This string starts with more than %d digits: reading it as a number would take minutes. A spec has no use for such a number.", maxNumberDigits)}
				return false
			}
		case ty == cty.Number:
			if !numberInRange(v.AsBigFloat()) {
				m.problem = &problem{"Number out of range", fmt.Sprintf("blueprint takes numbers up to about 10^330 in size; this one is %s.", shortNumber(v.AsBigFloat()))}
				return false
			}
		case v.CanIterateElements():
			if n := v.LengthInt(); n > MaxCollection {
				m.problem = &problem{"Collection too long", fmt.Sprintf("This %s has %d elements; blueprint takes at most %d in one list, set, map or object, the most machines a cluster has.", ty.FriendlyNameForConstraint(), n, MaxCollection)}
				return false
			}
			for it := v.ElementIterator(); it.Next(); {
				k, e := it.Element()
				if ty.IsMapType() && !walk(k, depth+1) {
					return false
				}
				if !walk(e, depth+1) {
					return false
				}
			}
		}
		return true
	}
	walk(v, 0)
	return m
}

// numberPrefix is the length of the part of s that go-cty reads as the
// digits of a number before it can tell s is not one: a sign, then digits
// and points.
func numberPrefix(s string) int {
	i := 0
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		i++
	}
	for i < len(s) && (s[i] >= '0' && s[i] <= '9' || s[i] == '.') {
		i++
	}
	return i
}

// numberInRange reports whether f is finite-sized enough to format quickly.
func numberInRange(f *big.Float) bool {
	if f.IsInf() || f.Sign() == 0 {
		return true
	}
	exp := f.MantExp(nil)
	return exp <= maxNumberBits && exp >= -maxNumberBits
}

// shortNumber describes an out-of-range number by its order of magnitude:
// formatting it in full is what would take minutes.
func shortNumber(f *big.Float) string {
	return fmt.Sprintf("about 10^%d", int64(float64(f.MantExp(nil))*math.Log10(2)))
}

// guard wraps every expression of a parsed body so that evaluating it charges
// the budget, and checks number literals up front. Literals need no wrapper:
// their size is bounded by the source.
type guard struct {
	b      *budget
	blocks int
	diags  hcl.Diagnostics
}

func (g *guard) body(body *hclsyntax.Body) {
	for _, a := range body.Attributes {
		a.Expr = g.expr(a.Expr)
	}
	for _, b := range body.Blocks {
		if g.blocks++; g.blocks == MaxBlocks+1 {
			g.diags = append(g.diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Too many blocks",
				Detail:   fmt.Sprintf("The spec has more than %d blocks; a cluster has at most a few thousand machines. Split it into several clusters.", MaxBlocks),
				Subject:  b.DefRange().Ptr(),
			})
		}
		g.body(b.Body)
	}
}

// expr guards e's children and then e.
func (g *guard) expr(e hclsyntax.Expression) hclsyntax.Expression {
	if e == nil {
		return nil
	}
	g.children(e)
	switch e.(type) {
	case *hclsyntax.LiteralValueExpr, *guarded:
		return e
	}
	return &guarded{ParenthesesExpr: &hclsyntax.ParenthesesExpr{Expression: e, SrcRange: e.Range()}, b: g.b}
}

func (g *guard) children(e hclsyntax.Expression) {
	switch e := e.(type) {
	case *hclsyntax.LiteralValueExpr:
		if e.Val.Type() == cty.Number && !e.Val.IsNull() && !numberInRange(e.Val.AsBigFloat()) {
			g.diags = append(g.diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Number out of range",
				Detail:   fmt.Sprintf("blueprint takes numbers up to about 10^330 in size; this one is %s.", shortNumber(e.Val.AsBigFloat())),
				Subject:  e.SrcRange.Ptr(),
			})
		}
	case *hclsyntax.BinaryOpExpr:
		e.LHS, e.RHS = g.expr(e.LHS), g.expr(e.RHS)
	case *hclsyntax.UnaryOpExpr:
		e.Val = g.expr(e.Val)
	case *hclsyntax.ConditionalExpr:
		e.Condition, e.TrueResult, e.FalseResult = g.expr(e.Condition), g.expr(e.TrueResult), g.expr(e.FalseResult)
	case *hclsyntax.ForExpr:
		e.CollExpr, e.KeyExpr, e.ValExpr, e.CondExpr = g.expr(e.CollExpr), g.expr(e.KeyExpr), g.expr(e.ValExpr), g.expr(e.CondExpr)
	case *hclsyntax.FunctionCallExpr:
		for i := range e.Args {
			e.Args[i] = g.expr(e.Args[i])
		}
	case *hclsyntax.IndexExpr:
		e.Collection, e.Key = g.expr(e.Collection), g.expr(e.Key)
	case *hclsyntax.RelativeTraversalExpr:
		e.Source = g.expr(e.Source)
	case *hclsyntax.SplatExpr:
		e.Source, e.Each = g.expr(e.Source), g.expr(e.Each)
	case *hclsyntax.TupleConsExpr:
		for i := range e.Exprs {
			e.Exprs[i] = g.expr(e.Exprs[i])
		}
	case *hclsyntax.ObjectConsExpr:
		for i := range e.Items {
			g.children(e.Items[i].KeyExpr)
			e.Items[i].ValueExpr = g.expr(e.Items[i].ValueExpr)
		}
	case *hclsyntax.ObjectConsKeyExpr:
		// Wrapped stays as it is: a bare key is recognised by its type.
		g.children(e.Wrapped)
	case *hclsyntax.TemplateExpr:
		for i := range e.Parts {
			e.Parts[i] = g.expr(e.Parts[i])
		}
	case *hclsyntax.TemplateJoinExpr:
		e.Tuple = g.expr(e.Tuple)
	case *hclsyntax.TemplateWrapExpr:
		e.Wrapped = g.expr(e.Wrapped)
	case *hclsyntax.ParenthesesExpr:
		e.Expression = g.expr(e.Expression)
	case *guarded:
		// The parser caches files: one loaded again is already guarded,
		// but charges the new load's budget.
		e.b = g.b
		g.children(e.Expression)
	}
}

// guarded is an expression whose value is charged to a budget. It wraps the
// expression in invisible parentheses, the one hclsyntax node that can be
// embedded and still shows its content to hclsyntax.Walk (and so to
// Variables); UnwrapExpression lets hcl.ExprList, hcl.AbsTraversalForExpr
// and the like see through it.
type guarded struct {
	*hclsyntax.ParenthesesExpr
	b *budget
}

func (g *guarded) Value(ctx *hcl.EvalContext) (cty.Value, hcl.Diagnostics) {
	if g.b.spent() {
		return cty.DynamicVal, nil
	}
	v, diags := g.Expression.Value(ctx)
	if d := g.b.charge(v, g.Expression.Range()); d != nil {
		return cty.DynamicVal, append(diags, d)
	}
	if g.b.spent() {
		return cty.DynamicVal, diags
	}
	return v, diags
}

func (g *guarded) UnwrapExpression() hcl.Expression { return g.Expression }

// checkForEach counts the blocks a dynamic block generates against
// MaxDynamicBlocks; nested dynamic blocks are counted once per expansion.
func (b *budget) checkForEach(v cty.Value, expr hcl.Expression, _ *hcl.EvalContext) hcl.Diagnostics {
	v, _ = v.Unmark()
	if !v.IsKnown() || v.IsNull() || !v.CanIterateElements() {
		return nil
	}
	b.blocks -= v.LengthInt()
	if b.blocks >= 0 {
		return nil
	}
	detail := fmt.Sprintf("The spec's dynamic blocks would generate more than %d blocks in all; nested dynamic blocks multiply. A cluster has at most a few thousand machines: generate fewer.", MaxDynamicBlocks)
	if !b.spent() {
		b.overrun = detail
	}
	return hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Too many dynamic blocks", Detail: detail, Subject: expr.Range().Ptr()}}
}
