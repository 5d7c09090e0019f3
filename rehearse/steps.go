package rehearse

import (
	"bytes"
	"context"
	"fmt"
	"path"
	"regexp"
	"strings"
	"time"

	"github.com/blueprint-dev/blueprint/internal/hostsim"
	"github.com/blueprint-dev/blueprint/plan"
)

// install follows the plan's install order, step by step.
func (e *engine) install(ctx context.Context) error {
	for i, is := range e.p.Install {
		for j, s := range is.Steps {
			num := fmt.Sprintf("%d.%d", i+1, j+1)
			began := time.Now()
			r := StepReport{Number: num, Host: s.Host, Kind: string(s.Kind), Command: s.Command, Purpose: s.Purpose}
			if s.Copy != nil {
				r.Command = fmt.Sprintf("copy %s to %s:%s", s.Copy.From, s.Copy.ToHost, s.Copy.To)
			}
			r.Disposition, r.Note = e.step(ctx, is.Phase, s)
			r.Duration = time.Since(began).Round(time.Millisecond)
			e.mu.Lock()
			e.report.Steps = append(e.report.Steps, r)
			e.mu.Unlock()
			host := s.Host
			if host == "" {
				host = "-"
			}
			line := fmt.Sprintf("step %s %s on %s: %s", num, r.Disposition, host, oneLine(r.Command, r.Purpose))
			if r.Note != "" {
				line += " — " + r.Note
			}
			e.progress("%s (%s)", line, r.Duration)
			if r.Disposition == Failed {
				return fmt.Errorf("install step %s on %s failed: %s", num, host, r.Note)
			}
		}
	}
	return nil
}

func oneLine(command, purpose string) string {
	if command == "" {
		return purpose
	}
	if len(command) > 110 {
		command = command[:107] + "..."
	}
	return command
}

// step performs one step, or says who stands in for it or why it cannot.
func (e *engine) step(ctx context.Context, phase plan.InstallPhase, s plan.Step) (string, string) {
	switch {
	case s.Kind == plan.StepManual && phase == plan.PhaseLoadBalancer && !e.p.LB.Managed:
		return StandIn, "HAProxy on host external-lb (" + e.extLB.node.Address + ") stands in for the external load balancer, forwarding to every API server with an HTTPS check of /readyz; it was started at boot"
	case s.Kind == plan.StepManual && s.Apply != "":
		n, err := e.applyManifests(ctx, s.Apply)
		if err != nil {
			return Failed, err.Error()
		}
		return StandIn, fmt.Sprintf("rehearse applied the %d objects of %s/ with server-side apply in GitOps' order (Namespaces and CRDs first), as the admin", n, s.Apply)
	case s.Kind == plan.StepManual && phase == plan.PhaseServices && strings.HasPrefix(s.Purpose, "install "):
		return Assumed, "the GitOps tool is not installed here (its manifests come from the internet, and no pod runs): rehearse applies manifests/ itself, as the tool would"
	case s.Kind == plan.StepManual:
		return Assumed, manualNote(phase)
	}
	if s.Each != nil {
		if phase == plan.PhaseJoinWorkers && s.Kubeadm != nil {
			if err := e.registerWorkers(ctx, s.Each); err != nil {
				return Failed, err.Error()
			}
			return StandIn, fmt.Sprintf("no kubelet runs on workers here: rehearse registered their %d Nodes (labels, taints, capacity) and renews their leases", len(s.Each))
		}
		return Assumed, "steps on " + s.Host + " are not simulated"
	}
	h := e.byName[s.Host]
	if s.Kind == plan.StepCopy {
		if err := e.copyFiles(ctx, h, s.Copy); err != nil {
			return Failed, err.Error()
		}
		return Ran, "tar from " + s.Host + " to " + s.Copy.ToHost
	}
	if h == nil {
		return Assumed, "host " + s.Host + " is not simulated"
	}
	if err := e.mint(ctx, s.Command); err != nil {
		return Failed, err.Error()
	}
	switch s.Kind {
	case plan.StepService:
		note, err := e.service(ctx, h, s.Service)
		if err != nil {
			return Failed, err.Error()
		}
		return StandIn, note
	case plan.StepCheck:
		// A reader runs a check when the step before has taken effect;
		// the rehearsal repeats it for up to two minutes.
		var r hostsim.Result
		for i := 0; i < 60; i++ {
			if r = h.shell(ctx, s.Command); r.Err == nil || ctx.Err() != nil {
				break
			}
			time.Sleep(2 * time.Second)
		}
		if r.Err != nil {
			return Failed, fmt.Sprintf("%v: %s", r.Err, tail(r.Output, 5))
		}
		return Ran, lastLine(r.Output)
	}
	if s.Kubeadm != nil {
		note, err := e.kubeadm(ctx, h, *s.Kubeadm)
		if err != nil {
			return Failed, err.Error()
		}
		return StandIn, note
	}
	stepCtx, cancel := context.WithTimeout(ctx, 10*time.Minute)
	defer cancel()
	if r := h.shell(stepCtx, s.Command); r.Err != nil {
		return Failed, fmt.Sprintf("%v: %s", r.Err, tail(r.Output, 8))
	}
	return Ran, ""
}

func manualNote(phase plan.InstallPhase) string {
	switch phase {
	case plan.PhasePackages:
		return "packages are not installed here: this machine's kubeadm, etcdctl, etcdutl, haproxy and keepalived run on every host, and the stand-in kubelet replaces kubelet and the container runtime"
	case plan.PhaseLoadBalancer:
		return "packages are not installed here: this machine's haproxy, keepalived and curl run on the host"
	case plan.PhaseCNI:
		return "no CNI runs here (no pod network: only host-network static pods run)"
	case plan.PhaseServingCerts:
		return "no kubelet asks for a serving certificate here"
	case plan.PhaseServices:
		return "no Secret is created here: pods that need one stay Pending, and nothing checks them"
	}
	return "done by hand; not performed here"
}

// placeholderRef finds ${NAME} in a command.
var placeholderRef = regexp.MustCompile(`\$\{([A-Z_]+)`)

// mint fills in the install-time secrets a command refers to, the way the
// document says each is minted: its command, on its host.
func (e *engine) mint(ctx context.Context, command string) error {
	for _, m := range placeholderRef.FindAllStringSubmatch(command, -1) {
		for _, ph := range e.p.Placeholders() {
			e.mu.Lock()
			_, done := e.env[ph.Name]
			e.mu.Unlock()
			if ph.Name != m[1] || done {
				continue
			}
			host := e.byName[ph.Host]
			if host == nil {
				host = e.byName[e.p.ControlPlane[0].Name]
			}
			r := host.shell(ctx, ph.Command)
			v := lastLine(r.Output)
			if r.Err != nil || v == "" {
				return fmt.Errorf("minting ${%s} on %s with %q: %v %s", ph.Name, host.node.Name, ph.Command, r.Err, tail(r.Output, 5))
			}
			e.mu.Lock()
			e.env[ph.Name] = v
			e.mu.Unlock()
			e.progress("  minted ${%s} on %s as the document says: %s", ph.Name, host.node.Name, ph.Command)
		}
	}
	return nil
}

// copyFiles copies a file or folder between hosts as the document says:
// the copy lands at exactly To, owned by root, modes kept.
func (e *engine) copyFiles(ctx context.Context, from *simHost, c *plan.Copy) error {
	to := e.byName[c.ToHost]
	if from == nil || to == nil {
		return fmt.Errorf("copy between hosts that are not simulated (%v, %s)", from != nil, c.ToHost)
	}
	var archive bytes.Buffer
	r := from.h.Run(ctx, hostsim.Exec{Name: "tar", Path: "/bin/tar", Args: []string{"-C", path.Dir(c.From), "-cf", "-", path.Base(c.From)}, Stdout: &archive})
	if r.Err != nil {
		return fmt.Errorf("reading %s on %s: %v %s", c.From, from.node.Name, r.Err, r.Output)
	}
	staging := "/tmp/.rehearse-copy"
	script := `set -e; rm -rf "$1"; mkdir -p "$1"; tar -C "$1" --no-same-owner -xf -; src="$1/$2"; dst="$3"; mkdir -p "$(dirname "$dst")";
if [ -d "$src" ]; then mkdir -p "$dst"; cp -a "$src/." "$dst/"; else cp -a "$src" "$dst"; fi; chown -R root:root "$dst"; rm -rf "$1"`
	r = to.h.Run(ctx, hostsim.Exec{Name: "untar", Path: "/bin/sh", Args: []string{"-c", script, "sh", staging, path.Base(c.From), c.To}, Stdin: &archive})
	if r.Err != nil {
		return fmt.Errorf("writing %s on %s: %v %s", c.To, to.node.Name, r.Err, r.Output)
	}
	return nil
}

// service performs a service step with the stand-ins: the kubelet's, and
// the distribution's unit files for the others.
func (e *engine) service(ctx context.Context, h *simHost, s *plan.Service) (string, error) {
	if s == nil {
		return "", fmt.Errorf("a service step without the services it starts")
	}
	var notes []string
	for _, c := range s.Containers {
		h.mu.Lock()
		k := h.kubelet
		h.mu.Unlock()
		if k == nil {
			return "", fmt.Errorf("no kubelet runs on %s to restart %s", h.node.Name, c)
		}
		k.Restart(c)
		notes = append(notes, "the stand-in kubelet restarted container "+c)
	}
	for _, u := range s.Units {
		switch u {
		case "kubelet":
			h.mu.Lock()
			k := h.kubelet
			h.kubelet, h.kubeletOn = nil, true
			h.mu.Unlock()
			if k != nil {
				k.Stop()
			}
			h.startKubelet()
			notes = append(notes, "the stand-in kubelet (re)started")
		default:
			h.mu.Lock()
			if !contains(h.units, u) {
				h.units = append(h.units, u)
			}
			h.mu.Unlock()
			if err := h.startUnit(u); err != nil {
				return "", err
			}
			notes = append(notes, u+" started from its unit file's ExecStart (no systemd here)")
		}
	}
	return strings.Join(notes, "; "), nil
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

func lastLine(b []byte) string {
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	return strings.TrimSpace(lines[len(lines)-1])
}

func tail(b []byte, n int) string {
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, " | ")
}
