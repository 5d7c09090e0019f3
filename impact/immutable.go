package impact

import (
	_ "embed"
	"encoding/json"
	"fmt"
)

// What the API server does with an update that changes only one field.
const (
	Allowed = "allowed"
	Refused = "refused"
)

// ImmutabilityTable is immutable.json: for each field the state tracks,
// whether the real API server accepts an update that changes only it. The
// published OpenAPI schema does not mark immutability, so the table is
// probed: e2e's TestImmutability creates an object of each type on a real
// kube-apiserver, then sends, as server-side apply dry runs, one update per
// field (and per case, where the answer depends on the values), after
// checking that the changed object is valid on its own (a dry-run create
// of it under another name succeeds). `go test ./e2e -run
// TestImmutability -update` writes the table; without -update the test
// probes again and fails on any difference.
type ImmutabilityTable struct {
	About      string  `json:"about"`
	ProbedWith string  `json:"probedWith"`
	Fields     []Probe `json:"fields"`
}

// Probe is one probed field (and case).
type Probe struct {
	Type  string `json:"type"`  // Kind.group
	Field string `json:"field"` // dotted path
	// Case narrows the probe where the answer depends on values:
	// PersistentVolumeClaim storage grow-expandable, grow-fixed or shrink;
	// ConfigMap and Secret fields when the object is immutable; the
	// immutable flag set or unset.
	Case   string `json:"case,omitempty"`
	Update string `json:"update"` // allowed or refused
	// Message is the API server's answer to a refused update.
	Message string `json:"message,omitempty"`
}

//go:embed immutable.json
var immutableJSON []byte

var table = func() ImmutabilityTable {
	var t ImmutabilityTable
	if err := json.Unmarshal(immutableJSON, &t); err != nil {
		panic(fmt.Sprintf("impact: immutable.json: %v", err))
	}
	return t
}()

// Table returns the probed immutability table.
func Table() ImmutabilityTable { return table }

// ProbedWith names the API server the table was probed on.
func ProbedWith() string { return table.ProbedWith }

// Immutability looks a field (and case) up in the table.
func Immutability(gk, field, cs string) (Probe, bool) {
	for _, p := range table.Fields {
		if p.Type == gk && p.Field == field && p.Case == cs {
			return p, true
		}
	}
	return Probe{}, false
}
