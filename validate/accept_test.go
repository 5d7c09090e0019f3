package validate_test

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"

	"github.com/blueprint-dev/blueprint/spec"
	"github.com/blueprint-dev/blueprint/validate"
)

func run(t *testing.T, name string, src []byte) validate.Result {
	t.Helper()
	s, diags := spec.NewLoader().LoadSource(name, src, spec.Options{})
	return validate.Run(s, diags)
}

// TestAcceptSingleZone: a one-zone design warns that losing the zone loses
// etcd's quorum; its accept block takes the warning out of the report
// (so --strict passes) and into Accepted, with the reason.
func TestAcceptSingleZone(t *testing.T) {
	src, err := os.ReadFile("testdata/accept/single-zone.hcl")
	if err != nil {
		t.Fatal(err)
	}
	r := run(t, "single-zone.hcl", src)
	if len(r.Diagnostics) != 0 {
		t.Fatalf("want no diagnostics, got %v", r.Diagnostics)
	}
	if len(r.Accepted) != 1 || len(r.Accepted[0].Warnings) != 1 {
		t.Fatalf("want one accept block covering one warning, got %+v", r.Accepted)
	}
	w, ok := validate.WarningOf(r.Accepted[0].Warnings[0])
	if !ok || w.Code != validate.CodeEtcdZoneQuorum || w.Scope.Zone != "rack1" {
		t.Errorf("accepted %+v, want etcd-zone-quorum in zone rack1", w)
	}

	// Without the block, the same warning is reported, with its code and
	// the accept block that would acknowledge it.
	without := string(src[:strings.Index(string(src), "accept ")])
	r = run(t, "single-zone.hcl", []byte(without))
	if len(r.Diagnostics) != 1 {
		t.Fatalf("want the quorum warning alone, got %v", r.Diagnostics)
	}
	d := r.Diagnostics[0]
	if d.Severity != hcl.DiagWarning || validate.CodeOf(d) != validate.CodeEtcdZoneQuorum {
		t.Errorf("got %s %q (code %q)", sev(d), d.Summary, validate.CodeOf(d))
	}
	if want := `accept "etcd-zone-quorum" { zone = "rack1", reason = "…" }`; !strings.Contains(d.Detail, want) {
		t.Errorf("the detail does not say how to accept it (%s):\n%s", want, d.Detail)
	}
}

// TestAcceptScope: an accept block scoped to another zone acknowledges
// nothing; the warning stays and the block is reported unused.
func TestAcceptScope(t *testing.T) {
	src, err := os.ReadFile("testdata/accept/single-zone.hcl")
	if err != nil {
		t.Fatal(err)
	}
	// Two zones, masters 2+1: only losing rack1 loses the quorum.
	text := strings.Replace(string(src), `zone "rack1" {}`, `zone "rack1" {}`+"\n"+`zone "rack2" {}`, 1)
	text = strings.Replace(text, "address = \"10.0.0.13\"\n    zone    = \"rack1\"", "address = \"10.0.0.13\"\n    zone    = \"rack2\"", 1)
	text = strings.Replace(text, `  zone   = "rack1"`+"\n  reason", `  zone   = "rack2"`+"\n  reason", 1)
	r := run(t, "scoped.hcl", []byte(text))
	var got []string
	for _, d := range r.Diagnostics {
		w, _ := validate.WarningOf(d)
		got = append(got, string(w.Code)+" "+w.Scope.Zone)
	}
	sort.Strings(got)
	want := []string{"accept-unused ", "etcd-zone-quorum rack1"}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("got %q, want %q", got, want)
	}
	if len(r.Accepted) != 1 || len(r.Accepted[0].Warnings) != 0 {
		t.Errorf("the rack2 block should cover nothing: %+v", r.Accepted)
	}
}

// TestAcceptUnused: a block whose warning does not fire is itself a
// warning, at the block.
func TestAcceptUnused(t *testing.T) {
	p := "testdata/accept/unused.hcl"
	got, want := describe(check(t, p)), expectations(t, p)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got %v, want %v", got, want)
	}
}

// TestWarningCodesDocumented: the README's table of warning codes lists
// exactly the codes validate reports, and every code is written as a
// lower-case, dash-separated word list.
func TestWarningCodesDocumented(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	row := regexp.MustCompile("(?m)^\\| `([a-z0-9-]+)` \\|")
	documented := map[string]bool{}
	for _, m := range row.FindAllStringSubmatch(string(readme), -1) {
		documented[m[1]] = true
	}
	shape := regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
	for _, c := range validate.Codes() {
		if !shape.MatchString(string(c.Code)) {
			t.Errorf("code %q is not lower-case words joined by dashes", c.Code)
		}
		scopes := strings.Join(c.Scopes, ", ")
		if scopes == "" {
			scopes = "-"
		}
		if !c.Acceptable {
			scopes = "cannot be accepted"
		}
		if row := fmt.Sprintf("| `%s` | %s | %s |\n", c.Code, c.Meaning, scopes); !documented[string(c.Code)] || !strings.Contains(string(readme), row) {
			t.Errorf("README.md's table of warning codes lacks the row %q", row)
		}
		if c.Meaning == "" {
			t.Errorf("code %q has no meaning", c.Code)
		}
	}
}

// TestEveryWarningHasACode: every warning of every fixture carries a code.
func TestEveryWarningHasACode(t *testing.T) {
	paths, _ := filepath.Glob("testdata/*/*.hcl")
	for _, p := range paths {
		for _, d := range check(t, p) {
			if d.Severity == hcl.DiagWarning && validate.CodeOf(d) == "" {
				t.Errorf("%s: warning %q has no code", p, d.Summary)
			}
		}
	}
}

func sev(d *hcl.Diagnostic) string {
	if d.Severity == hcl.DiagError {
		return "error"
	}
	return "warning"
}
