package cli_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/blueprint-dev/blueprint/cli"
	"github.com/blueprint-dev/blueprint/render"
)

// changeTimes lists the files of a folder, to compare inode and mtime
// after a later run: a rewritten or replaced entry differs in one of them.
func changeTimes(t *testing.T, dir string) map[string]os.FileInfo {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	infos := map[string]os.FileInfo{}
	for _, e := range entries {
		info, err := e.Info()
		if err != nil {
			t.Fatal(err)
		}
		infos[e.Name()] = info
	}
	return infos
}

// render and diff keep a build cache where BLUEPRINT_CACHE says, and a
// second render of the same spec only reads it: every component is
// found there, so no entry is written again.
func TestRenderUsesTheBuildCache(t *testing.T) {
	cache := filepath.Join(t.TempDir(), "cache")
	t.Setenv(render.CacheEnv, cache)
	out := filepath.Join(t.TempDir(), "out")
	if code, _, errs := runCLI("render", "../blueprints/ha.hcl", "-o", out); code != cli.ExitOK {
		t.Fatalf("render: %d %s", code, errs)
	}
	first := changeTimes(t, cache)
	if len(first) == 0 {
		t.Fatalf("render wrote no build cache into %s", cache)
	}
	for _, args := range [][]string{
		{"render", "../blueprints/ha.hcl", "-o", out},
		{"diff", "../blueprints/ha.hcl", "-o", out},
	} {
		if code, _, errs := runCLI(args...); code != cli.ExitOK {
			t.Fatalf("%s: %d %s", args[0], code, errs)
		}
		again := changeTimes(t, cache)
		if len(again) != len(first) {
			t.Fatalf("%s of the unchanged spec changed the cache from %d to %d entries", args[0], len(first), len(again))
		}
		for name, info := range first {
			if !os.SameFile(info, again[name]) || !info.ModTime().Equal(again[name].ModTime()) {
				t.Errorf("%s of the unchanged spec rewrote cache entry %s", args[0], name)
			}
		}
	}

	t.Setenv(render.CacheEnv, "off")
	off := filepath.Join(t.TempDir(), "out")
	if code, _, errs := runCLI("render", "../blueprints/ha.hcl", "-o", off); code != cli.ExitOK {
		t.Fatalf("render with the cache off: %d %s", code, errs)
	}
	if len(changeTimes(t, cache)) != len(first) {
		t.Error("BLUEPRINT_CACHE=off still wrote to the cache")
	}
}
