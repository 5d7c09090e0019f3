package pipeline_test

import (
	"testing"

	"github.com/blueprint-dev/blueprint/internal/manifest"
)

// The one set of look-ups every component test uses on the objects a
// tree's kustomizations build: the Go type says the kind (a *T for each
// kind the decoder knows), a namespace of "" matches any.

// object returns the built object of type *T with that namespace and
// name, failing the test without it.
func object[T any](t *testing.T, objs []manifest.Object, ns, name string) *T {
	t.Helper()
	if v := lookup[T](objs, ns, name); v != nil {
		return v
	}
	var zero T
	t.Fatalf("no %T %s among the built objects (namespace %q)", zero, name, ns)
	return nil
}

// lookup is object without failing: nil when there is none.
func lookup[T any](objs []manifest.Object, ns, name string) *T {
	for _, o := range objs {
		if v, ok := any(o.Object).(*T); ok && o.Name == name && (ns == "" || o.Namespace == ns) {
			return v
		}
	}
	return nil
}

// objects returns every built object of type *T, in build order.
func objects[T any](objs []manifest.Object) []*T {
	var out []*T
	for _, o := range objs {
		if v, ok := any(o.Object).(*T); ok {
			out = append(out, v)
		}
	}
	return out
}
