package controlplane

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"
)

// Object is one Kubernetes object as decoded from YAML or JSON.
type Object map[string]any

// ParseObjects decodes a stream of YAML (or JSON) documents, such as
// `kubectl kustomize` prints, into objects. Empty documents are skipped and
// the items of a List are returned in its place.
func ParseObjects(data []byte) ([]Object, error) {
	r := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(data)))
	var out []Object
	for i := 1; ; i++ {
		doc, err := r.Read()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		var o Object
		if err := yaml.Unmarshal(doc, &o); err != nil {
			return nil, fmt.Errorf("document %d: %w", i, err)
		}
		if len(o) == 0 {
			continue
		}
		if items, ok := o["items"].([]any); ok && strings.HasSuffix(o.Kind(), "List") {
			for _, it := range items {
				if m, ok := it.(map[string]any); ok {
					out = append(out, Object(m))
				}
			}
			continue
		}
		if o.Kind() == "" || o.APIVersion() == "" {
			return nil, fmt.Errorf("document %d has no apiVersion or kind", i)
		}
		out = append(out, o)
	}
}

func (o Object) str(path ...string) string {
	var cur any = map[string]any(o)
	for _, p := range path {
		m, ok := cur.(map[string]any)
		if !ok {
			return ""
		}
		cur = m[p]
	}
	s, _ := cur.(string)
	return s
}

// APIVersion returns the object's apiVersion.
func (o Object) APIVersion() string { return o.str("apiVersion") }

// Kind returns the object's kind.
func (o Object) Kind() string { return o.str("kind") }

// Name returns metadata.name.
func (o Object) Name() string { return o.str("metadata", "name") }

// Namespace returns metadata.namespace.
func (o Object) Namespace() string { return o.str("metadata", "namespace") }

// Group returns the API group of apiVersion ("" for the core group).
func (o Object) Group() string {
	if i := strings.Index(o.APIVersion(), "/"); i >= 0 {
		return o.APIVersion()[:i]
	}
	return ""
}

// GroupKind returns Kind.group, or Kind for the core group.
func (o Object) GroupKind() string {
	if g := o.Group(); g != "" {
		return o.Kind() + "." + g
	}
	return o.Kind()
}

// String names the object as Kind namespace/name.
func (o Object) String() string {
	if ns := o.Namespace(); ns != "" {
		return o.GroupKind() + " " + ns + "/" + o.Name()
	}
	return o.GroupKind() + " " + o.Name()
}

// setNamespace sets metadata.namespace.
func (o Object) setNamespace(ns string) {
	md, _ := o["metadata"].(map[string]any)
	if md == nil {
		md = map[string]any{}
		o["metadata"] = md
	}
	md["namespace"] = ns
}

// Into converts the object into a typed API struct, such as a
// k8s.io/api/apps/v1 Deployment.
func (o Object) Into(v any) error {
	b, err := json.Marshal(o)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}
