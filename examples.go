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

//go:embed blueprints/*.hcl blueprints/*.lock
var examples embed.FS

// DefaultExample is the example "blueprint init" writes unless told.
const DefaultExample = "ha"

// ExampleNames lists the examples by name (blueprints/NAME.hcl), sorted.
func ExampleNames() []string {
	entries, _ := fs.ReadDir(examples, "blueprints")
	var names []string
	for _, e := range entries {
		if name, ok := strings.CutSuffix(e.Name(), ".hcl"); ok {
			names = append(names, name)
		}
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

// ExampleLockFile returns the images lock file an example names in
// images { lock_file } (blueprints/NAME.images.lock), which must sit beside
// the spec, with its file name; false if the example has none.
func ExampleLockFile(name string) (file string, data []byte, ok bool) {
	file = name + ".images.lock"
	data, err := examples.ReadFile("blueprints/" + file)
	if err != nil || !slices.Contains(ExampleNames(), name) {
		return "", nil, false
	}
	return file, data, true
}
