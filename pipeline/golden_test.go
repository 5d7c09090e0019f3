package pipeline_test

import (
	"bytes"
	"flag"
	"path/filepath"
	"testing"

	"github.com/blueprint-dev/blueprint/render"
)

var update = flag.Bool("update", false, "rewrite out/ from blueprints/")

// TestGolden renders every spec in blueprints/ and compares it byte for byte
// with out/<name>/, which only -update rewrites.
func TestGolden(t *testing.T) {
	for _, ex := range examples(t) {
		dir := filepath.Join("out", ex.name)
		if *update {
			if err := render.Write(dir, ex.tree); err != nil {
				t.Fatal(err)
			}
			continue
		}
		got, err := render.Read(dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range ex.tree.Paths() {
			if !bytes.Equal(got[p], ex.tree[p]) {
				t.Errorf("%s/%s differs from the rendering of %s; re-run with: go test ./pipeline -run TestGolden -update", dir, p, ex.path)
			}
		}
		for p := range got {
			if _, ok := ex.tree[p]; !ok {
				t.Errorf("%s/%s is no longer rendered; re-run with -update", dir, p)
			}
		}
	}
}

// TestDeterministic renders each example twice: the bytes must not change.
func TestDeterministic(t *testing.T) {
	first := examples(t)
	second := examples(t)
	for i := range first {
		if !render.Equal(first[i].tree, second[i].tree) {
			t.Errorf("%s renders differently on a second run", first[i].path)
		}
	}
}
