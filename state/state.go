// Package state is the design blueprint last rendered into an output
// folder, recorded there as .blueprint-state.json: machines, versions, the
// API endpoint, etcd, the load balancer, the control plane's flags and every
// object of manifests/ and gitops/ with the fields that decide what a change
// does to a running cluster. `blueprint plan` compares it with a new design
// offline, from the folder alone.
//
// The file is hostile input like everything in the folder: it is read
// through internal/safefs with a size limit, decoded strictly (an unknown
// field is an error) and refused when its version is not one this package
// knows.
package state

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// FileName is the state file's name in the output folder.
const FileName = ".blueprint-state.json"

// Kind is the value of the file's "kind" field.
const Kind = "BlueprintState"

// Version is the schema version this package writes and reads. A change
// that old readers would misread raises it.
const Version = 1

// MaxSize bounds the state file read back: a 5,000-machine design with
// every service takes a few megabytes.
const MaxSize = 64 << 20

// State is one rendered design.
type State struct {
	Kind    string `json:"kind"`
	Version int    `json:"version"`
	Cluster string `json:"cluster"`

	Kubernetes   Kubernetes   `json:"kubernetes"`
	Network      Network      `json:"network"`
	API          API          `json:"api"`
	Machines     []Machine    `json:"machines"`
	Etcd         Etcd         `json:"etcd"`
	LoadBalancer LoadBalancer `json:"loadBalancer"`
	ControlPlane []Component  `json:"controlPlane"`
	Kubelet      Config       `json:"kubelet"`
	KubeProxy    Config       `json:"kubeProxy"`
	Objects      []Object     `json:"objects"`
}

// Kubernetes is the release and what comes with it.
type Kubernetes struct {
	Version         string `json:"version"`     // "1.37.2"
	EtcdVersion     string `json:"etcdVersion"` // the etcd image kubeadm of that minor deploys, "3.7.0-0"
	KubeadmAPI      string `json:"kubeadmAPI"`  // "kubeadm.k8s.io/v1beta4"
	ImageRepository string `json:"imageRepository"`
	CRISocket       string `json:"criSocket"`
}

// Network is the cluster's address plan.
type Network struct {
	CNI          string   `json:"cni"`
	PodCIDRs     []string `json:"podCIDRs"`
	ServiceCIDRs []string `json:"serviceCIDRs"`
	DNSDomain    string   `json:"dnsDomain"`
	NodeSubnets  []string `json:"nodeSubnets"`
}

// API is where clients reach the API server, and the names its serving
// certificate holds.
type API struct {
	Endpoint string   `json:"endpoint"` // host:port
	CertSANs []string `json:"certSANs"`
}

// Roles a machine can have.
const (
	RoleControlPlane = "control-plane"
	RoleEtcd         = "etcd"
	RoleLoadBalancer = "load-balancer"
	RoleWorker       = "worker"
)

// Machine is one host of the design.
type Machine struct {
	Name    string   `json:"name"`
	Address string   `json:"address,omitempty"`
	Zone    string   `json:"zone"`
	Pool    string   `json:"pool,omitempty"`
	Roles   []string `json:"roles"`
	// First is set on the control-plane node that ran kubeadm init.
	First  bool   `json:"first,omitempty"`
	CPU    int    `json:"cpu,omitempty"`
	Memory string `json:"memory,omitempty"`
	// Kubelet is set when the machine runs a kubelet (it registers a Node).
	Kubelet bool              `json:"kubelet"`
	Labels  map[string]string `json:"labels,omitempty"`
	Taints  []Taint           `json:"taints,omitempty"`
	// KubeletArgs is the hash of the kubelet flags its join or init
	// configuration sets for this node (node-ip, node-labels).
	KubeletArgs string `json:"kubeletArgs,omitempty"`
	// KubeletPatch is the hash of its pool's kubeadm patch of the
	// KubeletConfiguration (kubeadm/kubelet-patches/<pool>/), which its
	// join and every kubeadm upgrade of it apply.
	KubeletPatch string `json:"kubeletPatch,omitempty"`
	// StaticPods maps each static pod the machine runs (kube-apiserver,
	// etcd, haproxy, …) to the hash of what configures it on this machine.
	StaticPods map[string]string `json:"staticPods,omitempty"`
}

// Taint is a node taint.
type Taint struct {
	Key    string `json:"key"`
	Value  string `json:"value,omitempty"`
	Effect string `json:"effect"`
}

// Etcd is the etcd cluster.
type Etcd struct {
	Topology string       `json:"topology"` // stacked or external
	Members  []EtcdMember `json:"members"`
}

// EtcdMember is one etcd member.
type EtcdMember struct {
	Name    string `json:"name"`
	PeerURL string `json:"peerURL"`
}

// LoadBalancer is the API's load balancer.
type LoadBalancer struct {
	Mode      string `json:"mode"` // colocated, dedicated or external
	VIP       string `json:"vip,omitempty"`
	Port      int    `json:"port"`
	Interface string `json:"interface,omitempty"`
	RouterID  int    `json:"routerID,omitempty"`
	Peers     []Peer `json:"peers,omitempty"`
	// HAProxy is the hash of haproxy.cfg, CheckScript of the keepalived
	// check script, StaticPods of each static pod file by name.
	HAProxy     string            `json:"haproxy,omitempty"`
	CheckScript string            `json:"checkScript,omitempty"`
	StaticPods  map[string]string `json:"staticPods,omitempty"`
}

// Peer is one keepalived instance.
type Peer struct {
	Name     string `json:"name"`
	Address  string `json:"address"`
	State    string `json:"state"` // MASTER or BACKUP
	Priority int    `json:"priority"`
	// Config is the hash of its keepalived.conf.
	Config string `json:"config"`
}

// Component is a control-plane component kubeadm runs as a static pod,
// configured by the ClusterConfiguration.
type Component struct {
	Name string `json:"name"` // kube-apiserver, kube-controller-manager, kube-scheduler, etcd
	Args []Arg  `json:"args"`
	// Volumes is the hash of its extraVolumes.
	Volumes string `json:"volumes,omitempty"`
	Hash    string `json:"hash"`
	// Files holds the hash of each file of the tree the component reads on
	// its host (HostFiles), by its path in the tree.
	Files map[string]string `json:"files,omitempty"`
}

// HostFile is a file of the tree that a control-plane component reads on
// every control-plane node, and where ARCHITECTURE.md installs it.
type HostFile struct {
	Tree      string // path in the tree
	Host      string // path on the host
	Component string // the component that reads it
	// Envsubst names the variables filled in on the host, or "".
	Envsubst string
}

// HostFiles are the files of the tree kube-apiserver reads from its host.
var HostFiles = []HostFile{
	{Tree: "kubeadm/audit-policy.yaml", Host: "/etc/kubernetes/audit/policy.yaml", Component: "kube-apiserver"},
	{Tree: "kubeadm/authentication-config.yaml", Host: "/etc/kubernetes/authentication/config.yaml", Component: "kube-apiserver"},
	{Tree: "kubeadm/encryption-config.yaml", Host: "/etc/kubernetes/encryption/config.yaml", Component: "kube-apiserver", Envsubst: "${ENCRYPTION_KEY}"},
}

// Arg is one flag.
type Arg struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// Config is a component configuration document (KubeletConfiguration,
// KubeProxyConfiguration): its hash and its top-level fields, each as
// compact JSON or, when long, as a hash.
type Config struct {
	Hash   string            `json:"hash,omitempty"`
	Fields map[string]string `json:"fields,omitempty"`
}

// Object is one Kubernetes object of manifests/ or gitops/, built by
// kustomize.
type Object struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Namespace  string `json:"namespace,omitempty"`
	Name       string `json:"name"`
	// Component is the folder that renders it: manifests/monitoring/prometheus.
	Component string `json:"component"`
	// GeneratedFrom is the generator name of a ConfigMap or Secret whose
	// name kustomize suffixes with a hash of its content.
	GeneratedFrom string `json:"generatedFrom,omitempty"`
	// Hash is the hash of the whole object as rendered.
	Hash string `json:"hash"`
	// PodTemplate is the hash of spec.template (Deployment, StatefulSet,
	// DaemonSet, Job) or of the CronJob's job template.
	PodTemplate string `json:"podTemplate,omitempty"`
	// PodLabels are the pod template's labels, to find the
	// PodDisruptionBudgets that cover the pods.
	PodLabels map[string]string `json:"podLabels,omitempty"`
	// Fields holds, for each field the impact rules look at (TrackedFields),
	// its value as compact JSON, or its Hash when longer than
	// MaxFieldValue bytes. A field the object does not set is absent.
	Fields map[string]string `json:"fields,omitempty"`
	// DefaultClass is set on the StorageClass annotated as the default.
	DefaultClass bool `json:"defaultClass,omitempty"`
	// Claims names the PersistentVolumeClaims a StatefulSet's
	// volumeClaimTemplates create per replica: "data-kafka-{0..2}".
	Claims []string `json:"claims,omitempty"`
}

// ID names the object as kubectl does: Kind/namespace/name, or
// Kind/name for a cluster-scoped object.
func (o Object) ID() string {
	if o.Namespace == "" {
		return o.Kind + "/" + o.Name
	}
	return o.Kind + "/" + o.Namespace + "/" + o.Name
}

// Group is the API group of the object ("" for the core group).
func (o Object) Group() string {
	if i := bytes.IndexByte([]byte(o.APIVersion), '/'); i >= 0 {
		return o.APIVersion[:i]
	}
	return ""
}

// GroupKind is Kind.group, or Kind for the core group: the object's type
// whatever its version.
func (o Object) GroupKind() string {
	if g := o.Group(); g != "" {
		return o.Kind + "." + g
	}
	return o.Kind
}

// Key identifies the object across versions of its API: group, kind,
// namespace and name.
func (o Object) Key() string { return o.GroupKind() + "/" + o.Namespace + "/" + o.Name }

// Encode writes the state as indented JSON, the same bytes for the same
// state: maps are written in key order and every list is sorted by Build.
func Encode(s *State) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(s); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// VersionError is a state file of a schema version this package cannot
// read.
type VersionError struct {
	Kind    string
	Version int
}

func (e *VersionError) Error() string {
	if e.Kind != Kind {
		return fmt.Sprintf("not a blueprint state file (kind %q, want %q)", e.Kind, Kind)
	}
	if e.Version > Version {
		return fmt.Sprintf("state file version %d is newer than this blueprint reads (version %d): use a newer blueprint", e.Version, Version)
	}
	return fmt.Sprintf("state file version %d is not one this blueprint reads (version %d): render the folder again with this blueprint", e.Version, Version)
}

// Decode reads a state file strictly: the kind and version are checked
// first, then every field must be one this version defines, and nothing may
// follow the object.
func Decode(data []byte) (*State, error) {
	if len(data) > MaxSize {
		return nil, fmt.Errorf("state file has %d bytes, more than the %d allowed", len(data), MaxSize)
	}
	var head struct {
		Kind    string `json:"kind"`
		Version int    `json:"version"`
	}
	if err := json.Unmarshal(data, &head); err != nil {
		return nil, fmt.Errorf("state file is not valid JSON: %w", err)
	}
	if head.Kind != Kind || head.Version != Version {
		return nil, &VersionError{Kind: head.Kind, Version: head.Version}
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var s State
	if err := dec.Decode(&s); err != nil {
		return nil, fmt.Errorf("state file: %w", err)
	}
	if err := s.check(); err != nil {
		return nil, fmt.Errorf("state file: %w", err)
	}
	return &s, nil
}

// check refuses what no render writes: duplicate names, empty identities.
func (s *State) check() error {
	seen := map[string]bool{}
	for _, m := range s.Machines {
		if m.Name == "" || seen[m.Name] {
			return fmt.Errorf("machine %q is empty or listed twice", m.Name)
		}
		seen[m.Name] = true
	}
	objs := map[string]bool{}
	for _, o := range s.Objects {
		if o.Kind == "" || o.Name == "" || o.APIVersion == "" || objs[o.Key()] {
			return fmt.Errorf("object %q has no kind, name or apiVersion, or is listed twice", o.ID())
		}
		objs[o.Key()] = true
	}
	return nil
}
