package platformcrds

import (
	"fmt"

	"sigs.k8s.io/yaml"
)

// Strip returns a CRD without the descriptions of its schemas, as YAML
// behind a header line. Validation does not read descriptions; everything
// else, the CEL rules included, is kept.
func Strip(crd []byte, header string) ([]byte, error) {
	var o map[string]any
	if err := yaml.Unmarshal(crd, &o); err != nil {
		return nil, err
	}
	if o["kind"] != "CustomResourceDefinition" {
		return nil, fmt.Errorf("not a CustomResourceDefinition: kind %v", o["kind"])
	}
	spec, _ := o["spec"].(map[string]any)
	versions, _ := spec["versions"].([]any)
	for _, v := range versions {
		vm, _ := v.(map[string]any)
		schema, _ := vm["schema"].(map[string]any)
		stripSchema(schema["openAPIV3Schema"])
	}
	b, err := yaml.Marshal(o)
	if err != nil {
		return nil, err
	}
	return append([]byte("# "+header+"\n"), b...), nil
}

// stripSchema removes description from a schema node and the schemas
// inside it. A property may itself be called description, so only the
// keys that hold schemas are followed.
func stripSchema(node any) {
	s, ok := node.(map[string]any)
	if !ok {
		return
	}
	delete(s, "description")
	for _, key := range []string{"properties", "patternProperties", "definitions"} {
		if m, ok := s[key].(map[string]any); ok {
			for _, sub := range m {
				stripSchema(sub)
			}
		}
	}
	for _, key := range []string{"items", "additionalProperties", "not"} {
		stripSchema(s[key])
	}
	for _, key := range []string{"allOf", "anyOf", "oneOf"} {
		if l, ok := s[key].([]any); ok {
			for _, sub := range l {
				stripSchema(sub)
			}
		}
	}
}
