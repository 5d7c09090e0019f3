package pipeline_test

import (
	"bytes"
	"flag"
	"io/fs"
	"path/filepath"
	"testing"

	"github.com/blueprint-dev/blueprint/render"
	"github.com/blueprint-dev/blueprint/state"
)

var update = flag.Bool("update", false, "rewrite out/ from blueprints/")

// TestGolden renders every spec in blueprints/ and compares it byte for byte
// with out/<name>/, which only -update rewrites.
func TestGolden(t *testing.T) {
	all := examples(t)
	for _, fl := range fleets(t) {
		// A fleet's folder holds its members' trees: compared as one.
		all = append(all, example{name: fl.name, path: fl.path, tree: fl.tree})
	}
	for _, ex := range all {
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
		// A file render does not own (left by a revert, or added by hand)
		// is kept by every -update and missed by render.Read: it would
		// land in the GitOps repository with the tree.
		for _, p := range unownedFiles(t, dir) {
			if _, ok := ex.tree[p]; !ok {
				t.Errorf("%s/%s is in the folder, yet not rendered from %s nor owned by render: remove it", dir, p, ex.path)
			}
		}
	}
}

// unownedFiles lists the files under dir (relative, slash-separated) other
// than render's own lists of what it owns and the state files.
func unownedFiles(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(dir, path)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		// A fleet's member folders hold their own.
		if base := filepath.Base(rel); base != render.ManifestName && base != state.FileName {
			out = append(out, rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
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
	firstFleets, secondFleets := fleets(t), fleets(t)
	for i := range firstFleets {
		if !render.Equal(firstFleets[i].tree, secondFleets[i].tree) {
			t.Errorf("%s renders differently on a second run", firstFleets[i].path)
		}
	}
}
