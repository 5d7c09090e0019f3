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
	"unicode"

	"github.com/blueprint-dev/blueprint/plan"
)

//go:embed kubeadm loadbalancer manifests gitops *.tmpl
var files embed.FS

// Parse returns every template, named by its path below this folder
// (for example "kubeadm/init.yaml.tmpl").
func Parse() *template.Template {
	return template.Must(template.New("").Funcs(funcs).ParseFS(files, "*.tmpl", "kubeadm/*.tmpl", "loadbalancer/*.tmpl"))
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
	// cell makes text safe inside a Markdown table cell.
	"cell": markdownCell,
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
	// inc numbers a list from 1.
	"inc": func(i int) int { return i + 1 },
}

// yamlString writes s as a double-quoted scalar that YAML reads back
// unchanged whatever it holds: JSON's escaping, plus escapes for what JSON
// leaves raw but YAML refuses (DEL, C1 controls) or a reviewer cannot see
// (bidirectional controls, zero-width characters, byte-order marks).
func yamlString(s string) string {
	b, _ := json.Marshal(s)
	return escapeHidden(string(b))
}

// markdownCell makes text safe inside a Markdown table cell: one line, with
// no column break, code span, HTML tag or hidden character left active.
var markdownCell = func() func(string) string {
	r := strings.NewReplacer(`\`, `\\`, "|", `\|`, "`", "\\`", "<", "&lt;", ">", "&gt;", "\r\n", " ", "\n", " ", "\r", " ")
	return func(s string) string { return escapeHidden(r.Replace(s)) }
}()

// escapeHidden writes every control and format character of s as a \u or
// \U escape, which YAML decodes and a Markdown reader sees.
func escapeHidden(s string) string {
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
