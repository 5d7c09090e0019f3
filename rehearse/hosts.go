package rehearse

import (
	"context"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/blueprint-dev/blueprint/internal/controlplane"
	"github.com/blueprint-dev/blueprint/internal/hostsim"
	"github.com/blueprint-dev/blueprint/plan"
)

// simHost is a machine of the design that runs control-plane, etcd or
// load-balancer software, simulated.
type simHost struct {
	e     *engine
	node  plan.Node
	roles []string
	cp    bool // control-plane node
	etcd  bool // etcd member (stacked or external)
	lb    bool // keepalived peer
	h     *hostsim.Host

	mu sync.Mutex
	// kubelet runs from boot on control-plane nodes, and on external etcd
	// members once the recipe configured it (kubeletOn).
	kubelet   *hostsim.Kubelet
	kubeletOn bool
	// units are the systemd services enabled on the host (haproxy,
	// keepalived on dedicated load-balancer hosts), started at boot.
	units    []string
	services map[string]*hostsim.Process
	held     map[string]bool // units kept stopped
}

// Control-plane nodes register with the capacity e2e uses for them.
const (
	controlPlaneCPU    = "4"
	controlPlaneMemory = "16Gi"
)

// boot makes the lab's hosts: every machine that runs control-plane, etcd
// or load-balancer software, a stand-in for an external load balancer, and
// a client that probes the API.
func (e *engine) boot() error {
	p := e.p
	e.byName = map[string]*simHost{}
	add := func(n plan.Node, role string) *simHost {
		h := e.byName[n.Name]
		if h == nil {
			h = &simHost{e: e, node: n, services: map[string]*hostsim.Process{}, held: map[string]bool{}}
			e.byName[n.Name] = h
			e.hosts = append(e.hosts, h)
		}
		if !slices.Contains(h.roles, role) {
			h.roles = append(h.roles, role)
		}
		return h
	}
	for _, n := range p.ControlPlane {
		h := add(n, "control plane")
		h.cp, h.kubeletOn = true, true
	}
	for _, n := range p.Etcd.Members {
		add(n, "etcd").etcd = true
	}
	for _, peer := range p.LB.Peers {
		add(peer.Node, "HAProxy + keepalived").lb = true
	}
	subnets, err := e.subnets()
	if err != nil {
		return err
	}
	used := map[string]bool{}
	for _, h := range e.hosts {
		used[h.node.Address] = true
	}
	if p.LB.VIP != "" {
		used[p.LB.VIP] = true
	}
	spare := func() (netip.Addr, error) { return spareAddress(subnets[0], used) }
	gw, err := spare()
	if err != nil {
		return err
	}
	iface := "eth0"
	if p.LB.Managed {
		iface = p.LB.Interface
	}
	if !p.LB.Managed {
		// The external load balancer: HAProxy on a host of its own, at the
		// endpoint's address (or a spare one, named in every host's
		// /etc/hosts, when the endpoint is a name).
		addr := p.Endpoint.Host
		if _, err := netip.ParseAddr(addr); err != nil {
			a, err := spare()
			if err != nil {
				return err
			}
			addr = a.String()
		}
		used[addr] = true
		e.extLB = &simHost{e: e, node: plan.Node{Name: "external-lb", Address: addr}, roles: []string{"stand-in for the external load balancer"},
			services: map[string]*hostsim.Process{}, held: map[string]bool{}}
		e.hosts = append(e.hosts, e.extLB)
		e.byName[e.extLB.node.Name] = e.extLB
		e.extLB.units = []string{"haproxy"}
	}
	for _, h := range e.hosts {
		spec, err := hostSpec(h.node.Name, h.node.Address, iface, subnets, gw)
		if err != nil {
			return err
		}
		if h.h, err = e.lab.AddHost(spec); err != nil {
			return err
		}
		if err := copyTree(e.treeFiles, h.h); err != nil {
			return fmt.Errorf("copying the tree to %s: %w", h.node.Name, err)
		}
		if err := e.writeHosts(h); err != nil {
			return err
		}
		if h == e.extLB {
			if err := e.externalLBConfig(); err != nil {
				return err
			}
		}
		e.report.Hosts = append(e.report.Hosts, HostReport{Name: h.node.Name, Roles: h.roles, Zone: h.node.Zone, Address: h.node.Address, Interface: iface})
		h.startServices()
	}
	ca, err := spare()
	if err != nil {
		return err
	}
	cs, err := hostSpec("client", ca.String(), "eth0", subnets, gw)
	if err != nil {
		return err
	}
	cs.NoDisk = true
	if e.client, err = e.lab.AddHost(cs); err != nil {
		return err
	}
	if err := e.lab.CheckIsolation(); err != nil {
		return fmt.Errorf("refusing to go on: %w", err)
	}
	e.progress("%d hosts and a client (%s) on one bridge in a namespace of its own, no link or route to this machine (checked)", len(e.hosts), ca)
	return nil
}

// subnets are the design's node subnets, the first one that of the first
// control-plane node.
func (e *engine) subnets() ([]netip.Prefix, error) {
	var out []netip.Prefix
	first, _ := netip.ParseAddr(e.p.ControlPlane[0].Address)
	for _, s := range e.p.NodeSubnets {
		pfx, err := netip.ParsePrefix(s)
		if err != nil {
			return nil, err
		}
		if pfx.Contains(first) {
			out = append([]netip.Prefix{pfx.Masked()}, out...)
		} else {
			out = append(out, pfx.Masked())
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("the design has no node subnet")
	}
	return out, nil
}

// spareAddress is the highest address of the subnet that nothing uses
// (below the IPv4 broadcast address), and marks it used.
func spareAddress(pfx netip.Prefix, used map[string]bool) (netip.Addr, error) {
	b := pfx.Masked().Addr().AsSlice()
	for i := pfx.Bits(); i < len(b)*8; i++ {
		b[i/8] |= 1 << (7 - i%8)
	}
	a, _ := netip.AddrFromSlice(b)
	if a.Is4() {
		a = a.Prev()
	}
	for i := 0; i < 4096 && a.IsValid() && pfx.Contains(a); i, a = i+1, a.Prev() {
		if !used[a.String()] && a != pfx.Masked().Addr() {
			used[a.String()] = true
			return a, nil
		}
	}
	return netip.Addr{}, fmt.Errorf("no spare address in %s", pfx)
}

func hostSpec(name, addr, iface string, subnets []netip.Prefix, gw netip.Addr) (hostsim.HostSpec, error) {
	a, err := netip.ParseAddr(addr)
	if err != nil {
		return hostsim.HostSpec{}, fmt.Errorf("machine %s: address %q: %w", name, addr, err)
	}
	spec := hostsim.HostSpec{Name: name, Address: addr, Interface: iface}
	for _, s := range subnets {
		if s.Contains(a) && !spec.Prefix.IsValid() {
			spec.Prefix = s
		} else {
			spec.Routes = append(spec.Routes, s)
		}
	}
	if !spec.Prefix.IsValid() {
		return spec, fmt.Errorf("machine %s: %s is in no node subnet", name, addr)
	}
	// In another subnet the gateway is reachable through that subnet's
	// route on the same link.
	spec.Gateway = gw.String()
	return spec, nil
}

// writeHosts names the external load balancer's endpoint in the host's
// /etc/hosts when the design gives it as a name (there is no DNS here).
func (e *engine) writeHosts(h *simHost) error {
	if e.extLB == nil || e.extLB.node.Address == e.p.Endpoint.Host {
		return nil
	}
	path := h.h.Path("/etc/hosts")
	orig, err := os.ReadFile("/etc/hosts")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	line := fmt.Sprintf("%s %s # rehearse: the external load balancer's stand-in\n", e.extLB.node.Address, e.p.Endpoint.Host)
	return os.WriteFile(path, append(orig, []byte(line)...), 0o644)
}

// env is the environment of the install's commands on a host: the tools'
// folders first on PATH (kubeadm, etcdctl and etcdutl installed), and the
// install-time secrets minted so far.
func (e *engine) stepEnv() []string {
	var dirs []string
	for _, d := range append(slices.Clone(e.opts.ToolDirs), controlplane.ToolDirs()...) {
		if d != "" {
			dirs = append(dirs, d)
		}
	}
	env := []string{"PATH=" + strings.Join(dirs, ":") + ":/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOME=/root", "LANG=C"}
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, ph := range e.p.Placeholders() {
		if v, ok := e.env[ph.Name]; ok {
			env = append(env, ph.Name+"="+v)
		}
	}
	return env
}

// shell runs a command on the host from its copy of the tree.
func (h *simHost) shell(ctx context.Context, command string) hostsim.Result {
	return h.h.Run(ctx, hostsim.Exec{Name: command, Path: "/bin/sh", Args: []string{"-c", command}, Dir: TreeDir, Env: h.e.stepEnv()})
}

// startServices starts what runs on the host at boot: its kubelet, and the
// units enabled on it.
func (h *simHost) startServices() {
	h.mu.Lock()
	on, units := h.kubeletOn, slices.Clone(h.units)
	h.mu.Unlock()
	if on {
		h.startKubelet()
	}
	for _, u := range units {
		if err := h.startUnit(u); err != nil {
			h.e.progress("  %s: %v", h.node.Name, err)
		}
	}
}

// startKubelet starts the stand-in kubelet: one that registers its Node
// on control-plane nodes, a standalone one (static pods only) elsewhere.
func (h *simHost) startKubelet() {
	opts := hostsim.KubeletOptions{Images: h.e.images, Log: func(s string) { h.e.progress("  kubelet %s", s) }}
	if h.cp {
		ns := controlplane.NodeSpec{Name: h.node.Name, Address: h.node.Address, Labels: map[string]string{},
			CPU: controlPlaneCPU, Memory: controlPlaneMemory}
		for _, l := range h.node.Labels {
			ns.Labels[l.Key] = l.Value
		}
		for _, t := range h.node.Taints {
			ns.Taints = append(ns.Taints, corev1.Taint{Key: t.Key, Value: t.Value, Effect: corev1.TaintEffect(t.Effect)})
		}
		opts.Node = &ns
		opts.API = h.apiClient
	}
	k := h.h.StartKubelet(opts)
	h.mu.Lock()
	h.kubelet = k
	h.mu.Unlock()
}

// apiClient is the kubelet's client: the host's admin.conf (a kubelet would
// use its own node credentials), through the endpoint it names. Like a
// kubelet, it talks to the API server only once kubeadm has given it
// credentials (kubelet.conf, or bootstrap-kubelet.conf on a joining node).
func (h *simHost) apiClient() (*controlplane.Client, error) {
	_, errKubelet := os.Stat(h.h.Path("/etc/kubernetes/kubelet.conf"))
	_, errBootstrap := os.Stat(h.h.Path("/etc/kubernetes/bootstrap-kubelet.conf"))
	if errKubelet != nil && errBootstrap != nil {
		return nil, fmt.Errorf("kubeadm has not configured the kubelet yet (no kubelet.conf or bootstrap-kubelet.conf)")
	}
	b, err := os.ReadFile(h.h.Path("/etc/kubernetes/admin.conf"))
	if err != nil {
		return nil, fmt.Errorf("no /etc/kubernetes/admin.conf yet")
	}
	kc, err := controlplane.ParseKubeconfig(b)
	if err != nil {
		return nil, err
	}
	return kc.NewClient("", h.h.DialContext, 10*time.Second)
}

// startUnit starts a systemd unit of the distribution the way its unit
// file does (ExecStart, with the unit's Environment and EnvironmentFile),
// unless it is held down.
func (h *simHost) startUnit(unit string) error {
	h.mu.Lock()
	if h.held[unit] || h.services[unit] != nil && !exitedProc(h.services[unit]) {
		h.mu.Unlock()
		return nil
	}
	h.mu.Unlock()
	argv, env, err := unitCommand(unit)
	if err != nil {
		return err
	}
	if unit == "haproxy" {
		argv = append(argv, "-n", strconv.Itoa(hostsim.HAProxyConnLimit))
	}
	log, err := os.OpenFile(filepath.Join(h.h.Logs(), unit+".log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	proc, err := h.h.Start(hostsim.Exec{Name: unit, Path: argv[0], Args: argv[1:], Env: env, Stdout: log, Stderr: log})
	if err != nil {
		log.Close()
		return err
	}
	go func() { <-proc.Done(); log.Close() }()
	h.mu.Lock()
	h.services[unit] = proc
	h.mu.Unlock()
	h.e.progress("  %s: %s started as its unit file says: %s", h.node.Name, unit, strings.Join(argv, " "))
	return nil
}

func exitedProc(p *hostsim.Process) bool {
	select {
	case <-p.Done():
		return true
	default:
		return false
	}
}

// unitCommand reads a unit's ExecStart from the distribution's unit file
// and expands its variables (Environment=, EnvironmentFile=).
func unitCommand(unit string) ([]string, []string, error) {
	path := "/lib/systemd/system/" + unit + ".service"
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, fmt.Errorf("unit %s: %w (apt-get install %s)", unit, err, unit)
	}
	vars := map[string]string{}
	var exec string
	for _, line := range strings.Split(string(b), "\n") {
		line = strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(line, "Environment="):
			for _, kv := range splitQuoted(strings.TrimPrefix(line, "Environment=")) {
				if k, v, ok := strings.Cut(kv, "="); ok {
					vars[k] = v
				}
			}
		case strings.HasPrefix(line, "EnvironmentFile="):
			f := strings.TrimPrefix(strings.TrimPrefix(line, "EnvironmentFile="), "-")
			if eb, err := os.ReadFile(f); err == nil {
				for _, l := range strings.Split(string(eb), "\n") {
					if k, v, ok := strings.Cut(strings.TrimSpace(l), "="); ok && !strings.HasPrefix(k, "#") {
						vars[k] = strings.Trim(v, `"`)
					}
				}
			}
		case strings.HasPrefix(line, "ExecStart="):
			exec = strings.TrimPrefix(line, "ExecStart=")
		}
	}
	if exec == "" {
		return nil, nil, fmt.Errorf("unit %s has no ExecStart", unit)
	}
	var argv []string
	for _, w := range strings.Fields(exec) {
		w = os.Expand(w, func(k string) string { return vars[k] })
		argv = append(argv, strings.Fields(w)...)
	}
	return argv, hostsim.DefaultEnv, nil
}

// splitQuoted splits Environment= values: "A=1" "B=2" or A=1 B=2.
func splitQuoted(s string) []string {
	var out []string
	for s = strings.TrimSpace(s); s != ""; s = strings.TrimSpace(s) {
		if s[0] == '"' {
			end := strings.Index(s[1:], `"`)
			if end < 0 {
				return append(out, s[1:])
			}
			out = append(out, s[1:end+1])
			s = s[end+2:]
			continue
		}
		i := strings.IndexAny(s, " \t")
		if i < 0 {
			return append(out, s)
		}
		out = append(out, s[:i])
		s = s[i:]
	}
	return out
}

// powerOff kills everything on the host and takes its link down.
func (h *simHost) powerOff() error {
	h.mu.Lock()
	k := h.kubelet
	h.kubelet = nil
	h.services = map[string]*hostsim.Process{}
	h.mu.Unlock()
	if k != nil {
		k.Stop()
	}
	return h.h.PowerOff()
}

// powerOn boots the host and starts what runs at boot.
func (h *simHost) powerOn() error {
	if err := h.h.Boot(); err != nil {
		return err
	}
	h.startServices()
	return nil
}

// shutdown stops the host's stand-ins before the lab powers it off.
func (h *simHost) shutdown() {
	h.mu.Lock()
	k := h.kubelet
	h.kubelet = nil
	h.mu.Unlock()
	if k != nil {
		k.Stop()
	}
}

// kubeadmVersion is what kubeadm says its version is.
func kubeadmVersion(toolDirs []string) (string, error) {
	path, err := controlplane.FindTool("kubeadm", toolDirs...)
	if err != nil {
		return "", err
	}
	out, err := exec.Command(path, "version", "-o", "short").Output()
	return strings.TrimSpace(string(out)), err
}

// hold stops a program of the host and keeps it down: a static pod through
// the kubelet, or a unit.
func (h *simHost) hold(program string) error {
	h.mu.Lock()
	k, proc := h.kubelet, h.services[program]
	isUnit := contains(h.units, program)
	if isUnit {
		h.held[program] = true
	}
	h.mu.Unlock()
	switch {
	case isUnit:
		if proc != nil {
			proc.Stop(10 * time.Second)
		}
	case k != nil:
		k.Hold(program)
	default:
		return fmt.Errorf("%s runs neither %s as a static pod nor as a unit", h.node.Name, program)
	}
	return nil
}

// release lets a held program run again.
func (h *simHost) release(program string) {
	h.mu.Lock()
	k := h.kubelet
	wasUnit := h.held[program]
	delete(h.held, program)
	h.mu.Unlock()
	if wasUnit {
		if err := h.startUnit(program); err != nil {
			h.e.progress("  %s: %v", h.node.Name, err)
		}
		return
	}
	if k != nil {
		k.Release(program)
	}
}

// externalLBConfig writes the configuration of the HAProxy that stands in
// for an external load balancer: TCP to every API server's port, checking
// /readyz over HTTPS, as the install order asks of the real one.
func (e *engine) externalLBConfig() error {
	var b strings.Builder
	fmt.Fprintf(&b, "# rehearse: stand-in for the external load balancer %s\n", e.p.Endpoint)
	b.WriteString("global\n    log stdout format raw local0\n    maxconn 2000\n\n")
	b.WriteString("defaults\n    mode tcp\n    log global\n    timeout connect 5s\n    timeout client 1h\n    timeout server 1h\n    timeout check 5s\n\n")
	fmt.Fprintf(&b, "frontend kube-apiserver\n    bind *:%d\n    default_backend kube-apiserver\n\n", e.p.Endpoint.Port)
	b.WriteString("backend kube-apiserver\n    option httpchk\n    http-check connect ssl\n    http-check send meth GET uri /readyz\n    http-check expect status 200\n")
	b.WriteString("    default-server inter 3s downinter 5s rise 2 fall 3\n")
	for _, n := range e.p.ControlPlane {
		fmt.Fprintf(&b, "    server %s %s check verify none\n", n.Name, plan.HostPort(n.Address, plan.APIServerPort))
	}
	path := e.extLB.h.Path(plan.HAProxyConfigPath)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, []byte(b.String()), 0o644)
}
