package state

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestKubeletArgsHashParsesTheBlockAsTheWholeFile: for every node file of
// every committed example rendering (out/), hashing the nodeRegistration
// block alone gives what parsing the whole file gives, and the block is
// found in each (the fast path is taken, not only the fallback).
func TestKubeletArgsHashParsesTheBlockAsTheWholeFile(t *testing.T) {
	var paths []string
	for _, pattern := range []string{"../out/*/kubeadm/*/*.yaml", "../out/*/clusters/*/kubeadm/*/*.yaml"} {
		m, _ := filepath.Glob(pattern)
		paths = append(paths, m...)
	}
	nodes := 0
	for _, path := range paths {
		if strings.Contains(path, "/kubelet-patches/") || strings.Contains(path, "/patches/") {
			continue
		}
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		files := map[string][]byte{path: data}
		whole, err := kubeletArgsHashWhole(files, path)
		if err != nil {
			t.Fatal(err)
		}
		got, err := kubeletArgsHash(files, path)
		if err != nil {
			t.Fatal(err)
		}
		if got != whole {
			t.Errorf("%s: the block hashes to %s, the whole file to %s", path, got, whole)
		}
		_, found := nodeRegistrationBlock(data)
		if hasNode := whole != hashJSON(nil); found != hasNode {
			t.Errorf("%s: block found %v, but the file has a node registration: %v", path, found, hasNode)
		}
		if found {
			nodes++
		}
	}
	if nodes < 50 {
		t.Fatalf("only %d node files under out/: the globs are wrong", nodes)
	}
}

// A block that cannot be told apart falls back to the whole file.
func TestNodeRegistrationBlockRefusesWhatItCannotTell(t *testing.T) {
	for name, data := range map[string]string{
		"none":       "apiVersion: v1\nkind: ConfigMap\n",
		"two":        "kind: JoinConfiguration\nnodeRegistration:\n  name: a\n---\nkind: JoinConfiguration\nnodeRegistration:\n  name: b\n",
		"other kind": "kind: InitConfiguration\n---\nkind: Other\nnodeRegistration:\n  name: a\n",
		"nested":     "# c\nkind: JoinConfiguration\nspec:\n  nodeRegistration:\n    name: a\n",
	} {
		if _, ok := nodeRegistrationBlock([]byte(data)); ok {
			t.Errorf("%s: a block was taken", name)
		}
	}
}
