package plan

import (
	"fmt"
	"slices"
)

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
	if f.APIReachable {
		f.RequestsMayFailFor, f.EtcdClients = p.failureWindow(lost)
	}
	return f
}

// EtcdClientGiveUp is how long, in seconds, kube-apiserver's etcd client
// keeps a connection to a member that stopped answering without closing
// it (power lost, network cut): gRPC pings an idle connection after 30 s
// and drops it when the ping has no answer within 10 s
// (k8s.io/apiserver v0.37.2, pkg/storage/storagebackend/factory/etcd3.go:
// keepaliveTime, keepaliveTimeout). Until then the client's round robin
// keeps sending that member its share of the requests, which wait and
// fail.
const EtcdClientGiveUp = 30 + 10

// EtcdElection bounds, in seconds, how long etcd is without a leader
// when the leader is lost: a follower campaigns after a randomized
// election timeout of one to two times the default 1,000 ms (blueprint
// leaves etcd's --election-timeout at its default).
const EtcdElection = 2

// failureWindow bounds how long after a loss the API keeps failing some
// requests, in seconds, for the load balancers blueprint configures: the
// slowest of what the loss sets off, which all start with it: HAProxy
// sends a lost API server its share of the requests until three health
// checks in a row have failed, each taking up to its timeout when the
// server does not answer at all, the next starting an interval after the
// last one ended (HAProxy 2.6 reschedules a check from its end), so
// fall × (inter + timeout); keepalived's backup takes the VIP when a
// holder is lost (MasterDown); kube-vip's leader lease expires; etcd
// elects a new leader when it lost one (EtcdElection). With external
// etcd, each API server talks to every member, and requests sent to a
// lost member wait until the etcd client gives up on it
// (EtcdClientGiveUp); a stacked member is only asked by the API server
// beside it, which goes with it. It reports whether that last term is in.
func (p *Plan) failureWindow(lost func(Node) bool) (float64, bool) {
	if !p.LB.Managed && !p.LB.KubeVIP && !p.LB.LocalProxy {
		return 0, false // the external load balancer's checks are not ours to bound
	}
	anyLost := func(nodes []Node) bool { return slices.ContainsFunc(nodes, lost) }
	var w float64
	switch {
	case p.LB.KubeVIP:
		if anyLost(p.ControlPlane) {
			w = max(w, float64(kubeVIPTimings.LeaseDuration+kubeVIPTimings.RetryPeriod))
		}
	default: // HAProxy: on load-balancer hosts, colocated, or on every worker
		if anyLost(p.ControlPlane) {
			w = max(w, float64(p.LB.HAProxyFall*(p.LB.HAProxyInter+p.LB.HAProxyTimeout)))
		}
		for _, peer := range p.LB.Peers {
			if lost(peer.Node) {
				w = max(w, p.LB.MasterDown())
				break
			}
		}
	}
	etcdLost := anyLost(p.Etcd.Members)
	if etcdLost {
		w = max(w, EtcdElection)
	}
	if etcdLost && p.Etcd.External {
		w = max(w, EtcdClientGiveUp)
		return w, true
	}
	return w, false
}

// ComponentFailure is what the design promises when one program of the
// host holding the VIP stops and stays down.
type ComponentFailure struct {
	Component    string // the program, as its static pod or unit names it: "haproxy", "kube-apiserver"
	VIPMoves     bool
	APIReachable bool
	Why          string
}

// MasterDown is how long, in seconds, the backup that takes over waits
// without an advert it accepts before it takes the VIP: three advert
// intervals plus a skew of (256 - its priority) / 256 s (keepalived's
// VRRP_MS_DOWN_TIMER). A lower-priority advert does not shorten the wait:
// keepalived 2.2.7 discards it (vrrp.c, "received lower priority advert -
// discarding").
func (lb *LoadBalancer) MasterDown() float64 {
	next := 0
	if len(lb.Peers) == 0 {
		return 0
	}
	for _, p := range lb.Peers[1:] {
		next = max(next, p.Priority)
	}
	return 3*float64(lb.AdvertInterval) + float64(256-next)/256
}

// TakeoverBound is how long, in seconds, after the holder's check starts
// failing a healthy peer holds the VIP at the latest: the failed checks
// that lower the holder's priority, then the backup's master-down wait.
func (lb *LoadBalancer) TakeoverBound() float64 {
	return float64(lb.CheckInterval*lb.CheckFall) + lb.MasterDown()
}

// componentFailures: keepalived's check asks the local HAProxy for the
// API, so a stopped HAProxy fails it and the VIP moves; a stopped API
// server on that host does not, since its HAProxy still reaches the
// others and takes the stopped one out of rotation.
//
// Without keepalived (one HAProxy host, or HAProxy on every worker) there
// is no VIP to move, so there is no such table.
func componentFailures(p *Plan) []ComponentFailure {
	if !p.LB.Managed || !p.LB.Keepalived {
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

// EtcdClientWait is EtcdClientGiveUp, for the templates.
func (p *Plan) EtcdClientWait() int { return EtcdClientGiveUp }

// EtcdElectionBound is EtcdElection, for the templates.
func (p *Plan) EtcdElectionBound() int { return EtcdElection }
