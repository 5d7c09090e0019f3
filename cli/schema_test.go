package cli_test

import (
	"encoding/json"
	"flag"
	"os"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/spf13/cobra"

	"github.com/blueprint-dev/blueprint/cli"
	"github.com/blueprint-dev/blueprint/spec"
)

var update = flag.Bool("update", false, "rewrite the README's generated sections: the spec reference and the examples tables")

const (
	beginReference = "<!-- BEGIN spec reference -->\n"
	endReference   = "<!-- END spec reference -->\n"
)

// TestReadmeReference fails when the README's spec reference, between its
// markers, is not what `blueprint schema --format markdown` prints; with
// -update it rewrites it.
func TestReadmeReference(t *testing.T) {
	const path = "../README.md"
	readme, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	before, rest, ok := strings.Cut(string(readme), beginReference)
	_, after, ok2 := strings.Cut(rest, endReference)
	if !ok || !ok2 {
		t.Fatalf("README.md lacks the markers %q and %q around the spec reference", beginReference, endReference)
	}
	code, md, _ := runCLI("schema", "--format", "markdown")
	if code != cli.ExitOK {
		t.Fatalf("schema --format markdown: exit %d", code)
	}
	if md != cli.SchemaMarkdown() {
		t.Fatal("schema --format markdown does not print SchemaMarkdown")
	}
	want := before + beginReference + md + endReference + after
	if want == string(readme) {
		return
	}
	if *update {
		if err := os.WriteFile(path, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("README.md's spec reference differs from spec/docs.go and the model; run: go test ./cli -run TestReadmeReference -update")
}

func TestSchemaJSON(t *testing.T) {
	code, out, errs := runCLI("schema", "--json")
	if code != cli.ExitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	type attr struct {
		Name, Path, Type, Default, Description, Introduced string
		Required                                           bool
		Allowed                                            []string
	}
	type block struct {
		Type, Path, Description, Introduced string
		Labels                              []string
		Repeated, Required                  bool
		Attributes                          []attr
		Blocks                              []block
	}
	var doc struct {
		FirstRelease string `json:"first_release"`
		Blocks       []block
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.FirstRelease != spec.FirstRelease {
		t.Errorf("first_release = %q", doc.FirstRelease)
	}
	seen := map[string]bool{}
	var walk func([]block)
	walk = func(bs []block) {
		for _, b := range bs {
			seen[b.Path] = true
			if b.Description == "" || b.Introduced == "" {
				t.Errorf("%s: no description or release", b.Path)
			}
			for _, a := range b.Attributes {
				seen[a.Path] = true
				if a.Path != b.Path+"."+a.Name || a.Type == "" || a.Description == "" {
					t.Errorf("attribute %+v", a)
				}
				if a.Path == "node_pool.taint.effect" && (!a.Required || strings.Join(a.Allowed, ",") != "NoSchedule,PreferNoSchedule,NoExecute") {
					t.Errorf("node_pool.taint.effect: %+v", a)
				}
				if a.Path == "monitoring.retention" && (a.Required || a.Default != `"15d"`) {
					t.Errorf("monitoring.retention: %+v", a)
				}
			}
			if b.Path == "zone" && (!b.Repeated || !b.Required || strings.Join(b.Labels, ",") != "name") {
				t.Errorf("zone: %+v", b)
			}
			walk(b.Blocks)
		}
	}
	walk(doc.Blocks)
	for _, p := range spec.ReferencePaths() {
		if !seen[p] {
			t.Errorf("schema --json lacks %s", p)
		}
	}
	if !seen["etcd.backup.destination.nfs.server"] {
		t.Error("nested blocks are missing")
	}
}

func TestSchemaText(t *testing.T) {
	code, out, _ := runCLI("schema")
	if code != cli.ExitOK {
		t.Fatalf("exit %d", code)
	}
	for _, want := range []string{
		"\nload_balancer  (block, required)\n",
		"  mode = string, required, one of dedicated, colocated, external",
		"\n  node_pool.taint  (block, any number)\n",
		"    effect = string, required, one of NoSchedule, PreferNoSchedule, NoExecute\n",
		"  retention = string, default \"15d\"\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("schema does not print %q", want)
		}
	}
	for _, args := range [][]string{{"schema", "--json", "--format", "markdown"}, {"schema", "--format", "yaml"}, {"schema", "extra"}} {
		if code, _, _ := runCLI(args...); code != cli.ExitUsage {
			t.Errorf("%v: exit %d, want %d", args, code, cli.ExitUsage)
		}
	}
}

// exampleOf returns the example explain printed, unindented.
func exampleOf(t *testing.T, out string) string {
	t.Helper()
	_, ex, ok := strings.Cut(out, "\nExample:\n\n")
	if !ok {
		t.Fatalf("no example in:\n%s", out)
	}
	lines := strings.Split(ex, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimPrefix(l, "  ")
	}
	return strings.Join(lines, "\n")
}

func parses(t *testing.T, name, src string) {
	t.Helper()
	if _, diags := hclsyntax.ParseConfig([]byte(src), name, hcl.InitialPos); diags.HasErrors() {
		t.Errorf("%s: example does not parse: %s\n%s", name, diags.Error(), src)
	}
}

func TestExplain(t *testing.T) {
	code, out, _ := runCLI("explain", "load_balancer.mode")
	if code != cli.ExitOK {
		t.Fatalf("exit %d", code)
	}
	for _, want := range []string{"load_balancer.mode  (attribute, string, required; introduced in 0.1)", `One of "dedicated", "colocated", "external"`, "load_balancer {", "mode"} {
		if !strings.Contains(out, want) {
			t.Errorf("explain load_balancer.mode lacks %q:\n%s", want, out)
		}
	}
	// Every entry's example, as explain prints it, parses.
	for _, p := range spec.ReferencePaths() {
		code, out, errs := runCLI("explain", p)
		if code != cli.ExitOK {
			t.Fatalf("explain %s: exit %d: %s", p, code, errs)
		}
		parses(t, p, exampleOf(t, out))
	}
	code, out, _ = runCLI("explain", "node_pool")
	if code != cli.ExitOK || !strings.Contains(out, `node_pool "NAME"  (block, any number, repeated`) || !strings.Contains(out, "Blocks: taint, autoscale, node") {
		t.Errorf("explain node_pool:\n%s", out)
	}
}

func TestExplainJSON(t *testing.T) {
	code, out, _ := runCLI("explain", "etcd.backup.schedule", "--json")
	if code != cli.ExitOK {
		t.Fatalf("exit %d", code)
	}
	var e struct {
		Path, Kind, Type, Default, Example string
		Required                           bool
	}
	if err := json.Unmarshal([]byte(out), &e); err != nil {
		t.Fatal(err)
	}
	if e.Path != "etcd.backup.schedule" || e.Kind != "attribute" || e.Type != "string" || e.Default != `"17 */6 * * *"` || e.Required {
		t.Errorf("%+v", e)
	}
	parses(t, e.Path, e.Example)
	if !strings.Contains(e.Example, "schedule") {
		t.Errorf("example does not show schedule:\n%s", e.Example)
	}
}

func TestExplainUnknown(t *testing.T) {
	for name, want := range map[string]string{
		"load_balancer.mod": `Did you mean "load_balancer.mode"?`,
		"pool":              `Did you mean "node_pool" or "accept.pool"?`,
		"kafak":             `Did you mean "kafka"?`,
		"nothing.like.this": `the spec has no block or attribute "nothing.like.this"`,
	} {
		code, _, errs := runCLI("explain", name)
		if code != cli.ExitUsage || !strings.Contains(errs, want) {
			t.Errorf("explain %s: exit %d, %q; want %d and %q", name, code, errs, cli.ExitUsage, want)
		}
	}
}

// TestExplainCompletion asks cobra's completion, as a shell does: block
// names first, then one level below a block.
func TestExplainCompletion(t *testing.T) {
	complete := func(arg string) []string {
		code, out, _ := runCLI(cobra.ShellCompRequestCmd, "explain", arg)
		if code != cli.ExitOK {
			t.Fatalf("exit %d", code)
		}
		lines := strings.Split(strings.TrimSpace(out), "\n")
		return lines[:len(lines)-1] // the last line is the directive
	}
	got := complete("")
	if len(got) != len(spec.Schema().Blocks)+len(spec.FleetSchema().Blocks) || got[0] != "cluster" || got[len(got)-1] != "peering" {
		t.Errorf("top level: %v", got)
	}
	if got := strings.Join(complete("load_b"), ","); got != "load_balancer" {
		t.Errorf("load_b: %s", got)
	}
	got = complete("load_balancer.")
	if !contains(got, "load_balancer.mode") || !contains(got, "load_balancer.host") || contains(got, "load_balancer.host.zone") {
		t.Errorf("load_balancer.: %v", got)
	}
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}
