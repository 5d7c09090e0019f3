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

// resolveImages applies the images block to every image of
// spec.DefaultImages (spec.Images.ResolveImage), then the lock file's
// digests.
func resolveImages(s *spec.Images) map[string]string {
	out := make(map[string]string, len(spec.DefaultImages))
	for name := range spec.DefaultImages {
		out[name] = Pin(s.ResolveImage(name), s.Lock())
	}
	return out
}

// Pin returns ref as name:tag@digest when the lock holds its digest, and
// unchanged otherwise (no lock, or ref already carries a digest).
func Pin(ref string, lock *spec.ImageLock) string {
	if strings.Contains(ref, "@") {
		return ref
	}
	if d, ok := lock.Digest(ref); ok {
		return ref + "@" + d
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
