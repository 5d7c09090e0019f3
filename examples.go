// Package blueprint holds what the whole module shares: the example specs
// of blueprints/, which "blueprint init" writes and the golden test renders
// into out/.
package blueprint

import (
	"embed"
	"io/fs"
	"slices"
	"strings"
)

//go:embed blueprints/*.hcl
var examples embed.FS

// DefaultExample is the example "blueprint init" writes unless told.
const DefaultExample = "ha"

// ExampleNames lists the examples by name (blueprints/NAME.hcl), sorted.
func ExampleNames() []string {
	entries, _ := fs.ReadDir(examples, "blueprints")
	var names []string
	for _, e := range entries {
		names = append(names, strings.TrimSuffix(e.Name(), ".hcl"))
	}
	slices.Sort(names)
	return names
}

// Example returns blueprints/NAME.hcl, or false if there is no such
// example.
func Example(name string) ([]byte, bool) {
	if !slices.Contains(ExampleNames(), name) {
		return nil, false
	}
	b, err := examples.ReadFile("blueprints/" + name + ".hcl")
	return b, err == nil
}
