package pipeline_test

import (
	"bytes"
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
	goldhtml "github.com/yuin/goldmark/renderer/html"
	"golang.org/x/net/html"

	"github.com/blueprint-dev/blueprint/forecast"
	"github.com/blueprint-dev/blueprint/plan"
	"github.com/blueprint-dev/blueprint/spec"
	"github.com/blueprint-dev/blueprint/templates"
)

// mdTable is one table of a rendered Markdown page: the text a reader sees
// in each cell (a <br> read as a newline).
type mdTable struct {
	header []string
	rows   [][]string
}

// mdPage is what a reader of a Markdown page sees, as GitHub renders it:
// GFM tables, and raw HTML passed through (so that a comment a spec smuggles
// in would hide text, as it does there).
type mdPage struct {
	tables   []mdTable
	comments []string // HTML comments in the rendered page
	tags     map[string]int
	text     string // the whole page's visible text
	mermaid  []string
	links    [][2]string // each link's text and target
	codes    []string    // the text of each code span
}

func renderMarkdown(t *testing.T, src string) mdPage {
	t.Helper()
	var out bytes.Buffer
	md := goldmark.New(goldmark.WithExtensions(extension.GFM), goldmark.WithRendererOptions(goldhtml.WithUnsafe()))
	if err := md.Convert([]byte(src), &out); err != nil {
		t.Fatal(err)
	}
	doc, err := html.Parse(&out)
	if err != nil {
		t.Fatal(err)
	}
	page := mdPage{tags: map[string]int{}}
	var text strings.Builder
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		switch n.Type {
		case html.CommentNode:
			page.comments = append(page.comments, n.Data)
		case html.TextNode:
			text.WriteString(n.Data)
		case html.ElementNode:
			page.tags[n.Data]++
			switch {
			case n.Data == "br":
				text.WriteString("\n")
			case n.Data == "a":
				page.links = append(page.links, [2]string{textOf(n), attr(n, "href")})
			case n.Data == "table":
				page.tables = append(page.tables, tableOf(n))
			case n.Data == "code" && attr(n, "class") == "language-mermaid":
				page.mermaid = strings.Split(textOf(n), "\n")
			case n.Data == "code" && (n.Parent == nil || n.Parent.Data != "pre"):
				page.codes = append(page.codes, textOf(n))
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	page.text = text.String()
	return page
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

// textOf is the text a reader sees in n: comments hide what is in them.
func textOf(n *html.Node) string {
	var b strings.Builder
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		switch {
		case n.Type == html.TextNode:
			b.WriteString(n.Data)
		case n.Type == html.ElementNode && n.Data == "br":
			b.WriteString("\n")
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return b.String()
}

func tableOf(n *html.Node) mdTable {
	var tb mdTable
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode && n.Data == "tr" {
			var cells []string
			header := false
			for c := n.FirstChild; c != nil; c = c.NextSibling {
				if c.Type == html.ElementNode && (c.Data == "td" || c.Data == "th") {
					cells = append(cells, textOf(c))
					header = header || c.Data == "th"
				}
			}
			if header {
				tb.header = cells
			} else {
				tb.rows = append(tb.rows, cells)
			}
			return
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return tb
}

// table returns the page's table whose header is exactly header.
func (p mdPage) table(t *testing.T, header ...string) mdTable {
	t.Helper()
	for _, tb := range p.tables {
		if slices.Equal(tb.header, header) {
			return tb
		}
	}
	t.Fatalf("no table with header %q", header)
	return mdTable{}
}

// sourceCellCounts checks every table row of the Markdown source the way
// both GitHub (cmark-gfm: a backslash escapes the next character, so "\\|"
// ends a cell) and goldmark (a pipe right after a backslash never ends one)
// split it: both must find the header's number of cells.
func sourceCellCounts(t *testing.T, name, src string) {
	t.Helper()
	count := func(line string, cmark bool) int {
		n := 0
		for i := 0; i < len(line); i++ {
			switch {
			case line[i] == '\\' && cmark:
				i++
			case line[i] == '|' && (cmark || i == 0 || line[i-1] != '\\'):
				n++
			}
		}
		return n
	}
	lines := strings.Split(src, "\n")
	for i := 0; i+1 < len(lines); i++ {
		if !strings.HasPrefix(lines[i], "|") || !strings.HasPrefix(lines[i+1], "|---") {
			continue
		}
		want := count(lines[i], true)
		j := i + 1
		for ; j < len(lines) && strings.HasPrefix(lines[j], "|"); j++ {
			for _, cmark := range []bool{true, false} {
				if got := count(lines[j], cmark); got != want {
					t.Errorf("%s:%d: a row splits into %d cell borders (cmark-gfm rules: %v) under a header of %d: %q", name, j+1, got, cmark, want, lines[j])
				}
			}
		}
		i = j
	}
}

// TestArchitectureTablesShowEveryValue renders a spec whose free-text
// fields hold what Markdown and HTML read as syntax, parses ARCHITECTURE.md
// as GitHub would show it, and checks that each cell of the access,
// namespace and volume tables shows exactly the value of the spec, that no
// HTML comment or markup got through, and that the grant between the two
// subjects that open and close a comment is on the page.
func TestArchitectureTablesShowEveryValue(t *testing.T) {
	p, tree, diags, err := renderLoaded(spec.NewLoader().Load("testdata/hostile/markdown-cells-hostile.hcl", spec.Options{}))
	if diags.HasErrors() || err != nil {
		t.Fatalf("the spec must render: %v %v", diags, err)
	}
	src := string(tree["ARCHITECTURE.md"])
	sourceCellCounts(t, "ARCHITECTURE.md", src)
	page := renderMarkdown(t, src)
	if len(page.comments) > 0 {
		t.Errorf("the rendered page holds HTML comments, which hide what is in them: %q", page.comments)
	}
	for _, tag := range []string{"em", "del", "b", "script", "img"} {
		if page.tags[tag] > 0 {
			t.Errorf("the rendered page holds %d <%s> elements: a value was read as Markdown or HTML", page.tags[tag], tag)
		}
	}
	for _, l := range page.links {
		// GFM links a bare URL with the URL as its text; any other link
		// would be a value read as Markdown.
		if l[0] != l[1] {
			t.Errorf("a link reads %q and goes to %q", l[0], l[1])
		}
	}

	access := page.table(t, "Who", "Where", "Role", "What", "From")
	var want [][]string
	for _, r := range p.Services.Access() {
		want = append(want, []string{r.Subject, r.Namespace, r.Role, r.What, r.Source})
	}
	equalRows(t, "who can do what", access.rows, want)
	hidden := false
	for _, row := range access.rows {
		hidden = hidden || (row[0] == "mallory" && strings.Contains(row[3], "secrets"))
	}
	if !hidden {
		t.Error("mallory's secrets grant, between the subjects that open and close an HTML comment, is not on the page")
	}
	if got := len(p.Services.Access()); got < 12 {
		t.Errorf("only %d access rows: the fixture lost its hostile subjects", got)
	}

	want = nil
	for _, n := range p.Services.Namespaces {
		reason := n.Reason
		if reason == "" {
			reason = "default"
		}
		want = append(want, []string{n.Name, n.PodSecurity, reason})
	}
	equalRows(t, "namespaces", page.table(t, "Namespace", "Pod Security", "Why").rows, want)

	want = nil
	for _, v := range p.Services.Volumes {
		source := "NFS " + v.NFSServer + ":" + v.NFSPath
		if v.LocalPath != "" {
			source = "local " + v.LocalPath + " on " + v.Node
		}
		want = append(want, []string{v.Name, v.StorageClass, v.Capacity, source})
	}
	equalRows(t, "volumes", page.table(t, "Volume", "Class", "Size", "Source").rows, want)
}

func equalRows(t *testing.T, what string, got, want [][]string) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: %d rows on the page, %d in the plan", what, len(got), len(want))
	}
	for i := range min(len(got), len(want)) {
		if !slices.Equal(got[i], want[i]) {
			t.Errorf("%s, row %d:\n  page shows %q\n  spec says  %q", what, i+1, got[i], want[i])
		}
	}
}

// hostileMarkers are appended to every string of a plan: each character
// starts Markdown or HTML syntax somewhere. The second has no pipe, so that
// code spans stay code spans (a value with a pipe is written as escaped
// text instead, see markdownCode).
var hostileMarkers = []string{"<!--|*_[x](y)`&amp;~~#\\-->", "<!--*_[x](y)`&amp;~~#\\-->"}

// markAll appends marker to every non-empty string reachable from v
// through exported fields, slices and pointers, except Markdown that
// blueprint itself writes (fields tagged markdown:"blueprint") and the
// identifiers the plan makes up for the diagram (ID: n1, z1). Empty strings
// stay empty, so that the template takes the same branches.
func markAll(v reflect.Value, marker string) {
	switch v.Kind() {
	case reflect.Pointer:
		if !v.IsNil() {
			markAll(v.Elem(), marker)
		}
	case reflect.Struct:
		for i := range v.NumField() {
			f := v.Type().Field(i)
			if f.IsExported() && f.Tag.Get("markdown") != "blueprint" && f.Name != "ID" {
				markAll(v.Field(i), marker)
			}
		}
	case reflect.Slice:
		for i := range v.Len() {
			markAll(v.Index(i), marker)
		}
	case reflect.String:
		if v.CanSet() && v.Len() > 0 && !strings.HasSuffix(v.String(), marker) {
			v.SetString(v.String() + marker)
		}
	}
}

// TestRunbookCommandsCopyExactly checks that every command and path of
// ARCHITECTURE.md's procedures (the external etcd recipe, the restore
// runbook) is a code span whose text, as a Markdown reader shows it, is
// exactly the command: a pipe, an && or a backslash must not turn it into
// escaped prose that no longer pastes into a shell.
func TestRunbookCommandsCopyExactly(t *testing.T) {
	piped := 0
	for _, ex := range examples(t) {
		t.Run(ex.name, func(t *testing.T) {
			page := renderMarkdown(t, string(ex.tree["ARCHITECTURE.md"]))
			steps := slices.Clone(ex.plan.Etcd.Recipe)
			if b := ex.plan.Etcd.Backup; b != nil {
				steps = append(steps, b.Restore...)
			}
			for _, s := range steps {
				want := []string{s.Command}
				if s.Copy != nil {
					want = []string{s.Copy.From, s.Copy.To}
				}
				for _, w := range want {
					if !slices.Contains(page.codes, w) {
						t.Errorf("%s step on %s: no code span reads exactly %q", s.Kind, s.Host, w)
					}
					if strings.Contains(w, "|") {
						piped++
					}
				}
			}
		})
	}
	if piped == 0 {
		t.Error("no example's procedure has a command with a pipe: the test proves nothing about them")
	}
}

// TestArchitectureEscapesEveryPlanString goes below validation: it appends
// a string of Markdown and HTML syntax to every string of each example's
// plan, so that every value ARCHITECTURE.md prints is hostile whatever
// validation allows, and checks that the page keeps its table shape and its
// elements (no comment, link, emphasis, strike-through or tag is made of a
// value), that the marker reaches the reader whole wherever it is printed,
// and that the Mermaid diagram's labels stay inside their quotes and its
// code block.
func TestArchitectureEscapesEveryPlanString(t *testing.T) {
	arch := templates.Parse()
	render := func(t *testing.T, path, marker string) string {
		t.Helper()
		p := plan.Build(mustLoad(t, path))
		markAll(reflect.ValueOf(p), marker)
		var out bytes.Buffer
		if err := arch.ExecuteTemplate(&out, "ARCHITECTURE.md.tmpl", forecast.ArchitectureView{Plan: p}); err != nil {
			t.Fatal(err)
		}
		return out.String()
	}
	for _, ex := range examples(t) {
		// The page with a marker that is no syntax at all: a changed
		// string takes the template down the same branches (an "argocd"
		// that is no longer "argocd") as the hostile marker does.
		before := renderMarkdown(t, render(t, ex.path, "QQQ"))
		for i, marker := range hostileMarkers {
			t.Run(fmt.Sprintf("%s/marker%d", ex.name, i+1), func(t *testing.T) {
				src := render(t, ex.path, marker)
				sourceCellCounts(t, "ARCHITECTURE.md", src)
				page := renderMarkdown(t, src)
				if len(page.comments) > 0 {
					t.Errorf("%d HTML comments in the rendered page", len(page.comments))
				}
				tags := []string{"em", "del", "table", "tr", "td", "strong", "h1", "h2", "h3", "li", "pre", "img", "script"}
				if !strings.Contains(marker, "|") {
					// GFM links a bare https:// URL, with the URL as its
					// text; written as a code span it stays one.
					tags = append(tags, "code", "a")
				}
				for _, tag := range tags {
					if page.tags[tag] != before.tags[tag] {
						t.Errorf("<%s>: %d elements, %d with a plain marker: the marker was read as syntax", tag, page.tags[tag], before.tags[tag])
					}
				}
				// Each printed marker reaches the reader whole: as many
				// markers as there are "<!--" in what a reader sees.
				whole, opened := strings.Count(page.text, marker), strings.Count(page.text, "<!--")
				if whole != opened {
					t.Errorf("%d markers opened on the page, %d shown whole", opened, whole)
				}
				if whole < 40 {
					t.Errorf("only %d markers on the page: the template prints fewer plan strings than it should, or the test marks too few", whole)
				}
				if len(page.mermaid) < 5 {
					t.Fatalf("the Mermaid diagram is not one code block any more: %q", page.mermaid)
				}
				quoted := regexp.MustCompile(`"[^"]*"`)
				bareHash := regexp.MustCompile(`#([^0-9a-z]|[0-9a-z]*([^0-9a-z;]|$))`)
				for _, line := range page.mermaid {
					for _, label := range quoted.FindAllString(line, -1) {
						if l := strings.ReplaceAll(label, "<br/>", ""); strings.ContainsAny(l, "<>`") || bareHash.MatchString(strings.Trim(l, `"`)) {
							t.Errorf("Mermaid label %s holds markup, a backtick or a bare #", label)
						}
					}
					if rest := quoted.ReplaceAllString(line, ""); strings.ContainsAny(rest, "<&`#") {
						t.Errorf("Mermaid line %q holds text outside its quoted labels", line)
					}
				}
			})
		}
	}
}

func mustLoad(t *testing.T, path string) *spec.Spec {
	t.Helper()
	s, diags := spec.NewLoader().Load(path, spec.Options{})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	return s
}

// TestArchitectureShowsCommentHiddenGrant is the review-page trick of
// issue 9 below validation: a role whose resources are "configmaps <!--",
// "secrets" and "-->" (validation refuses such names now) must still show
// its secrets grant on the page roles.yaml makes it in.
func TestArchitectureShowsCommentHiddenGrant(t *testing.T) {
	p := plan.Build(mustLoad(t, "testdata/hostile/markdown-cells-hostile.hcl"))
	found := false
	for i, r := range p.Services.Roles {
		if r.Name == "secret-writer" {
			p.Services.Roles[i].Rules[0].Resources = []string{"configmaps <!--", "secrets", "-->"}
			found = true
		}
	}
	if !found {
		t.Fatal("the fixture has no role secret-writer")
	}
	var out bytes.Buffer
	if err := templates.Parse().ExecuteTemplate(&out, "ARCHITECTURE.md.tmpl", forecast.ArchitectureView{Plan: p}); err != nil {
		t.Fatal(err)
	}
	page := renderMarkdown(t, out.String())
	for _, row := range page.table(t, "Who", "Where", "Role", "What", "From").rows {
		if row[0] == "mallory" {
			if want := "get, list, update configmaps <!--, secrets, -->"; row[3] != want {
				t.Errorf("mallory's grant reads %q on the page, want %q", row[3], want)
			}
			return
		}
	}
	t.Error("mallory's row is not on the page")
}
