package pipeline_test

import (
	"net/netip"
	"slices"
	"testing"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/blueprint-dev/blueprint/internal/manifest"
)

// netPod is a pod as NetworkPolicies see it: its namespace and labels.
type netPod struct {
	namespace string
	labels    labels.Set
}

// netFlow is a TCP connection between two pods and whether the policies
// must allow it.
type netFlow struct {
	what     string
	from, to netPod
	port     int
	open     bool
}

// checkFlows evaluates each flow through the policies.
func checkFlows(t *testing.T, name string, policies []*networkingv1.NetworkPolicy, flows []netFlow) {
	t.Helper()
	for _, f := range flows {
		if got := policyAllows(policies, f.from, f.to, f.port); got != f.open {
			t.Errorf("%s: %s (TCP %d): allowed %v, want %v", name, f.what, f.port, got, f.open)
		}
	}
}

// networkPolicies picks the NetworkPolicies out of decoded objects.
func networkPolicies(objs []manifest.Object) []*networkingv1.NetworkPolicy {
	var out []*networkingv1.NetworkPolicy
	for _, o := range objs {
		if np, ok := o.Object.(*networkingv1.NetworkPolicy); ok {
			out = append(out, np)
		}
	}
	return out
}

// policyAllows evaluates NetworkPolicies the way the API defines them for
// a TCP connection from one pod to port on another: the sender's egress
// and the receiver's ingress must both allow it, each side either selected
// by no policy of that direction or allowed by a rule of one that selects
// it. Pods are not matched by address, so ipBlock peers never match.
func policyAllows(policies []*networkingv1.NetworkPolicy, from, to netPod, port int) bool {
	return policySide(policies, from, to, port, networkingv1.PolicyTypeEgress) &&
		policySide(policies, to, from, port, networkingv1.PolicyTypeIngress)
}

// policyAllowsTo evaluates the sender's side of a TCP connection from a pod
// to an address outside the pod network (a node, the API server behind the
// kubernetes Service): only ipBlock peers can match it.
func policyAllowsTo(policies []*networkingv1.NetworkPolicy, from netPod, addr netip.Addr, port int) bool {
	return policyDirection(policies, from, port, networkingv1.PolicyTypeEgress, func(peers []networkingv1.NetworkPolicyPeer, _ string) bool {
		return ipBlockMatches(peers, addr)
	})
}

func policySide(policies []*networkingv1.NetworkPolicy, self, peer netPod, port int, dir networkingv1.PolicyType) bool {
	return policyDirection(policies, self, port, dir, func(peers []networkingv1.NetworkPolicyPeer, policyNS string) bool {
		return peerMatches(peers, policyNS, peer)
	})
}

// policyDirection is one side of a connection: allowed when no policy of
// that direction selects self, or a rule of one that does matches the
// peer (matches) and the port.
func policyDirection(policies []*networkingv1.NetworkPolicy, self netPod, port int, dir networkingv1.PolicyType,
	matches func(peers []networkingv1.NetworkPolicyPeer, policyNS string) bool) bool {
	selected := false
	for _, np := range policies {
		sel, err := metav1.LabelSelectorAsSelector(&np.Spec.PodSelector)
		if np.Namespace != self.namespace || err != nil || !sel.Matches(self.labels) || !slices.Contains(policyTypes(np), dir) {
			continue
		}
		selected = true
		if dir == networkingv1.PolicyTypeEgress {
			for _, r := range np.Spec.Egress {
				if matches(r.To, np.Namespace) && portMatches(r.Ports, port) {
					return true
				}
			}
		} else {
			for _, r := range np.Spec.Ingress {
				if matches(r.From, np.Namespace) && portMatches(r.Ports, port) {
					return true
				}
			}
		}
	}
	return !selected
}

// ipBlockMatches reports whether an ipBlock peer holds addr (and no
// exception of it does); an empty peer list matches everything.
func ipBlockMatches(peers []networkingv1.NetworkPolicyPeer, addr netip.Addr) bool {
	if len(peers) == 0 {
		return true
	}
	for _, peer := range peers {
		if peer.IPBlock == nil {
			continue
		}
		if cidr, err := netip.ParsePrefix(peer.IPBlock.CIDR); err != nil || !cidr.Contains(addr) {
			continue
		}
		excepted := false
		for _, e := range peer.IPBlock.Except {
			if ex, err := netip.ParsePrefix(e); err == nil && ex.Contains(addr) {
				excepted = true
			}
		}
		if !excepted {
			return true
		}
	}
	return false
}

// policyTypes applies the API's default: Ingress, plus Egress when the
// policy has egress rules.
func policyTypes(np *networkingv1.NetworkPolicy) []networkingv1.PolicyType {
	if len(np.Spec.PolicyTypes) > 0 {
		return np.Spec.PolicyTypes
	}
	types := []networkingv1.PolicyType{networkingv1.PolicyTypeIngress}
	if len(np.Spec.Egress) > 0 {
		types = append(types, networkingv1.PolicyTypeEgress)
	}
	return types
}

func peerMatches(peers []networkingv1.NetworkPolicyPeer, policyNS string, p netPod) bool {
	if len(peers) == 0 {
		return true
	}
	for _, peer := range peers {
		if peer.IPBlock != nil {
			continue
		}
		if peer.NamespaceSelector == nil {
			if p.namespace != policyNS {
				continue
			}
		} else if sel, err := metav1.LabelSelectorAsSelector(peer.NamespaceSelector); err != nil ||
			!sel.Matches(labels.Set{"kubernetes.io/metadata.name": p.namespace}) {
			continue
		}
		if peer.PodSelector == nil {
			return true
		}
		if sel, err := metav1.LabelSelectorAsSelector(peer.PodSelector); err == nil && sel.Matches(p.labels) {
			return true
		}
	}
	return false
}

func portMatches(ports []networkingv1.NetworkPolicyPort, port int) bool {
	if len(ports) == 0 {
		return true
	}
	for _, p := range ports {
		if (p.Protocol == nil || *p.Protocol == corev1.ProtocolTCP) && (p.Port == nil || p.Port.IntValue() == port) {
			return true
		}
	}
	return false
}
