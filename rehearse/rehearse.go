// Package rehearse brings a design up on simulated hosts (internal/hostsim)
// with the real control-plane programs, following the install order of the
// plan step by step, then breaks it on purpose: hosts and zones powered
// off, one program of the VIP holder stopped, zones cut off, and etcd
// restored from a backup. Every answer is compared with what the plan (the
// data ARCHITECTURE.md is rendered from) says the design does.
//
// It consumes the plan and the rendered tree; nothing flows back.
package rehearse

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/blueprint-dev/blueprint/internal/controlplane"
	"github.com/blueprint-dev/blueprint/internal/hostsim"
	"github.com/blueprint-dev/blueprint/plan"
	"github.com/blueprint-dev/blueprint/render"
)

// Options configure a rehearsal.
type Options struct {
	// WorkDir holds the hosts' disks and logs; empty means a new folder in
	// os.TempDir(). It is removed at the end unless Keep is set.
	WorkDir string
	Keep    bool
	// ToolDirs are searched first for kubeadm, the Kubernetes servers and
	// etcd (then $BLUEPRINT_TOOLS, /var/cache/blueprint-tools/bin, PATH).
	ToolDirs []string
	// Progress receives one line per step; nil discards them.
	Progress io.Writer
	// Drills selects scenarios by name (see Scenario.Name); nil runs all,
	// an empty non-nil slice none.
	Drills []string
	// NoRestore skips the backup and restore drill.
	NoRestore bool
	// Timeout bounds the whole rehearsal; zero means 60 minutes.
	Timeout time.Duration
}

// TreeDir is where each host keeps its copy of the rendered tree, the
// folder the install order's commands run from.
const TreeDir = "/root/cluster-tree"

// Report is what a rehearsal found.
type Report struct {
	Cluster  string         `json:"cluster"`
	Version  string         `json:"kubernetesVersion"`
	Hosts    []HostReport   `json:"hosts"`
	Programs []string       `json:"programs"` // what stands in for what
	Steps    []StepReport   `json:"steps"`
	Checks   []CheckReport  `json:"checks"`
	Drills   []DrillReport  `json:"drills"`
	Restore  *RestoreReport `json:"restore,omitempty"`
	// Open lists what the rehearsal could not do, and why.
	Open     []string      `json:"open,omitempty"`
	Duration time.Duration `json:"durationNanoseconds"`
	// Failures are every disagreement and error; empty means the design
	// behaved as the plan says.
	Failures []string `json:"failures"`
	WorkDir  string   `json:"workDir,omitempty"`

	pgids   []int  // every process group of the hosts, for tests
	workDir string // the lab's work folder, kept or not
}

// HostReport is one simulated host.
type HostReport struct {
	Name      string   `json:"name"`
	Roles     []string `json:"roles"`
	Zone      string   `json:"zone,omitempty"`
	Address   string   `json:"address"`
	Interface string   `json:"interface"`
}

// StepReport is one step of the install order and what the rehearsal did
// with it.
type StepReport struct {
	Number      string        `json:"number"` // "7.2"
	Host        string        `json:"host"`
	Kind        string        `json:"kind"`
	Command     string        `json:"command,omitempty"`
	Purpose     string        `json:"purpose"`
	Disposition string        `json:"disposition"` // ran, stand-in, assumed, failed
	Note        string        `json:"note,omitempty"`
	Duration    time.Duration `json:"durationNanoseconds"`
}

// Dispositions of a step.
const (
	Ran     = "ran"      // performed as written
	StandIn = "stand-in" // performed by a stand-in, which Note names
	Assumed = "assumed"  // cannot be performed here; Note says why
	Failed  = "failed"
)

// CheckReport is one check after the install.
type CheckReport struct {
	Name   string `json:"name"`
	OK     bool   `json:"ok"`
	Detail string `json:"detail"`
}

// Run rehearses the design: p is its plan and tree the folder render wrote
// for it. The report is returned even when the rehearsal fails; err is set
// when something other than the design's behaviour stopped it.
func Run(ctx context.Context, p *plan.Plan, tree render.Tree, opts Options) (*Report, error) {
	if opts.Timeout == 0 {
		opts.Timeout = 60 * time.Minute
	}
	ctx, cancel := context.WithTimeout(ctx, opts.Timeout)
	defer cancel()
	e := &engine{p: p, treeFiles: tree, opts: opts, began: time.Now(), env: map[string]string{},
		images: &hostsim.Images{ToolDirs: opts.ToolDirs},
		report: &Report{Cluster: p.Name, Version: p.KubernetesVersion}}
	err := e.run(ctx)
	e.report.Duration = time.Since(e.began).Round(time.Millisecond)
	if err != nil {
		e.fail("%v", err)
	}
	return e.report, err
}

// Missing lists what this machine lacks to rehearse p, each with how to
// get it: privileges, programs, binaries of the design's version.
func Missing(p *plan.Plan, toolDirs []string) []string {
	out := hostsim.Missing()
	for _, prog := range []struct{ name, how string }{
		{"kubeadm", "scripts/install-validators.sh kubeadm"},
		{"etcdctl", "scripts/install-etcd.sh"}, {"etcdutl", "scripts/install-etcd.sh"},
		{"curl", "apt-get install curl"}, {"openssl", "apt-get install openssl"},
		{"envsubst", "apt-get install gettext-base"}, {"tar", "apt-get install tar"},
	} {
		if _, err := controlplane.FindTool(prog.name, toolDirs...); err != nil {
			out = append(out, fmt.Sprintf("%s (%s)", prog.name, prog.how))
		}
	}
	im := &hostsim.Images{ToolDirs: toolDirs}
	images := []string{
		p.ImageRepository + "/kube-apiserver:" + p.KubernetesVersion,
		p.ImageRepository + "/kube-controller-manager:" + p.KubernetesVersion,
		p.ImageRepository + "/kube-scheduler:" + p.KubernetesVersion,
		p.ImageRepository + "/etcd:" + EtcdImageTag,
	}
	if p.LB.Managed {
		images = append(images, p.HAProxyImage, p.KeepalivedImage)
	} else {
		images = append(images, p.HAProxyImage)
	}
	for _, img := range images {
		if _, err := im.Resolve(img); err != nil {
			out = append(out, err.Error())
		}
	}
	switch {
	case p.LB.KubeVIP:
		out = append(out, "a stand-in for kube-vip (load_balancer mode kube-vip is not rehearsable: the stand-in kubelet has no program for its image)")
	case p.LB.LocalProxy:
		out = append(out, "workers as simulated hosts (load_balancer mode local-proxy is not rehearsable: its HAProxy runs on the workers, which rehearse only registers as Nodes)")
	case p.LB.Managed && !p.LB.Keepalived:
		out = append(out, "drills without a VIP (a dedicated load balancer without keepalived is not rehearsable yet: the drills follow the VIP)")
	}
	if v, err := kubeadmVersion(toolDirs); err == nil && v != p.KubernetesVersion {
		out = append(out, fmt.Sprintf("kubeadm %s (this machine has %s; the design is not rehearsable with it: render it with kubernetes_version = %q, or build kubeadm %s)", p.KubernetesVersion, v, strings.TrimPrefix(v, "v"), p.KubernetesVersion))
	}
	return out
}

// EtcdImageTag is the etcd image kubeadm 1.37 writes into etcd's static
// pod (kubeadm config images list).
const EtcdImageTag = "3.7.0-0"

// engine is one rehearsal.
type engine struct {
	p         *plan.Plan
	treeFiles render.Tree
	opts      Options
	began     time.Time
	images    *hostsim.Images

	lab    *hostsim.Lab
	hosts  []*simHost
	byName map[string]*simHost
	client *hostsim.Host
	// extLB stands in for an external load balancer.
	extLB *simHost

	mu     sync.Mutex
	env    map[string]string // the install-time secrets minted so far
	report *Report
	admin  *controlplane.Kubeconfig
	// workers renews the simulated workers' leases.
	workers *workerNodes
	// objects are manifests/ as built and applied; namespaces their
	// Namespaces.
	objects    []controlplane.Object
	namespaces []string
}

func (e *engine) progress(format string, args ...any) {
	if e.opts.Progress == nil {
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	fmt.Fprintf(e.opts.Progress, "[%6.1fs] %s\n", time.Since(e.began).Seconds(), fmt.Sprintf(format, args...))
}

func (e *engine) fail(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	e.mu.Lock()
	e.report.Failures = append(e.report.Failures, msg)
	e.mu.Unlock()
	e.progress("FAILED: %s", msg)
}

func (e *engine) open(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	e.mu.Lock()
	e.report.Open = append(e.report.Open, msg)
	e.mu.Unlock()
	e.progress("open: %s", msg)
}

func (e *engine) run(ctx context.Context) (err error) {
	if m := Missing(e.p, e.opts.ToolDirs); len(m) > 0 {
		return &MissingError{Missing: m}
	}
	lab, err := hostsim.New(hostsim.Options{WorkDir: e.opts.WorkDir, Keep: e.opts.Keep, Log: func(s string) { e.progress("  lab: %s", s) }})
	if err != nil {
		return &LabError{err}
	}
	e.lab = lab
	e.report.workDir = lab.Dir()
	if e.opts.Keep {
		e.report.WorkDir = lab.Dir()
	}
	defer func() {
		defer func() { e.report.pgids = lab.ProcessGroups() }()
		if e.workers != nil {
			e.workers.stop()
		}
		for _, h := range e.hosts {
			h.shutdown()
		}
		var cerr error
		if e.opts.Keep {
			cerr = lab.CloseKeep()
		} else {
			cerr = lab.Close()
		}
		if cerr != nil {
			err = errors.Join(err, &LabError{fmt.Errorf("cleaning up: %w", cerr)})
		} else {
			e.progress("every host powered off, its namespaces and links gone%s", map[bool]string{true: "; work folder kept: " + lab.Dir(), false: ""}[e.opts.Keep])
		}
	}()
	if err := e.boot(); err != nil {
		return err
	}
	if err := e.install(ctx); err != nil {
		return err
	}
	if err := e.checkInstalled(ctx); err != nil {
		return err
	}
	if err := e.drills(ctx); err != nil {
		return err
	}
	if !e.opts.NoRestore {
		if err := e.restoreDrill(ctx); err != nil {
			return err
		}
	}
	return nil
}

// LabError is a failure of the simulation itself (making or removing the
// simulated hosts), not of the design.
type LabError struct{ Err error }

func (l *LabError) Error() string { return l.Err.Error() }
func (l *LabError) Unwrap() error { return l.Err }

// MissingError is a rehearsal that could not start for lack of something
// on this machine.
type MissingError struct{ Missing []string }

func (m *MissingError) Error() string {
	return "this machine cannot rehearse the design; it lacks:\n  - " + strings.Join(m.Missing, "\n  - ")
}

// copyTree copies the rendered tree into a host's disk at TreeDir, with
// the modes render writes (scripts executable).
func copyTree(t render.Tree, h *hostsim.Host) error {
	dst := h.Path(TreeDir)
	for _, p := range t.Paths() {
		target := filepath.Join(dst, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
			return err
		}
		mode := os.FileMode(0o644)
		if strings.HasSuffix(p, ".sh") {
			mode = 0o755
		}
		if err := os.WriteFile(target, t[p], mode); err != nil {
			return err
		}
	}
	return nil
}
