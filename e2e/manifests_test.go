package e2e

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/blueprint-dev/blueprint/internal/controlplane"
)

// result counts what verifyManifests proved.
type result struct {
	objects, dryRun, applied int
	rbac                     controlplane.RBACReport
	volumes                  int
	workloads, pods          int
	scheduled                time.Duration
}

func (r result) String() string {
	return fmt.Sprintf("%d objects dry-run (0 rejected), %d applied for real; RBAC: %d subjects, %d yes + %d no checks; "+
		"%d simulated volumes; %d pods of %d workloads bound in %s, placement checked",
		r.dryRun, r.applied, r.rbac.Subjects, r.rbac.Yes, r.rbac.No, r.volumes, r.pods, r.workloads, r.scheduled.Round(time.Millisecond))
}

// verifyManifests runs a built kustomization through the control plane:
//
//  1. Namespaces and CustomResourceDefinitions are applied for real, and
//     the CRDs waited on until Established: a dry run needs both to exist.
//  2. Every object is server-side applied as a dry run; each rejection is
//     reported with its kind, name and the API server's message.
//  3. Everything but the workloads is applied for real, RBAC first, except
//     webhook configurations and APIServices, whose servers do not run here.
//  4. RBAC is proven with SubjectAccessReviews (controlplane.CheckRBAC).
//  5. Storage is simulated (controlplane.SupplyVolumes: PersistentVolumes
//     for the classes the tree supplies none for, local and pinned to each
//     node for WaitForFirstConsumer classes), kubelets are simulated (bound
//     pods reported running and ready), the workloads are applied, and
//     every pod must be bound to a node within scheduleTimeout; then the
//     placement is checked (controlplane.CheckPlacement).
func verifyManifests(t *testing.T, c *controlplane.Client, objs []controlplane.Object) result {
	t.Helper()
	ctx := context.Background()
	res := result{objects: len(objs)}

	foundations := controlplane.Select(objs, controlplane.IsFoundation)
	for _, r := range c.ApplyAll(ctx, foundations, false) {
		t.Errorf("rejected: %s", r)
	}
	if err := c.WaitEstablished(ctx, foundations, 30*time.Second); err != nil {
		t.Fatal(err)
	}
	for _, o := range foundations {
		if o.Kind() == "Namespace" {
			ensureServiceAccount(t, c, o.Name())
		}
	}
	if t.Failed() {
		t.FailNow()
	}

	ok := t.Run("dry-run", func(t *testing.T) {
		rejected := c.ApplyAll(ctx, objs, true)
		for _, r := range rejected {
			t.Errorf("rejected: %s", r)
		}
		res.dryRun = len(objs) - len(rejected)
		t.Logf("%d objects dry-run, %d rejected", len(objs), len(rejected))
	})
	if !ok {
		t.FailNow()
	}

	notYet := func(o controlplane.Object) bool {
		return !controlplane.IsFoundation(o) && !controlplane.IsWorkload(o) && !controlplane.IsDryRunOnly(o)
	}
	rbac := controlplane.Select(objs, func(o controlplane.Object) bool { return notYet(o) && controlplane.IsRBAC(o) })
	rest := controlplane.Select(objs, func(o controlplane.Object) bool { return notYet(o) && !controlplane.IsRBAC(o) })
	for _, batch := range [][]controlplane.Object{rbac, rest} {
		for _, r := range c.ApplyAll(ctx, batch, false) {
			t.Errorf("rejected when applied for real: %s", r)
		}
		res.applied += len(batch)
	}
	res.applied += len(foundations)
	if t.Failed() {
		t.FailNow()
	}

	t.Run("rbac", func(t *testing.T) {
		rep, err := c.CheckRBAC(ctx, objs)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range rep.Failures {
			t.Error(f)
		}
		for _, a := range rep.Accepted {
			t.Log(a)
		}
		res.rbac = rep
		t.Logf("%d subjects: %d checks answered yes and %d no, as the rules say; %d disagreements",
			rep.Subjects, rep.Yes, rep.No, len(rep.Failures))
	})

	t.Run("scheduling", func(t *testing.T) {
		var err error
		if res.volumes, err = c.SupplyVolumes(ctx, objs); err != nil {
			t.Fatal(err)
		}
		kubelets := c.SimulateKubelets(ctx)
		defer func() {
			for _, err := range kubelets.Stop() {
				t.Errorf("simulated kubelet: %v", err)
			}
		}()
		workloads := controlplane.Select(objs, controlplane.IsWorkload)
		for _, r := range c.ApplyAll(ctx, workloads, false) {
			t.Errorf("rejected when applied for real: %s", r)
		}
		res.applied += len(workloads)
		began := time.Now()
		ws, cl, err := c.WaitScheduled(ctx, objs, scheduleTimeout)
		res.scheduled = time.Since(began)
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range controlplane.CheckPlacement(cl, ws) {
			t.Error(v)
		}
		res.workloads = len(ws)
		for _, w := range ws {
			res.pods += len(w.Pods)
		}
		t.Logf("%d pods of %d workloads bound in %s, with %d simulated volumes", res.pods, res.workloads,
			res.scheduled.Round(time.Millisecond), res.volumes)
	})
	return res
}
