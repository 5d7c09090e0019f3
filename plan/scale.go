package plan

// Scale is the tuning a cluster of this size needs.
type Scale struct {
	// CoreDNSReplicas is the size of kubeadm's CoreDNS Deployment.
	CoreDNSReplicas int
}

func (p *Plan) scale() {
	p.Scale.CoreDNSReplicas = 2
}
