// Package render executes the templates over a plan into an in-memory tree
// of files, and writes such a tree to disk atomically.
package render

import (
	"bytes"
	"fmt"
	"path"
	"sort"
	"strings"

	"github.com/blueprint-dev/blueprint/plan"
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
		r.file("kubeadm/patches/"+pool.Name+"/"+plan.KubeletPatchFile, "kubelet-patch.yaml.tmpl", plan.PoolView{Plan: p, Pool: pool})
	}
	if p.Etcd.External {
		for _, n := range p.Etcd.Members {
			r.file("kubeadm/etcd/"+n.Name+".yaml", "etcd.yaml.tmpl", plan.NodeView{Plan: p, Node: n})
		}
	}
	r.file("kubeadm/audit-policy.yaml", "audit-policy.yaml.tmpl", p)
	r.file("kubeadm/encryption-config.yaml", "encryption-config.yaml.tmpl", p)
	if p.LB.Managed {
		r.file("loadbalancer/haproxy.cfg", "haproxy.cfg.tmpl", p)
		r.file("loadbalancer/check_apiserver.sh", "check_apiserver.sh.tmpl", p)
		for _, peer := range p.LB.Peers {
			r.file("loadbalancer/keepalived/"+peer.Name+".conf", "keepalived.conf.tmpl", plan.PeerView{Plan: p, Peer: peer, CheckScriptPath: plan.CheckScriptPath})
		}
		if p.LB.Colocated {
			r.file("loadbalancer/static-pods/haproxy.yaml", "haproxy-pod", p)
			r.file("loadbalancer/static-pods/keepalived.yaml", "keepalived-pod", p)
		}
	}
	r.manifests(p)
	r.images(p)
	if r.err == nil {
		r.err = buildKustomizations(r.tree, p.Services.Components(), opts)
	}
	r.file("ARCHITECTURE.md", "ARCHITECTURE.md.tmpl", p)
	return r.tree, r.err
}

// Options change what Render writes.
type Options struct {
	// Flatten also writes flat/NN-component.yaml: each component of the
	// manifests tree built by kustomize, for people who apply plain YAML.
	Flatten bool
}

type renderer struct {
	tree Tree
	err  error
}

func (r *renderer) file(name, template string, data any) {
	if r.err != nil {
		return
	}
	var buf bytes.Buffer
	if err := tmpl.ExecuteTemplate(&buf, template, data); err != nil {
		r.err = fmt.Errorf("rendering %s: %w", name, err)
		return
	}
	r.put(name, buf.Bytes())
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
