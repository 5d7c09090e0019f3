package spec

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/ext/dynblock"
	"github.com/hashicorp/hcl/v2/gohcl"
	"github.com/hashicorp/hcl/v2/hclparse"
	"github.com/zclconf/go-cty/cty"
)

// MaxFileSize bounds one spec file; a cluster description is a few kilobytes.
const MaxFileSize = 4 << 20

// Options are the inputs to a spec besides its files: values for its
// variables, as given on the command line.
type Options struct {
	// Vars are -var name=value arguments, in the order given.
	Vars []string
	// VarFiles are -var-file paths, in the order given.
	VarFiles []string
}

// Loader reads specs and remembers every file it parsed, so diagnostics can
// be printed with their source snippets even when loading failed.
type Loader struct {
	parser *hclparse.Parser
}

// NewLoader returns a Loader with an empty file cache.
func NewLoader() *Loader { return &Loader{parser: hclparse.NewParser()} }

// Files returns every file parsed so far, keyed by the name diagnostics use.
func (l *Loader) Files() map[string]*hcl.File { return l.parser.Files() }

// Load reads a spec from a file or from every *.hcl file in a folder, sorted
// by name, and evaluates its variables, locals, functions and dynamic blocks.
func (l *Loader) Load(path string, opts Options) (*Spec, hcl.Diagnostics) {
	paths, diags := specFiles(path)
	if diags.HasErrors() {
		return nil, diags
	}
	var files []*hcl.File
	for _, p := range paths {
		f, fd := l.parseFile(p)
		diags = append(diags, fd...)
		if f != nil {
			files = append(files, f)
		}
	}
	if diags.HasErrors() {
		return nil, diags
	}
	s, sd := l.decode(files, opts)
	diags = append(diags, sd...)
	return s, diags
}

// LoadSource parses one in-memory file; tests and fuzzing use it.
func (l *Loader) LoadSource(name string, src []byte, opts Options) (*Spec, hcl.Diagnostics) {
	f, diags := l.parser.ParseHCL(src, name)
	if diags.HasErrors() {
		return nil, diags
	}
	s, sd := l.decode([]*hcl.File{f}, opts)
	return s, append(diags, sd...)
}

func specFiles(path string) ([]string, hcl.Diagnostics) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "Cannot read spec",
			Detail:   fmt.Sprintf("%s. Give the path of an .hcl file or of a folder that holds them.", err),
		}}
	}
	if !info.IsDir() {
		return []string{path}, nil
	}
	paths, _ := filepath.Glob(filepath.Join(path, "*.hcl"))
	sort.Strings(paths)
	if len(paths) == 0 {
		return nil, hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "No spec files",
			Detail:   fmt.Sprintf("The folder %s holds no *.hcl files. Create one with \"blueprint init %s\".", path, filepath.Join(path, "cluster.hcl")),
		}}
	}
	return paths, nil
}

func (l *Loader) parseFile(path string) (*hcl.File, hcl.Diagnostics) {
	info, err := os.Stat(path)
	if err == nil && info.Size() > MaxFileSize {
		return nil, hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "Spec file too large",
			Detail:   fmt.Sprintf("%s has %d bytes; a spec file may have at most %d. Split it or generate nodes with dynamic blocks.", path, info.Size(), MaxFileSize),
		}}
	}
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Cannot read spec file", Detail: err.Error()}}
	}
	return l.parser.ParseHCL(src, path)
}

var rootSchema = &hcl.BodySchema{Blocks: []hcl.BlockHeaderSchema{
	{Type: "variable", LabelNames: []string{"name"}},
	{Type: "locals"},
}}

// decode evaluates variables and locals first, then decodes the rest of the
// files with them in scope.
func (l *Loader) decode(files []*hcl.File, opts Options) (*Spec, hcl.Diagnostics) {
	body := hcl.MergeFiles(files)
	content, remain, diags := body.PartialContent(rootSchema)

	var varBlocks, localBlocks []*hcl.Block
	for _, b := range content.Blocks {
		if b.Type == "variable" {
			varBlocks = append(varBlocks, b)
		} else {
			localBlocks = append(localBlocks, b)
		}
	}
	vars, vd := l.variables(varBlocks, opts)
	diags = append(diags, vd...)
	ctx := &hcl.EvalContext{
		Variables: map[string]cty.Value{"var": cty.ObjectVal(vars)},
		Functions: functions(),
	}
	locals, ld := evalLocals(localBlocks, ctx)
	diags = append(diags, ld...)
	ctx.Variables["local"] = cty.ObjectVal(locals)
	if diags.HasErrors() {
		// Decoding the rest would only repeat these errors as unknown
		// references.
		return nil, diags
	}

	s := &Spec{Files: l.parser.Files()}
	if len(files) > 0 {
		s.DeclRange = hcl.Range{Filename: files[0].Body.MissingItemRange().Filename, Start: hcl.InitialPos, End: hcl.InitialPos}
	}
	diags = append(diags, gohcl.DecodeBody(dynblock.Expand(remain, ctx), ctx, s)...)
	return s, diags
}

// evalLocals evaluates locals in dependency order: each pass evaluates the
// ones whose references to other locals are all known.
func evalLocals(blocks []*hcl.Block, ctx *hcl.EvalContext) (map[string]cty.Value, hcl.Diagnostics) {
	var diags hcl.Diagnostics
	pending := map[string]*hcl.Attribute{}
	for _, b := range blocks {
		attrs, ad := b.Body.JustAttributes()
		diags = append(diags, ad...)
		for name, a := range attrs {
			if prev, dup := pending[name]; dup {
				diags = append(diags, &hcl.Diagnostic{
					Severity: hcl.DiagError,
					Summary:  "Duplicate local value",
					Detail:   fmt.Sprintf("local.%s is already defined at %s. Rename one of them.", name, prev.NameRange),
					Subject:  a.NameRange.Ptr(),
				})
				continue
			}
			pending[name] = a
		}
	}
	done := map[string]cty.Value{}
	for len(pending) > 0 {
		progress := false
		for _, name := range sortedKeys(pending) {
			a := pending[name]
			if !localsReady(a.Expr, done, pending) {
				continue
			}
			local := &hcl.EvalContext{Variables: map[string]cty.Value{
				"var": ctx.Variables["var"], "local": cty.ObjectVal(done),
			}, Functions: ctx.Functions}
			v, vd := a.Expr.Value(local)
			diags = append(diags, vd...)
			if vd.HasErrors() {
				v = cty.DynamicVal
			}
			done[name] = v
			delete(pending, name)
			progress = true
		}
		if !progress {
			for _, name := range sortedKeys(pending) {
				diags = append(diags, &hcl.Diagnostic{
					Severity: hcl.DiagError,
					Summary:  "Local value depends on itself",
					Detail:   fmt.Sprintf("local.%s refers, directly or through other locals, to itself. Break the cycle by computing one of them from variables.", name),
					Subject:  pending[name].NameRange.Ptr(),
				})
			}
			break
		}
	}
	return done, diags
}

// localsReady reports whether every local that expr refers to is evaluated.
// A reference to a local that does not exist at all counts as ready, so that
// evaluating it reports the unknown name with its position.
func localsReady(expr hcl.Expression, done map[string]cty.Value, pending map[string]*hcl.Attribute) bool {
	for _, t := range expr.Variables() {
		if t.RootName() != "local" || len(t) < 2 {
			continue
		}
		attr, ok := t[1].(hcl.TraverseAttr)
		if !ok {
			continue
		}
		if _, isDone := done[attr.Name]; isDone {
			continue
		}
		if _, isPending := pending[attr.Name]; isPending {
			return false
		}
	}
	return true
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// splitVar splits a -var argument at its first '='.
func splitVar(arg string) (name, value string, ok bool) {
	name, value, ok = strings.Cut(arg, "=")
	return strings.TrimSpace(name), value, ok && strings.TrimSpace(name) != ""
}
