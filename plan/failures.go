package plan

// failures answers, for the loss of each zone and of each single
// control-plane, etcd or load-balancer machine, whether etcd keeps quorum
// and whether the API stays reachable through the endpoint.
func failures(p *Plan) []Failure {
	var out []Failure
	for _, z := range p.Zones {
		out = append(out, p.failure("zone "+z, func(n Node) bool { return n.Zone == z }))
	}
	seen := map[string]bool{}
	var singles []Node
	singles = append(singles, p.ControlPlane...)
	singles = append(singles, p.Etcd.Members...)
	for _, peer := range p.LB.Peers {
		singles = append(singles, peer.Node)
	}
	singles = append(singles, p.LB.Hosts...)
	for _, n := range singles {
		if seen[n.Name] {
			continue
		}
		seen[n.Name] = true
		name := n.Name
		out = append(out, p.failure("node "+name, func(m Node) bool { return m.Name == name }))
	}
	return out
}

// FailureOf answers, for the loss of the machines lost says, whether etcd
// keeps quorum and the API stays reachable.
func (p *Plan) FailureOf(what string, lost func(Node) bool) Failure { return p.failure(what, lost) }

func (p *Plan) failure(what string, lost func(Node) bool) Failure {
	f := Failure{Lost: what}
	for _, m := range p.Etcd.Members {
		if !lost(m) {
			f.EtcdLeft++
		}
	}
	f.EtcdQuorum = f.EtcdLeft >= p.Etcd.Quorum
	for _, n := range p.ControlPlane {
		if !lost(n) {
			f.APIServers++
		}
	}
	lbUp := true
	switch {
	case p.LB.KubeVIP:
		// The VIP's holder is elected with a Lease in the API.
		lbUp = f.APIServers > 0 && f.EtcdQuorum
		switch {
		case f.APIServers == 0:
			f.LoadBalancer = "no control-plane node left to hold the VIP"
		case !f.EtcdQuorum:
			f.LoadBalancer = "no kube-vip leader: its Lease needs the API"
		default:
			f.LoadBalancer = "VIP held by the kube-vip leader among the survivors"
		}
	case p.LB.LocalProxy:
		lbUp = f.APIServers > 0
		f.LoadBalancer = "each worker's proxy skips the lost API servers"
	case !p.LB.Managed:
		f.LoadBalancer = "external, not affected"
	case !p.LB.Keepalived:
		lbUp = !lost(p.LB.Hosts[0])
		if lbUp {
			f.LoadBalancer = "HAProxy host up"
		} else {
			f.LoadBalancer = "the only HAProxy host is lost"
		}
	default:
		left := 0
		for _, peer := range p.LB.Peers {
			if !lost(peer.Node) {
				left++
			}
		}
		lbUp = left > 0
		if lbUp {
			f.LoadBalancer = "VIP held by a surviving host"
		} else {
			f.LoadBalancer = "no host left to hold the VIP"
		}
	}
	f.APIReachable = f.EtcdQuorum && f.APIServers > 0 && lbUp
	return f
}
