package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"testing"
	"time"

	"github.com/blueprint-dev/blueprint/impact"
	"github.com/blueprint-dev/blueprint/internal/controlplane"
	"github.com/blueprint-dev/blueprint/plan"
	"github.com/blueprint-dev/blueprint/render"
	"github.com/blueprint-dev/blueprint/spec"
	"github.com/blueprint-dev/blueprint/state"
	"github.com/blueprint-dev/blueprint/validate"
)

// rendered is a spec's objects and state.
type renderedPair struct {
	objs  []controlplane.Object
	state *state.State
}

// renderedSpecs remembers renders by the spec's bytes: most pairs of the
// corpus share their old spec.
var renderedSpecs = map[string]renderedPair{}

// renderTree renders a spec in memory and returns the objects of its
// manifests/ and the state it records.
func renderTree(t *testing.T, path string, builds *render.BuildCache) ([]controlplane.Object, *state.State) {
	t.Helper()
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if r, ok := renderedSpecs[string(src)]; ok {
		return r.objs, r.state
	}
	s, diags := spec.NewLoader().Load(path, spec.Options{})
	diags = validate.Check(s, diags)
	if diags.HasErrors() {
		t.Fatalf("%s: %v", path, diags)
	}
	tree, err := render.RenderWith(plan.Build(s), render.Options{Builds: builds})
	if err != nil {
		t.Fatal(err)
	}
	st, err := state.Decode(tree[state.FileName])
	if err != nil {
		t.Fatal(err)
	}
	built, err := render.BuildKustomizations(tree, []string{"manifests"})
	if err != nil {
		t.Fatal(err)
	}
	objs, err := controlplane.ParseObjects(built["manifests"])
	if err != nil {
		t.Fatal(err)
	}
	renderedSpecs[string(src)] = renderedPair{objs, st}
	return objs, st
}

func objectID(o controlplane.Object) string {
	ns := o.Namespace()
	if ns == "" && !state.ClusterScoped[o.GroupKind()] {
		ns = "default"
	}
	if ns == "" {
		return o.Kind() + " " + o.Name()
	}
	return o.Kind() + " " + ns + "/" + o.Name()
}

// TestPlanAgainstAPIServer proves the object impacts of the plan corpus on
// a real API server: for each pair of testdata/plan whose plan changes
// objects, the old tree is applied for real (claims bound to volumes, as a
// cluster's would be), then every object of the new tree is server-side
// applied as a dry run. The objects the API server refuses must be exactly
// those plan replaces; a workload plan rolls must come back from the dry
// run with a .spec.template (after the server's defaulting) different
// from the stored one, and every other workload with the same.
func TestPlanAgainstAPIServer(t *testing.T) {
	opts := need(t, controlplane.Options{ControllerManager: true})
	opts.WorkDir = t.TempDir()
	cp := start(t, opts)
	c := cp.Client()
	ctx := context.Background()
	builds := render.NewBuildCache(t.TempDir())

	cases, _ := filepath.Glob("../testdata/plan/*/old.hcl")
	sort.Strings(cases)
	proved, replaced, rolled := 0, 0, 0
	for i, oldPath := range cases {
		dir := filepath.Dir(oldPath)
		name := filepath.Base(dir)
		oldObjs, oldState := renderTree(t, oldPath, builds)
		newObjs, newState := renderTree(t, filepath.Join(dir, "new.hcl"), builds)
		p := impact.Compare(oldState, newState)
		wantReplaced, wantRolled, objectChanges := map[string]bool{}, map[string]bool{}, 0
		for _, ch := range p.Changes {
			if ch.Category != "objects" || ch.Action == impact.Note {
				continue
			}
			objectChanges++
			switch ch.Action {
			case impact.Replace:
				wantReplaced[ch.Target] = true
			case impact.Roll:
				wantRolled[ch.Target] = true
			}
		}
		if objectChanges == 0 || name == "monitoring-removed" || name == "namespace-with-claims-deleted" {
			continue // nothing to apply, or only deletions
		}
		t.Run(name, func(t *testing.T) {
			applyOld(t, c, oldObjs, i)
			refused := map[string]string{}
			for _, o := range newObjs {
				if controlplane.IsDryRunOnly(o) {
					continue
				}
				if controlplane.IsFoundation(o) {
					if err := c.Apply(ctx, o, false); err != nil {
						t.Fatalf("%s: %v", objectID(o), err)
					}
					continue
				}
				got, err := dryRunApply(ctx, c, o)
				if err != nil {
					refused[objectID(o)] = err.Error()
					continue
				}
				if !controlplane.IsWorkload(o) || o.Kind() == "CronJob" {
					continue
				}
				var stored map[string]any
				path, _ := c.Path(ctx, o)
				if err := c.Get(ctx, path, &stored); err != nil {
					continue // new: nothing to compare with
				}
				differs := !reflect.DeepEqual(stored["spec"].(map[string]any)["template"], got["spec"].(map[string]any)["template"])
				id := objectID(o)
				switch {
				case wantRolled[id] && !differs:
					t.Errorf("plan rolls %s, but the API server keeps its .spec.template as it is", id)
				case !wantRolled[id] && differs && !wantReplaced[id]:
					t.Errorf("the API server changes %s's .spec.template, but plan does not roll it", id)
				case wantRolled[id]:
					rolled++
				}
			}
			for id, msg := range refused {
				if !wantReplaced[id] {
					t.Errorf("the API server refuses the new %s, which plan does not replace: %s", id, msg)
				}
			}
			for id := range wantReplaced {
				if _, ok := refused[id]; !ok {
					t.Errorf("plan replaces %s, but the API server accepts the update", id)
				} else {
					replaced++
				}
			}
			proved++
		})
	}
	t.Logf("%d corpus pairs proved on kube-apiserver: %d replacements refused by the API server as plan said, %d rolls with a changed template", proved, replaced, rolled)
	if proved < 20 {
		t.Errorf("only %d pairs changed objects; the corpus should prove more", proved)
	}
}

// dryRunApply server-side applies o as a dry run and returns what the
// API server would store.
func dryRunApply(ctx context.Context, c *controlplane.Client, o controlplane.Object) (map[string]any, error) {
	path, err := c.Path(ctx, o)
	if err != nil {
		return nil, err
	}
	q := url.Values{"fieldManager": {controlplane.FieldManager}, "force": {"true"}, "dryRun": {"All"}}
	body, err := json.Marshal(o)
	if err != nil {
		return nil, err
	}
	b, err := c.Do(ctx, http.MethodPatch, path+"?"+q.Encode(), "application/apply-patch+yaml", body)
	if err != nil {
		return nil, err
	}
	var out map[string]any
	return out, json.Unmarshal(b, &out)
}

// applyOld makes the cluster hold the old tree's objects: applied for
// real (an object an earlier pair left with a value that cannot change is
// deleted and created again), and each claim bound to a volume made for
// it, as a claim in a running cluster is.
func applyOld(t *testing.T, c *controlplane.Client, objs []controlplane.Object, n int) {
	t.Helper()
	ctx := context.Background()
	var rest []controlplane.Object
	for _, o := range objs {
		if controlplane.IsDryRunOnly(o) {
			continue
		}
		if controlplane.IsFoundation(o) {
			if err := c.Apply(ctx, o, false); err != nil {
				t.Fatalf("%s: %v", objectID(o), err)
			}
			continue
		}
		rest = append(rest, o)
	}
	for _, o := range rest {
		if err := c.Apply(ctx, o, false); err != nil {
			path, _ := c.Path(ctx, o)
			if _, derr := c.Do(ctx, http.MethodDelete, path+"?propagationPolicy=Background", "", nil); derr != nil {
				t.Fatalf("%s: %v; deleting it: %v", objectID(o), err, derr)
			}
			if err := waitGone(ctx, c, path); err != nil {
				t.Fatalf("%s: %v", objectID(o), err)
			}
			if err := c.Apply(ctx, o, false); err != nil {
				t.Fatalf("%s: %v", objectID(o), err)
			}
		}
	}
	for _, o := range rest {
		if o.Kind() != "PersistentVolumeClaim" {
			continue
		}
		bindClaim(t, c, o, n)
	}
}

func waitGone(ctx context.Context, c *controlplane.Client, path string) error {
	for i := 0; i < 600; i++ {
		var x map[string]any
		if err := c.Get(ctx, path, &x); controlplane.IsNotFound(err) {
			return nil
		}
		// A claim waits for its protection finalizer; nothing uses it here.
		if i == 50 {
			_ = c.Patch(ctx, path, map[string]any{"metadata": map[string]any{"finalizers": nil}})
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("%s still there after a minute", path)
}

// bindClaim creates a volume for a claim and binds them, unless it is
// bound already.
func bindClaim(t *testing.T, c *controlplane.Client, o controlplane.Object, n int) {
	t.Helper()
	ctx := context.Background()
	path, _ := c.Path(ctx, o)
	var pvc struct {
		Metadata struct{ UID string }
		Spec     struct {
			StorageClassName *string
			Resources        struct{ Requests map[string]string }
			AccessModes      []string
		}
		Status struct{ Phase string }
	}
	if err := c.Get(ctx, path, &pvc); err != nil {
		t.Fatal(err)
	}
	if pvc.Status.Phase == "Bound" {
		return
	}
	ns := o.Namespace()
	if ns == "" {
		ns = "default"
	}
	pvName := fmt.Sprintf("proof-%d-%s-%s", n, ns, o.Name())
	class := ""
	if pvc.Spec.StorageClassName != nil {
		class = *pvc.Spec.StorageClassName
	}
	pv := map[string]any{
		"apiVersion": "v1", "kind": "PersistentVolume", "metadata": map[string]any{"name": pvName},
		"spec": map[string]any{
			"capacity": map[string]any{"storage": pvc.Spec.Resources.Requests["storage"]}, "accessModes": pvc.Spec.AccessModes,
			"storageClassName": class, "claimRef": map[string]any{"namespace": ns, "name": o.Name(), "uid": pvc.Metadata.UID},
			"hostPath": map[string]any{"path": "/tmp/" + pvName},
		},
	}
	if err := c.Post(ctx, "/api/v1/persistentvolumes", pv, nil); err != nil {
		t.Fatalf("volume for %s: %v", objectID(o), err)
	}
	if err := c.Patch(ctx, path, map[string]any{"spec": map[string]any{"volumeName": pvName}}); err != nil {
		t.Fatalf("binding %s: %v", objectID(o), err)
	}
	for i := 0; ; i++ {
		if err := c.Get(ctx, path, &pvc); err == nil && pvc.Status.Phase == "Bound" {
			return
		}
		if i > 600 {
			t.Fatalf("%s not Bound after a minute (%s)", objectID(o), pvc.Status.Phase)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
