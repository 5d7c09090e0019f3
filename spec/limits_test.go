package spec_test

import (
	"fmt"
	"os"
	"runtime"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"

	"github.com/blueprint-dev/blueprint/spec"
)

// loadWorkBudget bounds the memory the loader may allocate, in all, to
// refuse or accept one hostile spec. Allocation counts the work done whatever
// else the machine is doing, where a wall-clock limit would fail under load;
// the time itself is measured by the benchmarks.
const loadWorkBudget = 1 << 30

// allocated returns the bytes f allocates on the heap, in all.
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// locals wraps lines in a locals block, so that the first line is line 2.
func locals(lines ...string) string {
	return "locals {\n  " + strings.Join(lines, "\n  ") + "\n}\n"
}

// doubling is n locals, each twice the one before.
func doubling(first string, n int, step func(prev string) string) []string {
	lines := []string{"a0 = " + first}
	for i := 1; i <= n; i++ {
		lines = append(lines, fmt.Sprintf("a%d = %s", i, step(fmt.Sprintf("local.a%d", i-1))))
	}
	return lines
}

// manyKeys is the inside of an object with n attributes.
func manyKeys(n int) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "k%d = 1, ", i)
	}
	return b.String()
}

// TestLimits feeds the loader a spec that hits each limit: it must come
// back quickly with a positioned error, where without the limit it would
// crash the process, exhaust memory or run for minutes.
func TestLimits(t *testing.T) {
	cases := []struct {
		name, src string
		summary   string // of the first error
		detail    string // part of its detail
		line      int    // of its subject
	}{
		{"brackets", locals("x = " + strings.Repeat("[", 200) + strings.Repeat("]", 200)),
			"Expression nested too deeply", "more than 100 levels", 2},
		{"operator chain", locals("ok = [1, 2]", "x = 1"+strings.Repeat(" + 1", 200)),
			"Expression nested too deeply", "chained operators", 3},
		{"operator chain over lines", locals("x = (1" + strings.Repeat("\n  + 1", 200) + ")"),
			"Expression nested too deeply", "", 100},
		{"unary chain", locals("x = " + strings.Repeat("!", 200) + "true"),
			"Expression nested too deeply", "", 2},
		{"index chain", locals("i = 0", "l = [0]", "x = local.l"+strings.Repeat("[local.i]", 100)),
			"Expression nested too deeply", "", 4},
		{"template interpolations", locals("x = " + strings.Repeat(`"${`, 60) + "1" + strings.Repeat(`}"`, 60)),
			"Expression nested too deeply", "", 2},
		{"template directives", locals(`x = "` + strings.Repeat("%{if true}", 150) + strings.Repeat("%{endif}", 150) + `"`),
			"Expression nested too deeply", "", 2},
		{"long number literal", locals("x = " + strings.Repeat("7", 5000)),
			"Number too long", "at most 1200", 2},
		{"long number string", locals(`x = "` + strings.Repeat("7", 5000) + `" + 1`),
			"Number too long", "more than 1200 digits", 2},
		{"huge number literal", locals("x = 1e600000000"),
			"Number out of range", "about 10^600000000", 2},
		{"huge computed number", locals("a = 1e300", "b = local.a * local.a"),
			"Number out of range", "about 10^600", 3},
		{"string doubling", locals(doubling(`"xx"`, 40, func(p string) string { return `"${` + p + `}${` + p + `}"` })...),
			"Spec computes too much", "32 MiB of text", 25},
		{"shared list doubling", locals(append(doubling("[1, 1]", 40, func(p string) string { return "[" + p + ", " + p + "]" }), "x = local.a40 == local.a40")...),
			"Spec computes too much", "250000 values", 16},
		{"nested for", locals("x = [for a in range(1000) : [for b in range(1000) : [for c in range(1000) : c]]]"),
			"Spec computes too much", "250000 values", 2},
		{"deep value", locals(doubling("[]", 120, func(p string) string { return "[" + p + "]" })...),
			"Value nested too deeply", "more than 100 levels", 103},
		{"setproduct", locals("r = range(1000)", "x = setproduct(local.r, local.r, local.r)"),
			"Error in function call", "250000 values", 3},
		{"format width", locals(`x = format("%999999999s", "")`),
			"Error in function call", "32 MiB of text", 2},
		{"formatlist", locals(`x = formatlist("%9999999s", range(1000))`),
			"Error in function call", "32 MiB of text", 2},
		{"replace with empty", locals(`s = format("%100000s", "")`, `x = replace(local.s, "", local.s)`),
			"Error in function call", "32 MiB of text", 3},
		{"indent", locals(`s = join("\n", range(1000))`, "x = indent(100000000, local.s)"),
			"Error in function call", "32 MiB of text", 3},
		{"join", locals(`s = format("%100000s", "")`, "x = join(local.s, range(1000))"),
			"Error in function call", "32 MiB of text", 3},
		{"split", locals(`s = format("%2000000s", "")`, `x = split("", local.s)`),
			"Error in function call", "250000 values", 3},
		{"jsondecode", locals(`x = jsondecode("` + strings.Repeat("[", 200) + strings.Repeat("]", 200) + `")`),
			"Error in function call", "nests more than 100", 2},
		{"parseint", locals(`x = parseint("` + strings.Repeat("1", 1150) + `", 10)`),
			"Error in function call", "more than 1100 digits", 2},
		{"range", locals("x = range(100000)"),
			"Error in function call", "at most 1024", 2},
		{"dynamic blocks", `dynamic "node_pool" {
  for_each = range(1000)
  labels   = ["p${node_pool.value}"]
  content {
    cpu    = 1
    memory = "1Gi"
    dynamic "node" {
      for_each = range(1000)
      labels   = ["n${node.value}"]
      content { zone = "a" }
    }
  }
}
`, "Too many dynamic blocks", "more than 10000 blocks", 8},
		{"long list", locals("ok = 1", "x = ["+strings.Repeat(`"z",`, 100000)+"]"),
			"Collection too long", "100000 elements", 3},
		{"long object", locals("x = {" + manyKeys(6000) + "}"),
			"Collection too long", "6000 elements", 2},
		{"many blocks", strings.Repeat("zone \"a\" {}\n", spec.MaxBlocks+5),
			"Too many blocks", "more than 20000 blocks", spec.MaxBlocks + 1},
		{"reference to all locals", locals("a = 1", "b = local"),
			"Invalid reference to local", "", 3},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var diags hcl.Diagnostics
			work := allocated(func() {
				_, diags = spec.NewLoader().LoadSource("t.hcl", []byte(c.src), spec.Options{})
			})
			t.Logf("allocated %d MB", work>>20)
			if work > loadWorkBudget {
				t.Errorf("allocated %d MB to refuse the spec; the budget is %d MB", work>>20, loadWorkBudget>>20)
			}
			if !diags.HasErrors() {
				t.Fatal("want an error, got none")
			}
			d := diags[0]
			if d.Summary != c.summary || !strings.Contains(d.Detail, c.detail) {
				t.Fatalf("want %q with %q, got %v", c.summary, c.detail, diags)
			}
			if d.Subject == nil || d.Subject.Start.Line != c.line {
				t.Fatalf("want the error on line %d, got %v", c.line, d.Subject)
			}
			if len(diags) > 3 {
				t.Errorf("want the limit reported once, not echoed: %v", diags)
			}
		})
	}
}

func TestSourceTooLarge(t *testing.T) {
	src := []byte("# " + strings.Repeat("x", spec.MaxFileSize) + "\n")
	_, diags := spec.NewLoader().LoadSource("big.hcl", src, spec.Options{})
	if !diags.HasErrors() || diags[0].Summary != "Spec file too large" {
		t.Fatalf("want the file refused, got %v", diags)
	}
}

func TestVarLimits(t *testing.T) {
	const decl = "variable \"l\" {\n  type = list(any)\n  default = []\n}\n"
	cases := map[string]struct{ arg, want string }{
		"nesting": {"l=" + strings.Repeat("[", 200) + strings.Repeat("]", 200), "Expression nested too deeply"},
		"number":  {"l=[1e600000000]", "Number out of range"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			_, diags := spec.NewLoader().LoadSource("t.hcl", []byte(decl), spec.Options{Vars: []string{c.arg}})
			if !diags.HasErrors() || diags[0].Summary != c.want {
				t.Fatalf("want %q, got %v", c.want, diags)
			}
		})
	}
}

// TestManyLocals keeps evaluating locals linear: a chain of them declared
// in reverse order once took time growing with the square of their number.
func TestManyLocals(t *testing.T) {
	const n = 10000
	var lines []string
	for i := 0; i < n; i++ {
		lines = append(lines, fmt.Sprintf("z%05d = local.z%05d + 1", i, i+1))
	}
	lines = append(lines, fmt.Sprintf("z%05d = 0", n))
	var diags hcl.Diagnostics
	work := allocated(func() {
		_, diags = spec.NewLoader().LoadSource("t.hcl", []byte(locals(lines...)), spec.Options{})
	})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	t.Logf("allocated %d MB", work>>20)
	if work > loadWorkBudget {
		t.Errorf("%d locals allocated %d MB; the budget is %d MB", n, work>>20, loadWorkBudget>>20)
	}
}

// TestLoadTwice loads the same file twice with one Loader, which caches the
// parsed file: the second load has a budget of its own.
func TestLoadTwice(t *testing.T) {
	path := t.TempDir() + "/s.hcl"
	src := locals(`s = format("%10000000s", "")`, "t = trimspace(local.s)")
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	l := spec.NewLoader()
	for i := 0; i < 2; i++ {
		if _, diags := l.Load(path, spec.Options{}); diags.HasErrors() {
			t.Fatalf("load %d: %v", i+1, diags)
		}
	}
}
