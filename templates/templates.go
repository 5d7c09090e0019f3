// Package templates holds the text/template sources of every rendered file,
// parsed once from an embedded filesystem.
package templates

import (
	"embed"
	"encoding/json"
	"strings"
	"text/template"

	"github.com/blueprint-dev/blueprint/plan"
)

//go:embed kubeadm loadbalancer *.tmpl
var files embed.FS

// Parse returns every template, named by its path below this folder
// (for example "kubeadm/init.yaml.tmpl").
func Parse() *template.Template {
	return template.Must(template.New("").Funcs(funcs).ParseFS(files, "*.tmpl", "kubeadm/*.tmpl", "loadbalancer/*.tmpl"))
}

var funcs = template.FuncMap{
	// quote writes a string as a double-quoted scalar that YAML reads back
	// unchanged whatever it holds.
	"quote": func(s string) string {
		b, _ := json.Marshal(s)
		return string(b)
	},
	"join":     strings.Join,
	"hostport": plan.HostPort,
}
