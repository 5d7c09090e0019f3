package spec

// The Kubernetes patch releases blueprint knows, per minor version.
//
// Source: the release tags of k8s.io/kubernetes as the Go module proxy
// serves them, checked on 2026-12-03: `go list -m -versions
// k8s.io/kubernetes` lists some of them, and `go list -m -json
// k8s.io/kubernetes@v1.MINOR.PATCH` answered each newest patch below (with
// its tag date) and "not available" for the patch after it. Kubernetes
// numbers a minor's patch releases without gaps, so every patch from .0 up
// to the newest is a release. When a new patch comes out, raise its minor's
// entry (and add a minor when blueprint supports it); the test beside this
// file keeps the table in step with the versions the examples pin and the
// validators are built at.

// newestPatch maps a minor version of Kubernetes 1.x to its newest known
// patch release.
var newestPatch = map[int]int{
	33: 13, // v1.33.13
	34: 5,  // v1.34.5, tagged 2026-02-26
	35: 6,  // v1.35.6, tagged 2026-06-12
	36: 5,  // v1.36.5, tagged 2026-09-23
	37: 2,  // v1.37.2, tagged 2026-10-27
}

// NewestPatch returns the newest patch release of Kubernetes 1.minor that
// blueprint knows, and false for a minor it has no entry for.
func NewestPatch(minor int) (int, bool) {
	p, ok := newestPatch[minor]
	return p, ok
}

// KnownRelease reports whether 1.minor.patch is a Kubernetes release
// blueprint knows.
func KnownRelease(minor, patch int) bool {
	newest, ok := newestPatch[minor]
	return ok && patch >= 0 && patch <= newest
}
