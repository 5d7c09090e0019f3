package rehearse

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/blueprint-dev/blueprint/plan"
)

// kubeadmPhase is one phase of kubeadm init or join, as `kubeadm init
// --help` and `kubeadm join --help` list them (v1.37), and what a
// rehearsal does with it.
type kubeadmPhase struct {
	name string
	// how: "run" runs it with the step's configuration; otherwise why it
	// does not run and what stands in.
	how string
	// flags the phase takes of the step's own flags.
	flags []string
}

const run = "run"

func initPhases(k plan.KubeadmRun, externalEtcd bool) []kubeadmPhase {
	etcd := kubeadmPhase{name: "etcd local", how: run}
	if externalEtcd {
		etcd.how = "kubeadm skips it: etcd is external"
	}
	return []kubeadmPhase{
		{name: "preflight", how: "not run: it checks the container runtime, swap and the kubelet service, which the stand-ins replace"},
		{name: "certs all", how: run},
		{name: "kubeconfig all", how: run},
		etcd,
		{name: "control-plane all", how: run},
		{name: "kubelet-start", how: run},
		{name: "wait-control-plane", how: "the stand-in kubelet runs the static pods; rehearse waits for etcd and the API server to answer"},
		{name: "upload-config all", how: run},
		{name: "upload-certs", how: run, flags: []string{"--upload-certs"}},
		{name: "mark-control-plane", how: run},
		{name: "bootstrap-token", how: run},
		{name: "kubelet-finalize all", how: "not run: it rotates the kubelet's client certificate, which the stand-in kubelet has none of"},
		{name: "addon all", how: run},
		{name: "show-join-command", how: "not run: it only prints"},
	}
}

func joinPhases(k plan.KubeadmRun, externalEtcd bool) []kubeadmPhase {
	etcd := kubeadmPhase{name: "etcd-join", how: run}
	if externalEtcd {
		etcd.how = "kubeadm skips it: etcd is external"
	}
	return []kubeadmPhase{
		{name: "preflight", how: "not run: it checks the container runtime, swap and the kubelet service, which the stand-ins replace"},
		{name: "control-plane-prepare all", how: run},
		{name: "kubelet-start", how: run},
		etcd,
		{name: "kubelet-wait-bootstrap", how: "the stand-in kubelet registers the Node with the host's admin.conf instead of bootstrapping its own credentials"},
		{name: "control-plane-join all", how: run},
		{name: "wait-control-plane", how: "the stand-in kubelet runs the static pods; rehearse waits for etcd and the API server to answer"},
	}
}

// kubeadm runs a kubeadm init or join phase by phase, with the step's
// configuration, since no kubelet runs here: the phases that need one are
// replaced by the stand-in kubelet and a wait for the components.
func (e *engine) kubeadm(ctx context.Context, h *simHost, k plan.KubeadmRun) (string, error) {
	var phases []kubeadmPhase
	switch {
	case k.Verb == "init":
		phases = initPhases(k, e.p.Etcd.External)
	case k.Verb == "join" && k.ControlPlane:
		phases = joinPhases(k, e.p.Etcd.External)
	default:
		return "", fmt.Errorf("kubeadm %s of a worker on a simulated host", k.Verb)
	}
	var ran, other []string
	for _, ph := range phases {
		if ph.how != run {
			other = append(other, ph.name+": "+ph.how)
			if strings.HasPrefix(ph.name, "wait-control-plane") {
				if err := e.waitControlPlane(ctx, h); err != nil {
					return "", err
				}
			}
			continue
		}
		args := []string{"kubeadm", k.Verb, "phase", ph.name, "--config", k.Config}
		for _, f := range ph.flags {
			if contains(k.Flags, f) {
				args = append(args, f)
			}
		}
		began := time.Now()
		pctx, cancel := context.WithTimeout(ctx, 10*time.Minute)
		r := h.shell(pctx, strings.Join(args, " "))
		cancel()
		if r.Err != nil {
			return "", fmt.Errorf("%s: %v: %s", strings.Join(args, " "), r.Err, tail(r.Output, 10))
		}
		e.progress("  %s: %s (%s)", h.node.Name, strings.Join(args, " "), time.Since(began).Round(time.Millisecond))
		ran = append(ran, ph.name)
	}
	return fmt.Sprintf("phases run one by one with its --config: %s; %s", strings.Join(ran, ", "), strings.Join(other, "; ")), nil
}

// waitControlPlane waits until the host's etcd member (if it has one) and
// API server answer.
func (e *engine) waitControlPlane(ctx context.Context, h *simHost) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	began := time.Now()
	var last error
	for ctx.Err() == nil {
		last = nil
		if h.etcd && !e.p.Etcd.External {
			if ok, err := e.etcdHealthy(ctx, h, h); !ok {
				last = fmt.Errorf("etcd on %s: %v", h.node.Name, err)
			}
		}
		if last == nil {
			if err := e.apiReady(ctx, h.node.Address, "/readyz"); err != nil {
				last = fmt.Errorf("API server on %s: %v", h.node.Name, err)
			}
		}
		if last == nil {
			e.progress("  %s: etcd and the API server answer (%s)", h.node.Name, time.Since(began).Round(time.Millisecond))
			return nil
		}
		time.Sleep(time.Second)
	}
	return fmt.Errorf("waiting for the control plane of %s: %v", h.node.Name, last)
}
