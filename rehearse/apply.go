package rehearse

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/blueprint-dev/blueprint/internal/controlplane"
	"github.com/blueprint-dev/blueprint/internal/platformcrds"
	"github.com/blueprint-dev/blueprint/render"
)

// applyManifests stands in for the GitOps tool (or kubectl): it builds
// folder (manifests/ or one of its folders) with kustomize and applies every
// object server-side, for real, through the endpoint: Namespaces and CRDs
// first, then the rest. Objects that hand requests to a server that does
// not run here (webhook configurations, APIServices) are only dry-run.
// Every refusal fails.
func (e *engine) applyManifests(ctx context.Context, folder string) (int, error) {
	if _, ok := e.treeFiles[folder+"/kustomization.yaml"]; !ok {
		return 0, nil
	}
	built, err := render.BuildKustomizations(e.treeFiles, []string{folder})
	if err != nil {
		return 0, err
	}
	objs, err := controlplane.ParseObjects(built[folder])
	if err != nil {
		return 0, err
	}
	if folder == "manifests" {
		e.objects = objs
		e.namespaces = nil
		for _, o := range objs {
			if o.Kind() == "Namespace" {
				e.namespaces = append(e.namespaces, o.Name())
			}
		}
	}
	crds, _, err := platformcrds.Needed(objs)
	if err != nil {
		return 0, err
	}
	c, err := e.adminClient(time.Minute)
	if err != nil {
		return 0, err
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Minute)
	defer cancel()
	foundation := append(crds, controlplane.Select(objs, controlplane.IsFoundation)...)
	var problems []string
	for _, r := range c.ApplyAll(ctx, foundation, false) {
		problems = append(problems, r.String())
	}
	if err := c.WaitEstablished(ctx, foundation, 2*time.Minute); err != nil {
		problems = append(problems, err.Error())
	}
	rest := controlplane.Select(objs, func(o controlplane.Object) bool { return !controlplane.IsFoundation(o) })
	real := controlplane.Select(rest, func(o controlplane.Object) bool { return !controlplane.IsDryRunOnly(o) })
	dry := controlplane.Select(rest, controlplane.IsDryRunOnly)
	for _, r := range c.ApplyAll(ctx, real, false) {
		problems = append(problems, r.String())
	}
	for _, r := range c.ApplyAll(ctx, dry, true) {
		problems = append(problems, r.String()+" (dry run)")
	}
	if len(problems) > 0 {
		return 0, fmt.Errorf("the API server refused %d objects of %s/: %s", len(problems), folder, strings.Join(problems, "; "))
	}
	e.progress("  applied %d objects (%d Namespaces and CRDs first, %d dry-run only: webhook configurations and APIServices whose servers do not run here)",
		len(foundation)+len(rest), len(foundation), len(dry))
	return len(foundation) + len(rest), nil
}

// workerNodes stands in for the workers' kubelets: their Node objects and
// the leases that keep them Ready.
type workerNodes struct {
	cancel context.CancelFunc
	done   chan struct{}
	mu     sync.Mutex
	names  []string
}

func (w *workerNodes) stop() {
	w.cancel()
	<-w.done
}

// registerWorkers registers a Node for each of the plan's workers named
// (one pool's join step) and, from then on, renews the leases of every
// worker registered so far every 10 s through the endpoint, while the API
// answers.
func (e *engine) registerWorkers(ctx context.Context, names []string) error {
	c, err := e.adminClient(30 * time.Second)
	if err != nil {
		return err
	}
	var registered []string
	for _, n := range e.p.Workers {
		if !slices.Contains(names, n.Name) {
			continue
		}
		ns := controlplane.NodeSpec{Name: n.Name, Address: n.Address, Labels: map[string]string{}, CPU: itoa(n.CPU), Memory: n.Memory}
		for _, l := range n.Labels {
			ns.Labels[l.Key] = l.Value
		}
		for _, t := range n.Taints {
			ns.Taints = append(ns.Taints, corev1.Taint{Key: t.Key, Value: t.Value, Effect: corev1.TaintEffect(t.Effect)})
		}
		obj, err := ns.Node()
		if err != nil {
			return err
		}
		if err := c.Post(ctx, "/api/v1/nodes", obj, nil); err != nil {
			return fmt.Errorf("registering worker %s: %w", n.Name, err)
		}
		registered = append(registered, n.Name)
	}
	if e.workers != nil {
		e.workers.mu.Lock()
		e.workers.names = append(e.workers.names, registered...)
		e.workers.mu.Unlock()
		return nil
	}
	lctx, cancel := context.WithCancel(context.Background())
	w := &workerNodes{cancel: cancel, done: make(chan struct{}), names: registered}
	e.workers = w
	go func() {
		defer close(w.done)
		for lctx.Err() == nil {
			w.mu.Lock()
			names := slices.Clone(w.names)
			w.mu.Unlock()
			var wg sync.WaitGroup
			for _, n := range names {
				wg.Add(1)
				go func() {
					defer wg.Done()
					rctx, cancel := context.WithTimeout(lctx, 5*time.Second)
					defer cancel()
					_ = c.RenewLease(rctx, n) // the API may be down during a drill
				}()
			}
			wg.Wait()
			select {
			case <-lctx.Done():
			case <-time.After(10 * time.Second):
			}
		}
	}()
	return nil
}
