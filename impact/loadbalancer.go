package impact

import (
	"fmt"
	"sort"
	"strings"

	"github.com/blueprint-dev/blueprint/state"
)

// vipHolder is the keepalived peer that holds the VIP when all are
// healthy: the one with the highest priority.
func vipHolder(peers []state.Peer) string {
	best, name := -1, ""
	for _, p := range peers {
		if p.Priority > best {
			best, name = p.Priority, p.Name
		}
	}
	return name
}

// loadBalancer plans changes of HAProxy and keepalived: a reload where the
// service can read its configuration again (systemd on dedicated hosts), a
// restart of the container where it runs as a static pod, the VIP holder
// last; and whether the VIP moves.
func (c *comparer) loadBalancer() {
	o, n := c.old.LoadBalancer, c.new.LoadBalancer
	if o.Mode != n.Mode {
		c.add(Change{Target: "load balancer", Category: "load-balancer", Action: Refuse, Impact: Destructive, phase: phaseRefused,
			Summary: fmt.Sprintf("mode %s → %s is refused in place: the API endpoint's host and port, and which hosts run HAProxy and keepalived, all change; build the new load balancer beside the old one, then change the endpoint", o.Mode, n.Mode)})
		return
	}
	if n.Mode == "external" {
		return
	}
	colocated := n.Mode == "colocated"
	oldHolder, newHolder := vipHolder(o.Peers), vipHolder(n.Peers)
	// Peers in both designs, backups first and the VIP holder last, so the
	// VIP moves at most once.
	oldPeers := map[string]state.Peer{}
	for _, p := range o.Peers {
		oldPeers[p.Name] = p
	}
	var both []state.Peer
	for _, p := range n.Peers {
		if _, ok := oldPeers[p.Name]; ok && !c.rebuilt[p.Name] {
			both = append(both, p)
		}
	}
	sort.SliceStable(both, func(i, j int) bool { return both[i].Priority < both[j].Priority })

	if o.VIP != n.VIP || o.RouterID != n.RouterID || o.Interface != n.Interface {
		var what []string
		if o.VIP != n.VIP {
			what = append(what, fmt.Sprintf("VIP %s → %s", o.VIP, n.VIP))
		}
		if o.RouterID != n.RouterID {
			what = append(what, fmt.Sprintf("virtual router id %d → %d", o.RouterID, n.RouterID))
		}
		if o.Interface != n.Interface {
			what = append(what, fmt.Sprintf("interface %s → %s", o.Interface, n.Interface))
		}
		ch := Change{Target: "keepalived VRRP instance", Category: "load-balancer", Action: RestartComponent, Impact: Disruptive, phase: phaseLoadBalancer,
			Summary: strings.Join(what, ", ") + ": every peer must change together; while they differ, two VRRP instances run and the VIP is held by one group only"}
		ch.Steps = c.lbSteps(both, colocated, "keepalived", true)
		c.add(ch)
	}

	if o.HAProxy != n.HAProxy || (colocated && o.StaticPods["haproxy"] != n.StaticPods["haproxy"]) {
		ch := Change{Target: "haproxy on " + names(both), Category: "load-balancer", phase: phaseLoadBalancer}
		if colocated {
			ch.Action, ch.Impact = RestartComponent, Restart
			ch.Summary = "its configuration changes; HAProxy runs as a static pod, which reads its configuration only when it starts: its container restarts on each control-plane node, the VIP holder last; connections through that node reconnect"
		} else {
			ch.Action, ch.Impact = Reload, InPlace
			ch.Summary = "its configuration changes: systemctl reload starts new HAProxy workers with it while the old ones finish their connections"
		}
		ch.Steps = c.lbSteps(both, colocated, "haproxy", false)
		if len(both) > 0 {
			c.add(ch)
		}
	}
	var changedPeers []state.Peer
	for _, p := range both {
		if oldPeers[p.Name].Config != p.Config {
			changedPeers = append(changedPeers, p)
		}
	}
	if len(changedPeers) > 0 || (colocated && (o.StaticPods["keepalived"] != n.StaticPods["keepalived"])) {
		if colocated && o.StaticPods["keepalived"] != n.StaticPods["keepalived"] {
			changedPeers = both
		}
		ch := Change{Target: "keepalived on " + names(changedPeers), Category: "load-balancer", phase: phaseLoadBalancer}
		if colocated {
			ch.Action, ch.Impact = RestartComponent, Restart
			ch.Summary = "its configuration changes; keepalived runs as a static pod: its container restarts on each host, backups first"
			for _, p := range changedPeers {
				if p.Name == oldHolder {
					ch.Impact = Disruptive
					ch.Details = append(ch.Details, fmt.Sprintf("restarting keepalived on %s, which holds the VIP, moves the VIP to a backup and back: the API through the VIP pauses for a few VRRP advertisements", p.Name))
				}
			}
		} else {
			ch.Action, ch.Impact = Reload, InPlace
			ch.Summary = "its configuration changes: systemctl reload makes keepalived read it again without dropping the VIP"
		}
		ch.Steps = c.lbSteps(changedPeers, colocated, "keepalived", false)
		c.add(ch)
	}
	if o.CheckScript != n.CheckScript && len(both) > 0 {
		var steps []Step
		for _, p := range both {
			steps = append(steps, Step{Host: p.Name, Kind: StepRun, Command: "install -D -m 0755 loadbalancer/check_apiserver.sh /etc/keepalived/check_apiserver.sh", Purpose: "keepalived runs the new check at its next interval"})
		}
		c.add(Change{Target: "keepalived check script", Category: "load-balancer", Action: Update, Impact: InPlace, phase: phaseLoadBalancer,
			Summary: "check_apiserver.sh changes; keepalived runs it afresh every interval", Steps: steps})
	}
	if oldHolder != "" && newHolder != "" && oldHolder != newHolder {
		c.add(Change{Target: "VIP " + n.VIP, Category: "load-balancer", Action: Update, Impact: Disruptive, phase: phaseLoadBalancer,
			Summary: fmt.Sprintf("moves from %s to %s (the peer with the highest priority holds it): the API through the VIP pauses while keepalived fails over", oldHolder, newHolder)})
	}
}

func names(peers []state.Peer) string {
	var out []string
	for _, p := range peers {
		out = append(out, p.Name)
	}
	if len(out) == 0 {
		return "no existing host"
	}
	return strings.Join(out, ", ")
}

// lbSteps copy the new files to each peer and restart or reload the
// service, one host at a time, in the peers' order.
func (c *comparer) lbSteps(peers []state.Peer, colocated bool, service string, restart bool) []Step {
	var steps []Step
	for _, p := range peers {
		copyCmd := "install -D -m 0644 loadbalancer/haproxy.cfg /etc/haproxy/haproxy.cfg"
		if service == "keepalived" {
			copyCmd = fmt.Sprintf("install -D -m 0644 loadbalancer/keepalived/%s.conf /etc/keepalived/keepalived.conf", p.Name)
		}
		steps = append(steps, Step{Host: p.Name, Kind: StepRun, Command: copyCmd, Purpose: "the new configuration"})
		switch {
		case colocated:
			steps = append(steps,
				Step{Host: p.Name, Kind: StepRun, Command: fmt.Sprintf("install -D -m 0644 -t /etc/kubernetes/manifests loadbalancer/static-pods/%s.yaml && crictl stop $(crictl ps --name '^%s$' -q)", service, service),
					Purpose: "the kubelet starts the container again, which reads the new configuration"})
		case restart:
			steps = append(steps, Step{Host: p.Name, Kind: StepRun, Command: "systemctl restart " + service, Purpose: "start it with the new configuration"})
		default:
			steps = append(steps, Step{Host: p.Name, Kind: StepRun, Command: "systemctl reload " + service, Purpose: "read the new configuration"})
		}
		steps = append(steps, Step{Host: p.Name, Kind: StepCheck, Command: fmt.Sprintf("curl -fsk https://%s/readyz", hostPort(c.new.LoadBalancer.VIP, c.new.LoadBalancer.Port)),
			Purpose: "the API answers through the VIP before the next host"})
	}
	return steps
}
