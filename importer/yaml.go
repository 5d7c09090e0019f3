package importer

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"

	"go.yaml.in/yaml/v3"
)

// MaxSourceSize bounds one source file: an inventory or a manifest is a few
// kilobytes.
const MaxSourceSize = 4 << 20

// ParseYAML reads every document of a YAML stream, keeping the line of each
// node for the findings. Aliases are refused: a source never needs one,
// and expanding them is how a small file becomes a large one.
func ParseYAML(data []byte) ([]*yaml.Node, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var docs []*yaml.Node
	for {
		var n yaml.Node
		err := dec.Decode(&n)
		if errors.Is(err, io.EOF) {
			return docs, nil
		}
		if err != nil {
			return nil, err
		}
		if hasAlias(&n) {
			return nil, fmt.Errorf("line %d: YAML aliases are not accepted in a source", aliasLine(&n))
		}
		if len(n.Content) > 0 {
			docs = append(docs, n.Content[0])
		}
	}
}

func hasAlias(n *yaml.Node) bool { return aliasLine(n) > 0 }

func aliasLine(n *yaml.Node) int {
	if n.Kind == yaml.AliasNode {
		return n.Line
	}
	for _, c := range n.Content {
		if l := aliasLine(c); l > 0 {
			return l
		}
	}
	return 0
}

// Get returns the node at a path of mapping keys, or nil.
func Get(n *yaml.Node, path ...string) *yaml.Node {
	for _, key := range path {
		if n == nil || n.Kind != yaml.MappingNode {
			return nil
		}
		var next *yaml.Node
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == key {
				next = n.Content[i+1]
			}
		}
		n = next
	}
	return n
}

// Key returns the key node of the last element of a path (where a finding
// about that setting points), or nil.
func Key(n *yaml.Node, path ...string) *yaml.Node {
	if len(path) == 0 {
		return nil
	}
	parent := Get(n, path[:len(path)-1]...)
	if parent == nil || parent.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(parent.Content); i += 2 {
		if parent.Content[i].Value == path[len(path)-1] {
			return parent.Content[i]
		}
	}
	return nil
}

// Str returns the scalar at a path, or "".
func Str(n *yaml.Node, path ...string) string {
	if v := Get(n, path...); v != nil && v.Kind == yaml.ScalarNode && v.Tag != "!!null" {
		return v.Value
	}
	return ""
}

// Int returns the integer at a path, or 0.
func Int(n *yaml.Node, path ...string) int {
	i, _ := strconv.Atoi(Str(n, path...))
	return i
}

// Bool reports whether the scalar at a path is YAML true.
func Bool(n *yaml.Node, path ...string) bool {
	b, _ := strconv.ParseBool(Str(n, path...))
	return b
}

// Strings returns the scalars of the sequence at a path.
func Strings(n *yaml.Node, path ...string) []string {
	v := Get(n, path...)
	if v == nil || v.Kind != yaml.SequenceNode {
		return nil
	}
	var out []string
	for _, c := range v.Content {
		if c.Kind == yaml.ScalarNode {
			out = append(out, c.Value)
		}
	}
	return out
}

// Leaf is one scalar (or empty collection) of a document, at its path.
type Leaf struct {
	Path  string
	Value string
	Line  int
}

// Leaves lists every leaf below n. Paths join mapping keys with dots;
// sequence elements are [i], or [name=NAME] for an element that is a
// mapping with a name (kubeadm's extraArgs, for example), or [=VALUE] for
// a scalar element, so that two lists holding the same items in another
// order give the same leaves.
func Leaves(n *yaml.Node, prefix string) []Leaf {
	var out []Leaf
	var walk func(n *yaml.Node, path string)
	walk = func(n *yaml.Node, path string) {
		switch n.Kind {
		case yaml.MappingNode:
			if len(n.Content) == 0 {
				out = append(out, Leaf{Path: path, Value: "{}", Line: n.Line})
			}
			for i := 0; i+1 < len(n.Content); i += 2 {
				p := n.Content[i].Value
				if path != "" {
					p = path + "." + p
				}
				walk(n.Content[i+1], p)
			}
		case yaml.SequenceNode:
			if len(n.Content) == 0 {
				out = append(out, Leaf{Path: path, Value: "[]", Line: n.Line})
			}
			for i, c := range n.Content {
				switch {
				case c.Kind == yaml.MappingNode && Str(c, "name") != "":
					walk(c, fmt.Sprintf("%s[name=%s]", path, Str(c, "name")))
				case c.Kind == yaml.ScalarNode:
					out = append(out, Leaf{Path: fmt.Sprintf("%s[=%s]", path, c.Value), Value: c.Value, Line: c.Line})
				default:
					walk(c, fmt.Sprintf("%s[%d]", path, i))
				}
			}
		default:
			out = append(out, Leaf{Path: path, Value: n.Value, Line: n.Line})
		}
	}
	walk(n, prefix)
	return out
}
