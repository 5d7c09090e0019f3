package spec

import (
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/ext/dynblock"
	"github.com/hashicorp/hcl/v2/gohcl"
	"github.com/hashicorp/hcl/v2/hclparse"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"

	"github.com/blueprint-dev/blueprint/internal/safefs"
)

// MaxFileSize bounds one spec file; a cluster description is a few kilobytes.
const MaxFileSize = 4 << 20

// MaxInputSize bounds what one load reads in all: the spec's files and its
// variable files, each distinct file once.
const MaxInputSize = 16 << 20

// MaxInputFiles bounds how many distinct files one load reads.
const MaxInputFiles = 256

// Options are the inputs to a spec besides its files: values for its
// variables, as given on the command line.
type Options struct {
	// Vars are --var name=value arguments, in the order given.
	Vars []string
	// VarFiles are --var-file paths, in the order given.
	VarFiles []string
}

// InputProblem marks, as a diagnostic's Extra, a spec or variables file
// that cannot be read at all (missing, unreadable, not a regular file) or
// a folder that holds no spec: a problem of the input, not of what a spec
// says. The command line exits with 3 for it, and 1 for the others.
type InputProblem struct{}

// IsInputProblem reports whether d is about reading the input.
func IsInputProblem(d *hcl.Diagnostic) bool {
	_, ok := hcl.DiagnosticExtra[InputProblem](d)
	return ok
}

// Loader reads specs and remembers every file it parsed, so diagnostics can
// be printed with their source snippets even when loading failed.
type Loader struct {
	parser *hclparse.Parser
	read   int64 // bytes read so far, against MaxInputSize
	files  int   // files read so far, against MaxInputFiles
}

// NewLoader returns a Loader with an empty file cache.
func NewLoader() *Loader { return &Loader{parser: hclparse.NewParser()} }

// Files returns every file parsed so far, keyed by the name diagnostics use.
func (l *Loader) Files() map[string]*hcl.File { return l.parser.Files() }

// Load reads a spec from a file or from every *.hcl file in a folder, sorted
// by name, and evaluates its variables, locals, functions and dynamic blocks.
// A fleet spec (class and member blocks) is an error here: the commands
// that take one call LoadAny.
func (l *Loader) Load(path string, opts Options) (*Spec, hcl.Diagnostics) {
	s, f, diags := l.LoadAny(path, opts)
	if f != nil {
		return nil, append(diags, f.notOneCluster())
	}
	return s, diags
}

// LoadAny reads a spec as Load does and returns either one cluster's spec
// or, when its files declare class or member blocks, a fleet.
func (l *Loader) LoadAny(path string, opts Options) (*Spec, *Fleet, hcl.Diagnostics) {
	paths, diags := specFiles(path)
	if diags.HasErrors() {
		return nil, nil, diags
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
		return nil, nil, diags
	}
	s, f, sd := l.decode(files, opts)
	return s, f, append(diags, sd...)
}

// LoadSource parses one in-memory file; tests and fuzzing use it.
func (l *Loader) LoadSource(name string, src []byte, opts Options) (*Spec, hcl.Diagnostics) {
	s, f, diags := l.LoadSourceAny(name, src, opts)
	if f != nil {
		return nil, append(diags, f.notOneCluster())
	}
	return s, diags
}

// LoadSourceAny is LoadSource for a source that may be a fleet.
func (l *Loader) LoadSourceAny(name string, src []byte, opts Options) (*Spec, *Fleet, hcl.Diagnostics) {
	f, diags := l.parse(src, name)
	if diags.HasErrors() {
		return nil, nil, diags
	}
	s, fl, sd := l.decode([]*hcl.File{f}, opts)
	return s, fl, append(diags, sd...)
}

func specFiles(path string) ([]string, hcl.Diagnostics) {
	info, err := os.Stat(path)
	if err != nil {
		detail := fmt.Sprintf("%s.", err)
		if errors.Is(err, fs.ErrNotExist) {
			detail = fmt.Sprintf("%s does not exist.", safefs.Show(path))
		}
		return nil, hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "Cannot read spec",
			Detail:   detail + " Give the path of an .hcl file or of a folder that holds them; blueprint init writes one.",
			Extra:    InputProblem{},
		}}
	}
	if !info.IsDir() {
		return []string{path}, nil
	}
	paths, _ := filepath.Glob(filepath.Join(path, "*.hcl"))
	sort.Strings(paths)
	// In a folder, only regular files are the spec: a symbolic link could
	// pull in any file of the machine (x.hcl -> /etc/passwd), and the
	// diagnostics would print its lines. A file named on the command line
	// may be a link: the user chose it.
	var notRegular hcl.Diagnostics
	for _, p := range paths {
		if fi, err := os.Lstat(p); err == nil && !fi.Mode().IsRegular() {
			what := "a symbolic link"
			switch {
			case fi.IsDir():
				what = "a folder"
			case fi.Mode()&fs.ModeSymlink == 0:
				what = "not a regular file"
			}
			notRegular = append(notRegular, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Not a regular file",
				Detail: fmt.Sprintf("%s in spec folder %s is %s; a spec folder is read only from its regular *.hcl files, so that no link brings in a file from elsewhere. Copy the file into the folder, or name it on the command line (blueprint render %s) if it is the whole spec.",
					safefs.Show(filepath.Base(p)), safefs.Show(path), what, safefs.Show(p)),
				Subject: FileRange(p).Ptr(),
				Extra:   InputProblem{},
			})
		}
	}
	if notRegular != nil {
		return nil, notRegular
	}
	if len(paths) == 0 {
		return nil, hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "No spec files",
			Detail:   fmt.Sprintf("The folder %s holds no *.hcl files. Create one with \"blueprint init %s\".", safefs.Show(path), safefs.Show(filepath.Join(path, "blueprint.hcl"))),
			Extra:    InputProblem{},
		}}
	}
	return paths, nil
}

func (l *Loader) parseFile(path string) (*hcl.File, hcl.Diagnostics) {
	src, diags := l.readInput(path, "Cannot read spec file", "Give a regular .hcl file, or a folder of them.")
	if diags.HasErrors() {
		return nil, diags
	}
	return l.parse(src, path)
}

// readInput reads one spec or variable file, within the load's limits:
// only a regular file (a named pipe would block forever, a device never
// end), of at most MaxFileSize bytes, while the load has read at most
// MaxInputFiles files and MaxInputSize bytes.
func (l *Loader) readInput(path, summary, hint string) ([]byte, hcl.Diagnostics) {
	at := FileRange(path).Ptr()
	fail := func(summary, detail string) hcl.Diagnostics {
		return hcl.Diagnostics{{Severity: hcl.DiagError, Summary: summary, Detail: detail, Subject: at}}
	}
	unreadable := func(summary, detail string) hcl.Diagnostics {
		d := fail(summary, detail)
		d[0].Extra = InputProblem{}
		return d
	}
	if l.files >= MaxInputFiles {
		return nil, fail("Too many input files", fmt.Sprintf("%s would be input file number %d; one spec reads at most %d spec and variable files. Merge some of them.", path, l.files+1, MaxInputFiles))
	}
	src, err := safefs.ReadFile(path, min(MaxFileSize, MaxInputSize-l.read))
	var size *safefs.SizeError
	switch {
	case errors.As(err, &size) && size.Size > MaxFileSize:
		return nil, fail("Spec file too large", fmt.Sprintf("%s has %d bytes; a spec file may have at most %d. Split it or generate nodes with dynamic blocks.", path, size.Size, MaxFileSize))
	case errors.As(err, &size):
		return nil, fail("Spec input too large", fmt.Sprintf("With %s, the spec's files and variable files hold more than %d MiB together; a cluster spec needs far less. Pass fewer or smaller files.", path, MaxInputSize>>20))
	case err != nil:
		return nil, unreadable(summary, fmt.Sprintf("%s. %s", err, hint))
	}
	l.files++
	l.read += int64(len(src))
	return src, nil
}

// parse parses one HCL source after checking that the parser can take it.
func (l *Loader) parse(src []byte, name string) (*hcl.File, hcl.Diagnostics) {
	if diags := checkSource(src, name, false); diags.HasErrors() {
		return nil, diags
	}
	return l.parser.ParseHCL(src, name)
}

var rootSchema = &hcl.BodySchema{Blocks: []hcl.BlockHeaderSchema{
	{Type: "variable", LabelNames: []string{"name"}},
	{Type: "locals"},
	{Type: "class", LabelNames: []string{"name"}},
	{Type: "member", LabelNames: []string{"name"}},
	{Type: "peering", LabelNames: []string{"name"}},
}}

// decode evaluates variables and locals first, then decodes the rest of the
// files with them in scope. Every expression is charged to one budget.
func (l *Loader) decode(files []*hcl.File, opts Options) (*Spec, *Fleet, hcl.Diagnostics) {
	b := newBudget()
	g := &guard{b: b}
	for _, f := range files {
		if body, ok := f.Body.(*hclsyntax.Body); ok {
			g.body(body)
		}
	}
	if g.diags.HasErrors() {
		return nil, nil, g.diags
	}
	var dupKeys hcl.Diagnostics
	for _, f := range files {
		dupKeys = append(dupKeys, duplicateKeys(f)...)
	}

	body := hcl.MergeFiles(files)
	content, remain, diags := body.PartialContent(rootSchema)

	var varBlocks, localBlocks []*hcl.Block
	for _, b := range content.Blocks {
		switch b.Type {
		case "variable":
			varBlocks = append(varBlocks, b)
		case "locals":
			localBlocks = append(localBlocks, b)
		}
	}
	vars, vd := l.variables(varBlocks, opts, g, countVariables(files))
	diags = append(diags, vd...)
	ctx := &hcl.EvalContext{
		Variables: map[string]cty.Value{"var": cty.ObjectVal(vars)},
		Functions: functions(b),
	}
	locals, ld := evalLocals(localBlocks, ctx)
	diags = append(diags, ld...)
	ctx.Variables["local"] = cty.ObjectVal(locals)
	if diags.HasErrors() {
		// Decoding the rest would only repeat these errors as unknown
		// references.
		return nil, nil, append(dupKeys, firstOverrun(diags, b)...)
	}

	if fleet := fleetBlocks(content.Blocks); len(fleet) > 0 {
		f, fd := l.decodeFleet(files, fleet, ctx, b)
		diags = append(diags, fd...)
		if b.spent() {
			return nil, nil, append(dupKeys, firstOverrun(diags, b)...)
		}
		return nil, f, append(dupKeys, diags...)
	}

	var declRange hcl.Range
	if len(files) > 0 {
		declRange = hcl.Range{Filename: files[0].Body.MissingItemRange().Filename, Start: hcl.InitialPos, End: hcl.InitialPos}
	}
	s, cd := l.decodeCluster(remain, files, ctx, b, declRange)
	diags = append(diags, cd...)
	if s == nil {
		return nil, nil, append(dupKeys, diags...)
	}
	return s, nil, append(dupKeys, diags...)
}

// decodeCluster decodes the blocks of one cluster (a spec's top level, or
// a fleet member's class merged with the member's own blocks) with
// variables and locals in scope.
func (l *Loader) decodeCluster(body hcl.Body, files []*hcl.File, ctx *hcl.EvalContext, b *budget, declRange hcl.Range) (*Spec, hcl.Diagnostics) {
	s := &Spec{Files: l.parser.Files(), DeclRange: declRange}
	diags := gohcl.DecodeBody(dynblock.Expand(body, ctx, dynblock.OptCheckForEach(b.checkForEach)), ctx, s)
	explainTypeErrors(diags, files, ctx)
	if b.spent() {
		// The values past the limit are unknown: the spec is not one to
		// check further.
		return nil, firstOverrun(diags, b)
	}
	diags = append(diags, l.loadImageLock(s)...)
	return s, diags
}

// firstOverrun cuts diags after the first of the budget's diagnostics, if
// there is one: past it, evaluation winds down on unknown values, and what
// it reports is only the echo of the overrun.
func firstOverrun(diags hcl.Diagnostics, b *budget) hcl.Diagnostics {
	if !b.spent() {
		return diags
	}
	for i, d := range diags {
		if strings.Contains(d.Detail, b.overrun) {
			return diags[:i+1]
		}
	}
	return diags
}

// evalLocals evaluates locals in dependency order, each once, with only the
// locals it refers to in scope, so that the time it takes grows with the
// size of the spec rather than with its square.
func evalLocals(blocks []*hcl.Block, ctx *hcl.EvalContext) (map[string]cty.Value, hcl.Diagnostics) {
	var diags hcl.Diagnostics
	attrs := map[string]*hcl.Attribute{}
	for _, b := range blocks {
		as, ad := b.Body.JustAttributes()
		diags = append(diags, ad...)
		for _, name := range slices.Sorted(maps.Keys(as)) {
			a := as[name]
			if prev, dup := attrs[name]; dup {
				diags = append(diags, &hcl.Diagnostic{
					Severity: hcl.DiagError,
					Summary:  "Duplicate local value",
					Detail:   fmt.Sprintf("local.%s is already defined at %s. Rename one of them.", name, prev.NameRange),
					Subject:  a.NameRange.Ptr(),
				})
				continue
			}
			attrs[name] = a
		}
	}

	// Kahn's algorithm over the references between locals, in name order.
	refs := map[string][]string{}  // the locals each local refers to
	users := map[string][]string{} // the locals that refer to each local
	waiting := map[string]int{}    // references not yet evaluated
	var ready []string
	for _, name := range slices.Sorted(maps.Keys(attrs)) {
		rs, rd := localRefs(attrs[name].Expr)
		diags = append(diags, rd...)
		for _, r := range rs {
			if _, ok := attrs[r.name]; ok {
				refs[name] = append(refs[name], r.name)
				users[r.name] = append(users[r.name], name)
				waiting[name]++
				continue
			}
			detail := fmt.Sprintf("There is no local value named %q.", r.name)
			if s := Suggest(r.name, slices.Sorted(maps.Keys(attrs))); s != "" {
				detail += fmt.Sprintf(" Did you mean %q?", s)
			}
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Unknown local value", Detail: detail, Subject: r.rng.Ptr()})
		}
		if waiting[name] == 0 {
			ready = append(ready, name)
		}
	}
	done := map[string]cty.Value{}
	for len(ready) > 0 {
		name := ready[0]
		ready = ready[1:]
		scope := map[string]cty.Value{}
		for _, r := range refs[name] {
			scope[r] = done[r]
		}
		rs, _ := localRefs(attrs[name].Expr)
		for _, r := range rs {
			if _, ok := scope[r.name]; !ok {
				scope[r.name] = cty.DynamicVal // reported above
			}
		}
		local := &hcl.EvalContext{Variables: map[string]cty.Value{
			"var": ctx.Variables["var"], "local": cty.ObjectVal(scope),
		}, Functions: ctx.Functions}
		v, vd := attrs[name].Expr.Value(local)
		diags = append(diags, vd...)
		if vd.HasErrors() {
			v = cty.DynamicVal
		}
		done[name] = v
		for _, u := range users[name] {
			if waiting[u]--; waiting[u] == 0 {
				ready = append(ready, u)
			}
		}
	}
	for _, name := range slices.Sorted(maps.Keys(attrs)) {
		if _, ok := done[name]; !ok {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Local value depends on itself",
				Detail:   fmt.Sprintf("local.%s refers, directly or through other locals, to itself. Break the cycle by computing one of them from variables.", name),
				Subject:  attrs[name].NameRange.Ptr(),
			})
		}
	}
	return done, diags
}

type localRef struct {
	name string
	rng  hcl.Range
}

// localRefs lists, without repeats, the locals that expr refers to by name.
// A reference to the whole local object is refused: it would put every
// local in scope of every expression.
func localRefs(expr hcl.Expression) ([]localRef, hcl.Diagnostics) {
	var names []localRef
	var diags hcl.Diagnostics
	seen := map[string]bool{}
	for _, t := range expr.Variables() {
		if t.RootName() != "local" {
			continue
		}
		attr, ok := hcl.TraverseAttr{}, false
		if len(t) > 1 {
			attr, ok = t[1].(hcl.TraverseAttr)
		}
		if !ok {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Invalid reference to local",
				Detail:   "Refer to one local value at a time, as local.NAME.",
				Subject:  t.SourceRange().Ptr(),
			})
			continue
		}
		if !seen[attr.Name] {
			seen[attr.Name] = true
			names = append(names, localRef{attr.Name, t.SourceRange()})
		}
	}
	return names, diags
}

// splitVar splits a --var argument at its first '='.
func splitVar(arg string) (name, value string, ok bool) {
	name, value, ok = strings.Cut(arg, "=")
	return strings.TrimSpace(name), value, ok && strings.TrimSpace(name) != ""
}
