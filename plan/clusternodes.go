package plan

// ClusterNodes returns the machines that register as Kubernetes Nodes: the
// control-plane nodes, then the pool workers. External etcd members and
// dedicated load-balancer hosts run no kubelet, so they are not among them.
// Each comes with the labels and taints its kubelet is configured with
// (kubeadm adds the control-plane role label itself; see ControlPlaneLabel).
func (p *Plan) ClusterNodes() []Node {
	nodes := make([]Node, 0, len(p.ControlPlane)+len(p.Workers))
	nodes = append(nodes, p.ControlPlane...)
	return append(nodes, p.Workers...)
}

// ControlPlaneLabel is the label kubeadm puts on every control-plane node,
// with an empty value.
const ControlPlaneLabel = "node-role.kubernetes.io/control-plane"
