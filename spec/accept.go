package spec

import "github.com/hashicorp/hcl/v2"

// Accept acknowledges one warning as a risk the design takes knowingly:
// accept "etcd-zone-quorum" { reason = "…" }. Optionally scoped to a zone,
// a node, a pool or a workload, it covers only the warnings about that.
type Accept struct {
	Code          string    `hcl:"code,label"`
	CodeRange     hcl.Range `hcl:"code,label_range"`
	Reason        string    `hcl:"reason,attr" text:"multiline"`
	ReasonRange   hcl.Range `hcl:"reason,attr_value_range"`
	Zone          *string   `hcl:"zone,optional"`
	ZoneRange     hcl.Range `hcl:"zone,attr_value_range"`
	Node          *string   `hcl:"node,optional"`
	NodeRange     hcl.Range `hcl:"node,attr_value_range"`
	Pool          *string   `hcl:"pool,optional"`
	PoolRange     hcl.Range `hcl:"pool,attr_value_range"`
	Workload      *string   `hcl:"workload,optional"`
	WorkloadRange hcl.Range `hcl:"workload,attr_value_range"`
	DeclRange     hcl.Range `hcl:",def_range"`
}
