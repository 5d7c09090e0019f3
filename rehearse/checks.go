package rehearse

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/blueprint-dev/blueprint/internal/controlplane"
	"github.com/blueprint-dev/blueprint/internal/hostsim"
	"github.com/blueprint-dev/blueprint/plan"
)

// etcdctl runs etcdctl on a host with that host's client certificate for
// etcd: an etcd member's health-check client, or a control-plane node's
// API server client when etcd is external.
func (e *engine) etcdctl(ctx context.Context, on *simHost, endpoints []string, args ...string) ([]byte, error) {
	cert, key := plan.EtcdPKIDir+"/healthcheck-client.crt", plan.EtcdPKIDir+"/healthcheck-client.key"
	if !on.etcd {
		cert, key = plan.PKIDir+"/apiserver-etcd-client.crt", plan.PKIDir+"/apiserver-etcd-client.key"
	}
	cmd := []string{"etcdctl", "--cacert", plan.EtcdPKIDir + "/ca.crt", "--cert", cert, "--key", key,
		"--dial-timeout=2s", "--command-timeout=4s", "--endpoints", strings.Join(endpoints, ",")}
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	r := on.shell(ctx, strings.Join(append(cmd, args...), " ")+" 2>/dev/null")
	return r.Output, r.Err
}

// memberEndpoint is a member's client URL.
func memberEndpoint(m *simHost) string {
	return "https://" + plan.HostPort(m.node.Address, plan.EtcdClientPort)
}

// etcdHealthy asks, from host on, whether member answers a quorum read.
func (e *engine) etcdHealthy(ctx context.Context, on, member *simHost) (bool, error) {
	out, err := e.etcdctl(ctx, on, []string{memberEndpoint(member)}, "endpoint", "health", "-w", "json")
	var hs []struct{ Health bool }
	if jerr := json.Unmarshal(out, &hs); jerr != nil || len(hs) == 0 {
		if err == nil {
			err = jerr
		}
		return false, fmt.Errorf("etcdctl endpoint health: %v", err)
	}
	return hs[0].Health, nil
}

// etcdView is etcd as one host sees it.
type etcdView struct {
	Answering int  // members that answer a status request
	Quorum    bool // a member answered a quorum (linearizable) read
	Members   int  // members in the member list
	Leader    string
}

// etcdState asks etcd itself, from host on, how many members answer and
// whether it keeps quorum.
func (e *engine) etcdState(ctx context.Context, on *simHost) etcdView {
	var v etcdView
	var eps []string
	for _, m := range e.etcdMembers() {
		eps = append(eps, memberEndpoint(m))
	}
	out, _ := e.etcdctl(ctx, on, eps, "endpoint", "status", "-w", "json")
	var st []struct {
		Endpoint string
		Status   struct {
			Header struct {
				MemberID uint64 `json:"member_id"`
			}
			Leader uint64
		}
	}
	if json.Unmarshal(out, &st) == nil {
		v.Answering = len(st)
		for _, s := range st {
			if s.Status.Leader != 0 && s.Status.Leader == s.Status.Header.MemberID {
				v.Leader = s.Endpoint
			}
		}
	}
	out, _ = e.etcdctl(ctx, on, eps, "endpoint", "health", "-w", "json")
	var hs []struct{ Health bool }
	if json.Unmarshal(out, &hs) == nil {
		for _, h := range hs {
			v.Quorum = v.Quorum || h.Health
		}
	}
	out, _ = e.etcdctl(ctx, on, eps, "member", "list", "-w", "json")
	var ml struct{ Members []struct{ Name string } }
	if json.Unmarshal(out, &ml) == nil {
		v.Members = len(ml.Members)
	}
	return v
}

// etcdMembers are the hosts that run an etcd member.
func (e *engine) etcdMembers() []*simHost {
	var out []*simHost
	for _, h := range e.hosts {
		if h.etcd {
			out = append(out, h)
		}
	}
	return out
}

// adminConfig is the cluster's admin.conf, from the first control-plane
// node, once kubeadm wrote it.
func (e *engine) adminConfig() (*controlplane.Kubeconfig, error) {
	e.mu.Lock()
	kc := e.admin
	e.mu.Unlock()
	if kc != nil {
		return kc, nil
	}
	first := e.byName[e.p.ControlPlane[0].Name]
	b, err := os.ReadFile(first.h.Path("/etc/kubernetes/admin.conf"))
	if err != nil {
		return nil, fmt.Errorf("no admin.conf on %s yet", first.node.Name)
	}
	if kc, err = controlplane.ParseKubeconfig(b); err != nil {
		return nil, err
	}
	e.mu.Lock()
	e.admin = kc
	e.mu.Unlock()
	return kc, nil
}

// clientDial dials from the client namespace, sending the endpoint's name
// to the stand-in for an external load balancer.
func (e *engine) clientDial(ctx context.Context, network, addr string) (net.Conn, error) {
	if host, port, err := net.SplitHostPort(addr); err == nil && e.extLB != nil && host == e.p.Endpoint.Host {
		addr = net.JoinHostPort(e.extLB.node.Address, port)
	}
	return e.client.DialContext(ctx, network, addr)
}

// endpointURL is the API's address through the load balancer.
func (e *engine) endpointURL() string {
	return "https://" + e.p.Endpoint.String()
}

// admin is an administrator's client of the API through the endpoint, from
// the client namespace.
func (e *engine) adminClient(timeout time.Duration) (*controlplane.Client, error) {
	kc, err := e.adminConfig()
	if err != nil {
		return nil, err
	}
	return kc.NewClient(e.endpointURL(), e.clientDial, timeout)
}

// httpClient is a client of the cluster's TLS endpoints from the client
// namespace, trusting the cluster CA when kubeadm has made it.
func (e *engine) httpClient(timeout time.Duration) *http.Client {
	tr := &http.Transport{DialContext: e.clientDial, DisableKeepAlives: true,
		TLSClientConfig: &tls.Config{InsecureSkipVerify: true}} // readiness only; identity is checked by adminClient
	return &http.Client{Timeout: timeout, Transport: tr}
}

// apiReady asks one API server (by address) for path, such as /readyz.
func (e *engine) apiReady(ctx context.Context, addr, path string) error {
	return e.get(ctx, "https://"+plan.HostPort(addr, plan.APIServerPort)+path)
}

func (e *engine) get(ctx context.Context, url string) error {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := e.httpClient(3 * time.Second).Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("HTTP %d: %s", resp.StatusCode, lastLine(b))
	}
	return nil
}

// vipHolders lists the hosts that carry the VIP on their interface.
func (e *engine) vipHolders() []string {
	if !e.p.LB.Managed {
		return nil
	}
	var out []string
	for _, h := range e.hosts {
		if !h.lb || !h.h.Up() {
			continue
		}
		addrs, err := h.h.Addresses(e.p.LB.Interface)
		if err != nil {
			continue
		}
		for _, a := range addrs {
			if a == e.p.LB.VIP {
				out = append(out, h.node.Name)
			}
		}
	}
	return out
}

// checkInstalled checks the outcome of the install: every etcd member,
// every API server, /readyz through the endpoint, and the manifests.
func (e *engine) checkInstalled(ctx context.Context) error {
	check := func(name string, ok bool, detail string) {
		e.mu.Lock()
		e.report.Checks = append(e.report.Checks, CheckReport{Name: name, OK: ok, Detail: detail})
		e.mu.Unlock()
		if ok {
			e.progress("check %s: ok, %s", name, detail)
		} else {
			e.fail("check %s: %s", name, detail)
		}
	}
	seen := map[string]bool{}
	for _, h := range e.hosts {
		h.mu.Lock()
		k := h.kubelet
		h.mu.Unlock()
		if k == nil {
			continue
		}
		for _, p := range k.Programs() {
			line := fmt.Sprintf("image %s runs as %s", p.Image, p.Path)
			if p.Note != "" {
				line += ": " + p.Note
			}
			if !seen[line] {
				seen[line] = true
				e.report.Programs = append(e.report.Programs, line)
			}
		}
	}
	sort.Strings(e.report.Programs)
	e.report.Programs = append(e.report.Programs,
		"the stand-in kubelet (internal/hostsim) runs static pods' containers as processes with their commands, environment and host-path mounts; it runs no probes",
		fmt.Sprintf("systemd units (haproxy and keepalived on load-balancer hosts) run as their Debian unit files' ExecStart (HAProxy with -n %d), once; nothing restarts a unit that exits", hostsim.HAProxyConnLimit))
	members := e.etcdMembers()
	var v etcdView
	for i := 0; i < 30 && ctx.Err() == nil; i++ {
		if v = e.etcdState(ctx, members[0]); v.Members == len(members) && v.Answering == len(members) && v.Quorum {
			break
		}
		time.Sleep(2 * time.Second)
	}
	check("etcd members", v.Members == len(members) && v.Answering == len(members) && v.Quorum,
		fmt.Sprintf("%d members in the member list, %d answering, quorum %v (want %d)", v.Members, v.Answering, v.Quorum, len(members)))
	ready := 0
	for _, n := range e.p.ControlPlane {
		if e.apiReady(ctx, n.Address, "/readyz") == nil {
			ready++
		}
	}
	check("API servers", ready == len(e.p.ControlPlane), fmt.Sprintf("%d of %d answer /readyz", ready, len(e.p.ControlPlane)))
	err := e.get(ctx, e.endpointURL()+"/readyz")
	check("API through the endpoint", err == nil, fmt.Sprintf("GET %s/readyz from the client namespace: %s", e.endpointURL(), errText(err)))
	if holders := e.vipHolders(); e.p.LB.Managed {
		check("VIP", len(holders) == 1, fmt.Sprintf("%s held by %s", e.p.LB.VIP, strings.Join(holders, ", ")))
	}
	return nil
}

func errText(err error) string {
	if err == nil {
		return "200 OK"
	}
	return err.Error()
}

func itoa(i int) string { return strconv.Itoa(i) }
