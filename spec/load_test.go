package spec_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/blueprint-dev/blueprint/spec"
)

const base = `
variable "count" {
  type    = number
  default = 2
}
variable "zone" {
  type = string
}
locals {
  b = "${local.a}-b"
  a = var.zone
}
cluster "c" {
  kubernetes_version = "1.37.2"
}
node_pool "p" {
  cpu    = 4
  memory = "8Gi"
  dynamic "node" {
    for_each = range(var.count)
    labels   = [format("%s-%d", local.b, node.value)]
    content {
      zone = var.zone
    }
  }
}
`

func TestVariablesLocalsAndDynamicBlocks(t *testing.T) {
	dir := t.TempDir()
	varFile := filepath.Join(dir, "prod.hcl")
	if err := os.WriteFile(varFile, []byte(`count = 5`+"\n"+`zone = "from-file"`+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	s, diags := spec.NewLoader().LoadSource("t.hcl", []byte(base), spec.Options{VarFiles: []string{varFile}, Vars: []string{"count=3"}})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	nodes := s.NodePools[0].Nodes
	if len(nodes) != 3 {
		t.Fatalf("-var count=3 must beat the var file's 5 and the default 2; got %d nodes", len(nodes))
	}
	if nodes[2].Name != "from-file-b-2" || nodes[2].Zone != "from-file" {
		t.Errorf("got node %q in zone %q", nodes[2].Name, nodes[2].Zone)
	}
}

func TestVariableProblems(t *testing.T) {
	cases := map[string]struct {
		opts spec.Options
		want string
	}{
		"missing value":  {spec.Options{}, `Variable "zone" has no default`},
		"undeclared var": {spec.Options{Vars: []string{"zone=a", "cuont=4"}}, `Did you mean "count"?`},
		// Before: "Variables not allowed … (source code not available)".
		"wrong type": {spec.Options{Vars: []string{"zone=a", "count=many"}}, `count: a whole number is required, got "many" (from --var)`},
		// Before: accepted, and range(2.5) made 3 nodes.
		"fractional count": {spec.Options{Vars: []string{"zone=a", "count=2.5"}}, `count: a whole number is required, got 2.5 (from --var)`},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			_, diags := spec.NewLoader().LoadSource("t.hcl", []byte(base), c.opts)
			if !diags.HasErrors() || !strings.Contains(diags.Error(), c.want) {
				t.Fatalf("want an error containing %q, got %v", c.want, diags)
			}
		})
	}
}

func TestLocalCycle(t *testing.T) {
	src := "locals {\n  a = local.b\n  b = local.a\n}\n"
	_, diags := spec.NewLoader().LoadSource("t.hcl", []byte(src), spec.Options{})
	if len(diags) != 2 || diags[0].Summary != "Local value depends on itself" || diags[0].Subject.Start.Line != 2 {
		t.Fatalf("want two positioned cycle errors, got %v", diags)
	}
}

// TestRangeIsBounded keeps a million-node spec from exhausting memory.
func TestRangeIsBounded(t *testing.T) {
	src := `node_pool "p" {
  cpu = 1
  memory = "1Gi"
  dynamic "node" {
    for_each = range(1000000)
    labels   = ["n${node.value}"]
    content { zone = "a" }
  }
}`
	_, diags := spec.NewLoader().LoadSource("t.hcl", []byte(src), spec.Options{})
	if !diags.HasErrors() || !strings.Contains(diags.Error(), "at most 1024") {
		t.Fatalf("want range refused, got %v", diags)
	}
	if diags[0].Subject == nil || diags[0].Subject.Start.Line != 5 {
		t.Fatalf("want the error on line 5, got %v", diags[0].Subject)
	}
}
