// Package templates holds the text/template sources of every rendered file,
// parsed once from an embedded filesystem.
package templates

import (
	"embed"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io/fs"
	"path"
	"strings"
	"text/template"

	"github.com/blueprint-dev/blueprint/internal/escape"
	"github.com/blueprint-dev/blueprint/plan"
)

//go:embed kubeadm loadbalancer manifests gitops fleet *.tmpl
var files embed.FS

// Parse returns every template, named by its path below this folder
// (for example "kubeadm/init.yaml.tmpl").
func Parse() *template.Template {
	return template.Must(template.New("").Funcs(funcs).ParseFS(files, "*.tmpl", "kubeadm/*.tmpl", "loadbalancer/*.tmpl", "fleet/*.tmpl"))
}

// ManifestHelpers is the file of shared snippets ({{define}} blocks) that
// every manifest template may call; it renders nothing itself.
const ManifestHelpers = "manifests/helpers.tmpl"

// ParseManifests returns one template per file below manifests/ and gitops/, keyed by
// its path without the .tmpl suffix (for example
// "manifests/monitoring/prometheus/statefulset.yaml"), each with the shared
// helpers. Manifest files share base names across folders, so each is
// parsed into its own set.
func ParseManifests() map[string]*template.Template {
	helpers := template.Must(template.New("").Funcs(funcs).ParseFS(files, ManifestHelpers))
	out := map[string]*template.Template{}
	for _, root := range []string{"manifests", "gitops"} {
		err := fs.WalkDir(files, root, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || p == ManifestHelpers || path.Ext(p) != ".tmpl" {
				return err
			}
			src, err := files.ReadFile(p)
			if err != nil {
				return err
			}
			t := template.Must(helpers.Clone())
			t.Funcs(template.FuncMap{"include": include(t)})
			out[strings.TrimSuffix(p, ".tmpl")] = template.Must(t.New(p).Parse(string(src)))
			return nil
		})
		if err != nil {
			panic(err)
		}
	}
	return out
}

// include executes a named helper into a string, so that its output can be
// piped through indent.
func include(t *template.Template) func(string, any) (string, error) {
	return func(name string, data any) (string, error) {
		var b strings.Builder
		err := t.ExecuteTemplate(&b, name, data)
		return strings.TrimSuffix(b.String(), "\n"), err
	}
}

var funcs = template.FuncMap{
	"include": func(string, any) (string, error) { panic("include is bound per template set") },
	// quote writes a string as a double-quoted scalar that YAML reads back
	// unchanged whatever it holds.
	"quote": yamlString,
	"join":  strings.Join,
	// xml escapes a value for XML text or an attribute, such as a Hadoop
	// *-site.xml value.
	"xml": func(v any) (string, error) {
		var b strings.Builder
		err := xml.EscapeText(&b, []byte(fmt.Sprint(v)))
		return b.String(), err
	},
	// md writes a user's string as Markdown text, in a table cell or in
	// prose, that a reader sees exactly as written; cell is its older name.
	"md":   escape.Markdown,
	"cell": escape.Markdown,
	// code writes a user's string as a Markdown code span that shows
	// exactly it, in a table cell or in prose.
	"code": escape.MarkdownCode,
	"cmd":  escape.CodeSpan,
	// mermaid writes a user's string inside a quoted Mermaid label.
	"mermaid": escape.Mermaid,
	// indent prefixes every line but the first with n spaces, for nesting a
	// helper's output inside a YAML block.
	"indent": func(n int, s string) string {
		return strings.ReplaceAll(s, "\n", "\n"+strings.Repeat(" ", n))
	},
	// quoteAll quotes every element, for YAML flow lists.
	"quoteAll": func(ss []string) string {
		q := make([]string, len(ss))
		for i, s := range ss {
			q[i] = yamlString(s)
		}
		return "[" + strings.Join(q, ", ") + "]"
	},
	"hostport": plan.HostPort,
	// cel writes strings as a CEL list literal of single-quoted strings.
	"cel": celList,
	// inc numbers a list from 1.
	"inc": func(i int) int { return i + 1 },
}

// yamlString writes s as a double-quoted scalar that YAML reads back
// unchanged whatever it holds: JSON's escaping, plus escapes for what JSON
// leaves raw but YAML refuses (DEL, C1 controls) or a reviewer cannot see
// (bidirectional controls, zero-width characters, byte-order marks).
func yamlString(s string) string {
	if plainJSON(s) {
		return `"` + s + `"` // what json.Marshal writes, without its reflection
	}
	b, _ := json.Marshal(s)
	return escape.Hidden(string(b))
}

// plainJSON reports whether json.Marshal writes s between quotes as it
// is: printable ASCII without a quote, a backslash, or the <, > and & it
// escapes for HTML.
func plainJSON(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < ' ' || c > '~' || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			return false
		}
	}
	return true
}

// celList writes ss as a CEL list of string literals, escaping what would
// end or change a literal.
func celList(ss []string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		r := strings.NewReplacer(`\`, `\\`, `'`, `\'`, "\n", `\n`, "\r", `\r`)
		q[i] = "'" + r.Replace(s) + "'"
	}
	return "[" + strings.Join(q, ", ") + "]"
}
