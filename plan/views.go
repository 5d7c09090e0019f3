package plan

import (
	"fmt"
	"strings"
)

// NodeView is the data of a file rendered for one node.
type NodeView struct {
	*Plan
	Node Node
}

// NodeLabels returns the kubelet's --node-labels value.
func (v NodeView) NodeLabels() string {
	parts := make([]string, len(v.Node.Labels))
	for i, l := range v.Node.Labels {
		parts[i] = l.Key + "=" + l.Value
	}
	return strings.Join(parts, ",")
}

// KubeletPatchDir is where the node's kubeadm reads its kubelet patch.
func (v NodeView) KubeletPatchDir() string { return KubeletPatchDir }

// PoolView is the data of a pool's kubelet patch.
type PoolView struct {
	*Plan
	Pool Pool
}

// KubeletPatchDir is where the pool's nodes keep their kubelet patch.
func (v PoolView) KubeletPatchDir() string { return KubeletPatchDir }

// HostPort returns the node's address joined with port.
func (v NodeView) HostPort(port int) string { return HostPort(v.Node.Address, port) }

// ListenHostPort is where a server on the node listens on port: its IP
// address, or every address when the node's address is a DNS name (a
// server binds addresses, not names).
func (v NodeView) ListenHostPort(port int) string {
	if v.Node.IP() == "" {
		return HostPort("0.0.0.0", port)
	}
	return HostPort(v.Node.Address, port)
}

// PeerView is the data of one keepalived configuration.
type PeerView struct {
	*Plan
	Peer            Peer
	CheckScriptPath string
}

// HostPort joins an address and a port, bracketing IPv6 addresses.
func HostPort(addr string, port int) string { return Endpoint{Host: addr, Port: port}.String() }

// groupZones gives every machine an id and its duties, and groups them by zone.
func (p *Plan) groupZones() {
	duties := map[string][]string{}
	order := []*Node{}
	index := map[string]*Node{}
	note := func(n Node, duty string) {
		if _, ok := index[n.Name]; !ok {
			c := n
			index[n.Name] = &c
			order = append(order, &c)
		}
		duties[n.Name] = append(duties[n.Name], duty)
	}
	for _, n := range p.ControlPlane {
		note(n, "control plane")
		if !p.Etcd.External {
			note(n, "etcd")
		}
	}
	for _, n := range p.Etcd.Members {
		if p.Etcd.External {
			note(n, "etcd")
		}
	}
	for _, peer := range p.LB.Peers {
		note(peer.Node, "HAProxy + keepalived")
	}
	if !p.LB.Keepalived {
		for _, h := range p.LB.Hosts {
			note(h, "HAProxy")
		}
	}
	if p.LB.KubeVIP {
		for _, n := range p.ControlPlane {
			note(n, "kube-vip")
		}
	}
	for _, n := range p.Workers {
		note(n, "worker")
		if p.LB.LocalProxy {
			note(n, "API proxy")
		}
	}
	ids := map[string]string{}
	for _, n := range order {
		n.ID = "n_" + mermaidID(n.Name)
		n.Duties = strings.Join(duties[n.Name], ", ")
		ids[n.Name] = n.ID
	}
	for _, z := range p.Zones {
		g := ZoneGroup{ID: "z_" + mermaidID(z), Name: z}
		for _, n := range order {
			if n.Zone == z {
				g.Machines = append(g.Machines, *n)
			}
		}
		g.Boxes = diagramBoxes(g)
		p.ZoneGroups = append(p.ZoneGroups, g)
	}
	setIDs := func(nodes []Node) {
		for i := range nodes {
			nodes[i].ID = ids[nodes[i].Name]
			nodes[i].Duties = index[nodes[i].Name].Duties
		}
	}
	setIDs(p.ControlPlane)
	setIDs(p.Etcd.Members)
	setIDs(p.Workers)
	setIDs(p.LB.Backends)
}

// diagramBoxes draws a zone's machines one by one, except the workers of a
// pool with more than DiagramPoolNodes of them in the zone, which become
// one box where the pool's first node would be.
func diagramBoxes(g ZoneGroup) []DiagramBox {
	count := map[string]int{}
	for _, m := range g.Machines {
		if m.Pool != "" {
			count[m.Pool]++
		}
	}
	var boxes []DiagramBox
	pools := map[string]int{} // pool → index of its box
	for i := range g.Machines {
		m := &g.Machines[i]
		if m.Pool == "" || count[m.Pool] <= DiagramPoolNodes {
			boxes = append(boxes, DiagramBox{ID: m.ID, Machine: m})
			continue
		}
		if k, ok := pools[m.Pool]; ok {
			boxes[k].Last = m.Name
			continue
		}
		pools[m.Pool] = len(boxes)
		boxes = append(boxes, DiagramBox{ID: g.ID + "_p_" + mermaidID(m.Pool), Pool: m.Pool,
			Count: count[m.Pool], First: m.Name, Last: m.Name})
	}
	return boxes
}

// mermaidID writes a name as a Mermaid node id, from the name alone, so
// that adding a machine leaves every other id (and the diagram's diff) as
// it was: letters and digits stay, anything else becomes _ and its hex
// code, which keeps distinct names distinct.
func mermaidID(name string) string {
	var b strings.Builder
	for _, r := range name {
		if r < 128 && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			b.WriteRune(r)
			continue
		}
		fmt.Fprintf(&b, "_%x", r)
	}
	return b.String()
}
