package cli

import (
	"bytes"
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/hashicorp/hcl/v2"
	"github.com/mitchellh/go-wordwrap"
	"github.com/zclconf/go-cty/cty"

	"github.com/blueprint-dev/blueprint/internal/escape"
	"github.com/blueprint-dev/blueprint/internal/safefs"
	"github.com/blueprint-dev/blueprint/spec"
)

// diagPrinter writes diagnostics as text, as HCL's own writer does, with
// the place as FILE:LINE:COLUMN (what editors and terminals turn into a
// link), the subject marked in the source (underlined in colour, with
// carets in plain text), and everything that came from a spec escaped so
// that a hostile file cannot drive the terminal.
type diagPrinter struct {
	w     io.Writer
	files map[string]*hcl.File
	width int
	color bool
}

// maxSnippetLines is how many source lines one diagnostic shows at most;
// a subject spanning more shows its first and last lines.
const maxSnippetLines = 6

func (p *diagPrinter) write(diags hcl.Diagnostics) error {
	var b bytes.Buffer
	for _, d := range diags {
		p.diagnostic(&b, d)
	}
	_, err := p.w.Write(b.Bytes())
	return err
}

func (p *diagPrinter) diagnostic(b *bytes.Buffer, d *hcl.Diagnostic) {
	sev, code := "Error", ansiRed
	if d.Severity == hcl.DiagWarning {
		sev, code = "Warning", ansiYellow
	}
	fmt.Fprintf(b, "%s %s\n\n", style(p.color, ansiBold+code, sev+":"), style(p.color, ansiBold, oneLine(d.Summary)))
	if d.Subject != nil {
		p.place(b, d)
	}
	if d.Detail != "" {
		for _, para := range strings.Split(d.Detail, "\n") {
			b.WriteString(wordwrap.WrapString(escape.Hidden(para), uint(p.width)))
			b.WriteByte('\n')
		}
		b.WriteByte('\n')
	}
}

// place writes where the diagnostic is, the source lines, and the values
// of the variables its expression refers to.
func (p *diagPrinter) place(b *bytes.Buffer, d *hcl.Diagnostic) {
	r := *d.Subject
	name := safefs.Show(r.Filename)
	if spec.IsFileRange(r) {
		fmt.Fprintf(b, "  in %s\n\n", style(p.color, ansiBold, name))
		return
	}
	f := p.files[r.Filename]
	where := ""
	if f != nil {
		if nav, ok := f.Nav.(interface{ ContextString(int) string }); ok {
			if c := nav.ContextString(r.Start.Byte); c != "" {
				where = ", in " + oneLine(c)
			}
		}
	}
	fmt.Fprintf(b, "  on %s%s:\n", style(p.color, ansiBold, fmt.Sprintf("%s:%d:%d", name, r.Start.Line, r.Start.Column)), where)
	if f != nil {
		p.snippet(b, f.Bytes, r, d.Context)
	}
	p.values(b, d)
	b.WriteByte('\n')
}

// snippet writes the lines of the subject, preceded by the first line of
// the context (the enclosing block) when that is elsewhere.
func (p *diagPrinter) snippet(b *bytes.Buffer, src []byte, r hcl.Range, ctx *hcl.Range) {
	lines := bytes.Split(src, []byte("\n"))
	if r.Start.Line < 1 || r.Start.Line > len(lines) {
		return
	}
	last := min(max(r.End.Line, r.Start.Line), len(lines))
	numWidth := len(fmt.Sprint(last))
	show := func(n int, mark bool) {
		line := string(lines[n-1])
		start, end := 0, len(line)
		if mark {
			start, end = markedBytes(line, lineStart(lines, n), r)
		}
		fmt.Fprintf(b, "  %*d: ", numWidth, n)
		// A subject of no width (the end of a line where something is
		// missing) still gets its caret, on its first line.
		point := mark && start == end && n == r.Start.Line
		if !mark || (start >= end && !point) {
			b.WriteString(visible(line))
			b.WriteByte('\n')
			return
		}
		b.WriteString(visible(line[:start]))
		b.WriteString(style(p.color, ansiUnderline, visible(line[start:end])))
		b.WriteString(visible(line[end:]))
		b.WriteByte('\n')
		if !p.color {
			// Carets under the subject, aligned by the same characters
			// (tabs kept) that precede it.
			pad := strings.Map(func(r rune) rune {
				if r == '\t' {
					return r
				}
				return ' '
			}, visible(line[:start]))
			fmt.Fprintf(b, "  %*s  %s%s\n", numWidth, "", pad, strings.Repeat("^", max(1, utf8.RuneCountInString(visible(line[start:end])))))
		}
	}
	if ctx != nil && ctx.Filename == r.Filename && ctx.Start.Line >= 1 && ctx.Start.Line < r.Start.Line {
		// The block's first line, then the lines between when they are
		// few, else an ellipsis.
		show(ctx.Start.Line, false)
		if gap := r.Start.Line - ctx.Start.Line - 1; gap > 2 {
			fmt.Fprintf(b, "  %*s  …\n", numWidth, "")
		} else {
			for n := ctx.Start.Line + 1; n < r.Start.Line; n++ {
				show(n, false)
			}
		}
	}
	for n := r.Start.Line; n <= last; n++ {
		if last-r.Start.Line >= maxSnippetLines && n == r.Start.Line+maxSnippetLines/2 {
			fmt.Fprintf(b, "  %*s  …\n", numWidth, "")
			n = last - maxSnippetLines/2 + 1
		}
		show(n, true)
	}
}

// lineStart is the byte offset at which line n (from 1) begins.
func lineStart(lines [][]byte, n int) int {
	off := 0
	for _, l := range lines[:n-1] {
		off += len(l) + 1
	}
	return off
}

// markedBytes is the part of a line, as byte offsets within it, that r
// covers.
func markedBytes(line string, at int, r hcl.Range) (int, int) {
	start, end := r.Start.Byte-at, r.End.Byte-at
	start = min(max(start, 0), len(line))
	end = min(max(end, start), len(line))
	return start, end
}

// visible escapes what could drive a terminal, keeping tabs as they are.
func visible(s string) string {
	parts := strings.Split(s, "\t")
	for i, x := range parts {
		parts[i] = escape.Hidden(x)
	}
	return strings.Join(parts, "\t")
}

// textLines escapes what could drive a terminal, keeping line breaks and
// tabs.
func textLines(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = visible(l)
	}
	return strings.Join(lines, "\n")
}

// oneLine escapes s so that it prints on one line.
func oneLine(s string) string { return escape.Hidden(s) }

// values writes, for a diagnostic about an expression, the value of each
// variable and local it refers to, as Terraform does: "var.n is 2.5".
func (p *diagPrinter) values(b *bytes.Buffer, d *hcl.Diagnostic) {
	if d.Expression == nil || d.EvalContext == nil {
		return
	}
	seen := map[string]bool{}
	var lines []string
	for _, t := range d.Expression.Variables() {
		name := traversalName(t)
		if name == "" || seen[name] {
			continue
		}
		seen[name] = true
		v, diags := t.TraverseAbs(d.EvalContext)
		if diags.HasErrors() || !v.IsWhollyKnown() {
			continue
		}
		lines = append(lines, fmt.Sprintf("%s is %s", name, describeValue(v)))
	}
	if len(lines) == 0 {
		return
	}
	slices.Sort(lines)
	fmt.Fprintf(b, "    ├────────────────\n")
	for _, l := range lines {
		fmt.Fprintf(b, "    │ %s\n", oneLine(l))
	}
}

// traversalName writes a traversal such as var.n or local.zones[0], or ""
// for one it cannot write simply.
func traversalName(t hcl.Traversal) string {
	var b strings.Builder
	for _, s := range t {
		switch s := s.(type) {
		case hcl.TraverseRoot:
			b.WriteString(s.Name)
		case hcl.TraverseAttr:
			b.WriteString("." + s.Name)
		case hcl.TraverseIndex:
			if s.Key.Type() == cty.Number {
				b.WriteString("[" + s.Key.AsBigFloat().Text('f', -1) + "]")
			} else if s.Key.Type() == cty.String {
				fmt.Fprintf(&b, "[%q]", s.Key.AsString())
			} else {
				return ""
			}
		default:
			return ""
		}
	}
	return b.String()
}

// describeValue says what a value is in a few words.
func describeValue(v cty.Value) string {
	const maxString = 60
	ty := v.Type()
	switch {
	case v.IsNull():
		return "null"
	case ty == cty.String:
		s := v.AsString()
		if len([]rune(s)) > maxString {
			s = string([]rune(s)[:maxString]) + "…"
		}
		return fmt.Sprintf("%q", s)
	case ty == cty.Number:
		return v.AsBigFloat().Text('g', -1)
	case ty == cty.Bool:
		return fmt.Sprint(v.True())
	case ty.IsListType() || ty.IsSetType() || ty.IsTupleType() || ty.IsMapType() || ty.IsObjectType():
		n := v.LengthInt()
		return fmt.Sprintf("%s with %s", ty.FriendlyName(), count(n, "element"))
	}
	return ty.FriendlyName()
}
