package pipeline_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"

	"github.com/blueprint-dev/blueprint/plan"
	"github.com/blueprint-dev/blueprint/render"
	"github.com/blueprint-dev/blueprint/spec"
	"github.com/blueprint-dev/blueprint/validate"
)

// seedSpecs returns the example specs and the invalid fixtures, in name order.
func seedSpecs(tb testing.TB, globs ...string) [][]byte {
	tb.Helper()
	var paths []string
	for _, g := range globs {
		ps, _ := filepath.Glob(g)
		paths = append(paths, ps...)
	}
	sort.Strings(paths)
	if len(paths) == 0 {
		tb.Fatal("no seed specs")
	}
	var out [][]byte
	for _, p := range paths {
		src, err := os.ReadFile(p)
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, src)
	}
	return out
}

// FuzzRender runs the whole pipeline on any source: it must end in
// diagnostics or in a tree written inside the output folder, never in a
// panic, a hang, or a file written elsewhere.
func FuzzRender(f *testing.F) {
	for _, src := range seedSpecs(f, "blueprints/*.hcl", "validate/testdata/invalid/*.hcl") {
		f.Add(src)
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		renderChecked(t, src)
	})
}

// FuzzRenderValues runs the pipeline on an example spec with one quoted
// string and one number replaced by the fuzzer's: byte-level mutation rarely
// keeps a spec valid, and this reaches plan and render with hostile names,
// labels, addresses and sizes.
func FuzzRenderValues(f *testing.F) {
	bases := seedSpecs(f, "blueprints/*.hcl")
	for i, base := range bases {
		// Each example as it is (its own first string and number put
		// back), then with hostile values.
		str, num := tokens(base, hclsyntax.TokenQuotedLit), tokens(base, hclsyntax.TokenNumberLit)
		n, _ := strconv.ParseInt(string(num[0].Bytes), 10, 64)
		f.Add(uint8(i), uint16(0), string(str[0].Bytes), uint16(0), n)
		f.Add(uint8(i), uint16(0), "../../escaped", uint16(0), int64(3))
		f.Add(uint8(i), uint16(3), "a/b", uint16(1), int64(-1))
		f.Add(uint8(i), uint16(7), "x\n\"${y}\"", uint16(5), int64(1<<40))
	}
	f.Fuzz(func(t *testing.T, base uint8, str uint16, value string, num uint16, n int64) {
		src := bases[int(base)%len(bases)]
		src = replaceToken(src, hclsyntax.TokenQuotedLit, int(str), hclString(value))
		src = replaceToken(src, hclsyntax.TokenNumberLit, int(num), strconv.FormatInt(n, 10))
		renderChecked(t, src)
	})
}

// renderChecked loads, validates, plans, renders and writes src, and fails
// if a file lands outside the output folder.
func renderChecked(t *testing.T, src []byte) {
	s, diags := spec.NewLoader().LoadSource("fuzz.hcl", src, spec.Options{})
	if s == nil {
		if !diags.HasErrors() {
			t.Fatal("no spec and no error")
		}
		return
	}
	diags = append(diags, validate.Spec(s)...)
	if diags.HasErrors() {
		return
	}
	tree, err := render.Render(plan.Build(s))
	if err != nil {
		return
	}
	for _, p := range tree.Paths() {
		if !filepath.IsLocal(filepath.FromSlash(p)) {
			t.Fatalf("tree path %q would be written outside the output folder", p)
		}
	}
	root := t.TempDir()
	out := filepath.Join(root, "out")
	if err := render.Write(out, tree); err != nil {
		t.Fatalf("writing a valid tree: %v", err)
	}
	written := 0
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || path == root || path == out {
			return err
		}
		rel, _ := filepath.Rel(out, path)
		if !filepath.IsLocal(rel) {
			t.Errorf("%s was written outside the output folder", path)
		}
		if !d.IsDir() {
			written++
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := len(tree) + 1; written != want { // + the manifest
		t.Errorf("wrote %d files for a tree of %d", written, len(tree))
	}
}

// replaceToken replaces the n-th token of type typ (counting modulo their
// number) with text.
func replaceToken(src []byte, typ hclsyntax.TokenType, n int, text string) []byte {
	matches := tokens(src, typ)
	if len(matches) == 0 {
		return src
	}
	r := matches[n%len(matches)].Range
	return []byte(string(src[:r.Start.Byte]) + text + string(src[r.End.Byte:]))
}

// tokens lists the tokens of type typ in src.
func tokens(src []byte, typ hclsyntax.TokenType) []hclsyntax.Token {
	all, _ := hclsyntax.LexConfig(src, "base.hcl", hcl.InitialPos)
	var out []hclsyntax.Token
	for _, tok := range all {
		if tok.Type == typ {
			out = append(out, tok)
		}
	}
	return out
}

// hclString escapes s for the inside of an HCL quoted string.
func hclString(s string) string {
	q := strconv.Quote(s) // escapes quotes, backslashes and control characters
	q = q[1 : len(q)-1]
	q = strings.ReplaceAll(q, "${", "$${")
	return strings.ReplaceAll(q, "%{", "%%{")
}
