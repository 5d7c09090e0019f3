package blueprint_test

import (
	"strings"
	"testing"

	"github.com/blueprint-dev/blueprint/spec"
)

// TestRisksAccepted: a one-zone design that accepts the quorum warning
// renders, and ARCHITECTURE.md lists the accepted risk with its scope, its
// reason and the warning's own text.
func TestRisksAccepted(t *testing.T) {
	p, tree, diags, err := renderLoaded(spec.NewLoader().Load("validate/testdata/accept/single-zone.hcl", spec.Options{}))
	if err != nil || len(diags) > 0 {
		t.Fatalf("want a clean render, got %v %v", diags, err)
	}
	if len(p.Risks) != 1 || p.Risks[0].Code != "etcd-zone-quorum" || len(p.Risks[0].Warnings) != 1 {
		t.Fatalf("plan risks: %+v", p.Risks)
	}
	doc := string(tree["ARCHITECTURE.md"])
	for _, want := range []string{
		"## Risks accepted",
		"| `etcd-zone-quorum` | `zone = \"rack1\"` | One-rack lab cluster; it is rebuilt from Git if the rack fails. |",
		"**Zone failure loses etcd quorum.** Zone \"rack1\" holds 3 of the 3 etcd members",
	} {
		if !strings.Contains(doc, want) {
			t.Errorf("ARCHITECTURE.md lacks %q", want)
		}
	}
}
