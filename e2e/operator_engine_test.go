package e2e

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/blueprint-dev/blueprint/internal/controlplane"
	"github.com/blueprint-dev/blueprint/plan"
	"github.com/blueprint-dev/blueprint/spec"
)

// operatorEngine renders a spec of an operator engine and starts a control
// plane for it with the spec's nodes registered: the plan, the rendered
// folder, a client and the objects manifests/ builds to.
func operatorEngine(t *testing.T, specFile string) (*plan.Plan, string, *controlplane.Client, []controlplane.Object) {
	t.Helper()
	opts := need(t, controlplane.Options{ControllerManager: true, Scheduler: true})
	p, dir := renderFile(t, specFile, spec.Options{})
	opts.WorkDir = t.TempDir()
	opts.ServiceCIDR = p.ServiceSubnet
	opts.APIServerArgs = apiServerArgs(t, dir)
	cp := start(t, opts)
	c := cp.Client()
	if _, err := c.RegisterNodes(context.Background(), nodeSpecs(p)); err != nil {
		t.Fatal(err)
	}
	return p, dir, c, kustomize(t, filepath.Join(dir, "manifests"))
}
