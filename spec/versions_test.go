package spec_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"

	"github.com/blueprint-dev/blueprint/spec"
	"github.com/blueprint-dev/blueprint/validate"
)

// TestVersionTable checks the table against what the project itself pins:
// every supported minor has an entry, and the releases the examples use and
// the validators are built at are known to it.
func TestVersionTable(t *testing.T) {
	for minor := validate.MinMinor; minor <= validate.MaxMinor; minor++ {
		if _, ok := spec.NewestPatch(minor); !ok {
			t.Errorf("Kubernetes 1.%d is supported but has no entry in the patch table", minor)
		}
	}
	if p, ok := spec.NewestPatch(37); !ok || p != 2 {
		t.Errorf("NewestPatch(37) = %d, %v; the table says 1.37.2", p, ok)
	}
	if spec.KnownRelease(37, 99) || spec.KnownRelease(32, 0) || !spec.KnownRelease(37, 0) || spec.KnownRelease(37, -1) {
		t.Error("KnownRelease disagrees with the table")
	}

	pinned := map[string]string{}
	paths, _ := filepath.Glob("../blueprints/*.hcl")
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range regexp.MustCompile(`kubernetes_version\s*=\s*"([^"]+)"`).FindAllStringSubmatch(string(b), -1) {
			pinned[m[1]] = p
		}
	}
	b, err := os.ReadFile("../tools/k8s/go.mod")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`k8s\.io/kubernetes (v[0-9.]+)`).FindStringSubmatch(string(b))
	if m == nil {
		t.Fatal("tools/k8s/go.mod requires no k8s.io/kubernetes")
	}
	pinned[m[1]] = "tools/k8s/go.mod"
	if len(pinned) < 2 {
		t.Fatalf("found only %v", pinned)
	}
	for v, where := range pinned {
		minor, patch, ok := validate.ParseVersion(v)
		if !ok || !spec.KnownRelease(minor, patch) {
			newest, _ := spec.NewestPatch(minor)
			t.Errorf("%s pins Kubernetes %s, which the patch table does not know (newest 1.%d patch: %s)", where, v, minor, strconv.Itoa(newest))
		}
	}
}
