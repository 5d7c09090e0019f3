// Package blueprint holds what the whole module shares: the example spec
// that "blueprint init" writes, which is also blueprints/ha.hcl and is
// rendered into out/ha by the golden test.
package blueprint

import _ "embed"

// ExampleSpec is the commented example written by "blueprint init".
//
//go:embed blueprints/ha.hcl
var ExampleSpec []byte
