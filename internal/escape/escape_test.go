package escape

import (
	"bytes"
	"strings"
	"testing"
	"unicode"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/renderer/html"
	nethtml "golang.org/x/net/html"
)

// hostile are strings whose characters start Markdown, HTML or GFM table
// syntax, alone and together.
var hostile = []string{
	"plain", "a|b", `a\|b`, `a\\|b`, `trailing\`, "`tick`", "``two`` and ```three```", "` both ends `",
	"*em* _em_ **strong** __strong__", "snake_case_name", "_lead", "trail_", "~~del~~ ~del~",
	"[link](https://e.example) ![img](x.png) <https://e.example>", "<!-- hidden -->", "<b>bold</b> <script>x</script>",
	"&amp; &lt; &#60; &", "# heading", "- item", "+ item", "* item", "1. item", "12) item", "1.5 GB", "=== setext",
	"> quote", "  spaced  ", " ", "line one\nline two", "a\\b", "emoji :+1:", "{{ .Template }}", "$(cmd) ${VAR}",
}

// cell renders one table cell holding md and returns the text a reader sees.
func cell(t *testing.T, md string) string {
	t.Helper()
	var out bytes.Buffer
	src := "| h |\n|---|\n| " + md + " |\n"
	if err := goldmark.New(goldmark.WithExtensions(extension.GFM), goldmark.WithRendererOptions(html.WithUnsafe())).Convert([]byte(src), &out); err != nil {
		t.Fatal(err)
	}
	doc, err := nethtml.Parse(&out)
	if err != nil {
		t.Fatal(err)
	}
	var cells []string
	var walk func(n *nethtml.Node, in *strings.Builder)
	walk = func(n *nethtml.Node, in *strings.Builder) {
		if n.Type == nethtml.ElementNode && n.Data == "td" {
			in = &strings.Builder{}
			defer func() { cells = append(cells, in.String()) }()
		}
		switch {
		case in != nil && n.Type == nethtml.TextNode:
			in.WriteString(n.Data)
		case in != nil && n.Type == nethtml.ElementNode && n.Data == "br":
			in.WriteString("\n")
		case n.Type == nethtml.ElementNode && n.Data != "td" && n.Data != "code" && n.Data != "br" && n.Data != "a" && in != nil:
			t.Errorf("%q renders a <%s> element", md, n.Data)
		case n.Type == nethtml.CommentNode:
			t.Errorf("%q renders an HTML comment", md)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c, in)
		}
	}
	walk(doc, nil)
	if len(cells) != 1 {
		t.Fatalf("%q: %d cells, want 1", md, len(cells))
	}
	return cells[0]
}

// TestMarkdownShowsExactlyTheValue renders each hostile string, as text and
// as a code span, in a GFM table cell and reads it back as a reader sees it.
func TestMarkdownShowsExactlyTheValue(t *testing.T) {
	for _, s := range hostile {
		if got := cell(t, Markdown(s)); got != s {
			t.Errorf("Markdown(%q) = %q reads %q", s, Markdown(s), got)
		}
		if got := cell(t, MarkdownCode(s)); got != s {
			t.Errorf("MarkdownCode(%q) = %q reads %q", s, MarkdownCode(s), got)
		}
	}
}

// TestMarkdownKeepsWordsReadable checks that plain names stay as written
// in the source a reviewer reads in a diff.
func TestMarkdownKeepsWordsReadable(t *testing.T) {
	for _, s := range []string{"break_glass sre", "10.0.0.1", "get, list, watch pods, pods/log", "system:serviceaccount:a:b"} {
		if Markdown(s) != s {
			t.Errorf("Markdown(%q) = %q; nothing in it needs escaping", s, Markdown(s))
		}
	}
}

// TestMermaidLabelStaysQuoted checks that a label cannot end its quotes,
// hold markup or end the code block it stands in.
func TestMermaidLabelStaysQuoted(t *testing.T) {
	for _, s := range hostile {
		m := Mermaid(s)
		if strings.ContainsAny(m, "\"<>`&\n") {
			t.Errorf("Mermaid(%q) = %q holds a quote, markup, a backtick or a line break", s, m)
		}
		for i := strings.IndexByte(m, '#'); i >= 0; i = strings.IndexByte(m, '#') {
			end := strings.IndexByte(m[i:], ';')
			if end < 0 || strings.ContainsAny(m[i+1:i+end], " #") {
				t.Errorf("Mermaid(%q) = %q holds a # that is no entity code", s, m)
				break
			}
			m = m[i+end:]
		}
	}
}

// Hidden's fast path keeps printable ASCII as it is: none of it is a
// control or format character, and everything around it still is escaped.
func TestHiddenKeepsPrintableASCII(t *testing.T) {
	var ascii []byte
	for c := byte(' '); c <= '~'; c++ {
		r := rune(c)
		if unicode.IsControl(r) || unicode.In(r, unicode.Cf, unicode.Zl, unicode.Zp) {
			t.Fatalf("%q is printable ASCII but a control or format character", r)
		}
		ascii = append(ascii, c)
	}
	if got := Hidden(string(ascii)); got != string(ascii) {
		t.Errorf("Hidden changed printable ASCII: %q", got)
	}
	for in, want := range map[string]string{
		"a\x7fb":      `a\u007fb`,
		"a\tb":        `a\u0009b`,
		"x\u200by":    `x\u200by`,
		"caf\u00e9":   "caf\u00e9",
		"a\u2028b":    `a\u2028b`,
		"\U000e0001z": `\U000e0001z`,
	} {
		if got := Hidden(in); got != want {
			t.Errorf("Hidden(%q) = %q, want %q", in, got, want)
		}
	}
}
