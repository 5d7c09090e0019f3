package plan

import "fmt"

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

func (p *Plan) failure(what string, lost func(Node) bool) Failure {
	f := Failure{Lost: what}
	seen := map[string]bool{}
	machines := append(append(append([]Node{}, p.ControlPlane...), p.Etcd.Members...), p.Workers...)
	for _, peer := range p.LB.Peers {
		machines = append(machines, peer.Node)
	}
	for _, m := range machines {
		if lost(m) && !seen[m.Name] {
			seen[m.Name] = true
			f.Machines = append(f.Machines, m.Name)
		}
	}
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
	case !p.LB.Managed:
		f.LoadBalancer = "external, not affected"
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

// ComponentFailure is what the design promises when one program of the
// host holding the VIP stops and stays down.
type ComponentFailure struct {
	Component    string // the program, as its static pod or unit names it: "haproxy", "kube-apiserver"
	VIPMoves     bool
	APIReachable bool
	Why          string
}

// TakeoverBound is how long after the check starts failing a healthy peer
// holds the VIP at the latest: the failures that lower the priority, then
// one advert carrying the lower priority.
func (lb *LoadBalancer) TakeoverBound() int {
	return lb.CheckInterval*lb.CheckFall + lb.AdvertInterval
}

// componentFailures: keepalived's check asks the local HAProxy for the
// API, so a stopped HAProxy fails it and the VIP moves; a stopped API
// server on that host does not, since its HAProxy still reaches the
// others and takes the stopped one out of rotation.
func componentFailures(p *Plan) []ComponentFailure {
	if !p.LB.Managed {
		return nil
	}
	out := []ComponentFailure{{Component: "haproxy", VIPMoves: true, APIReachable: true,
		Why: fmt.Sprintf("the check fails and lowers the host's priority by %d, below every healthy peer", p.LB.CheckWeight)}}
	if p.LB.Colocated {
		out = append(out, ComponentFailure{Component: "kube-apiserver", VIPMoves: false, APIReachable: true,
			Why: "the check passes through the local HAProxy, which sends requests to the other API servers once its own check marks this one down"})
	}
	return out
}
