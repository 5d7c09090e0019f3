package platformcrds

import (
	"bytes"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"

	"github.com/blueprint-dev/blueprint/internal/controlplane"
)

// TestEmbeddedMatchModule regenerates every embedded file from the module
// go.mod requires: a stale copy, or a Set whose version differs from
// go.mod's, fails with the command that fixes it.
func TestEmbeddedMatchModule(t *testing.T) {
	for _, s := range Sets {
		dir, err := ModuleDir(s)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range s.Files {
			src, err := os.ReadFile(filepath.Join(dir, s.Folder, f))
			if err != nil {
				t.Fatal(err)
			}
			want, err := Strip(src, s.Header(f))
			if err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			got, err := files.ReadFile(path.Join(s.Dir, f))
			if err != nil || !bytes.Equal(got, want) {
				t.Errorf("%s/%s is not what %s generates (%v); run go generate in internal/platformcrds", s.Dir, f, s.Origin(), err)
			}
		}
	}
}

// TestStripKeepsValidation strips a schema whose object has a property
// called description: the property stays, the descriptions and nothing
// else go.
func TestStripKeepsValidation(t *testing.T) {
	crd := `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: things.example.com}
spec:
  group: example.com
  names: {kind: Thing, plural: things}
  scope: Namespaced
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        description: A thing.
        type: object
        properties:
          description:
            description: What the thing is for.
            type: string
            maxLength: 10
          items:
            type: array
            items:
              description: One item.
              type: string
            x-kubernetes-validations:
            - rule: self.size() < 3
              message: at most two
`
	b, err := Strip([]byte(crd), "header")
	if err != nil {
		t.Fatal(err)
	}
	objs, err := controlplane.ParseObjects(b)
	if err != nil || len(objs) != 1 {
		t.Fatalf("%v %v", objs, err)
	}
	out := string(b)
	if !strings.HasPrefix(out, "# header\n") || strings.Count(out, "description") != 1 || !strings.Contains(out, "maxLength: 10") ||
		!strings.Contains(out, "rule: self.size() < 3") || !strings.Contains(out, "message: at most two") {
		t.Errorf("stripped:\n%s", out)
	}
}

func TestNeeded(t *testing.T) {
	route := controlplane.Object{"apiVersion": "gateway.networking.k8s.io/v1", "kind": "HTTPRoute", "metadata": map[string]any{"name": "r", "namespace": "n"}}
	svc := controlplane.Object{"apiVersion": "v1", "kind": "Service", "metadata": map[string]any{"name": "s", "namespace": "n"}}
	own := controlplane.Object{"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
		"metadata": map[string]any{"name": "httproutes.gateway.networking.k8s.io"}, "spec": map[string]any{"group": "gateway.networking.k8s.io"}}

	crds, sets, err := Needed([]controlplane.Object{svc, route})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, c := range crds {
		if c.GroupKind() != "CustomResourceDefinition.apiextensions.k8s.io" {
			t.Errorf("%s is not a CRD", c)
		}
		names = append(names, c.Name())
	}
	if len(sets) != 1 || sets[0].Group != "gateway.networking.k8s.io" || strings.Join(names, " ") !=
		"gatewayclasses.gateway.networking.k8s.io gateways.gateway.networking.k8s.io httproutes.gateway.networking.k8s.io referencegrants.gateway.networking.k8s.io" {
		t.Errorf("a tree with an HTTPRoute needs the Gateway API CRDs; got %v from %v", names, sets)
	}

	// GitOps objects: the tool's CRDs and its namespace, which its
	// installation creates.
	app := controlplane.Object{"apiVersion": "argoproj.io/v1alpha1", "kind": "Application", "metadata": map[string]any{"name": "a", "namespace": "argocd"}}
	ks := controlplane.Object{"apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization", "metadata": map[string]any{"name": "k", "namespace": "flux-system"}}
	repo := controlplane.Object{"apiVersion": "source.toolkit.fluxcd.io/v1", "kind": "GitRepository", "metadata": map[string]any{"name": "r", "namespace": "flux-system"}}
	for what, c := range map[string]struct {
		objs []controlplane.Object
		want string
	}{
		"Argo CD": {[]controlplane.Object{app}, "CustomResourceDefinition/applications.argoproj.io CustomResourceDefinition/applicationsets.argoproj.io Namespace/argocd"},
		"Flux": {[]controlplane.Object{repo, ks}, "CustomResourceDefinition/gitrepositories.source.toolkit.fluxcd.io Namespace/flux-system " +
			"CustomResourceDefinition/kustomizations.kustomize.toolkit.fluxcd.io"},
	} {
		crds, _, err := Needed(c.objs)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, o := range crds {
			got = append(got, o.Kind()+"/"+o.Name())
		}
		if strings.Join(got, " ") != c.want {
			t.Errorf("%s objects need %q first; got %q", what, c.want, strings.Join(got, " "))
		}
	}

	for what, objs := range map[string][]controlplane.Object{
		"no Gateway API object":           {svc},
		"the tree's own Gateway API CRDs": {own, route},
	} {
		crds, sets, err := Needed(objs)
		if err != nil || len(crds)+len(sets) != 0 {
			t.Errorf("%s: want nothing installed, got %d CRDs of %v (%v)", what, len(crds), sets, err)
		}
	}
}
