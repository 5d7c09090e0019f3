// Package platformcrds holds the CustomResourceDefinitions that a rendered
// design uses but does not install, because the cluster's platform provides
// them: the Gateway API CRDs come with the Gateway implementation, whose
// version they must match, and the Argo CD and Flux CRDs (the kinds of
// gitops/) with the GitOps tool's installation, which also creates its
// namespace. The e2e suite and `blueprint verify` run the manifests and
// gitops trees against a bare API server, so they install these first, as
// the platform would.
//
// The files are generated (go generate) from each set's Go module at the
// set's version, with the schemas' descriptions removed: the API server
// validates exactly as with the published files, and the binary carries a
// fraction of the bytes. The Gateway API module is one go.mod requires, at
// the same version; the Argo CD and Flux modules are not (blueprint imports
// none of their code), so the set pins the version and gen downloads that
// module into the module cache.
package platformcrds

import (
	"embed"
	"fmt"
	"path"

	"github.com/blueprint-dev/blueprint/internal/controlplane"
)

//go:generate go run ./gen

//go:embed gateway-api argo-cd flux-source flux-kustomize
var files embed.FS

// Set is the CRDs of one API group, as a project publishes them.
type Set struct {
	Group    string // the API group the tree's objects use
	Name     string // for people
	Provider string // who installs them on a real cluster
	// Module, Version and Folder say where the files come from: a folder
	// of a Go module that go.mod requires at Version.
	Module, Version, Folder string
	Dir                     string   // the embedded copy
	Files                   []string // names in Folder and in Dir
	// Namespace is the namespace the provider's installation creates and
	// the tree's objects of this group live in; empty for none.
	Namespace string
}

// Origin names the published files, such as
// "sigs.k8s.io/gateway-api v1.6.3, config/crd/standard".
func (s Set) Origin() string { return s.Module + " " + s.Version + ", " + s.Folder }

// Sets are the CRDs the design expects the platform to provide. Only the
// kinds a tree can use are copied.
var Sets = []Set{{
	Group: "gateway.networking.k8s.io", Name: "Gateway API", Provider: "the cluster's Gateway API implementation",
	Module: "sigs.k8s.io/gateway-api", Version: "v1.6.3", Folder: "config/crd/standard", Dir: "gateway-api",
	Files: []string{
		"gateway.networking.k8s.io_gatewayclasses.yaml",
		"gateway.networking.k8s.io_gateways.yaml",
		"gateway.networking.k8s.io_httproutes.yaml",
		"gateway.networking.k8s.io_referencegrants.yaml",
	},
}, {
	// v3.5.7 is the newest Argo CD release whose module this machine's Go
	// (1.26) can unpack: v3.6 declares go 1.27.
	Group: "argoproj.io", Name: "Argo CD", Provider: "Argo CD's installation",
	Module: "github.com/argoproj/argo-cd/v3", Version: "v3.5.7", Folder: "manifests/crds", Dir: "argo-cd",
	Files: []string{"application-crd.yaml", "applicationset-crd.yaml"}, Namespace: "argocd",
}, {
	// Flux's controllers publish their CRDs in their own modules; v1.9.6 is
	// the newest of each that Go 1.26 can unpack.
	Group: "source.toolkit.fluxcd.io", Name: "Flux source-controller", Provider: "Flux's installation (flux install or flux bootstrap)",
	Module: "github.com/fluxcd/source-controller", Version: "v1.9.6", Folder: "config/crd/bases", Dir: "flux-source",
	Files: []string{"source.toolkit.fluxcd.io_gitrepositories.yaml"}, Namespace: "flux-system",
}, {
	Group: "kustomize.toolkit.fluxcd.io", Name: "Flux kustomize-controller", Provider: "Flux's installation (flux install or flux bootstrap)",
	Module: "github.com/fluxcd/kustomize-controller", Version: "v1.9.6", Folder: "config/crd/bases", Dir: "flux-kustomize",
	Files: []string{"kustomize.toolkit.fluxcd.io_kustomizations.yaml"}, Namespace: "flux-system",
}}

// Needed returns the objects to create before objs, as the platform would
// have, and the sets they belong to: for every set whose group an object
// uses, unless objs define CRDs of that group themselves, its CRDs and, if
// objs do not create it, its namespace.
func Needed(objs []controlplane.Object) ([]controlplane.Object, []Set, error) {
	used, defined, namespaces := map[string]bool{}, map[string]bool{}, map[string]bool{}
	for _, o := range objs {
		used[o.Group()] = true
		if o.Kind() == "Namespace" {
			namespaces[o.Name()] = true
		}
		if o.GroupKind() == "CustomResourceDefinition.apiextensions.k8s.io" {
			var crd struct {
				Spec struct{ Group string }
			}
			if err := o.Into(&crd); err != nil {
				return nil, nil, fmt.Errorf("%s: %w", o, err)
			}
			defined[crd.Spec.Group] = true
		}
	}
	var crds []controlplane.Object
	var sets []Set
	for _, s := range Sets {
		if !used[s.Group] || defined[s.Group] {
			continue
		}
		for _, f := range s.Files {
			b, err := files.ReadFile(path.Join(s.Dir, f))
			if err != nil {
				return nil, nil, err
			}
			objs, err := controlplane.ParseObjects(b)
			if err != nil {
				return nil, nil, fmt.Errorf("%s/%s: %w", s.Dir, f, err)
			}
			crds = append(crds, objs...)
		}
		if s.Namespace != "" && !namespaces[s.Namespace] {
			namespaces[s.Namespace] = true
			crds = append(crds, controlplane.Object{"apiVersion": "v1", "kind": "Namespace", "metadata": map[string]any{"name": s.Namespace}})
		}
		sets = append(sets, s)
	}
	return crds, sets, nil
}
