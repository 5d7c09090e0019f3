package pipeline_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/blueprint-dev/blueprint/plan"
	"github.com/blueprint-dev/blueprint/spec"
)

// TestFleetMemberIsASingleCluster renders member "west" of
// blueprints/fleet.hcl and testdata/fleet/west.hcl, the single-cluster spec
// it amounts to (the class's blocks with west's variables written in): the
// trees must be the same, byte for byte.
func TestFleetMemberIsASingleCluster(t *testing.T) {
	var fl *fleetExample
	for _, f := range fleets(t) {
		if f.name == "fleet" {
			fl = f
		}
	}
	if fl == nil {
		t.Fatal("blueprints/fleet.hcl is not rendered as a fleet")
	}
	_, single, diags, err := renderLoaded(spec.NewLoader().Load("testdata/fleet/west.hcl", spec.Options{}))
	if len(diags) > 0 || err != nil {
		t.Fatalf("testdata/fleet/west.hcl: %v %v", diags, err)
	}
	prefix := plan.FleetDir + "/west/"
	n := 0
	for p, b := range fl.tree {
		rest, ok := strings.CutPrefix(p, prefix)
		if !ok {
			continue
		}
		n++
		if !bytes.Equal(single[rest], b) {
			t.Errorf("%s differs from %s as testdata/fleet/west.hcl renders it", p, rest)
		}
	}
	if n != len(single) {
		t.Errorf("the fleet has %d files under %s, the single spec renders %d", n, prefix, len(single))
	}
}

// TestFleetDocument checks FLEET.md's tables against the example: both
// clusters with their ranges, and a region loss that leaves each replicated
// service serving in the other region.
func TestFleetDocument(t *testing.T) {
	var doc string
	for _, f := range fleets(t) {
		if f.name == "fleet" {
			doc = string(f.tree["FLEET.md"])
		}
	}
	for _, want := range []string{
		"| west | streaming | eu-west | backbone | v1.37.2 | `10.60.0.10:8443` | euw-a, euw-b, euw-c | 10.60.0.0/16 | 10.128.0.0/14 | 10.96.0.0/16 |",
		"| east | streaming | us-east | backbone | v1.36.4 | `10.61.0.10:8443` | use-a, use-b, use-c | 10.61.0.0/16 | 10.132.0.0/14 | 10.97.0.0/16 |",
		"| Region lost | Clusters lost | Kafka events | monitoring |",
		"| eu-west | west | serves in east | serves in east |",
		"| us-east | east | serves in west | serves in west |",
		`subgraph r0["region eu-west"]`,
		`r1c0z2["zone use-c"]`,
	} {
		if !strings.Contains(doc, want) {
			t.Errorf("FLEET.md lacks %q", want)
		}
	}
}
