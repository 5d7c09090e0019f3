package forecast

import (
	"fmt"
	"path"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"sigs.k8s.io/yaml"

	"github.com/blueprint-dev/blueprint/plan"
	"github.com/blueprint-dev/blueprint/spec"
)

// Built is what a kustomize build of one folder of manifests/ made, of the
// kinds the forecast reads (Reads), as a JSON array.
type Built struct {
	Dir     string // "manifests/monitoring/prometheus"
	Objects []byte
}

// StaticPodDir is where render writes blueprint's own static pods.
const StaticPodDir = "loadbalancer/static-pods"

// Machines returns the machines of a plan that run a kubelet (control-plane
// nodes and pool workers), as their kubelets register them.
func Machines(p *plan.Plan) []Machine {
	var out []Machine
	for _, n := range p.ClusterNodes() {
		m := Machine{Name: n.Name, Zone: n.Zone, Pool: n.Pool, ControlPlane: n.Role == spec.RoleControlPlane,
			Labels: map[string]string{
				corev1.LabelHostname: n.Name, corev1.LabelOSStable: "linux", corev1.LabelArchStable: "amd64",
				"beta.kubernetes.io/os": "linux", "beta.kubernetes.io/arch": "amd64",
			}}
		for _, l := range n.Labels {
			m.Labels[l.Key] = l.Value
		}
		if m.ControlPlane {
			m.Labels[plan.ControlPlaneLabel] = ""
			m.Labels["node.kubernetes.io/exclude-from-external-load-balancers"] = ""
		}
		for _, t := range n.Taints {
			m.Taints = append(m.Taints, corev1.Taint{Key: t.Key, Value: t.Value, Effect: corev1.TaintEffect(t.Effect)})
		}
		k := p.KubeletOf(n)
		m.Capacity = Resources{MilliCPU: int64(k.CPU) * 1000, Memory: quantity(k.Memory), Pods: int64(k.MaxPods)}
		m.Allocatable = Resources{MilliCPU: k.Allocatable.MilliCPU, Memory: k.Allocatable.Memory, Pods: int64(k.MaxPods)}
		if k.Unknown {
			// Nothing is known of the machine's size (validate warns,
			// pool-capacity-unknown): the forecast lets CPU and memory
			// pass and checks every other filter.
			m.UnknownSize = true
			m.Capacity.MilliCPU, m.Capacity.Memory = unknownSize, unknownSize
			m.Allocatable.MilliCPU, m.Allocatable.Memory = unknownSize, unknownSize
		}
		out = append(out, m)
	}
	return out
}

// unknownSize stands for the CPU and memory of a machine the spec does
// not size: more than any pod asks.
const unknownSize = 1 << 50

func quantity(s string) int64 {
	q, err := resource.ParseQuantity(s)
	if err != nil {
		return 0
	}
	return q.Value()
}

// Inputs gathers what the forecast reads of a rendered design: the
// machines, and the objects of the built manifests/ tree (in install
// order), kubeadm's control-plane static pods and add-ons, and blueprint's
// own static pods of the tree.
func Inputs(p *plan.Plan, built []Built, tree map[string][]byte) ([]Machine, *Objects, error) {
	objs := NewObjects()
	var masters []string
	for _, n := range p.ControlPlane {
		masters = append(masters, n.Name)
	}
	for _, pod := range KubeadmStaticPods(!p.Etcd.External) {
		objs.AddStaticPod("kubeadm", pod, masters)
	}
	var static []string
	for name := range tree {
		if path.Dir(name) == StaticPodDir && strings.HasSuffix(name, ".yaml") {
			static = append(static, name)
		}
	}
	sort.Strings(static)
	// The local proxy runs on the workers; kube-vip and HAProxy with
	// keepalived on the masters.
	lbNodes := masters
	if p.LB.LocalProxy {
		lbNodes = nil
		for _, n := range p.LB.ProxyNodes {
			lbNodes = append(lbNodes, n.Name)
		}
	}
	for _, name := range static {
		if name == plan.KubeVIPInitPod {
			// The first master's kube-vip while kubeadm init runs, in the
			// manifest file kube-vip.yaml replaces: never a second pod.
			continue
		}
		var pod corev1.Pod
		if err := yaml.Unmarshal(tree[name], &pod); err != nil {
			return nil, nil, fmt.Errorf("%s: %w", name, err)
		}
		objs.AddStaticPod("loadbalancer", &pod, lbNodes)
	}
	for _, o := range KubeadmAddons(p.Scale.CoreDNSReplicas) {
		objs.Add("kubeadm", o)
	}
	for _, b := range built {
		if err := objs.AddJSON(strings.TrimPrefix(b.Dir, "manifests/"), b.Objects); err != nil {
			return nil, nil, err
		}
	}
	return Machines(p), objs, nil
}
