package spec

import (
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/gohcl"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// TestReferenceDocs checks that the docs table and the model's struct tags
// name the same blocks and attributes, so that `blueprint schema`,
// `explain` and the README's reference cover everything the loader
// decodes, and nothing it does not. Its messages say what to write.
func TestReferenceDocs(t *testing.T) {
	known := map[string]bool{}
	for _, e := range Reference() {
		known[e.Path] = true
		if strings.TrimSpace(e.Text) != "" {
			continue
		}
		var what string
		if e.Block != nil {
			what = fmt.Sprintf("the block %s", blockHeader(e.Block))
		} else {
			req := "optional"
			if e.Attribute.Required {
				req = "required"
			}
			what = fmt.Sprintf("the attribute %s (%s, %s; field %s.%s)", e.Attribute.Name, e.Attribute.Type, req,
				e.Chain[len(e.Chain)-1].Model.Name(), e.Attribute.Field.Name)
		}
		t.Errorf(`spec/docs.go has no entry for %s at %q. Add one to the docs table:

	%q: {
		Text:    "What it is for, and what validate checks.",
		Default: "…",          // an optional attribute: what leaving it out means (an HCL literal, or words)
		Allowed: []string{…},  // an enumeration: exactly the values validate accepts
		Introduced: "…",       // the release that first accepts it, once %s is tagged
	},

then run: go test ./cli -run TestReadmeReference -update`, what, e.Path, e.Path, FirstRelease)
	}
	for _, p := range DocPaths() {
		if !known[p] {
			t.Errorf("spec/docs.go documents %q, which the model does not decode (no hcl struct tag names it): remove the entry, or fix its path (blocks and attributes joined by dots from the top level, as in %q)", p, "etcd.backup.schedule")
		}
	}
	for _, e := range Reference() {
		if e.Introduced != "" && !regexp.MustCompile(`^\d+\.\d+$`).MatchString(e.Introduced) {
			t.Errorf("%s: Introduced %q is not a release such as %q", e.Path, e.Introduced, FirstRelease)
		}
		if e.Block != nil && (e.Default != "" || len(e.Allowed) > 0) {
			t.Errorf("%s: a block has no default or allowed values; document them on its attributes", e.Path)
		}
		if e.Attribute != nil && e.Attribute.Required && e.Default != "" && !strings.Contains(e.Default, "required") {
			t.Errorf("%s is required, so it has no default; got %q", e.Path, e.Default)
		}
	}
}

// TestReferenceExamples checks every example explain prints: it parses,
// it shows the entry, a top-level block's example decodes into the model
// (types, required attributes, no unknown names), and an attribute's value
// converts to the attribute's type.
func TestReferenceExamples(t *testing.T) {
	for _, b := range Schema().Blocks {
		ex := docs[b.Type].Example
		if ex == "" {
			t.Errorf("spec/docs.go: the top-level block %q has no Example; write a snippet that decodes on its own", b.Type)
			continue
		}
		f, diags := hclsyntax.ParseConfig([]byte(ex), b.Type+".example.hcl", hcl.InitialPos)
		if diags.HasErrors() {
			t.Errorf("%s: example does not parse: %s", b.Type, diags.Error())
			continue
		}
		var s Spec
		if diags := gohcl.DecodeBody(f.Body, nil, &s); diags.HasErrors() {
			t.Errorf("%s: example does not decode into the model: %s", b.Type, diags.Error())
		}
	}
	for _, e := range Reference() {
		ex := e.ExampleHCL()
		f, diags := hclsyntax.ParseConfig([]byte(ex), e.Path+".example.hcl", hcl.InitialPos)
		if diags.HasErrors() {
			t.Errorf("%s: example does not parse: %s\n%s", e.Path, diags.Error(), ex)
			continue
		}
		if !exampleShows(ex, e.Path) {
			t.Errorf("%s: example does not show it:\n%s", e.Path, ex)
			continue
		}
		if e.Attribute == nil {
			continue
		}
		attr := findAttribute(f.Body.(*hclsyntax.Body), strings.Split(e.Path, "."))
		if attr == nil {
			t.Errorf("%s: example does not set it:\n%s\nGive its spec/docs.go entry an Example value.", e.Path, ex)
			continue
		}
		v := reflect.New(e.Attribute.Field.Type)
		if diags := gohcl.DecodeExpression(attr.Expr, nil, v.Interface()); diags.HasErrors() {
			t.Errorf("%s: the example's value is not a %s: %s", e.Path, e.Attribute.Type, diags.Error())
		}
	}
}

func findAttribute(body *hclsyntax.Body, path []string) *hclsyntax.Attribute {
	if len(path) == 1 {
		return body.Attributes[path[0]]
	}
	for _, b := range body.Blocks {
		if b.Type == path[0] {
			if a := findAttribute(b.Body, path[1:]); a != nil {
				return a
			}
		}
	}
	return nil
}

// TestReferenceDefaults checks each documented default against the
// model's XOrDefault method, the one validate and plan read, called on a
// block that leaves the attribute out: the documented default must show
// the value it returns.
func TestReferenceDefaults(t *testing.T) {
	checked := 0
	for _, e := range Reference() {
		if e.Attribute == nil {
			continue
		}
		model := e.Chain[len(e.Chain)-1].Model
		m, ok := reflect.PointerTo(model).MethodByName(e.Attribute.Field.Name + "OrDefault")
		if !ok || m.Type.NumIn() != 1 || m.Type.NumOut() != 1 {
			continue
		}
		got := m.Func.Call([]reflect.Value{reflect.New(model)})[0].Interface()
		var want string
		switch g := got.(type) {
		case string:
			want = fmt.Sprintf("%q", g)
			if g == "" { // a default taken from another attribute or the label
				continue
			}
		case []string:
			if strings.Join(g, "") == "" { // taken from another attribute
				continue
			}
			want = "[" + strings.Join(quoteAll(g), ", ") + "]"
			if all(g, func(s string) bool { return strings.Contains(e.Default, s) }) {
				want = e.Default
			}
		default:
			want = fmt.Sprint(g)
		}
		checked++
		if e.Default == "" {
			t.Errorf("%s: %s.%s returns %s when it is left out, and spec/docs.go gives no Default", e.Path, model.Name(), m.Name, want)
			continue
		}
		if !strings.Contains(e.Default, want) && !strings.Contains(e.Default, strings.Trim(want, `"`)) {
			t.Errorf("%s: spec/docs.go says the default is %s; %s.%s returns %s", e.Path, e.Default, model.Name(), m.Name, want)
		}
	}
	if checked < 40 {
		t.Errorf("only %d defaults checked against their methods; the method lookup is broken", checked)
	}
}

func all(ss []string, f func(string) bool) bool {
	for _, s := range ss {
		if !f(s) {
			return false
		}
	}
	return true
}

func quoteAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = fmt.Sprintf("%q", s)
	}
	return out
}

// TestReferenceOrder checks that the reference lists each block before its
// attributes and nested blocks, in the model's order, so the schema reads
// top-down.
func TestReferenceOrder(t *testing.T) {
	paths := ReferencePaths()
	if paths[0] != "cluster" || !slices.Contains(paths, "etcd.backup.destination.nfs.server") {
		t.Fatalf("unexpected reference order: %v", paths[:5])
	}
	for i, p := range paths {
		if parent, _, ok := cutLast(p); ok && !slices.Contains(paths[:i], parent) {
			t.Errorf("%s comes before its block %s", p, parent)
		}
	}
}

func cutLast(p string) (string, string, bool) {
	i := strings.LastIndex(p, ".")
	if i < 0 {
		return "", p, false
	}
	return p[:i], p[i+1:], true
}
