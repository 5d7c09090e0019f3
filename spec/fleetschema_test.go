package spec

import (
	"slices"
	"testing"
)

// TestFleetSchema holds the description of a fleet's blocks (FleetSchema,
// which the reference lists) to what the fleet's loader accepts.
func TestFleetSchema(t *testing.T) {
	fs := FleetSchema()
	var blocks []string
	for _, b := range fs.Blocks {
		blocks = append(blocks, b.Type)
		if len(b.Labels) != 1 || !b.Repeated {
			t.Errorf("%s: labels %v, repeated %v; the loader takes one label and many blocks", b.Type, b.Labels, b.Repeated)
		}
	}
	var own []string
	for _, b := range fleetTopLevel {
		if b != "variable" && b != "locals" {
			own = append(own, b)
		}
	}
	if !slices.Equal(blocks, own) {
		t.Errorf("FleetSchema's blocks %v, the loader's %v", blocks, own)
	}
	names := func(b *BlockSchema) []string {
		var out []string
		for _, a := range b.Attributes {
			out = append(out, a.Name)
		}
		return out
	}
	if got := names(fs.Block("member")); !slices.Equal(got, memberAttrs) {
		t.Errorf("member's attributes %v, the loader's %v", got, memberAttrs)
	}
	if got := names(fs.Block("peering")); !slices.Equal(got, []string{"members"}) {
		t.Errorf("peering's attributes %v, the loader takes members only", got)
	}
	for _, a := range fs.Block("member").Attributes {
		if want := a.Name == "class" || a.Name == "region"; a.Required != want {
			t.Errorf("member.%s: required %v, the loader %v", a.Name, a.Required, want)
		}
	}
}
