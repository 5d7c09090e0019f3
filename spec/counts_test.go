package spec_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"

	"github.com/blueprint-dev/blueprint/spec"
)

// TestCountsAreWholeNumbers checks that a value that would become a
// fractional count is refused where it comes from, whatever way it comes:
// --var, a variables file, a default, or a computation range() receives.
func TestCountsAreWholeNumbers(t *testing.T) {
	const pool = `
node_pool "p" {
  cpu    = 4
  memory = "8Gi"
  zones  = ["a"]
  count_per_zone = var.per_zone + 1
}
`
	dir := t.TempDir()
	varFile := filepath.Join(dir, "vars.hcl")
	if err := os.WriteFile(varFile, []byte("n = 1.5\nper_zone = \"x\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, src string
		opts      spec.Options
		want      string
		line      int // where the diagnostic points; 0: nowhere (a --var)
	}{
		{"--var into range", "variable \"n\" { type = number }\nlocals { x = range(var.n * 3) }\n", spec.Options{Vars: []string{"n=2.5"}},
			"n: a whole number is required, got 2.5 (from --var). The spec counts with it in range()", 2},
		{"default into an integer attribute", "variable \"per_zone\" {\n  default = 0.5\n}\n" + pool, spec.Options{},
			"per_zone: a whole number is required, got 0.5 (from its default). The spec counts with it in count_per_zone", 9},
		{"variables file, untyped", "variable \"per_zone\" {}\n" + pool, spec.Options{VarFiles: []string{varFile}},
			`per_zone: a whole number is required, got "x" (from the variables file`, 2},
		{"variables file, number", "variable \"n\" { type = number }\nlocals { x = range(var.n) }\n", spec.Options{VarFiles: []string{varFile}},
			"n: a whole number is required, got 1.5 (from the variables file", 2},
		{"range of a fraction, through a local", "locals {\n  n = 2.5\n  x = range(local.n * 3)\n}\n", spec.Options{},
			"its arguments must be whole numbers; got 7.5", 3},
		{"not a count: a number is enough", "variable \"ratio\" { type = number }\nlocals { x = var.ratio / 2 }\n", spec.Options{Vars: []string{"ratio=half"}},
			`ratio: a number is required, got "half" (from --var)`, 0},
		{"a list given as bare words", "variable \"zones\" { type = list(string) }\n", spec.Options{Vars: []string{"zones=[a, b]"}},
			`zones: a list of string is required, got "[a, b]", which is not an HCL value. Write it in HCL syntax, quoting strings, for example --var 'zones=["a", "b"]'`, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, diags := spec.NewLoader().LoadSource("t.hcl", []byte(c.src), c.opts)
			var found *hcl.Diagnostic
			for _, d := range diags {
				if strings.Contains(d.Detail, c.want) {
					found = d
				}
			}
			if found == nil {
				t.Fatalf("want a diagnostic saying %q, got %v", c.want, diags)
			}
			line := 0
			if found.Subject != nil {
				line = found.Subject.Start.Line
			}
			if line != c.line {
				t.Errorf("the diagnostic points at line %d, want %d", line, c.line)
			}
			if strings.Contains(diags.Error(), "source code not available") || strings.Contains(diags.Error(), "Variables not allowed") {
				t.Errorf("a parser message leaked: %v", diags)
			}
		})
	}
}

// TestWholeCountsPass keeps the check from refusing what is right: whole
// numbers, and fractions where nothing counts with them.
func TestWholeCountsPass(t *testing.T) {
	src := "variable \"n\" { type = number }\nvariable \"ratio\" { type = number }\nlocals {\n  x = range(var.n * 3)\n  y = var.ratio * 2\n}\n"
	_, diags := spec.NewLoader().LoadSource("t.hcl", []byte(src), spec.Options{Vars: []string{"n=2", "ratio=0.5"}})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
}

// TestSchemaFollowsTheModel checks the schema read from the model's tags
// on a few entries that other code relies on.
func TestSchemaFollowsTheModel(t *testing.T) {
	s := spec.Schema()
	pool := s.Block("node_pool")
	if pool == nil || !pool.Repeated || len(pool.Labels) != 1 || pool.Labels[0] != "name" {
		t.Fatalf("node_pool: %+v", pool)
	}
	if a := pool.Attribute("count_per_zone"); a == nil || !a.Whole || a.Required || a.Type != "whole number" {
		t.Errorf("count_per_zone: %+v", a)
	}
	if a := pool.Attribute("memory"); a == nil || a.Whole || a.Required || a.Type != "string" { // optional: unknown capacity
		t.Errorf("memory: %+v", a)
	}
	if n := pool.Block("node"); n == nil || n.Attribute("zone") == nil {
		t.Errorf("node_pool.node: %+v", n)
	}
	if c := s.Block("cluster"); c == nil || c.Repeated {
		t.Errorf("cluster: %+v", c)
	}
}

// TestTypeErrorsSayWhatIsRequired checks the decoder's type errors name
// the attribute, what it takes and what it got, like the variables' own,
// and underline the whole value. Before: "Unsuitable value: a number is
// required", at the value's first token.
func TestTypeErrorsSayWhatIsRequired(t *testing.T) {
	src := "node_pool \"p\" {\n  cpu    = 4\n  memory = [\"8Gi\"]\n  zones  = [\"a\"]\n  count_per_zone = \"one\"\n}\n"
	_, diags := spec.NewLoader().LoadSource("t.hcl", []byte(src), spec.Options{})
	want := map[string]int{
		`memory: a string is required, got a tuple.`:             3,
		`count_per_zone: a whole number is required, got "one".`: 5,
	}
	for _, d := range diags {
		line, ok := want[d.Detail]
		if !ok {
			continue
		}
		delete(want, d.Detail)
		if d.Subject.Start.Line != line || d.Subject.End.Column-d.Subject.Start.Column < 5 {
			t.Errorf("%q: subject %v, want the whole value on line %d", d.Detail, d.Subject, line)
		}
	}
	if len(want) > 0 {
		t.Errorf("not said: %v; got %v", want, diags)
	}
}
