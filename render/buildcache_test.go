//go:build unix

package render

import (
	"bytes"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/blueprint-dev/blueprint/plan"
	"github.com/blueprint-dev/blueprint/spec"
	"github.com/blueprint-dev/blueprint/validate"
)

// examplePlan loads, validates and plans a spec of blueprints/.
func examplePlan(t *testing.T, name string) *plan.Plan {
	t.Helper()
	s, diags := spec.NewLoader().Load(filepath.Join("..", "blueprints", name), spec.Options{})
	if diags = validate.Check(s, diags); diags.HasErrors() {
		t.Fatal(diags)
	}
	return plan.Build(s)
}

// exampleTree renders a spec of blueprints/ without building it.
func exampleTree(t *testing.T, name string) Tree {
	t.Helper()
	p := examplePlan(t, name)
	r := &renderer{tree: Tree{}}
	r.manifests(p)
	if r.err != nil {
		t.Fatal(r.err)
	}
	return r.tree
}

func exampleNames(t *testing.T) []string {
	t.Helper()
	paths, _ := filepath.Glob(filepath.Join("..", "blueprints", "*.hcl"))
	if len(paths) == 0 {
		t.Fatal("no specs in blueprints/")
	}
	var names []string
	for _, p := range paths {
		// A fleet's members render as single clusters do; the pipeline
		// tests cover them.
		if _, f, _ := spec.NewLoader().LoadAny(p, spec.Options{}); f != nil {
			continue
		}
		names = append(names, filepath.Base(p))
	}
	return names
}

func TestBuildCacheBuildsOnlyChangedComponents(t *testing.T) {
	tree := exampleTree(t, "ha.hcl")
	dirs := KustomizationDirs(tree)
	cache := NewBuildCache(t.TempDir())

	_, stats, err := buildEach(tree, dirs, noDirs, cache)
	if err != nil {
		t.Fatal(err)
	}
	if stats != (buildStats{built: len(dirs)}) {
		t.Fatalf("cold cache: %+v, want all %d built", stats, len(dirs))
	}
	_, stats, err = buildEach(tree, dirs, noDirs, cache)
	if err != nil {
		t.Fatal(err)
	}
	if stats != (buildStats{cached: len(dirs)}) {
		t.Fatalf("unchanged tree: %+v, want all %d from the cache", stats, len(dirs))
	}

	// A change inside one component rebuilds it and every folder that
	// holds it (manifests/ and manifests/rbac/), nothing else.
	changed := maps.Clone(tree)
	changed["manifests/rbac/extra.yaml"] = []byte("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: extra\n  namespace: default\n")
	k := changed["manifests/rbac/kustomization.yaml"]
	changed["manifests/rbac/kustomization.yaml"] = append(slices.Clip(k), []byte("- extra.yaml\n")...)
	if !bytes.HasSuffix(k, []byte("\n")) || !bytes.Contains(k, []byte("resources:")) {
		t.Fatalf("manifests/rbac/kustomization.yaml does not end in its resources list:\n%s", k)
	}
	built, stats, err := buildEach(changed, dirs, allDirs, cache)
	if err != nil {
		t.Fatal(err)
	}
	if stats != (buildStats{built: len(dirs), cached: 0}) {
		// YAML was not kept by the check-only builds: every folder builds.
		t.Fatalf("first build with YAML: %+v", stats)
	}
	if !bytes.Contains(built["manifests"], []byte("name: extra")) {
		t.Fatal("the root build does not hold the added object")
	}
	changed["manifests/rbac/extra.yaml"] = []byte(strings.Replace(string(changed["manifests/rbac/extra.yaml"]), "extra", "other", 1))
	_, stats, err = buildEach(changed, dirs, allDirs, cache)
	if err != nil {
		t.Fatal(err)
	}
	if stats != (buildStats{built: 2, cached: len(dirs) - 2}) {
		t.Fatalf("one changed component: %+v, want manifests and manifests/rbac built, %d cached", stats, len(dirs)-2)
	}
}

// A cache full of entries for the tree as it was must not let a broken
// tree through: the broken input has another key.
func TestBuildCacheNeverPassesATreeThatDoesNotBuild(t *testing.T) {
	tree := exampleTree(t, "ha.hcl")
	dirs := KustomizationDirs(tree)
	cache := NewBuildCache(t.TempDir())
	if _, _, err := buildEach(tree, dirs, noDirs, cache); err != nil {
		t.Fatal(err)
	}
	broken := maps.Clone(tree)
	k := broken["manifests/rbac/kustomization.yaml"]
	broken["manifests/rbac/kustomization.yaml"] = append(slices.Clip(k), []byte("- missing.yaml\n")...)
	_, _, err := buildEach(broken, dirs, noDirs, cache)
	if err == nil || !strings.Contains(err.Error(), "kustomize build manifests") {
		t.Fatalf("a component that does not build passed with a warm cache: %v", err)
	}
	// The failure is reported for the first folder in name order, however
	// the parallel builds finished.
	if !strings.HasPrefix(err.Error(), "kustomize build manifests:") {
		t.Errorf("want the error of manifests/ first, got %v", err)
	}
	// Neither broken folder was recorded as built: it fails again.
	if _, stats, err := buildEach(broken, dirs, noDirs, cache); err == nil || stats.built != 2 {
		t.Fatalf("second run over the broken tree: %+v, %v; want manifests and manifests/rbac built and failing", stats, err)
	}
}

func TestBuildCacheRefusesBadEntries(t *testing.T) {
	tree := exampleTree(t, "ha.hcl")
	dirs := []string{"manifests/rbac"}
	dir := t.TempDir()
	cache := NewBuildCache(dir)
	built, _, err := buildEach(tree, dirs, allDirs, cache)
	if err != nil {
		t.Fatal(err)
	}
	key := cache.cacheKey(tree, dirs[0], below(tree.Paths(), dirs[0]))
	entry := filepath.Join(dir, key)
	good, err := os.ReadFile(entry)
	if err != nil {
		t.Fatal(err)
	}
	if y, ok := cache.lookup(key, true); !ok || !bytes.Equal(y, built[dirs[0]]) {
		t.Fatal("a fresh entry is not read back")
	}
	elsewhere := filepath.Join(t.TempDir(), "entry")
	if err := os.WriteFile(elsewhere, good, 0o600); err != nil {
		t.Fatal(err)
	}
	forgedYAML := bytes.Replace(good, []byte("kind: Role"), []byte("kind: Rolf"), 1)
	cases := []struct {
		name string
		make func() error
	}{
		{"truncated", func() error { return os.WriteFile(entry, good[:len(good)/2], 0o600) }},
		{"empty", func() error { return os.WriteFile(entry, nil, 0o600) }},
		{"YAML edited", func() error { return os.WriteFile(entry, forgedYAML, 0o600) }},
		{"another input's entry", func() error {
			return os.WriteFile(entry, bytes.Replace(good, []byte(key), []byte(strings.Repeat("0", len(key))), 1), 0o600)
		}},
		{"no YAML", func() error {
			return os.WriteFile(entry, []byte(cacheMagic+"\ninput "+key+"\nyaml none\n\n"), 0o600)
		}},
		{"symlink to a good entry", func() error { return os.Symlink(elsewhere, entry) }},
		{"FIFO", func() error { return syscall.Mkfifo(entry, 0o600) }},
		{"folder", func() error { return os.Mkdir(entry, 0o700) }},
		{"too large", func() error {
			f, err := os.Create(entry)
			if err != nil {
				return err
			}
			defer f.Close()
			if _, err := f.Write(good); err != nil {
				return err
			}
			return f.Truncate(maxCacheEntry + 1)
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if err := os.RemoveAll(entry); err != nil {
				t.Fatal(err)
			}
			if err := c.make(); err != nil {
				t.Fatal(err)
			}
			if y, ok := cache.lookup(key, true); ok {
				t.Fatalf("a bad entry was accepted (%d bytes of YAML)", len(y))
			}
			again, stats, err := buildEach(tree, dirs, allDirs, cache)
			if err != nil {
				t.Fatal(err)
			}
			if stats.built != 1 || !bytes.Equal(again[dirs[0]], built[dirs[0]]) {
				t.Fatalf("want one fresh build with the same YAML, got %+v", stats)
			}
			if info, err := os.Lstat(entry); c.name != "folder" && (err != nil || !info.Mode().IsRegular()) {
				t.Errorf("the rebuild did not replace the bad entry with a good one: %v", err)
			}
		})
	}
	if b, err := os.ReadFile(elsewhere); err != nil || !bytes.Equal(b, good) {
		t.Error("the symlink's target was changed")
	}
}

// Every example renders to the same bytes with no cache, a cold one and a
// warm one, flat/ included; with the race detector this also checks that
// the parallel builds share nothing they should not.
func TestRenderSameWithAndWithoutCache(t *testing.T) {
	cache := NewBuildCache(t.TempDir())
	for _, name := range exampleNames(t) {
		t.Run(name, func(t *testing.T) {
			p := examplePlan(t, name)
			plain, err := RenderWith(p, Options{Flatten: true})
			if err != nil {
				t.Fatal(err)
			}
			if len(KustomizationDirs(plain)) < 2 {
				t.Fatalf("%s has fewer than two kustomizations; nothing builds in parallel", name)
			}
			for _, round := range []string{"cold", "warm"} {
				cached, err := RenderWith(p, Options{Flatten: true, Builds: cache})
				if err != nil {
					t.Fatal(err)
				}
				if !Equal(plain, cached) {
					t.Fatalf("%s cache: the tree differs from an uncached render", round)
				}
			}
		})
	}
}

// Renders sharing one cache folder at the same time each get the same
// tree, and leave only whole entries behind.
func TestBuildCacheSharedByConcurrentRenders(t *testing.T) {
	p := examplePlan(t, "ha.hcl")
	want, err := RenderWith(p, Options{Flatten: true})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	const renders = 4
	var wg sync.WaitGroup
	errs := make([]error, renders)
	for i := range renders {
		wg.Go(func() {
			got, err := RenderWith(p, Options{Flatten: true, Builds: NewBuildCache(dir)})
			if err == nil && !Equal(got, want) {
				err = os.ErrInvalid
			}
			errs[i] = err
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("render %d: %v", i, err)
		}
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	cache := NewBuildCache(dir)
	for _, e := range entries {
		if !isCacheKey(e.Name()) {
			t.Errorf("left behind: %s", e.Name())
			continue
		}
		if _, ok := cache.lookup(e.Name(), true); !ok {
			t.Errorf("entry %s does not read back", e.Name())
		}
	}
	// One entry per kustomization, one for the forecast's objects of
	// each leaf component, and the capacity forecast.
	dirs := KustomizationDirs(want)
	leaves := flattenOrder(dirs, p.Services.Components())
	if len(entries) != len(dirs)+len(leaves)+1 {
		t.Errorf("%d entries for %d kustomizations, %d leaves and the forecast", len(entries), len(dirs), len(leaves))
	}
}

func TestBuildCacheRemovesOnlyItsOwnOldFiles(t *testing.T) {
	dir := t.TempDir()
	old := time.Now().Add(-cacheMaxAge - time.Hour)
	files := map[string]bool{ // name → removed by the next store
		strings.Repeat("a", 64): true,
		".tmp-123":              true,
		"notes.txt":             false,
		strings.Repeat("A", 64): false,
		strings.Repeat("b", 64): false, // recent
		".tmp-recent":           false,
		strings.Repeat("c", 63): false,
	}
	for name := range files {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
		if name != strings.Repeat("b", 64) && name != ".tmp-recent" {
			if err := os.Chtimes(p, old, old); err != nil {
				t.Fatal(err)
			}
		}
	}
	NewBuildCache(dir).store(strings.Repeat("d", 64), nil)
	for name, removed := range files {
		_, err := os.Lstat(filepath.Join(dir, name))
		if gone := os.IsNotExist(err); gone != removed {
			t.Errorf("%s: removed %v, want %v", name, gone, removed)
		}
	}
}

func TestUserBuildCache(t *testing.T) {
	t.Setenv(CacheEnv, "off")
	if c := UserBuildCache(); c != nil {
		t.Errorf("%s=off: got a cache in %s", CacheEnv, c.Dir())
	}
	dir := t.TempDir()
	t.Setenv(CacheEnv, dir)
	if c := UserBuildCache(); c == nil || c.Dir() != dir {
		t.Errorf("%s=%s: got %v", CacheEnv, dir, c)
	}
	// Unset, the cache lives in the user's cache folder, or nowhere in a
	// binary that cannot say which kustomize it holds: never elsewhere.
	t.Setenv(CacheEnv, "")
	home := t.TempDir()
	t.Setenv("XDG_CACHE_HOME", home)
	t.Setenv("HOME", home)
	if c := UserBuildCache(); c != nil && !strings.HasPrefix(c.Dir(), home) {
		t.Errorf("default cache outside the user's cache folder: %s", c.Dir())
	}
}

// A cache folder that is a symbolic link is neither read nor written: the
// builds run as without a cache.
func TestBuildCacheIgnoresALinkedFolder(t *testing.T) {
	tree := exampleTree(t, "ha.hcl")
	dirs := KustomizationDirs(tree)
	target := t.TempDir()
	link := filepath.Join(t.TempDir(), "cache")
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	// Entries that would answer every lookup, placed in the link's target.
	real := NewBuildCache(target)
	if _, _, err := buildEach(tree, dirs, noDirs, real); err != nil {
		t.Fatal(err)
	}
	// Creating, renaming or removing an entry moves the folder's mtime.
	before, err := os.Stat(target)
	if err != nil {
		t.Fatal(err)
	}
	_, stats, err := buildEach(tree, dirs, noDirs, NewBuildCache(link))
	if err != nil {
		t.Fatal(err)
	}
	if stats.cached != 0 || stats.built != len(dirs) {
		t.Errorf("through a linked cache folder: %+v, want every folder built", stats)
	}
	after, err := os.Stat(target)
	if err != nil {
		t.Fatal(err)
	}
	if !after.ModTime().Equal(before.ModTime()) {
		t.Error("entries were written through the link")
	}
}
