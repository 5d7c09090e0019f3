package hostsim

import (
	"encoding/json"
	"fmt"
	"os/exec"
	"strings"
)

// Partition cuts the hosts off from every other host: their links move to
// a second bridge, so they still reach each other but nothing else.
func (l *Lab) Partition(hosts []*Host) error {
	l.mu.Lock()
	island := l.island
	l.island = true
	l.mu.Unlock()
	if !island {
		if err := l.bridgeIP("link", "add", "br1", "type", "bridge"); err != nil {
			return err
		}
		if err := l.bridgeIP("link", "set", "br1", "up"); err != nil {
			return err
		}
	}
	var names []string
	for _, h := range hosts {
		if !h.Up() {
			continue
		}
		if err := l.bridgeIP("link", "set", h.port, "master", "br1"); err != nil {
			return err
		}
		names = append(names, h.Spec.Name)
	}
	l.logf("partition: %s cut off from the other hosts", strings.Join(names, ", "))
	return nil
}

// Heal puts every host back on the one bridge.
func (l *Lab) Heal() error {
	for _, h := range l.Hosts() {
		if !h.Up() {
			continue
		}
		if err := l.bridgeIP("link", "set", h.port, "master", "br0"); err != nil {
			return err
		}
	}
	l.logf("partition healed")
	return nil
}

// ipLink is one link as `ip -j -d link show` prints it.
type ipLink struct {
	Index    int    `json:"ifindex"`
	Name     string `json:"ifname"`
	Link     *int   `json:"link_index"`
	Master   string `json:"master"`
	LinkInfo struct {
		Kind string `json:"info_kind"`
	} `json:"linkinfo"`
}

type ipRoute struct {
	Dst   string `json:"dst"`
	Dev   string `json:"dev"`
	Table string `json:"table"`
	Type  string `json:"type"`
}

func ipJSON(nsArgs []string, out any, args ...string) error {
	cmd := exec.Command("ip", append([]string{"-j"}, args...)...)
	if nsArgs != nil {
		cmd = exec.Command("nsenter", append(append(nsArgs, "--", "ip", "-j"), args...)...)
	}
	b, err := cmd.Output()
	if err != nil {
		return fmt.Errorf("ip -j %s: %w", strings.Join(args, " "), err)
	}
	return json.Unmarshal(b, out)
}

// CheckIsolation proves that every packet stays inside namespaces the lab
// made: the bridge namespace holds only its bridges and the lab's links,
// without an address or a route; each host holds only its loopback and one
// link whose other end is a port of the bridge; the real machine holds no
// link of the lab.
func (l *Lab) CheckIsolation() error {
	var bridgeLinks []ipLink
	if err := ipJSON(l.bridge.nsArgs(false), &bridgeLinks, "-d", "link", "show"); err != nil {
		return err
	}
	ports := map[int]ipLink{}
	prefix := "rh" + l.runID
	for _, k := range bridgeLinks {
		switch {
		case k.Name == "lo":
		case k.Name == "br0" || k.Name == "br1":
			if k.LinkInfo.Kind != "bridge" {
				return fmt.Errorf("bridge namespace: %s is a %q link, not a bridge", k.Name, k.LinkInfo.Kind)
			}
		case strings.HasPrefix(k.Name, prefix) && k.LinkInfo.Kind == "veth" && (k.Master == "br0" || k.Master == "br1"):
			ports[k.Index] = k
		default:
			return fmt.Errorf("bridge namespace holds link %s (%s, master %q), which the lab did not make", k.Name, k.LinkInfo.Kind, k.Master)
		}
	}
	var addrs []struct {
		Name  string `json:"ifname"`
		Addrs []struct {
			Local string `json:"local"`
		} `json:"addr_info"`
	}
	if err := ipJSON(l.bridge.nsArgs(false), &addrs, "addr", "show"); err != nil {
		return err
	}
	for _, a := range addrs {
		if a.Name != "lo" && len(a.Addrs) > 0 {
			return fmt.Errorf("bridge namespace: %s has an address (%s): the bridge must not take part in routing", a.Name, a.Addrs[0].Local)
		}
	}
	var routes []ipRoute
	if err := ipJSON(l.bridge.nsArgs(false), &routes, "route", "show", "table", "all"); err != nil {
		return err
	}
	for _, r := range routes {
		if r.Dev != "lo" {
			return fmt.Errorf("bridge namespace has a route to %s via %s", r.Dst, r.Dev)
		}
	}
	seen := map[int]bool{}
	for _, h := range l.Hosts() {
		h.mu.Lock()
		hold := h.holder
		h.mu.Unlock()
		if hold == nil {
			continue
		}
		var links []ipLink
		if err := ipJSON(hold.nsArgs(false), &links, "-d", "link", "show"); err != nil {
			return err
		}
		for _, k := range links {
			if k.Name == "lo" {
				continue
			}
			if k.Name != h.Spec.Interface || k.LinkInfo.Kind != "veth" || k.Link == nil {
				return fmt.Errorf("host %s holds link %s (%s), which the lab did not make", h.Spec.Name, k.Name, k.LinkInfo.Kind)
			}
			port, ok := ports[*k.Link]
			if !ok || port.Name != h.port || port.Link == nil || *port.Link != k.Index {
				return fmt.Errorf("host %s: the other end of %s is not its port %s on the lab's bridge", h.Spec.Name, k.Name, h.port)
			}
			seen[port.Index] = true
		}
	}
	for idx, p := range ports {
		if !seen[idx] {
			return fmt.Errorf("bridge port %s leads to no host of the lab", p.Name)
		}
	}
	var root []ipLink
	if err := ipJSON(nil, &root, "link", "show"); err != nil {
		return err
	}
	for _, k := range root {
		if strings.HasPrefix(k.Name, prefix) {
			return fmt.Errorf("the real machine holds link %s of the lab", k.Name)
		}
	}
	return nil
}
