package spec

// Defaults for every optional attribute. Validation and planning both read
// optional values through these methods, so they agree on what was meant.

// Default values of optional attributes.
const (
	DefaultDNSDomain       = "cluster.local"
	DefaultImageRepository = "registry.k8s.io"
	DefaultCRISocket       = "unix:///var/run/containerd/containerd.sock"
	DefaultCNI             = "calico"
	CNINone                = "none" // the operator installs a CNI blueprint knows nothing of
	DefaultProxyMode       = "iptables"
	DefaultServiceCIDR     = "10.96.0.0/12"
	DefaultInterface       = "eth0"
	DefaultVirtualRouterID = 51
	DefaultDedicatedPort   = 6443
	DefaultColocatedPort   = 8443
	EtcdStacked            = "stacked"
	EtcdExternal           = "external"
	LBDedicated            = "dedicated"
	LBColocated            = "colocated"
	LBExternal             = "external"
	LBKubeVIP              = "kube-vip"
	LBLocalProxy           = "local-proxy"
	// The size assumed for each control-plane machine when control_plane
	// does not give cpu and memory.
	DefaultControlPlaneCPU    = 4
	DefaultControlPlaneMemory = "16Gi"
)

// CPUOrDefault returns the cores of each control-plane machine.
func (c *ControlPlane) CPUOrDefault() int { return or(c.CPU, DefaultControlPlaneCPU) }

// MemoryOrDefault returns the memory of each control-plane machine.
func (c *ControlPlane) MemoryOrDefault() string { return or(c.Memory, DefaultControlPlaneMemory) }

// CNIPodCIDR is the pod CIDR each supported CNI uses when not told otherwise.
var CNIPodCIDR = map[string]string{
	"calico": "192.168.0.0/16",
	// Cilium's own default, 10.0.0.0/8, contains kubeadm's default service
	// range 10.96.0.0/12; blueprint picks a range that does not.
	"cilium": "10.244.0.0/16",
	// Flannel's own default (net-conf.json's Network).
	"flannel": "10.244.0.0/16",
}

func or[T any](p *T, def T) T {
	if p == nil {
		return def
	}
	return *p
}

// DNSDomainOrDefault returns the cluster DNS domain.
func (c *Cluster) DNSDomainOrDefault() string { return or(c.DNSDomain, DefaultDNSDomain) }

// ImageRepositoryOrDefault returns the registry control-plane images come from.
func (c *Cluster) ImageRepositoryOrDefault() string {
	return or(c.ImageRepository, DefaultImageRepository)
}

// CRISocketOrDefault returns the container runtime endpoint.
func (c *Cluster) CRISocketOrDefault() string { return or(c.CRISocket, DefaultCRISocket) }

// CNIOrDefault returns the chosen CNI plugin.
func (n *Network) CNIOrDefault() string { return or(n.CNI, DefaultCNI) }

// ProxyModeOrDefault returns kube-proxy's mode.
func (n *Network) ProxyModeOrDefault() string { return or(n.ProxyMode, DefaultProxyMode) }

// PodCIDRsOrDefault returns the pod CIDRs, defaulting to the CNI's own.
func (n *Network) PodCIDRsOrDefault() []string {
	if len(n.PodCIDRs) > 0 {
		return n.PodCIDRs
	}
	if c, ok := CNIPodCIDR[n.CNIOrDefault()]; ok {
		return []string{c}
	}
	return nil
}

// ServiceCIDRsOrDefault returns the service CIDRs.
func (n *Network) ServiceCIDRsOrDefault() []string {
	if len(n.ServiceCIDRs) > 0 {
		return n.ServiceCIDRs
	}
	return []string{DefaultServiceCIDR}
}

// TopologyOrDefault returns stacked or external.
func (e *Etcd) TopologyOrDefault() string {
	if e == nil {
		return EtcdStacked
	}
	return or(e.Topology, EtcdStacked)
}

// PortOrDefault returns the port clients use to reach the API through the
// load balancer: 8443 when HAProxy shares the nodes with the API servers.
func (lb *LoadBalancer) PortOrDefault() int {
	if lb.Mode == LBColocated {
		return or(lb.Port, DefaultColocatedPort)
	}
	return or(lb.Port, DefaultDedicatedPort)
}

// InterfaceOrDefault returns the network interface that carries the VIP.
func (lb *LoadBalancer) InterfaceOrDefault() string { return or(lb.Interface, DefaultInterface) }

// VirtualRouterIDOrDefault returns the VRRP router id.
func (lb *LoadBalancer) VirtualRouterIDOrDefault() int {
	return or(lb.VirtualRouterID, DefaultVirtualRouterID)
}
