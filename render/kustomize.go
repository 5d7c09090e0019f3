package render

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"path"
	"sort"
	"strings"
	"sync"

	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/kustomize/kyaml/openapi"
	"sigs.k8s.io/yaml"

	"github.com/blueprint-dev/blueprint/forecast"
	"github.com/blueprint-dev/blueprint/internal/kustomizeguard"
	"github.com/blueprint-dev/blueprint/internal/parallel"
	"github.com/blueprint-dev/blueprint/plan"
)

// kustomizationFile names the file that makes a folder a kustomization.
const kustomizationFile = "kustomization.yaml"

// buildKustomizations builds every kustomization of the tree in memory with
// kustomize's own library, so a tree that does not build is never written.
// With opts.Flatten it adds flat/NN-name.yaml for each leaf component.
// It returns the built YAML of each leaf component (and of gitops/), which
// the state file records, and the objects of each leaf component of
// manifests/ in install order, which the capacity forecast reads.
func buildKustomizations(t Tree, order []plan.Component, opts Options) (map[string][]byte, []forecast.Built, error) {
	dirs := KustomizationDirs(t)
	if len(dirs) == 0 {
		return nil, nil, nil
	}
	// Building is the check; turning the result into YAML costs as much
	// again, so without --flatten only the leaves (and gitops/) are turned:
	// the state needs their objects, each once. The forecast reads the
	// objects it needs of each leaf.
	leaves := flattenOrder(dirs, order)
	want := map[string]bool{}
	for _, d := range leaves {
		want[d] = true
	}
	wantYAML := func(dir string) bool { return opts.Flatten || want[dir] || dir == "gitops" }
	built, objects, _, err := buildEachWith(t, dirs, wantYAML, func(dir string) bool { return want[dir] }, opts.Builds)
	if err != nil {
		return nil, nil, err
	}
	out := make([]forecast.Built, len(leaves))
	for i, dir := range leaves {
		out[i] = forecast.Built{Dir: dir, Objects: objects[dir]}
		if opts.Flatten {
			name := strings.ReplaceAll(strings.TrimPrefix(dir, "manifests/"), "/", "-")
			t[fmt.Sprintf("flat/%02d-%s.yaml", i, name)] = built[dir]
		}
	}
	return built, out, nil
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
	built, _, err := buildEach(t, dirs, allDirs, nil)
	return built, err
}

// allDirs and noDirs ask buildEach for the YAML of every folder, or none.
func allDirs(string) bool { return true }
func noDirs(string) bool  { return false }

// buildStats counts what buildEach did.
type buildStats struct {
	built, cached int
}

// buildJob is one folder to build and what came of it.
type buildJob struct {
	dir     string
	files   []string // every path of the tree below dir, sorted
	key     string   // its name in the cache, if there is one
	yaml    []byte
	objects []byte // with wantObjects: the objects the forecast reads, as a JSON array
	err     error
}

// buildEach builds each folder, independent folders side by side, and
// skips a folder whose exact files the cache says built before. Each
// folder is built over a file system holding only its own files, so
// the files the cache key covers are all the build can read. With
// the folders wantYAML names it returns the built YAML by folder.
func buildEach(t Tree, dirs []string, wantYAML func(dir string) bool, cache *BuildCache) (map[string][]byte, buildStats, error) {
	yaml, _, stats, err := buildEachWith(t, dirs, wantYAML, noDirs, cache)
	return yaml, stats, err
}

// buildEachWith is buildEach that also returns, for the folders
// wantObjects names, the built objects the capacity forecast reads (its
// kinds only, as JSON: far cheaper than printing the whole build as YAML,
// which its ConfigMaps dominate). The cache keeps them in an entry of
// their own.
func buildEachWith(t Tree, dirs []string, wantYAML, wantObjects func(dir string) bool, cache *BuildCache) (map[string][]byte, map[string][]byte, buildStats, error) {
	var stats buildStats
	paths := t.Paths()
	jobs := make([]buildJob, len(dirs))
	for i, dir := range dirs {
		jobs[i] = buildJob{dir: dir, files: below(paths, dir)}
	}
	// Nothing is built, nor taken from the cache, before every
	// kustomization file is known to stay local.
	if err := kustomizeguard.Check(t); err != nil {
		return nil, nil, stats, err
	}
	var todo []*buildJob
	for i := range jobs {
		j := &jobs[i]
		if cache != nil {
			j.key = cache.cacheKey(t, j.dir, j.files)
			y, ok := cache.lookup(j.key, wantYAML(j.dir))
			if ok && wantObjects(j.dir) {
				j.objects, ok = cache.lookup(objectsKey(j.key), true)
			}
			if ok {
				j.yaml = y
				stats.cached++
				continue
			}
		}
		todo = append(todo, j)
	}
	// The largest first, so that no core is left with it at the end.
	sort.SliceStable(todo, func(a, b int) bool { return len(todo[a].files) > len(todo[b].files) })
	if len(todo) > 1 && needsSchema(t, todo) {
		warmSchema()
	}
	parallel.Do(len(todo), func(i int) { todo[i].build(t, wantYAML(todo[i].dir), wantObjects(todo[i].dir)) })
	stats.built = len(todo)

	if cache != nil {
		for _, j := range todo {
			if j.err == nil {
				cache.store(j.key, j.yaml)
				if j.objects != nil {
					cache.store(objectsKey(j.key), j.objects)
				}
			}
		}
	}
	out, objects := map[string][]byte{}, map[string][]byte{}
	for i := range jobs {
		j := &jobs[i]
		if j.err != nil {
			return nil, nil, stats, fmt.Errorf("kustomize build %s: %w", j.dir, j.err)
		}
		if wantYAML(j.dir) {
			out[j.dir] = j.yaml
		}
		if wantObjects(j.dir) {
			objects[j.dir] = j.objects
		}
	}
	return out, objects, stats, nil
}

// objectsKey names the cache entry of a build's forecast objects.
func objectsKey(key string) string {
	h := sha256.Sum256([]byte(key + "\nforecast objects\n"))
	return hex.EncodeToString(h[:])
}

// below returns the paths (sorted) inside dir.
func below(sorted []string, dir string) []string {
	prefix := dir + "/"
	i := sort.SearchStrings(sorted, prefix)
	j := i
	for j < len(sorted) && strings.HasPrefix(sorted[j], prefix) {
		j++
	}
	return sorted[i:j]
}

// build runs kustomize on the job's folder.
func (j *buildJob) build(t Tree, wantYAML, wantObjects bool) {
	fs := filesys.MakeFsInMemory()
	for _, p := range j.files {
		if err := fs.WriteFile("/"+p, t[p]); err != nil {
			j.err = fmt.Errorf("staging %s: %w", p, err)
			return
		}
	}
	m, err := krusty.MakeKustomizer(kustomizeguard.Options()).Run(fs, "/"+j.dir)
	if err == nil && wantObjects {
		var docs []json.RawMessage
		for _, r := range m.Resources() {
			if !forecast.Reads(r.GetApiVersion(), r.GetKind()) {
				continue
			}
			b, merr := r.MarshalJSON()
			if merr != nil {
				err = merr
				break
			}
			docs = append(docs, b)
		}
		if err == nil {
			j.objects, err = json.Marshal(docs)
		}
	}
	// The YAML after the objects: taken first, it changed the objects the
	// forecast read (e2e TestCapacity, design i06, failed that way).
	if err == nil && wantYAML {
		j.yaml, err = m.AsYaml()
		if j.yaml == nil {
			j.yaml = []byte{} // built, to nothing: the cache keeps that apart from "no YAML kept"
		}
	}
	j.err = err
}

// kyaml keeps the Kubernetes OpenAPI schema in a process-wide variable that
// it fills on first use, and reads its namespace-scope table without the
// lock that filling takes: a build that fills it races with builds beside
// it. The fields below never fill it (the race test builds every example
// side by side); a kustomization with any other field (patches, replicas,
// …) has the schema filled once before the builds start.
var schemaFreeFields = map[string]bool{
	"apiVersion": true, "kind": true, "resources": true, "namespace": true,
	"labels": true, "commonLabels": true, "configMapGenerator": true, "generatorOptions": true,
}

// needsSchema reports whether a kustomization of the jobs uses a field
// outside schemaFreeFields (or cannot be read, to be safe).
func needsSchema(t Tree, jobs []*buildJob) bool {
	for _, j := range jobs {
		for _, p := range j.files {
			if path.Base(p) != kustomizationFile {
				continue
			}
			var fields map[string]json.RawMessage
			if yaml.Unmarshal(t[p], &fields) != nil {
				return true
			}
			for f := range fields {
				if !schemaFreeFields[f] {
					return true
				}
			}
		}
	}
	return false
}

// warmSchema fills kyaml's schema once per process.
var warmSchema = sync.OnceFunc(func() { openapi.Schema() })

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
