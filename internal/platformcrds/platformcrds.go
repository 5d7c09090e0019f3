// Package platformcrds holds the CustomResourceDefinitions that a rendered
// design uses but does not install, because the cluster's platform provides
// them: the Gateway API CRDs come with the Gateway implementation, whose
// version they must match. The e2e suite and `blueprint verify` run the
// manifests tree against a bare API server, so they install these first,
// as the platform would.
//
// The files are generated (go generate) from the module go.mod requires,
// with the schemas' descriptions removed: the API server validates exactly
// as with the published files, and the binary carries a tenth of the bytes.
package platformcrds

import (
	"embed"
	"fmt"
	"path"

	"github.com/blueprint-dev/blueprint/internal/controlplane"
)

//go:generate go run ./gen

//go:embed gateway-api
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
}}

// Needed returns the CRDs to create before objs, and the sets they belong
// to: every set whose group an object uses, unless objs define CRDs of
// that group themselves.
func Needed(objs []controlplane.Object) ([]controlplane.Object, []Set, error) {
	used, defined := map[string]bool{}, map[string]bool{}
	for _, o := range objs {
		used[o.Group()] = true
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
		sets = append(sets, s)
	}
	return crds, sets, nil
}
