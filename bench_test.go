package blueprint_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/blueprint-dev/blueprint/plan"
	"github.com/blueprint-dev/blueprint/render"
	"github.com/blueprint-dev/blueprint/spec"
	"github.com/blueprint-dev/blueprint/validate"
)

// The benchmarks measure what `blueprint render SPEC -o DIR` does: load,
// validate, plan, render (with the kustomize builds) and write, into a
// temporary folder. "Render" is a first render: an empty folder and an
// empty build cache. "ReRender" renders the unchanged spec again into the
// folder it wrote, with the cache that render filled.
//
//	go test . -run '^$' -bench 'Render' -benchmem

// renderTo runs one render of specPath into out with the given cache.
func renderTo(b *testing.B, specPath, out string, cache *render.BuildCache) {
	s, diags := spec.NewLoader().Load(specPath, spec.Options{})
	diags = validate.Check(s, diags)
	if diags.HasErrors() {
		b.Fatal(diags)
	}
	tree, err := render.RenderWith(plan.Build(s), render.Options{Builds: cache})
	if err != nil {
		b.Fatal(err)
	}
	if err := render.Write(out, tree); err != nil {
		b.Fatal(err)
	}
}

// benchFirstRender measures the first render of a spec into an empty
// folder with an empty cache.
func benchFirstRender(b *testing.B, specPath string) {
	b.ReportAllocs()
	base := b.TempDir()
	for b.Loop() {
		b.StopTimer()
		dir, err := os.MkdirTemp(base, "run")
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		renderTo(b, specPath, filepath.Join(dir, "out"), render.NewBuildCache(filepath.Join(dir, "cache")))
		b.StopTimer()
		os.RemoveAll(dir)
		b.StartTimer()
	}
}

// benchReRender measures rendering an unchanged spec again.
func benchReRender(b *testing.B, specPath string) {
	b.ReportAllocs()
	dir := b.TempDir()
	out, cache := filepath.Join(dir, "out"), render.NewBuildCache(filepath.Join(dir, "cache"))
	renderTo(b, specPath, out, cache)
	for b.Loop() {
		renderTo(b, specPath, out, cache)
	}
}

// BenchmarkRenderHA measures the first render of blueprints/ha.hcl.
func BenchmarkRenderHA(b *testing.B) { benchFirstRender(b, "blueprints/ha.hcl") }

// BenchmarkReRenderHA measures rendering blueprints/ha.hcl again, unchanged.
func BenchmarkReRenderHA(b *testing.B) { benchReRender(b, "blueprints/ha.hcl") }

// BenchmarkRender500 measures the first render of a 500-machine spec.
func BenchmarkRender500(b *testing.B) { benchFirstRender(b, writeLargeSpec(b, 500)) }

// BenchmarkReRender500 measures rendering the 500-machine spec again.
func BenchmarkReRender500(b *testing.B) { benchReRender(b, writeLargeSpec(b, 500)) }

// BenchmarkRender5000 measures the first render of a 5,000-machine spec.
func BenchmarkRender5000(b *testing.B) { benchFirstRender(b, writeLargeSpec(b, 5000)) }

// BenchmarkReRender5000 measures rendering the 5,000-machine spec again.
func BenchmarkReRender5000(b *testing.B) { benchReRender(b, writeLargeSpec(b, 5000)) }
