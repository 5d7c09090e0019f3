package render

import (
	"fmt"
	"path"
	"sort"
	"strings"

	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"

	"github.com/blueprint-dev/blueprint/internal/kustomizeguard"
	"github.com/blueprint-dev/blueprint/plan"
)

// kustomizationFile names the file that makes a folder a kustomization.
const kustomizationFile = "kustomization.yaml"

// buildKustomizations builds every kustomization of the tree in memory with
// kustomize's own library, so a tree that does not build is never written.
// With opts.Flatten it adds flat/NN-name.yaml for each leaf component.
func buildKustomizations(t Tree, order []plan.Component, opts Options) error {
	dirs := KustomizationDirs(t)
	if len(dirs) == 0 {
		return nil
	}
	if !opts.Flatten {
		// Building is the check; turning the result into YAML is only
		// needed for flat/, and costs as much again.
		return buildEach(t, dirs, nil)
	}
	built, err := BuildKustomizations(t, dirs)
	if err != nil {
		return err
	}
	for i, dir := range flattenOrder(dirs, order) {
		name := strings.ReplaceAll(strings.TrimPrefix(dir, "manifests/"), "/", "-")
		t[fmt.Sprintf("flat/%02d-%s.yaml", i, name)] = built[dir]
	}
	return nil
}

// KustomizationDirs lists the folders of the tree that hold a
// kustomization.yaml, sorted.
func KustomizationDirs(t Tree) []string {
	var dirs []string
	for _, p := range t.Paths() {
		if path.Base(p) == kustomizationFile {
			dirs = append(dirs, path.Dir(p))
		}
	}
	return dirs
}

// BuildKustomizations runs kustomize on each folder over an in-memory copy
// of the tree and returns the built YAML by folder.
func BuildKustomizations(t Tree, dirs []string) (map[string][]byte, error) {
	out := make(map[string][]byte, len(dirs))
	return out, buildEach(t, dirs, out)
}

// buildEach builds each folder; with out set, it also stores the YAML.
func buildEach(t Tree, dirs []string, out map[string][]byte) error {
	if err := kustomizeguard.Check(t); err != nil {
		return err
	}
	fs := filesys.MakeFsInMemory()
	for _, p := range t.Paths() {
		if err := fs.WriteFile("/"+p, t[p]); err != nil {
			return fmt.Errorf("staging %s for kustomize: %w", p, err)
		}
	}
	k := krusty.MakeKustomizer(kustomizeguard.Options())
	for _, dir := range dirs {
		m, err := k.Run(fs, "/"+dir)
		if err != nil {
			return fmt.Errorf("kustomize build %s: %w", dir, err)
		}
		if out == nil {
			continue
		}
		y, err := m.AsYaml()
		if err != nil {
			return fmt.Errorf("kustomize build %s: %w", dir, err)
		}
		out[dir] = y
	}
	return nil
}

// flattenOrder picks the leaf components of the manifests tree (folders no
// other kustomization folder lies inside) in the root kustomization's
// install order, so that flat/ applied in name order creates namespaces first.
func flattenOrder(dirs []string, order []plan.Component) []string {
	var leaves []string
	for _, d := range dirs {
		if !strings.HasPrefix(d, "manifests/") {
			continue
		}
		leaf := true
		for _, other := range dirs {
			if strings.HasPrefix(other, d+"/") {
				leaf = false
				break
			}
		}
		if leaf {
			leaves = append(leaves, d)
		}
	}
	rank := map[string]int{}
	for i, c := range order {
		rank[c.Dir] = i
	}
	sort.SliceStable(leaves, func(i, j int) bool {
		a := strings.SplitN(strings.TrimPrefix(leaves[i], "manifests/"), "/", 2)[0]
		b := strings.SplitN(strings.TrimPrefix(leaves[j], "manifests/"), "/", 2)[0]
		if rank[a] != rank[b] {
			return rank[a] < rank[b]
		}
		return leaves[i] < leaves[j]
	})
	return leaves
}
