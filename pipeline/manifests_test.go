package pipeline_test

import (
	"bytes"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/blueprint-dev/blueprint/internal/manifest"
	"github.com/blueprint-dev/blueprint/render"
)

// builtManifests builds every kustomization of an example's tree.
func builtManifests(t *testing.T, ex example) map[string][]byte {
	t.Helper()
	dirs := render.KustomizationDirs(ex.tree)
	built, err := render.BuildKustomizations(ex.tree, dirs)
	if err != nil {
		t.Fatalf("%s: %v", ex.name, err)
	}
	return built
}

// rootObjects strict-decodes everything the root kustomization builds.
func rootObjects(t *testing.T, ex example) []manifest.Object {
	t.Helper()
	built := builtManifests(t, ex)
	root, ok := built["manifests"]
	if !ok {
		t.Fatalf("%s: no manifests/kustomization.yaml", ex.name)
	}
	objs, err := manifest.Decode(root)
	if err != nil {
		t.Fatalf("%s: manifests/ does not strict-decode into k8s.io/api types: %v", ex.name, err)
	}
	return objs
}

// TestManifestsStrictDecode builds every kustomization of every example
// and decodes each object strictly into its k8s.io/api type: an unknown or
// misspelled field, or a kind the API does not serve, fails.
func TestManifestsStrictDecode(t *testing.T) {
	for _, ex := range examples(t) {
		t.Run(ex.name, func(t *testing.T) {
			built := builtManifests(t, ex)
			if len(built) == 0 {
				t.Fatalf("%s renders no manifests tree; every example turns cluster services on", ex.name)
			}
			for dir, y := range built {
				if strings.HasPrefix(dir, "gitops") {
					continue // Argo CD and Flux kinds are not in k8s.io/api; TestGitOps checks them
				}
				objs, err := manifest.Decode(y)
				if err != nil {
					t.Errorf("%s: %v", dir, err)
				}
				if len(objs) == 0 {
					t.Errorf("%s builds to nothing", dir)
				}
			}
		})
	}
}

// TestManifestsKubectlKustomize builds the written tree with kubectl's own
// kustomize as a second opinion, and expects the same objects.
func TestManifestsKubectlKustomize(t *testing.T) {
	kubectl := tool(t, "kubectl")
	for _, ex := range examples(t) {
		dir := t.TempDir()
		if err := render.Write(dir, ex.tree); err != nil {
			t.Fatal(err)
		}
		built := builtManifests(t, ex)
		for d, want := range built {
			out, err := exec.Command(kubectl, "kustomize", filepath.Join(dir, d)).CombinedOutput()
			if err != nil {
				t.Errorf("%s: kubectl kustomize %s: %v\n%s", ex.name, d, err, out)
				continue
			}
			if got, exp := bytes.Count(out, []byte("\nkind: ")), bytes.Count(want, []byte("\nkind: ")); got != exp {
				t.Errorf("%s: kubectl kustomize %s built %d objects, kustomize/api %d", ex.name, d, got, exp)
			}
		}
	}
}

// TestManifestsHardening checks what every workload must have: requests and
// limits, non-root, no privilege escalation, pinned images, and spread and
// anti-affinity selectors that select the workload's own pods.
func TestManifestsHardening(t *testing.T) {
	for _, ex := range examples(t) {
		for _, o := range rootObjects(t, ex) {
			if o.GVK.Kind == "Secret" {
				t.Errorf("%s: %s: the output must never contain a Secret", ex.name, o)
			}
			tmpl, replicas := manifest.PodTemplate(o.Object)
			if tmpl == nil {
				continue
			}
			checkPod(t, ex.name+": "+o.String(), tmpl, replicas)
		}
	}
}
