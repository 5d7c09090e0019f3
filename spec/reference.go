package spec

import (
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// FirstRelease is the release every entry of the reference is in unless
// its Doc says otherwise. blueprint has no tagged release yet, so
// everything documented today ships in its first one; an attribute added
// after that release is tagged sets Doc.Introduced to the release that
// first accepts it.
const FirstRelease = "0.1"

// Doc documents one block or attribute for people: what `blueprint
// schema`, `blueprint explain` and the README's spec reference print. The
// names, types, labels and whether an attribute is required come from the
// model's struct tags (Schema), never from here.
type Doc struct {
	// Text says what it is for and what validate checks, in a sentence or
	// a short paragraph of Markdown (code in backticks).
	Text string
	// Default is what an optional attribute means when it is not set: an
	// HCL literal (`"cluster.local"`, `3`, `["10.96.0.0/12"]`) when it is a
	// fixed value, otherwise words.
	Default string
	// Allowed lists the values validate accepts, for an enumeration (each
	// element's, for a list; each value's, for a map).
	Allowed []string
	// Required, for a block, says validate requires at least one.
	Required bool
	// Single, for a block the model may decode several times, says
	// validate allows at most one.
	Single bool
	// Example is, for a block, a snippet that shows it (for a top-level
	// block, one that decodes on its own); for an attribute, an HCL expression to show it with, when its
	// block's example does not set it (the first allowed value or a literal
	// default serve otherwise).
	Example string
	// Introduced is the release that first accepted it; FirstRelease when
	// empty.
	Introduced string
}

// Entry is one block or attribute of the spec with its documentation.
type Entry struct {
	// Path names it from the top level: "load_balancer", "load_balancer.mode",
	// "etcd.backup.destination.nfs.server".
	Path string
	// Block is set for a block, Attribute for an attribute.
	Block     *BlockSchema
	Attribute *AttributeSchema
	// Chain holds the blocks from the top level down to the entry's block
	// (for an attribute, the block it belongs to).
	Chain []*BlockSchema
	Doc
}

// Kind is "block" or "attribute".
func (e Entry) Kind() string {
	if e.Block != nil {
		return "block"
	}
	return "attribute"
}

// IntroducedIn returns the release that first accepted the entry.
func (e Entry) IntroducedIn() string {
	if e.Introduced == "" {
		return FirstRelease
	}
	return e.Introduced
}

// DefaultIsLiteral reports whether Default is an HCL literal (a fixed
// value) rather than words.
func (e Entry) DefaultIsLiteral() bool {
	if e.Default == "" {
		return false
	}
	expr, diags := hclsyntax.ParseExpression([]byte(e.Default), "default", hcl.InitialPos)
	if diags.HasErrors() {
		return false
	}
	_, diags = expr.Value(nil)
	return !diags.HasErrors()
}

// Reference returns every block and attribute of the spec, each block
// followed by its attributes and then its nested blocks, in the order the
// model declares them, then the blocks a fleet adds (FleetSchema). A block or attribute without a doc entry is listed
// with an empty Doc; TestReferenceDocs makes sure there is none.
func Reference() []Entry { return reference() }

var reference = sync.OnceValue(func() []Entry {
	var out []Entry
	var walk func(chain []*BlockSchema, prefix string)
	walk = func(chain []*BlockSchema, prefix string) {
		b := chain[len(chain)-1]
		for _, c := range b.Blocks {
			p := prefix + c.Type
			cc := append(slices.Clip(chain), c)
			out = append(out, Entry{Path: p, Block: c, Chain: cc[1:], Doc: docs[p]})
			for _, a := range c.Attributes {
				out = append(out, Entry{Path: p + "." + a.Name, Attribute: a, Chain: cc[1:], Doc: docs[p+"."+a.Name]})
			}
			walk(cc, p+".")
		}
	}
	walk([]*BlockSchema{Schema()}, "")
	walk([]*BlockSchema{FleetSchema()}, "")
	return out
})

// Lookup returns the entry of a path such as "load_balancer.mode".
func Lookup(path string) (Entry, bool) {
	for _, e := range Reference() {
		if e.Path == path {
			return e, true
		}
	}
	return Entry{}, false
}

// ReferencePaths returns every entry's path, in reference order.
func ReferencePaths() []string {
	var out []string
	for _, e := range Reference() {
		out = append(out, e.Path)
	}
	return out
}

// DocPaths returns the paths the docs table documents, for the test that
// each names a block or attribute of the model.
func DocPaths() []string {
	var out []string
	for p := range docs {
		out = append(out, p)
	}
	slices.Sort(out)
	return out
}

// ExampleHCL returns a snippet that shows the entry: its top-level block's
// example when that shows it, otherwise the entry inside the blocks it
// belongs to, with an example value for an attribute.
func (e Entry) ExampleHCL() string {
	for i := len(e.Chain) - 1; i >= 0; i-- {
		if ex := docs[chainPath(e.Chain[:i+1])].Example; ex != "" && exampleShows(ex, e.Path) {
			return ex
		}
	}
	var b strings.Builder
	for i, c := range e.Chain {
		if e.Block != nil && i == len(e.Chain)-1 {
			b.WriteString(strings.Repeat("  ", i) + blockHeader(c) + " {\n")
			for _, a := range c.Attributes {
				if a.Required {
					v, _ := Lookup(e.Path + "." + a.Name)
					fmt.Fprintf(&b, "%s%s = %s\n", strings.Repeat("  ", i+1), a.Name, v.exampleValue())
				}
			}
			b.WriteString(strings.Repeat("  ", i) + "}\n")
			break
		}
		b.WriteString(strings.Repeat("  ", i) + blockHeader(c) + " {\n")
	}
	if e.Attribute != nil {
		fmt.Fprintf(&b, "%s%s = %s\n", strings.Repeat("  ", len(e.Chain)), e.Attribute.Name, e.exampleValue())
	}
	for i := len(e.Chain) - 1; i >= 0; i-- {
		if e.Block != nil && i == len(e.Chain)-1 {
			continue
		}
		b.WriteString(strings.Repeat("  ", i) + "}\n")
	}
	return b.String()
}

// exampleValue is the HCL expression an attribute is shown with: its
// Example, its first allowed value, or its literal default; "" when it has
// none of them, which TestReferenceExamples reports.
func (e Entry) exampleValue() string {
	switch {
	case e.Example != "":
		return e.Example
	case len(e.Allowed) > 0:
		v := fmt.Sprintf("%q", e.Allowed[0])
		if strings.HasPrefix(e.Attribute.Type, "list of") {
			return "[" + v + "]"
		}
		return v
	case e.DefaultIsLiteral():
		return e.Default
	}
	return ""
}

func chainPath(chain []*BlockSchema) string {
	var p []string
	for _, c := range chain {
		p = append(p, c.Type)
	}
	return strings.Join(p, ".")
}

func blockHeader(b *BlockSchema) string {
	h := b.Type
	for _, l := range b.Labels {
		h += fmt.Sprintf(" %q", strings.ToUpper(l))
	}
	return h
}

// exampleShows reports whether an example snippet sets the block or
// attribute at path (dotted, from the top level).
func exampleShows(src, path string) bool {
	f, diags := hclsyntax.ParseConfig([]byte(src), "example.hcl", hcl.InitialPos)
	if diags.HasErrors() {
		return false
	}
	return bodyShows(f.Body.(*hclsyntax.Body), strings.Split(path, "."))
}

func bodyShows(body *hclsyntax.Body, path []string) bool {
	if len(path) == 1 {
		if _, ok := body.Attributes[path[0]]; ok {
			return true
		}
	}
	for _, b := range body.Blocks {
		if b.Type == path[0] && (len(path) == 1 || bodyShows(b.Body, path[1:])) {
			return true
		}
	}
	return false
}
