// Package render executes the templates over a plan into an in-memory tree
// of files, and writes such a tree to disk atomically.
package render

import (
	"bytes"
	"fmt"
	"path"
	"sort"
	"strings"
	"sync/atomic"

	"github.com/blueprint-dev/blueprint/forecast"
	"github.com/blueprint-dev/blueprint/internal/parallel"
	"github.com/blueprint-dev/blueprint/plan"
	"github.com/blueprint-dev/blueprint/state"
	"github.com/blueprint-dev/blueprint/templates"
)

// Tree maps slash-separated paths, relative to the output folder, to file
// contents. Paths are built from validated names only.
type Tree map[string][]byte

// Paths returns the tree's paths in sorted order.
func (t Tree) Paths() []string {
	ps := make([]string, 0, len(t))
	for p := range t {
		ps = append(ps, p)
	}
	sort.Strings(ps)
	return ps
}

var tmpl = templates.Parse()

// Render produces every file of the design.
func Render(p *plan.Plan) (Tree, error) { return RenderWith(p, Options{}) }

// RenderWith produces every file of the design, with options.
func RenderWith(p *plan.Plan, opts Options) (Tree, error) {
	t, _, err := RenderForecast(p, opts)
	return t, err
}

// RenderForecast produces every file of the design, and the capacity
// forecast of the rendered pods that ARCHITECTURE.md describes.
func RenderForecast(p *plan.Plan, opts Options) (Tree, *forecast.Forecast, error) {
	r := &renderer{tree: Tree{}}
	first := p.ControlPlane[0]
	r.file("kubeadm/init/"+first.Name+".yaml", "init.yaml.tmpl", plan.NodeView{Plan: p, Node: first})
	for _, n := range p.ControlPlane[1:] {
		r.file("kubeadm/join-control-plane/"+n.Name+".yaml", "join-control-plane.yaml.tmpl", plan.NodeView{Plan: p, Node: n})
	}
	for _, n := range p.Workers {
		r.file("kubeadm/join-worker/"+n.Name+".yaml", "join-worker.yaml.tmpl", plan.NodeView{Plan: p, Node: n})
	}
	for _, pool := range p.Pools {
		r.file(plan.KubeletPatchTree+pool.Name+"/"+plan.KubeletPatchFile, "kubelet-patch.yaml.tmpl", plan.PoolView{Plan: p, Pool: pool})
	}
	if p.Etcd.External {
		for _, n := range p.Etcd.Members {
			r.file("kubeadm/etcd/"+n.Name+".yaml", "etcd.yaml.tmpl", plan.NodeView{Plan: p, Node: n})
		}
		r.file(plan.EtcdKubeletConfig, "etcd-kubelet.conf.tmpl", p)
		r.file(plan.EtcdDropIn, "etcd-dropin.conf.tmpl", p)
	}
	for _, kp := range p.ImageSupply.Patches {
		r.file("kubeadm/patches/"+kp.File, "kubeadm-patch", kp)
	}
	r.file("kubeadm/audit-policy.yaml", "audit-policy.yaml.tmpl", p)
	r.file("kubeadm/encryption-config.yaml", "encryption-config.yaml.tmpl", p)
	r.file("kubeadm/authentication-config.yaml", "authentication-config.yaml.tmpl", p)
	if p.LB.Managed {
		r.file("loadbalancer/haproxy.cfg", "haproxy.cfg.tmpl", p)
	}
	if p.LB.Keepalived {
		r.file("loadbalancer/check_apiserver.sh", "check_apiserver.sh.tmpl", p)
		for _, peer := range p.LB.Peers {
			r.file("loadbalancer/keepalived/"+peer.Name+".conf", "keepalived.conf.tmpl", plan.PeerView{Plan: p, Peer: peer, CheckScriptPath: plan.CheckScriptPath})
		}
	}
	switch {
	case p.LB.Colocated:
		r.file("loadbalancer/static-pods/haproxy.yaml", "haproxy-pod", p)
		r.file("loadbalancer/static-pods/keepalived.yaml", "keepalived-pod", p)
	case p.LB.LocalProxy:
		r.file("loadbalancer/static-pods/haproxy.yaml", "haproxy-pod", p)
	case p.LB.KubeVIP:
		r.file(plan.KubeVIPPod, "kube-vip-pod", plan.KubeVIPView{Plan: p, KubeConfig: plan.AdminConf})
		r.file(plan.KubeVIPInitPod, "kube-vip-pod", plan.KubeVIPView{Plan: p, KubeConfig: plan.SuperAdminConf, ForInit: true})
	}
	r.flush()
	r.manifests(p)
	r.images(p)
	var fc *forecast.Forecast
	var built map[string][]byte
	if r.err == nil {
		var leaves []forecast.Built
		built, leaves, r.err = buildKustomizations(r.tree, p.Services.Components(), opts)
		if r.err == nil {
			fc, r.err = runForecast(p, leaves, r.tree, opts.Builds)
		}
	}
	r.file("ARCHITECTURE.md", "ARCHITECTURE.md.tmpl", forecast.ArchitectureView{Plan: p, Capacity: forecast.Report(p, fc)})
	r.flush()
	if r.err == nil {
		r.state(p, built)
	}
	return r.tree, fc, r.err
}

// forecastsRun counts the forecasts made rather than read back, for the
// tests.
var forecastsRun atomic.Int64

// runForecast places the tree's pods on the design's machines. With a
// build cache, a forecast of the same input by the same binary is read
// back from it instead (see BuildCache.forecastKey).
func runForecast(p *plan.Plan, built []forecast.Built, tree Tree, cache *BuildCache) (*forecast.Forecast, error) {
	in, err := forecast.Prepare(p, built, tree)
	if err != nil {
		return nil, fmt.Errorf("capacity forecast: %w", err)
	}
	key := cache.forecastKey(in)
	if key != "" {
		if data, ok := cache.lookup(key, true); ok {
			if fc, err := forecast.Restore(in, data); err == nil {
				return fc, nil
			}
		}
	}
	forecastsRun.Add(1)
	fc, err := forecast.Run(in.Machines, in.Objects)
	if err != nil {
		return nil, fmt.Errorf("capacity forecast: %w", err)
	}
	if key != "" {
		if data, err := fc.Encode(); err == nil {
			cache.store(key, data)
		}
	}
	return fc, nil
}

// state records the design in the tree's state file, for blueprint plan.
func (r *renderer) state(p *plan.Plan, built map[string][]byte) {
	s, err := state.Build(p, r.tree, built)
	if err == nil {
		var b []byte
		if b, err = state.Encode(s); err == nil {
			r.put(state.FileName, b)
			return
		}
	}
	r.fail(fmt.Errorf("recording the design in %s: %w", state.FileName, err))
}

// Options change what Render writes.
type Options struct {
	// Flatten also writes flat/NN-component.yaml: each component of the
	// manifests tree built by kustomize, for people who apply plain YAML.
	Flatten bool
	// Builds, when set, remembers which kustomization inputs built, so a
	// component whose files did not change is not built again.
	Builds *BuildCache
}

type renderer struct {
	tree    Tree
	err     error
	pending []fileJob // files to render at the next flush
}

// fileJob is one file to render from a template.
type fileJob struct {
	name, template string
	data           any
	out            []byte
	err            error
}

// file queues a file for the next flush.
func (r *renderer) file(name, template string, data any) {
	r.pending = append(r.pending, fileJob{name: name, template: template, data: data})
}

// flush renders the queued files side by side (a large cluster has
// thousands of node configs) and puts them in the tree in queue order;
// the first failure in that order is the one reported.
func (r *renderer) flush() {
	jobs := r.pending
	r.pending = nil
	if r.err != nil {
		return
	}
	parallel.Do(len(jobs), func(i int) {
		var buf bytes.Buffer
		j := &jobs[i]
		j.err = tmpl.ExecuteTemplate(&buf, j.template, j.data)
		j.out = buf.Bytes()
	})
	for _, j := range jobs {
		if j.err != nil {
			r.fail(fmt.Errorf("rendering %s: %w", j.name, j.err))
			return
		}
		r.put(j.name, j.out)
	}
}

func (r *renderer) put(name string, data []byte) {
	if path.Clean(name) != name || path.IsAbs(name) || name == ".." || strings.HasPrefix(name, "../") {
		panic(fmt.Sprintf("render: unsafe path %q reached the renderer; validation must reject it", name))
	}
	r.tree[name] = data
}

func (r *renderer) fail(err error) {
	if r.err == nil {
		r.err = err
	}
}
