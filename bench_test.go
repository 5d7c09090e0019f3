package blueprint_test

import (
	"testing"

	"github.com/blueprint-dev/blueprint/plan"
	"github.com/blueprint-dev/blueprint/render"
	"github.com/blueprint-dev/blueprint/spec"
	"github.com/blueprint-dev/blueprint/validate"
)

// BenchmarkRenderHA measures load, validate, plan and render of the example.
func BenchmarkRenderHA(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		s, diags := spec.NewLoader().Load("blueprints/ha.hcl", spec.Options{})
		diags = append(diags, validate.Spec(s)...)
		if diags.HasErrors() {
			b.Fatal(diags)
		}
		if _, err := render.Render(plan.Build(s)); err != nil {
			b.Fatal(err)
		}
	}
}
