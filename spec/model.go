// Package spec reads blueprint's HCL files into a typed model that keeps the
// source range of every block and attribute. It represents the source as the
// user wrote it (after variables, locals and functions are evaluated): defaults
// and cross-checks live in package validate, derived data in package plan.
//
// Every string of the model, whatever its field, is checked by one walk in
// package validate that refuses control characters; a field that may span
// lines says so with the struct tag `text:"multiline"` and may then hold
// newlines, nothing else.
package spec

import "github.com/hashicorp/hcl/v2"

// Spec is one cluster description, merged from every file that was loaded.
type Spec struct {
	Cluster      *Cluster      `hcl:"cluster,block"`
	Network      *Network      `hcl:"network,block"`
	Zones        []*Zone       `hcl:"zone,block"`
	ControlPlane *ControlPlane `hcl:"control_plane,block"`
	Etcd         *Etcd         `hcl:"etcd,block"`
	LoadBalancer *LoadBalancer `hcl:"load_balancer,block"`
	NodePools    []*NodePool   `hcl:"node_pool,block"`

	Authentication *Authentication `hcl:"authentication,block"`

	Images         *Images                  `hcl:"images,block"`
	ImageScanning  *ImageScanning           `hcl:"image_scanning,block"`
	Namespaces     []*Namespace             `hcl:"namespace,block"`
	StorageClasses []*StorageClass          `hcl:"storage_class,block"`
	Volumes        []*PersistentVolume      `hcl:"persistent_volume,block"`
	Claims         []*PersistentVolumeClaim `hcl:"persistent_volume_claim,block"`
	Roles          []*RBACRole              `hcl:"role,block"`
	RoleBindings   []*RoleBinding           `hcl:"role_binding,block"`
	Teams          []*Team                  `hcl:"team,block"`
	BreakGlass     []*BreakGlass            `hcl:"break_glass,block"`
	Monitoring     *Monitoring              `hcl:"monitoring,block"`
	Logging        *Logging                 `hcl:"logging,block"`
	Autoscaling    *Autoscaling             `hcl:"autoscaling,block"`
	Expose         *Expose                  `hcl:"expose,block"`
	GitOps         *GitOps                  `hcl:"gitops,block"`

	// Tuning overrides what blueprint sets from the cluster's size.
	Tuning *Tuning `hcl:"tuning,block"`

	Kafka []*Kafka `hcl:"kafka,block"`
	HDFS  []*HDFS  `hcl:"hdfs,block"`
	Spark []*Spark `hcl:"spark,block"`

	Accepts []*Accept `hcl:"accept,block"`

	// Files holds the parsed sources, for printing diagnostics with snippets.
	Files map[string]*hcl.File
	// DeclRange is the start of the first file, the subject of diagnostics
	// about blocks that are missing altogether.
	DeclRange hcl.Range
}

// Cluster names the cluster and the Kubernetes release it runs.
type Cluster struct {
	Name                   string    `hcl:"name,label"`
	NameRange              hcl.Range `hcl:"name,label_range"`
	KubernetesVersion      string    `hcl:"kubernetes_version,optional"`
	KubernetesVersionRange hcl.Range `hcl:"kubernetes_version,attr_value_range"`
	DNSDomain              *string   `hcl:"dns_domain,optional"`
	DNSDomainRange         hcl.Range `hcl:"dns_domain,attr_value_range"`
	ImageRepository        *string   `hcl:"image_repository,optional"`
	ImageRepositoryRange   hcl.Range `hcl:"image_repository,attr_value_range"`
	CRISocket              *string   `hcl:"cri_socket,optional"`
	CRISocketRange         hcl.Range `hcl:"cri_socket,attr_value_range"`
	DeclRange              hcl.Range `hcl:",def_range"`
}

// Network holds the address plan of the cluster.
type Network struct {
	NodeSubnets       []string  `hcl:"node_subnets,attr"`
	NodeSubnetsRange  hcl.Range `hcl:"node_subnets,attr_value_range"`
	PodCIDRs          []string  `hcl:"pod_cidrs,optional"`
	PodCIDRsRange     hcl.Range `hcl:"pod_cidrs,attr_value_range"`
	ServiceCIDRs      []string  `hcl:"service_cidrs,optional"`
	ServiceCIDRsRange hcl.Range `hcl:"service_cidrs,attr_value_range"`
	CNI               *string   `hcl:"cni,optional"`
	CNIRange          hcl.Range `hcl:"cni,attr_value_range"`
	ProxyMode         *string   `hcl:"proxy_mode,optional"`
	ProxyModeRange    hcl.Range `hcl:"proxy_mode,attr_value_range"`
	DeclRange         hcl.Range `hcl:",def_range"`
}

// Zone is an availability zone: a failure domain that can be lost as a whole.
type Zone struct {
	Name      string    `hcl:"name,label"`
	NameRange hcl.Range `hcl:"name,label_range"`
	// Region is the region the zone is in; in a fleet, the member's
	// region when not set.
	Region      *string   `hcl:"region,optional"`
	RegionRange hcl.Range `hcl:"region,attr_value_range"`
	DeclRange   hcl.Range `hcl:",def_range"`
}

// Host is a machine with a fixed address in a zone: a control-plane node, an
// external etcd member or a load-balancer host. The address is an IP
// address or a DNS name.
type Host struct {
	Name         string    `hcl:"name,label"`
	NameRange    hcl.Range `hcl:"name,label_range"`
	Address      string    `hcl:"address,attr"`
	AddressRange hcl.Range `hcl:"address,attr_value_range"`
	// SSHAddress is where an operator reaches the machine to carry out
	// ARCHITECTURE.md's steps, when that differs from Address (a bastion's
	// forward, a public address).
	SSHAddress      *string   `hcl:"ssh_address,optional"`
	SSHAddressRange hcl.Range `hcl:"ssh_address,attr_value_range"`
	Zone            string    `hcl:"zone,attr"`
	ZoneRange       hcl.Range `hcl:"zone,attr_value_range"`
	DeclRange       hcl.Range `hcl:",def_range"`
}

// ControlPlane lists the nodes that run the API server, scheduler and
// controller-manager (and etcd, when it is stacked).
type ControlPlane struct {
	Nodes []*Host `hcl:"node,block"`
	// Schedulable leaves off the control-plane taint, so that any pod may
	// run on these nodes.
	Schedulable      *bool     `hcl:"schedulable,optional"`
	SchedulableRange hcl.Range `hcl:"schedulable,attr_value_range"`
	// ExtraSANs are more names and addresses for the API server's
	// certificate, such as a DNS name of the endpoint.
	ExtraSANs      []string  `hcl:"extra_sans,optional"`
	ExtraSANsRange hcl.Range `hcl:"extra_sans,attr_value_range"`
	// CPU and Memory size each control-plane machine, for its kubelet's
	// reservations; they default to DefaultControlPlaneCPU and
	// DefaultControlPlaneMemory.
	CPU                 *int              `hcl:"cpu,optional"`
	CPURange            hcl.Range         `hcl:"cpu,attr_value_range"`
	Memory              *string           `hcl:"memory,optional"`
	MemoryRange         hcl.Range         `hcl:"memory,attr_value_range"`
	SystemReserved      map[string]string `hcl:"system_reserved,optional"`
	SystemReservedRange hcl.Range         `hcl:"system_reserved,attr_value_range"`
	KubeReserved        map[string]string `hcl:"kube_reserved,optional"`
	KubeReservedRange   hcl.Range         `hcl:"kube_reserved,attr_value_range"`
	EvictionHard        map[string]string `hcl:"eviction_hard,optional"`
	EvictionHardRange   hcl.Range         `hcl:"eviction_hard,attr_value_range"`
	// MaxPods is each control-plane node's kubelet maxPods.
	MaxPods      *int      `hcl:"max_pods,optional"`
	MaxPodsRange hcl.Range `hcl:"max_pods,attr_value_range"`
	DeclRange    hcl.Range `hcl:",def_range"`
}

// SchedulableOrDefault reports whether the control-plane nodes take
// ordinary pods (false: they carry kubeadm's control-plane taint).
func (c *ControlPlane) SchedulableOrDefault() bool { return c != nil && or(c.Schedulable, false) }

// Etcd chooses where etcd runs, and how it is backed up.
type Etcd struct {
	Topology      *string     `hcl:"topology,optional"`
	TopologyRange hcl.Range   `hcl:"topology,attr_value_range"`
	Members       []*Host     `hcl:"member,block"`
	Backup        *EtcdBackup `hcl:"backup,block"`
	DeclRange     hcl.Range   `hcl:",def_range"`
}

// LoadBalancer describes how clients reach the API servers.
type LoadBalancer struct {
	Mode                 string    `hcl:"mode,attr"`
	ModeRange            hcl.Range `hcl:"mode,attr_value_range"`
	VIP                  *string   `hcl:"vip,optional"`
	VIPRange             hcl.Range `hcl:"vip,attr_value_range"`
	Port                 *int      `hcl:"port,optional"`
	PortRange            hcl.Range `hcl:"port,attr_value_range"`
	Interface            *string   `hcl:"interface,optional"`
	InterfaceRange       hcl.Range `hcl:"interface,attr_value_range"`
	VirtualRouterID      *int      `hcl:"virtual_router_id,optional"`
	VirtualRouterIDRange hcl.Range `hcl:"virtual_router_id,attr_value_range"`
	Endpoint             *string   `hcl:"endpoint,optional"`
	EndpointRange        hcl.Range `hcl:"endpoint,attr_value_range"`
	Hosts                []*Host   `hcl:"host,block"`
	DeclRange            hcl.Range `hcl:",def_range"`
}

// NodePool is a group of worker nodes that share capacity, labels and taints.
// Nodes are listed one by one (node blocks, which dynamic blocks can
// generate) or counted per zone.
type NodePool struct {
	Name              string            `hcl:"name,label"`
	NameRange         hcl.Range         `hcl:"name,label_range"`
	Zones             []string          `hcl:"zones,optional"`
	ZonesRange        hcl.Range         `hcl:"zones,attr_value_range"`
	CountPerZone      *int              `hcl:"count_per_zone,optional"`
	CountPerZoneRange hcl.Range         `hcl:"count_per_zone,attr_value_range"`
	CPU               int               `hcl:"cpu,optional"` // 0 when not given
	CPURange          hcl.Range         `hcl:"cpu,attr_value_range"`
	Memory            string            `hcl:"memory,optional"` // "" when not given
	MemoryRange       hcl.Range         `hcl:"memory,attr_value_range"`
	Labels            map[string]string `hcl:"labels,optional"`
	LabelsRange       hcl.Range         `hcl:"labels,attr_value_range"`
	Taints            []*Taint          `hcl:"taint,block"`
	Autoscale         *PoolAutoscale    `hcl:"autoscale,block"`
	Nodes             []*PoolNode       `hcl:"node,block"`
	// The kubelet's reservations on each node of the pool, overriding
	// plan.DefaultReservations key by key.
	SystemReserved      map[string]string `hcl:"system_reserved,optional"`
	SystemReservedRange hcl.Range         `hcl:"system_reserved,attr_value_range"`
	KubeReserved        map[string]string `hcl:"kube_reserved,optional"`
	KubeReservedRange   hcl.Range         `hcl:"kube_reserved,attr_value_range"`
	EvictionHard        map[string]string `hcl:"eviction_hard,optional"`
	EvictionHardRange   hcl.Range         `hcl:"eviction_hard,attr_value_range"`
	// MaxPods is each node's kubelet maxPods.
	MaxPods      *int      `hcl:"max_pods,optional"`
	MaxPodsRange hcl.Range `hcl:"max_pods,attr_value_range"`
	DeclRange    hcl.Range `hcl:",def_range"`
}

// KubeletReservations are what a machine's kubelet keeps from pods, as the
// spec overrides them: system_reserved, kube_reserved and eviction_hard.
type KubeletReservations struct {
	SystemReserved, KubeReserved, EvictionHard                map[string]string
	SystemReservedRange, KubeReservedRange, EvictionHardRange hcl.Range
}

// Reservations returns the pool's overrides. gohcl cannot decode embedded
// structs, so the blocks repeat the attributes.
func (p *NodePool) Reservations() KubeletReservations {
	return KubeletReservations{p.SystemReserved, p.KubeReserved, p.EvictionHard, p.SystemReservedRange, p.KubeReservedRange, p.EvictionHardRange}
}

// Reservations returns the control plane's overrides.
func (c *ControlPlane) Reservations() KubeletReservations {
	return KubeletReservations{c.SystemReserved, c.KubeReserved, c.EvictionHard, c.SystemReservedRange, c.KubeReservedRange, c.EvictionHardRange}
}

// CPUKnown reports whether the pool states how many cores its machines
// have. Sources a design is imported from often do not; every check and
// forecast that needs a machine's size skips (and says so) where this is
// false.
func (p *NodePool) CPUKnown() bool { return p.CPURange.Filename != "" }

// MemoryKnown reports whether the pool states its machines' memory.
func (p *NodePool) MemoryKnown() bool { return p.MemoryRange.Filename != "" }

// CapacityKnown reports whether the pool states both.
func (p *NodePool) CapacityKnown() bool { return p.CPUKnown() && p.MemoryKnown() }

// PoolNode is one explicitly listed worker node.
type PoolNode struct {
	Name            string    `hcl:"name,label"`
	NameRange       hcl.Range `hcl:"name,label_range"`
	Address         *string   `hcl:"address,optional"`
	AddressRange    hcl.Range `hcl:"address,attr_value_range"`
	SSHAddress      *string   `hcl:"ssh_address,optional"`
	SSHAddressRange hcl.Range `hcl:"ssh_address,attr_value_range"`
	Zone            string    `hcl:"zone,attr"`
	ZoneRange       hcl.Range `hcl:"zone,attr_value_range"`
	DeclRange       hcl.Range `hcl:",def_range"`
}

// Taint keeps pods off a pool unless they tolerate it.
type Taint struct {
	Key         string    `hcl:"key,attr"`
	KeyRange    hcl.Range `hcl:"key,attr_value_range"`
	Value       *string   `hcl:"value,optional"`
	ValueRange  hcl.Range `hcl:"value,attr_value_range"`
	Effect      string    `hcl:"effect,attr"`
	EffectRange hcl.Range `hcl:"effect,attr_value_range"`
	DeclRange   hcl.Range `hcl:",def_range"`
}
