package plan

import (
	"sort"
	"strings"

	"github.com/blueprint-dev/blueprint/spec"
)

// Image is one image the rendered tree runs, after the images block.
type Image struct {
	Name string // key in spec.DefaultImages
	Ref  string // what the manifests use
}

// resolveImages applies the images block: an override replaces an image
// outright, otherwise a registry mirror replaces the registry host.
func resolveImages(s *spec.Images) map[string]string {
	out := make(map[string]string, len(spec.DefaultImages))
	for name, ref := range spec.DefaultImages {
		switch {
		case s == nil:
			out[name] = ref
		case s.Overrides[name] != "":
			out[name] = s.Overrides[name]
		case s.Registry != nil && *s.Registry != "":
			out[name] = strings.TrimSuffix(*s.Registry, "/") + "/" + stripRegistry(ref)
		default:
			out[name] = ref
		}
	}
	return out
}

// stripRegistry drops the registry host of an image reference, keeping the
// repository path and tag: quay.io/prometheus/prometheus:v3 → prometheus/prometheus:v3.
func stripRegistry(ref string) string {
	first, rest, ok := strings.Cut(ref, "/")
	if ok && (strings.ContainsAny(first, ".:") || first == "localhost") {
		return rest
	}
	return ref
}

// Image returns the reference of a named image. Templates call it; a name
// missing from spec.DefaultImages is a bug in a template, so it panics and the
// template execution reports it.
func (p *Plan) Image(name string) string {
	ref, ok := p.imageRefs[name]
	if !ok {
		panic("plan: unknown image " + name)
	}
	return ref
}

// imageList lists the named images, sorted by name.
func imageList(refs map[string]string, names []string) []Image {
	sort.Strings(names)
	out := make([]Image, len(names))
	for i, n := range names {
		out[i] = Image{Name: n, Ref: refs[n]}
	}
	return out
}
