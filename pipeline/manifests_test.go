package pipeline_test

import (
	"bytes"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"

	"github.com/blueprint-dev/blueprint/internal/manifest"
	"github.com/blueprint-dev/blueprint/plan"
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
// anti-affinity selectors that select the workload's own pods; and that the
// only Secrets are an operator's configuration (checkConfigSecret).
func TestManifestsHardening(t *testing.T) {
	for _, ex := range examples(t) {
		for _, o := range rootObjects(t, ex) {
			if s, ok := o.Object.(*corev1.Secret); ok {
				checkConfigSecret(t, ex, s)
			}
			tmpl, replicas := manifest.PodTemplate(o.Object)
			if tmpl == nil {
				continue
			}
			checkPod(t, ex.name+": "+o.String(), tmpl, replicas)
		}
	}
}

// configSecrets are the Secrets a tree may hold, each with why: the
// configuration an operator reads from a Secret and nowhere else. Their
// content is the StatefulSet engine's file, which holds no credential.
func configSecrets(p *plan.Plan) map[string]string {
	out := map[string]string{}
	if m := p.Services.Monitoring; m != nil && m.Operator != nil {
		out[m.Namespace+"/"+m.Operator.AlertmanagerConfigSecret] = "prometheus-operator reads Alertmanager's configuration from a Secret only"
	}
	if l := p.Services.Logging; l != nil && l.ECK != nil {
		out[l.Namespace+"/"+l.ECK.RolesSecret] = "ECK reads the roles of spec.auth.roles from Secrets only"
	}
	return out
}

// checkConfigSecret fails a Secret that is not one of configSecrets, that
// is of a type that holds credentials (a service account token, TLS, a
// registry login), or that holds anything but a file of the tree as it is:
// the secret scan (TestNoSecretsInOutput) reads every file of the tree, so
// a Secret made of those files carries nothing it has not passed.
func checkConfigSecret(t *testing.T, ex example, s *corev1.Secret) {
	t.Helper()
	what := ex.name + ": Secret/" + s.Namespace + "/" + s.Name
	if _, ok := configSecrets(ex.plan)[s.Namespace+"/"+s.Name]; !ok {
		t.Errorf("%s: the output holds no Secret but an operator's configuration (configSecrets)", what)
		return
	}
	if s.Type != "" && s.Type != corev1.SecretTypeOpaque {
		t.Errorf("%s: type %s; an operator's configuration is Opaque", what, s.Type)
	}
	if len(s.StringData) > 0 || len(s.Data) == 0 {
		t.Errorf("%s: want data made from files of the tree (a secretGenerator's files), not stringData or nothing", what)
	}
	for key, b := range s.Data {
		found := false
		for _, f := range ex.tree {
			found = found || bytes.Equal(f, b)
		}
		if !found {
			t.Errorf("%s: key %s is no file of the tree, so the secret scan never read it", what, key)
		}
	}
}
