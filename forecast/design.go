package forecast

import (
	"crypto/sha256"
	"encoding/json"
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
	in, err := Prepare(p, built, tree)
	if err != nil {
		return nil, nil, err
	}
	return in.Machines, in.Objects, nil
}

// Input is what the forecast of one design reads, and Key the SHA-256 of
// its sources: two inputs with the same key give the same forecast from
// the same code.
type Input struct {
	Machines []Machine
	Objects  *Objects
	Key      [sha256.Size]byte
}

// sources is everything Prepare reads of a design, gathered before
// anything is parsed: the objects are made from it and the key is its
// hash, so that the two cannot drift apart.
type sources struct {
	Machines []Machine
	// Masters run kubeadm's control-plane pods, and etcd's when it is
	// stacked; LBNodes blueprint's load-balancer static pods.
	Masters     []string
	EtcdStacked bool
	LBNodes     []string
	CoreDNS     int
	Static      []Built `json:"-"` // file name and bytes
	Built       []Built `json:"-"`
}

// Prepare gathers what the forecast reads of a rendered design, as Inputs
// does, with the key of those inputs.
func Prepare(p *plan.Plan, built []Built, tree map[string][]byte) (*Input, error) {
	src := sources{Machines: Machines(p), EtcdStacked: !p.Etcd.External, CoreDNS: p.Scale.CoreDNSReplicas, Built: built}
	for _, n := range p.ControlPlane {
		src.Masters = append(src.Masters, n.Name)
	}
	var static []string
	for name := range tree {
		if path.Dir(name) == StaticPodDir && strings.HasSuffix(name, ".yaml") && name != plan.KubeVIPInitPod {
			// The first master's kube-vip while kubeadm init runs is in
			// the manifest file kube-vip.yaml replaces: never a second pod.
			static = append(static, name)
		}
	}
	sort.Strings(static)
	for _, name := range static {
		src.Static = append(src.Static, Built{Dir: name, Objects: tree[name]})
	}
	// The local proxy runs on the workers; kube-vip and HAProxy with
	// keepalived on the masters.
	src.LBNodes = src.Masters
	if p.LB.LocalProxy {
		src.LBNodes = nil
		for _, n := range p.LB.ProxyNodes {
			src.LBNodes = append(src.LBNodes, n.Name)
		}
	}
	objs, err := src.objects()
	if err != nil {
		return nil, err
	}
	return &Input{Machines: src.Machines, Objects: objs, Key: src.key()}, nil
}

// objects parses the sources into the forecast's objects.
func (src *sources) objects() (*Objects, error) {
	objs := NewObjects()
	for _, pod := range KubeadmStaticPods(src.EtcdStacked) {
		objs.AddStaticPod("kubeadm", pod, src.Masters)
	}
	for _, f := range src.Static {
		var pod corev1.Pod
		if err := yaml.Unmarshal(f.Objects, &pod); err != nil {
			return nil, fmt.Errorf("%s: %w", f.Dir, err)
		}
		objs.AddStaticPod("loadbalancer", &pod, src.LBNodes)
	}
	for _, o := range KubeadmAddons(src.CoreDNS) {
		objs.Add("kubeadm", o)
	}
	for _, b := range src.Built {
		if err := objs.AddJSON(strings.TrimPrefix(b.Dir, "manifests/"), b.Objects); err != nil {
			return nil, err
		}
	}
	return objs, nil
}

// key hashes every field of the sources: the plain ones as JSON, then
// each file's name and bytes, each with its length.
func (src *sources) key() [sha256.Size]byte {
	h := sha256.New()
	plain, err := json.Marshal(src)
	if err != nil {
		panic(err) // plain data always marshals
	}
	fmt.Fprintf(h, "%d\n", len(plain))
	h.Write(plain)
	for _, list := range [][]Built{src.Static, src.Built} {
		fmt.Fprintf(h, "\n%d files\n", len(list))
		for _, f := range list {
			fmt.Fprintf(h, "%q %d\n", f.Dir, len(f.Objects))
			h.Write(f.Objects)
		}
	}
	var k [sha256.Size]byte
	h.Sum(k[:0])
	return k
}
