// Package escape writes strings a spec supplies into text that a reader
// sees exactly as written: Markdown text and code spans, Mermaid labels,
// and visible escapes for control and invisible characters. Templates call
// it through their functions (md, code, mermaid, quote); the plan calls it
// where it writes Markdown that holds a name of the spec.
package escape

import (
	"fmt"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// markdownSpecial are the characters that start Markdown or HTML syntax
// anywhere in a line (emphasis, code, links, raw HTML and comments,
// entities, GFM strikethrough and table cells, headings after a list
// marker): each is written with a backslash, which CommonMark allows before
// any ASCII punctuation.
const markdownSpecial = "\\`*_[]<>&|~#"

// orderedListStart is text that would open an ordered list at the start of
// a line: "1. " or "1) ".
var orderedListStart = regexp.MustCompile(`^[0-9]{1,9}[.)]( |$)`)

// Markdown writes s as Markdown text that renders as exactly s, in a
// table cell or in prose: no emphasis, code, link, HTML tag or comment,
// entity or extra table cell can start inside it. A newline becomes <br>,
// which GFM renders inside a table cell too; spaces at either end, which a
// table cell would trim, become &#32;; control and invisible characters
// become visible \u escapes.
func Markdown(s string) string {
	var b strings.Builder
	rs := []rune(s)
	listDot := -1
	if orderedListStart.MatchString(s) {
		listDot = strings.IndexAny(s, ".)")
	}
	at := 0 // byte offset of rs[i]
	for i, r := range rs {
		switch {
		case r == '\n':
			b.WriteString("<br>")
		case r == '_' && i > 0 && i+1 < len(rs) && alnum(rs[i-1]) && alnum(rs[i+1]):
			// Inside a word an underscore neither opens nor closes
			// emphasis: "break_glass" stays as it reads.
			b.WriteRune(r)
		case strings.ContainsRune(markdownSpecial, r), i == 0 && strings.ContainsRune("-+=", r), at == listDot:
			b.WriteByte('\\')
			b.WriteRune(r)
		default:
			b.WriteRune(r)
		}
		at += utf8.RuneLen(r)
	}
	out := Hidden(b.String())
	if strings.HasPrefix(out, " ") {
		out = "&#32;" + out[1:]
	}
	if strings.HasSuffix(out, " ") {
		out = out[:len(out)-1] + "&#32;"
	}
	return out
}

func alnum(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

// MarkdownCode writes s as a code span that shows exactly s, with a fence
// of backticks longer than any run inside it. A table cell ends at a pipe
// even inside a code span, and GitHub and other renderers disagree on a
// backslash before an escaped pipe, so a value with a pipe or a line break
// is written as escaped text instead.
func MarkdownCode(s string) string {
	if strings.TrimSpace(s) == "" || strings.ContainsAny(s, "|\n\r") {
		return Markdown(s)
	}
	s = Hidden(s)
	run, longest := 0, 0
	for _, r := range s {
		if r == '`' {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	fence := strings.Repeat("`", longest+1)
	pad := ""
	if strings.HasPrefix(s, "`") || strings.HasSuffix(s, "`") || strings.HasPrefix(s, " ") || strings.HasSuffix(s, " ") {
		// CommonMark strips one space from each end of a code span that
		// has both, so that a backtick can stand at an end.
		pad = " "
	}
	return fence + pad + s + pad + fence
}

// Mermaid writes s inside a quoted Mermaid label ("…") with Mermaid's
// entity codes, so that no quote ends the label, no markup renders in it
// and no fence of backticks ends the diagram's code block.
var Mermaid = func() func(string) string {
	r := strings.NewReplacer("#", "#35;", `"`, "#quot;", "<", "#lt;", ">", "#gt;", "&", "#amp;", "`", "#96;")
	return func(s string) string { return Hidden(r.Replace(s)) }
}()

// Hidden writes every control and format character of s as a \u or
// \U escape, which YAML decodes and a Markdown reader sees.
func Hidden(s string) string {
	if printableASCII(s) {
		return s // nearly every string: thousands per large rendering
	}
	var b strings.Builder
	for _, r := range s {
		switch {
		case !unicode.IsControl(r) && !unicode.In(r, unicode.Cf, unicode.Zl, unicode.Zp) && r != 0xfffe && r != 0xffff:
			b.WriteRune(r)
		case r > 0xffff:
			fmt.Fprintf(&b, `\U%08x`, r)
		default:
			fmt.Fprintf(&b, `\u%04x`, r)
		}
	}
	return b.String()
}

// printableASCII reports whether s holds only bytes from space to tilde,
// none of which Hidden escapes.
func printableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < ' ' || s[i] > '~' {
			return false
		}
	}
	return true
}
