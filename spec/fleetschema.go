package spec

import (
	"reflect"
	"sync"

	"github.com/zclconf/go-cty/cty"
)

// The blocks a fleet adds at the top level of a spec. The fleet's loader
// reads them by hand (fleet.go: a class holds any cluster blocks, which
// the model's struct tags cannot say); these types only describe them, in
// struct tags like the model's, so that the reference, `blueprint schema`
// and `explain` list them from the same kind of source. TestFleetSchema
// holds them to what fleet.go accepts.

// fleetTop is a fleet spec's own top level.
type fleetTop struct {
	Classes  []fleetClass   `hcl:"class,block"`
	Members  []fleetMember  `hcl:"member,block"`
	Peerings []fleetPeering `hcl:"peering,block"`
}

// fleetClass is a class: its label, then any block a cluster spec has, and
// typed variable blocks of its own.
type fleetClass struct {
	Name string `hcl:"name,label"`
}

// fleetMember is a member: a class and a region, and blocks that replace
// or add to the class's.
type fleetMember struct {
	Name      string               `hcl:"name,label"`
	Class     string               `hcl:"class,attr"`
	Region    string               `hcl:"region,attr"`
	Network   string               `hcl:"network,optional"`
	Variables map[string]cty.Value `hcl:"variables,optional"`
}

// fleetPeering routes members together.
type fleetPeering struct {
	Name    string   `hcl:"name,label"`
	Members []string `hcl:"members,attr"`
}

// FleetSchema returns the schema of the blocks a fleet adds at the top
// level.
var FleetSchema = sync.OnceValue(func() *BlockSchema {
	return schemaOf("", reflect.TypeFor[fleetTop]())
})
