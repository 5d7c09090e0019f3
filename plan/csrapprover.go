package plan

import (
	"net/netip"
	"regexp"
	"strings"
)

// CSRApprover is kubelet-csr-approver (github.com/postfinance/kubelet-csr-approver,
// v1.2.14), which approves the kubelets' serving-certificate requests
// (serverTLSBootstrap) whose names and addresses belong to this design's
// nodes, and denies the others. Its settings are read from its source at
// that version (internal/cmd/cmd.go, internal/controller/*.go).
type CSRApprover struct {
	Namespace string
	// ProviderRegex must match every DNS name a request asks for: one of
	// the kubelets' node names, anchored.
	ProviderRegex string
	// IPPrefixes must hold every address a request asks for: each node's
	// address when every kubelet's is fixed, else the node subnets.
	IPPrefixes []string
}

// CSRApproverNamespace is where the approver runs, beside the other
// cluster-wide controllers.
const CSRApproverNamespace = "kube-system"

func buildCSRApprover(p *Plan) *CSRApprover {
	a := &CSRApprover{Namespace: CSRApproverNamespace}
	var names, addrs []string
	fixed := true
	for _, n := range p.ClusterNodes() {
		names = append(names, regexp.QuoteMeta(n.Name))
		if n.Address == "" {
			fixed = false
			continue
		}
		if ip, err := netip.ParseAddr(n.Address); err == nil {
			addrs = append(addrs, netip.PrefixFrom(ip, ip.BitLen()).String())
		}
	}
	a.ProviderRegex = "^(" + strings.Join(names, "|") + ")$"
	a.IPPrefixes = addrs
	if !fixed {
		a.IPPrefixes = p.NodeSubnets
	}
	return a
}
