package spec_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/blueprint-dev/blueprint/spec"
)

// addSeeds adds the example specs and the invalid fixtures to a fuzz corpus.
func addSeeds(f *testing.F, add func(src []byte)) {
	f.Helper()
	var paths []string
	for _, glob := range []string{"../blueprints/*.hcl", "../validate/testdata/invalid/*.hcl"} {
		ps, _ := filepath.Glob(glob)
		paths = append(paths, ps...)
	}
	if len(paths) == 0 {
		f.Fatal("no seed specs found")
	}
	for _, p := range paths {
		src, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		add(src)
	}
}

// FuzzLoad checks that any source ends in a spec or in diagnostics: never a
// panic, a hang or unbounded memory.
func FuzzLoad(f *testing.F) {
	addSeeds(f, func(src []byte) { f.Add(src) })
	// Small programs near the limits, for the fuzzer to grow.
	for _, src := range []string{
		"locals {\n  a = \"xx\"\n  b = \"${local.a}${local.a}\"\n  c = [for i in range(3) : [for j in range(3) : local.b]]\n}\n",
		"locals {\n  r = range(10)\n  x = setproduct(local.r, local.r)\n  y = format(\"%10s|%-5d\", \"a\", 1)\n}\n",
		"locals {\n  j = jsondecode(\"[[1],{\\\"a\\\":2}]\")\n  s = replace(indent(2, join(\"\\n\", split(\",\", \"a,b\"))), \"/a/\", \"b\")\n}\n",
		"dynamic \"node_pool\" {\n  for_each = range(2)\n  labels = [\"p${node_pool.value}\"]\n  content {\n    cpu = 1\n    memory = \"1Gi\"\n    dynamic \"node\" {\n      for_each = range(2)\n      labels = [\"n${node.value}\"]\n      content { zone = \"a\" }\n    }\n  }\n}\n",
		"locals {\n  n = 1e300 * 1e-300 + parseint(\"ff\", 16)\n  t = \"%{for x in [1, 2]}${x}%{endfor}%{if true}y%{endif}\"\n}\n",
	} {
		f.Add([]byte(src))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		s, diags := spec.NewLoader().LoadSource("fuzz.hcl", src, spec.Options{})
		if s == nil && !diags.HasErrors() {
			t.Fatal("no spec and no error")
		}
	})
}

// FuzzLoadVars is FuzzLoad with a -var argument, which is parsed as an HCL
// expression for variables that are not strings.
func FuzzLoadVars(f *testing.F) {
	const decl = "variable \"n\" {\n  type = number\n  default = 1\n}\nvariable \"l\" {\n  type = list(string)\n  default = []\n}\nvariable \"s\" {\n  default = \"\"\n}\n"
	addSeeds(f, func(src []byte) { f.Add(src, "n=3") })
	f.Add([]byte(decl+"locals {\n  x = [for i in range(var.n) : var.l]\n}\n"), `l=["a", "b"]`)
	f.Add([]byte(decl), "s=${x}")
	f.Add([]byte(decl), "n=")
	f.Fuzz(func(t *testing.T, src []byte, arg string) {
		full := append([]byte(decl), src...)
		s, diags := spec.NewLoader().LoadSource("fuzz.hcl", full, spec.Options{Vars: []string{arg}})
		if s == nil && !diags.HasErrors() {
			t.Fatal("no spec and no error")
		}
	})
}
