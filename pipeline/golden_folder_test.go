package pipeline_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/blueprint-dev/blueprint/internal/operatorcrds"
	"github.com/blueprint-dev/blueprint/render"
	"github.com/blueprint-dev/blueprint/spec"
)

// goldenFolder compares the files of a rendering with a golden folder,
// which only -update rewrites (test names the test to re-run).
func goldenFolder(t *testing.T, tree render.Tree, files []string, golden, source, test string) {
	t.Helper()
	if *update {
		if err := os.RemoveAll(golden); err != nil {
			t.Fatal(err)
		}
		for _, p := range files {
			dst := filepath.Join(golden, filepath.FromSlash(p))
			if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(dst, tree[p], 0o644); err != nil {
				t.Fatal(err)
			}
		}
		return
	}
	var onDisk []string
	err := filepath.WalkDir(golden, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(golden, p)
		onDisk = append(onDisk, filepath.ToSlash(rel))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(onDisk)
	files = slices.Sorted(slices.Values(files))
	if !slices.Equal(onDisk, files) {
		t.Errorf("%s holds %v, the rendering %v; re-run with: go test ./pipeline -run %s -update", golden, onDisk, files, test)
	}
	for _, p := range files {
		got, _ := os.ReadFile(filepath.Join(golden, filepath.FromSlash(p)))
		if !bytes.Equal(got, tree[p]) {
			t.Errorf("%s differs from the rendering of %s; re-run with: go test ./pipeline -run %s -update", p, source, test)
		}
	}
}

// crdsAsReleased checks that an operator's folder carries its CRDs exactly
// as internal/operatorcrds holds them (which checks them against the
// release), listed first in the folder's kustomization.
func crdsAsReleased(t *testing.T, tree render.Tree, dir string, set operatorcrds.Set) {
	t.Helper()
	var k struct{ Resources []string }
	if err := yaml.Unmarshal(tree[dir+"/kustomization.yaml"], &k); err != nil {
		t.Fatal(err)
	}
	for i, f := range set.Names() {
		if got := tree[dir+"/crds/"+f]; !bytes.Equal(got, set.Read(f)) {
			t.Errorf("%s/crds/%s is not the embedded copy of the release's file", dir, f)
		}
		if i >= len(k.Resources) || k.Resources[i] != "crds/"+f {
			t.Errorf("the kustomization's resources %v do not start with the CRDs in order", k.Resources)
		}
	}
}

// operatorGoldenFiles are the files of an operator engine that its golden
// holds: the workload's folder and the operator's but the CRDs (which
// crdsAsReleased compares with the release), and images.txt.
func operatorGoldenFiles(tree render.Tree, workload, operator string) []string {
	var out []string
	for _, p := range tree.Paths() {
		if (strings.HasPrefix(p, workload+"/") || strings.HasPrefix(p, operator+"/")) && !strings.HasPrefix(p, operator+"/crds/") || p == "images.txt" {
			out = append(out, p)
		}
	}
	return out
}

// writeImagesLock writes dir/images.lock with a made-up digest for every
// default image and control-plane image, and returns the defaults' by name.
func writeImagesLock(t *testing.T, dir string) map[string]string {
	t.Helper()
	var lock strings.Builder
	digest := map[string]string{}
	for _, name := range slices.Sorted(maps.Keys(spec.DefaultImages)) {
		ref := spec.DefaultImages[name]
		sum := sha256.Sum256([]byte(ref))
		digest[name] = "sha256:" + hex.EncodeToString(sum[:])
		fmt.Fprintf(&lock, "%s %s\n", ref, digest[name])
	}
	cp, _ := spec.ControlPlaneImages(37, 2, spec.DefaultImageRepository)
	for _, im := range cp {
		sum := sha256.Sum256([]byte(im.Ref))
		fmt.Fprintf(&lock, "%s sha256:%s\n", im.Ref, hex.EncodeToString(sum[:]))
	}
	if err := os.WriteFile(filepath.Join(dir, "images.lock"), []byte(lock.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return digest
}

// lockedSpec copies a spec into a temporary folder with an images block
// naming a lock file writeImagesLock writes beside it: the copy's path and
// the default images' digests.
func lockedSpec(t *testing.T, path string) (string, map[string]string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	digest := writeImagesLock(t, dir)
	src := string(b) + "\nimages {\n  lock_file = \"images.lock\"\n}\n"
	if err := os.WriteFile(filepath.Join(dir, "spec.hcl"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	return filepath.Join(dir, "spec.hcl"), digest
}
