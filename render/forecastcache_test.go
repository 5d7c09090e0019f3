package render

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/blueprint-dev/blueprint/state"
)

// TestForecastCache: with a build cache, rendering the same design again
// reads its capacity forecast back instead of making it, and writes the
// same bytes as a render without any cache; a design whose forecast input
// differs (one more worker) is forecast again; an entry that was tampered
// with is not used, and the forecast is made again rather than trusted.
func TestForecastCache(t *testing.T) {
	dir := t.TempDir()
	cache := NewBuildCache(dir)
	p := examplePlan(t, "ha.hcl")
	want, err := Render(p)
	if err != nil {
		t.Fatal(err)
	}
	render := func(what string, wantRun int64) Tree {
		t.Helper()
		before := forecastsRun.Load()
		tree, err := RenderWith(examplePlan(t, "ha.hcl"), Options{Builds: cache})
		if err != nil {
			t.Fatal(err)
		}
		if n := forecastsRun.Load() - before; n != wantRun {
			t.Errorf("%s: %d forecasts made, want %d", what, n, wantRun)
		}
		return tree
	}
	render("cold cache", 1)
	for _, what := range []string{"same design", "same design again"} {
		got := render(what, 0)
		for _, f := range []string{"ARCHITECTURE.md", state.FileName} {
			if !bytes.Equal(got[f], want[f]) || len(want[f]) == 0 {
				t.Errorf("%s: %s differs from a render without the cache", what, f)
			}
		}
		if len(got) != len(want) {
			t.Errorf("%s: %d files, want %d", what, len(got), len(want))
		}
	}

	// The forecast's entry is the one not written by a kustomize build.
	var entry string
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		b, _ := os.ReadFile(filepath.Join(dir, e.Name()))
		if !bytes.Contains(b, []byte("apiVersion")) && isCacheKey(e.Name()) && len(b) > 1000 {
			if entry != "" {
				t.Fatalf("two entries look like forecasts: %s and %s", entry, e.Name())
			}
			entry = e.Name()
		}
	}
	if entry == "" {
		t.Fatal("no forecast entry in the cache")
	}
	// Tampering: a byte of the saved forecast changed, with the entry's
	// own checksum left as it was, fails lookup; one with its checksum
	// redone fails Restore or gives a forecast of the same input (the
	// cache trusts its folder as far as the user's account).
	b, _ := os.ReadFile(filepath.Join(dir, entry))
	b[len(b)-10] ^= 0xff
	if err := os.WriteFile(filepath.Join(dir, entry), b, 0o600); err != nil {
		t.Fatal(err)
	}
	if got := render("tampered entry", 1); !bytes.Equal(got["ARCHITECTURE.md"], want["ARCHITECTURE.md"]) {
		t.Error("a tampered entry changed ARCHITECTURE.md")
	}
	render("entry written again", 0)

	// Another input: one more worker.
	p2 := examplePlan(t, "ha.hcl")
	p2.Workers = p2.Workers[:len(p2.Workers)-1]
	before := forecastsRun.Load()
	if _, err := RenderWith(p2, Options{Builds: cache}); err != nil && !strings.Contains(err.Error(), "forecast") {
		t.Fatal(err)
	}
	if forecastsRun.Load()-before != 1 {
		t.Error("a design with a worker less was not forecast again")
	}
}
