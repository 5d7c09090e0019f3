package render_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/blueprint-dev/blueprint/render"
)

// benchTree is shaped like the rendering of a 5,000-machine spec: a
// kubeadm config of about 2 KB per machine in a folder per pool, and a few
// hundred manifests.
func benchTree(machines int) render.Tree {
	t := render.Tree{}
	body := strings.Repeat("apiVersion: kubeadm.k8s.io/v1beta4\nkind: JoinConfiguration\n", 20)
	for i := range machines {
		t[fmt.Sprintf("kubeadm/join-worker/pool%02d/worker%05d.yaml", i%30, i)] = []byte(fmt.Sprintf("# worker %d\n%s", i, body))
	}
	for i := range 300 {
		t[fmt.Sprintf("manifests/component%02d/object%03d.yaml", i%40, i)] = []byte(body)
	}
	return t
}

// BenchmarkWrite measures the writer alone on a 5,300-file tree: a first
// write into a new folder, a write of the same tree again, and a write in
// which one file changed. The folder is under $TMPDIR: run it with
// TMPDIR=/dev/shm to leave out the disk.
func BenchmarkWrite(b *testing.B) {
	tree := benchTree(5000)
	b.Run("first", func(b *testing.B) {
		parent := b.TempDir()
		for i := 0; i < b.N; i++ {
			dir := filepath.Join(parent, fmt.Sprint(i))
			if err := render.Write(dir, tree); err != nil {
				b.Fatal(err)
			}
			b.StopTimer()
			if err := os.RemoveAll(dir); err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
		}
	})
	b.Run("unchanged", func(b *testing.B) {
		dir := filepath.Join(b.TempDir(), "out")
		if err := render.Write(dir, tree); err != nil {
			b.Fatal(err)
		}
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			if err := render.Write(dir, tree); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("one-changed", func(b *testing.B) {
		dir := filepath.Join(b.TempDir(), "out")
		if err := render.Write(dir, tree); err != nil {
			b.Fatal(err)
		}
		changed := render.Tree{}
		for p, v := range tree {
			changed[p] = v
		}
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			changed["manifests/component00/object000.yaml"] = []byte(fmt.Sprint(i))
			if err := render.Write(dir, changed); err != nil {
				b.Fatal(err)
			}
		}
	})
}
