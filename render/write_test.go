package render_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/blueprint-dev/blueprint/render"
)

func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	files := map[string]string{}
	err := filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		rel, _ := filepath.Rel(dir, p)
		files[rel] = info.Mode().String() + " " + string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func TestWriteReplacesOwnedFilesAndKeepsOthers(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	if err := render.Write(dir, render.Tree{"a.yaml": []byte("1"), "sub/old.yaml": []byte("old"), "run.sh": []byte("#!/bin/sh")}); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "README.md"), []byte("mine"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := render.Write(dir, render.Tree{"a.yaml": []byte("2")}); err != nil {
		t.Fatal(err)
	}
	got := snapshot(t, dir)
	want := map[string]string{
		"a.yaml":            "-rw-r--r-- 2",
		"README.md":         "-rw------- mine",
		render.ManifestName: "-rw-r--r-- a.yaml\n",
	}
	if len(got) != len(want) {
		t.Fatalf("got files %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: got %q, want %q", k, got[k], v)
		}
	}
	siblings, _ := os.ReadDir(filepath.Dir(dir))
	if len(siblings) != 1 {
		t.Errorf("staging folders left behind: %v", siblings)
	}
}

func TestWriteRefusesToOverwriteForeignFiles(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "ARCHITECTURE.md"), []byte("hand written"), 0o644); err != nil {
		t.Fatal(err)
	}
	before := snapshot(t, dir)
	err := render.Write(dir, render.Tree{"ARCHITECTURE.md": []byte("generated"), "b": []byte("x")})
	if err == nil || !strings.Contains(err.Error(), "not written by blueprint") {
		t.Fatalf("want a refusal, got %v", err)
	}
	after := snapshot(t, dir)
	if len(before) != len(after) || after["ARCHITECTURE.md"] != before["ARCHITECTURE.md"] {
		t.Fatalf("folder changed: %v -> %v", before, after)
	}
}

func TestWriteRemovesLeftoversOfInterruptedRuns(t *testing.T) {
	parent := t.TempDir()
	dir := filepath.Join(parent, "out")
	stale := filepath.Join(parent, ".out.blueprint-12345")
	if err := os.MkdirAll(stale, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := render.Write(dir, render.Tree{"a": []byte("1")}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Fatal("stale staging folder survived")
	}
}
